using MlipEngine.Workflows;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using MlipEngine.Dynamics.Md;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.IO.Trajectory;
using MlipEngine.Units;

namespace MlipEngine.Workflows.Md;

/// <summary>
/// An append-only output file whose length is recorded in checkpoints; on restart it is truncated
/// back to that length, so frames written after the checkpoint are not duplicated.
/// </summary>
public abstract class MdOutputFile : IDisposable
{
    /// <summary>A file written by a library (no text stream); subclasses override <see cref="Length"/>, <see cref="Flush"/>, <see cref="Dispose"/>.</summary>
    protected MdOutputFile(string path) { Path = path; Stream = null!; Writer = null!; }

    protected MdOutputFile(string path, long? truncateTo)
    {
        Path = path;
        // Opened without truncating and locked (FileShare.None is an exclusive flock on Unix) before
        // anything is cut: a second run writing the same file fails here instead of garbling it.
        Stream = OpenExclusive(path);
        if (truncateTo is long len)
        {
            if (Stream.Length < len) throw new FormatException($"{path} is shorter ({Stream.Length} bytes) than at the checkpoint ({len} bytes); it was changed since");
            Stream.SetLength(len);
            Stream.Seek(0, SeekOrigin.End);
        }
        else Stream.SetLength(0);
        Writer = new StreamWriter(Stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
    }

    /// <summary>Opens (creating) <paramref name="path"/> for writing with an exclusive lock; another run holding it is a clear error.</summary>
    public static FileStream OpenExclusive(string path, FileOptions options = FileOptions.None)
    {
        try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, options); }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && File.Exists(path))
        {
            throw new IOException($"{path} is being written by another run (it is locked): wait for that run, or give this one other output files");
        }
    }

    public string Path { get; }
    protected FileStream Stream { get; }
    protected StreamWriter Writer { get; }
    public string Key => GetType().Name;
    /// <summary>Bytes written so far (after a flush).</summary>
    public virtual long Length { get { Writer.Flush(); return Stream.Length; } }
    public virtual void Flush() { Writer.Flush(); Stream.Flush(); }
    public virtual void Dispose() { Writer.Flush(); Writer.Dispose(); }
}

/// <summary>Thermo CSV: step, time, energies, temperature, pressure, stress (Voigt, GPa, ASE sign), volume.</summary>
public sealed class ThermoCsv : MdOutputFile
{
    public const string Header = "step,time_fs,pe_eV,ke_eV,etotal_eV,temperature_K,pressure_GPa,sxx_GPa,syy_GPa,szz_GPa,syz_GPa,sxz_GPa,sxy_GPa,volume_A3,conserved_eV";

    public ThermoCsv(string path, long? truncateTo) : base(path, truncateTo)
    {
        if (truncateTo is null) Writer.Write(Header + "\n");
    }

    public void Write(in ThermoSample t)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(256);
        sb.Append(t.Step.ToString(ic)).Append(',').Append(R(t.Time)).Append(',').Append(R(t.Potential)).Append(',').Append(R(t.Kinetic)).Append(',')
          .Append(R(t.Potential + t.Kinetic)).Append(',').Append(R(t.Temperature)).Append(',').Append(R(t.PressureGPa));
        foreach (int k in Voigt) sb.Append(',').Append(R(t.StressGPa[k]));
        sb.Append(',').Append(R(t.Volume)).Append(',').Append(R(t.Conserved)).Append('\n');
        Writer.Write(sb);
        Writer.Flush();
    }

    private static readonly int[] Voigt = [0, 4, 8, 5, 2, 1];
    private static string R(double v) => double.IsNaN(v) ? "nan" : v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One thermo line's values. Stress is the full (kinetic + virial) stress −P, GPa, row-major.</summary>
public struct ThermoSample
{
    public long Step;
    public double Time, Potential, Kinetic, Temperature, PressureGPa, Volume, Conserved;
    public double[] StressGPa;

    public static ThermoSample Measure(MdSystem s, long step, double time, double extended)
    {
        Span<double> k = stackalloc double[9];
        s.KineticTensor(k);
        return Measure(s, step, time, extended, k, s.KineticEnergy());
    }

    /// <summary>
    /// As <see cref="Measure(MdSystem, long, double, double)"/> with the kinetic tensor (eV, row-major)
    /// measured elsewhere (reduced on the device in device-resident runs); K = trace/2.
    /// </summary>
    public static ThermoSample Measure(MdSystem s, long step, double time, double extended, ReadOnlySpan<double> kineticTensor) =>
        Measure(s, step, time, extended, kineticTensor, 0.5 * (kineticTensor[0] + kineticTensor[4] + kineticTensor[8]));

