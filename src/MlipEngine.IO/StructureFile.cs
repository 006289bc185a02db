using MlipEngine.IO.Extxyz;
using MlipEngine.IO.Lammps;
using MlipEngine.IO.Vasp;

namespace MlipEngine.IO;

/// <summary>Structure file formats known to <see cref="StructureFile"/>.</summary>
public enum StructureFormat
{
    /// <summary>Choose from the file name.</summary>
    Auto,
    /// <summary>Extended XYZ (.xyz, .extxyz), many frames.</summary>
    Extxyz,
    /// <summary>VASP POSCAR/CONTCAR (POSCAR*, CONTCAR*, *.vasp, *.poscar), one frame.</summary>
    Poscar,
    /// <summary>LAMMPS data file, atom_style atomic (.data, .lmp, .lammps-data), one frame.</summary>
    LammpsData,
}

/// <summary>Options for all formats; each reader or writer uses the part that concerns it.</summary>
public sealed record StructureFileOptions
{
    public ExtxyzOptions Extxyz { get; init; } = ExtxyzOptions.Default;
    /// <summary>Species per count group for VASP 4 POSCARs without a species line.</summary>
    public IReadOnlyList<string>? PoscarSpecies { get; init; }
    /// <summary>Write POSCAR positions as Cartesian (bit-exact round trip) instead of Direct.</summary>
    public bool PoscarCartesian { get; init; }
    public LammpsDataReadOptions LammpsRead { get; init; } = new();
    public LammpsDataWriteOptions LammpsWrite { get; init; } = new();
}

/// <summary>
/// Reads and writes structure files choosing the format from the file name (or an explicit
/// <see cref="StructureFormat"/>): .xyz/.extxyz → extxyz; POSCAR*/CONTCAR*/*.vasp/*.poscar → POSCAR;
/// .data/.lmp/.lammps-data → LAMMPS data. Reading is lazy (frames are parsed as enumerated).
/// </summary>
public static class StructureFile
{
    /// <summary>The format a file name implies; throws <see cref="ArgumentException"/> when it implies none.</summary>
    public static StructureFormat DetectFormat(string path)
    {
        var name = Path.GetFileName(path);
        var lower = name.ToLowerInvariant();
        if (lower.EndsWith(".xyz") || lower.EndsWith(".extxyz")) return StructureFormat.Extxyz;
        if (name.StartsWith("POSCAR", StringComparison.OrdinalIgnoreCase) || name.StartsWith("CONTCAR", StringComparison.OrdinalIgnoreCase)
            || lower.EndsWith(".vasp") || lower.EndsWith(".poscar")) return StructureFormat.Poscar;
        if (lower.EndsWith(".data") || lower.EndsWith(".lmp") || lower.EndsWith(".lammps-data")) return StructureFormat.LammpsData;
        throw new ArgumentException($"cannot tell the structure format of '{name}' from its name; pass the format explicitly");
    }

    /// <summary>True when <see cref="DetectFormat"/> recognises the name.</summary>
    public static bool IsStructureFileName(string path)
    {
        try { DetectFormat(path); return true; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>
    /// Frames of a file, or of every recognised structure file in a directory (not recursive) in
    /// ordinal order of file names.
    /// </summary>
    public static IEnumerable<Frame> ReadFrames(string path, StructureFormat format = StructureFormat.Auto, StructureFileOptions? options = null)
    {
        options ??= new StructureFileOptions();
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path)
                .Where(f => format != StructureFormat.Auto || IsStructureFileName(f))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                .ToList();
            return ReadMany(files, format, options);
        }
        return ReadOne(path, format == StructureFormat.Auto ? DetectFormat(path) : format, options);
    }

    private static IEnumerable<Frame> ReadMany(List<string> files, StructureFormat format, StructureFileOptions options)
    {
        foreach (var f in files)
            foreach (var frame in ReadOne(f, format == StructureFormat.Auto ? DetectFormat(f) : format, options))
                yield return frame;
    }

    private static IEnumerable<Frame> ReadOne(string path, StructureFormat format, StructureFileOptions options)
    {
        switch (format)
        {
            case StructureFormat.Extxyz:
                foreach (var f in new ExtxyzReader(options.Extxyz).ReadFrames(path)) yield return f;
                break;
            case StructureFormat.Poscar:
                yield return Poscar.Read(path, options.PoscarSpecies);
                break;
            case StructureFormat.LammpsData:
                yield return LammpsData.Read(path, options.LammpsRead);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format));
        }
    }

    /// <summary>Reads a single-structure file or the first frame of a trajectory.</summary>
    public static Frame ReadFirst(string path, StructureFormat format = StructureFormat.Auto, StructureFileOptions? options = null)
    {
        foreach (var f in ReadFrames(path, format, options)) return f;
        throw StructureFormatException.NoFrames(path);
    }

    /// <summary>
    /// Writes frames; POSCAR and LAMMPS data hold exactly one frame. For LAMMPS the transform into
    /// LAMMPS' frame is discarded here — call <see cref="LammpsData.Write(string, Frame, LammpsDataWriteOptions?)"/>
    /// when you need it.
    /// </summary>
    public static void Write(string path, IEnumerable<Frame> frames, StructureFormat format = StructureFormat.Auto, StructureFileOptions? options = null)
    {
        options ??= new StructureFileOptions();
        if (format == StructureFormat.Auto) format = DetectFormat(path);
        if (format == StructureFormat.Extxyz) { ExtxyzWriter.Write(path, frames, options.Extxyz); return; }
        var list = frames.Take(2).ToList();
        if (list.Count != 1) throw new ArgumentException($"{format} files hold exactly one structure, {(list.Count == 0 ? "none" : "several")} given");
        if (format == StructureFormat.Poscar) Poscar.Write(path, list[0], options.PoscarCartesian);
        else LammpsData.Write(path, list[0], options.LammpsWrite);
    }

    public static void Write(string path, Frame frame, StructureFormat format = StructureFormat.Auto, StructureFileOptions? options = null) =>
        Write(path, [frame], format, options);
}