    private static ThermoSample Measure(MdSystem s, long step, double time, double extended, ReadOnlySpan<double> kineticTensor, double kinetic)
    {
        var t = new ThermoSample { Step = step, Time = time, Potential = s.PotentialEnergy, Kinetic = kinetic, StressGPa = new double[9] };
        t.Temperature = s.Temperature(t.Kinetic);
        Span<double> p = stackalloc double[9];
        s.PressureTensor(kineticTensor, p);
        for (int k = 0; k < 9; k++) t.StressGPa[k] = -p[k] * PhysicalConstants.EvPerA3ToGPa;
        t.PressureGPa = (p[0] + p[4] + p[8]) / 3 * PhysicalConstants.EvPerA3ToGPa;
        var cell = s.Cell;
        t.Volume = cell.IsNonSingular ? cell.Volume : double.NaN;
        t.Conserved = t.Potential + t.Kinetic + extended;
        return t;
    }
}

/// <summary>Trajectory frames: extxyz (positions, velocities, forces, energy, stress, step, time) or LAMMPS dump.</summary>
public sealed class TrajectoryFile : MdOutputFile
{
    private readonly ExtxyzWriter? _xyz;
    private readonly LammpsDumpWriter? _dump;

    private TrajectoryFile(string path, long? truncateTo, bool dump) : base(path, truncateTo)
    {
        if (dump) _dump = new LammpsDumpWriter(Writer, flushEachFrame: true);
        else _xyz = new ExtxyzWriter(Writer, flushEachFrame: true);
    }

    private readonly string? _h5Path;
    private H5mdWriter? _h5;
    private readonly long? _h5Keep;

    private TrajectoryFile(string path, long? truncateTo, string h5Path) : base(path)
    {
        if (!H5mdWriter.IsAvailable())
            throw new UsageException($"trajectory '{path}': H5MD needs Debian's libhdf5 (apt-get install libhdf5-103-1), which is not installed; use .xyz or .dump");
        _h5Path = h5Path; _h5Keep = truncateTo;
        _h5Lock = OpenExclusive(h5Path + ".lock", FileOptions.DeleteOnClose);   // libhdf5 opens the file itself: lock a sidecar
    }

    private readonly FileStream? _h5Lock;

    /// <summary>Length recorded in checkpoints: bytes for text formats, frames for H5MD.</summary>
    public override long Length => _h5Path != null ? _h5?.Frames ?? _h5Keep ?? 0 : base.Length;
    public override void Flush() { if (_h5Path != null) _h5?.Flush(); else base.Flush(); }
    public override void Dispose() { if (_h5Path != null) { _h5?.Dispose(); _h5Lock?.Dispose(); } else base.Dispose(); }

    public static TrajectoryFile Open(string path, long? truncateTo)
    {
        string name = System.IO.Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".xyz") || name.EndsWith(".extxyz")) return new TrajectoryFile(path, truncateTo, dump: false);
        if (name.EndsWith(".dump") || name.EndsWith(".lammpstrj") || name.StartsWith("dump.")) return new TrajectoryFile(path, truncateTo, dump: true);
        if (name.EndsWith(".h5") || name.EndsWith(".h5md") || name.EndsWith(".hdf5")) return new TrajectoryFile(path, truncateTo, path);
        throw new UsageException($"trajectory '{path}': unknown format (use .xyz/.extxyz for extended XYZ, .dump/.lammpstrj for a LAMMPS dump)");
    }

    /// <summary>Writes <paramref name="s"/>'s own atoms (its slice of the batch).</summary>
    public void Write(MdSystem s, long step, double time)
    {
        var cell = s.Cell;
        if (_h5Path != null)
        {
            // Created on the first frame (the species are known then); a restart keeps the checkpoint's frames.
            _h5 ??= new H5mdWriter(_h5Path, s.Numbers.ToArray(), [cell.PeriodicA, cell.PeriodicB, cell.PeriodicC],
                typeof(TrajectoryFile).Assembly.GetName().Version?.ToString() ?? "0", _h5Keep);
            _h5.Write(step, time, cell, s.PotentialEnergy, s.X, s.Y, s.Z, s.VX, s.VY, s.VZ, s.ForceX, s.ForceY, s.ForceZ);
            return;
        }
        if (_dump != null) { _dump.Write(step, s.Numbers, s.X, s.Y, s.Z, cell); return; }
        var st = s.Batch.GetSystem(s.SystemIndex);
        var frame = new Frame(st) { Energy = s.PotentialEnergy };
        var f = new Vec3[s.AtomCount];
        for (int i = 0; i < f.Length; i++) f[i] = s.Forces.Force(s.Start + i);
        frame.Forces = f;
        if (cell.FullyPeriodic) frame.Stress = s.Stress.ToArray();
        frame.SetInfo("step", step);
        frame.SetInfo("time", time);
        _xyz!.Write(frame);
    }
}
