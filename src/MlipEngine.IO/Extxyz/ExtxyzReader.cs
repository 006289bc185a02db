using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.IO.Text;
using MlipEngine.State;

namespace MlipEngine.IO.Extxyz;

/// <summary>
/// Streaming reader of extended XYZ files with ASE 3.22's conventions (ase/io/extxyz.py). Frames are
/// parsed one at a time as the enumeration advances, so a multi-GB file never sits in memory.
/// </summary>
/// <remarks>
/// <para>Comment line: <c>Lattice="ax ay az bx by bz cx cy cz"</c> (rows a, b, c in Å);
/// <c>pbc="T T F"</c> (default T T T when Lattice is present, else F F F);
/// <c>Properties=species:S:1:pos:R:3:…</c> (name:type:columns triplets, types S, R, I, L; default
/// <c>species:S:1:pos:R:3</c>); the energy key (eV) and stress key (eV/Å³; 9 components in ASE's
/// Fortran order, or 6 Voigt xx yy zz yz xz xy) become labels; all other keys (e.g. <c>free_energy</c>,
/// <c>virial</c>, <c>config_type</c>) go to <see cref="Frame.Info"/> in file order.</para>
/// <para>Columns: <c>species</c> (symbol, case-normalised as ASE does) or <c>Z</c> (Z wins when both are
/// present, as in ASE) → numbers; <c>pos</c> → positions (Å); <c>masses</c> (or <c>mass</c>) → masses
/// (amu); <c>momenta</c> (ASE units amu·Å/(Å·√(amu/eV))) → velocities in Å/fs, v = (p/m)·fs with
/// standard masses when no masses column is present; the forces column (eV/Å) and per-atom energies
/// column (eV) → labels; every other column → <see cref="Frame.Arrays"/> in file order.</para>
/// <para>Errors are <see cref="StructureFormatException"/> with the frame index and line.</para>
/// </remarks>
public sealed class ExtxyzReader
{
    private readonly ExtxyzOptions _options;

    public ExtxyzReader(ExtxyzOptions? options = null) { _options = options ?? ExtxyzOptions.Default; }

    /// <summary>Lazily reads all frames of a file; the file is opened on first enumeration and closed at the end.</summary>
    public IEnumerable<Frame> ReadFrames(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, true, 1 << 16);
        foreach (var f in ReadFrames(reader, path)) yield return f;
    }

    /// <summary>Lazily reads frames from <paramref name="reader"/>; <paramref name="sourceName"/> names it in error messages.</summary>
    public IEnumerable<Frame> ReadFrames(TextReader reader, string? sourceName = null)
    {
        var lines = new LineReader(reader, sourceName);
        int index = 0;
        while (true)
        {
            lines.Frame = index;
            long frameEnd = -1;
            var frame = ReadFrame(lines, index, ref frameEnd);
            if (frame == null) yield break;
            yield return frame;
            index++;
        }
    }

    /// <summary>
    /// Lazily reads every frame of a file, not stopping at a bad one: a frame whose atom-count line
    /// was read but whose values are bad (a NaN coordinate, an unknown element, a missing column) is
    /// an entry with its error, and reading goes on after its declared lines. Only a frame whose
    /// atom-count line is unreadable loses the frame boundaries: it is the last entry, with
    /// <see cref="FrameRead.RestUnread"/> set. I/O errors are thrown as by <see cref="ReadFrames(string)"/>.
    /// </summary>
    public IEnumerable<FrameRead> ReadEachFrame(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, true, 1 << 16);
        var lines = new LineReader(reader, path);
        for (int index = 0; ; index++)
        {
            lines.Frame = index;
            long frameEnd = -1;
            Frame? frame = null; StructureFormatException? error = null;
            try { frame = ReadFrame(lines, index, ref frameEnd); }
            catch (StructureFormatException e) { error = e; }
            if (error == null)
            {
                if (frame == null) yield break;
                yield return new FrameRead(index, frame, null, false);
                continue;
            }
            bool lost = frameEnd < 0;
            yield return new FrameRead(index, null, error, lost);
            if (lost) yield break;
            while (lines.LineNumber < frameEnd && lines.ReadLine() != null) { }
        }
    }

    /// <summary>Reads the first frame of a file.</summary>
    public Frame ReadFirst(string path)
    {
        foreach (var f in ReadFrames(path)) return f;
        throw StructureFormatException.NoFrames(path);
    }

    private sealed class Column
    {
        public required string Name;
        public char Type;
        public int Count;
        public int Offset;
        public Array Data = null!;
    }

    /// <param name="frameEnd">Set to the frame's last line (count + comment + atom lines) once its atom-count line is read.</param>
    private Frame? ReadFrame(LineReader lines, int index, ref long frameEnd)
    {
        string? header;
        do
        {
            header = lines.ReadLine();
            if (header == null) return null;
        } while (string.IsNullOrWhiteSpace(header));

        if (!Tokens.TryParseInt(header, out int natoms) || natoms < 0)
            throw lines.Error($"expected the number of atoms, found '{Tokens.Truncate(header.AsSpan().Trim())}'");
        frameEnd = lines.LineNumber + 1 + natoms;

        string comment = lines.ReadRequiredLine($"the comment line of a frame with {natoms} atoms");
        long commentLine = lines.LineNumber;

        // ---- comment line ----
        var info = new List<KeyValuePair<string, object>>();
        string? propertiesText = null;
        object? latticeValue = null, pbcValue = null, energyValue = null, stressValue = null;
        foreach (var (key, raw) in ExtxyzKeyValues.SplitRaw(comment))
        {
            if (key == "Properties") { propertiesText = raw ?? ""; continue; }
            object value = ExtxyzKeyValues.ConvertValue(key, raw);
            if (key == "Lattice") latticeValue = value;
            else if (key == "pbc") pbcValue = value;
            else if (key == _options.EnergyKey) energyValue = value;
            else if (key == _options.StressKey) stressValue = value;
            else info.Add(new(key, value));
        }

        var columns = ParseProperties(propertiesText ?? "species:S:1:pos:R:3", lines, commentLine);
        int totalColumns = 0;
        foreach (var c in columns) { c.Offset = totalColumns; totalColumns += c.Count; }

        Column? species = null, pos = null, z = null, masses = null, momenta = null, forces = null, energies = null;
        foreach (var c in columns)
        {
            switch (c.Name)
            {
                case "species": species = Expect(c, 'S', 1); break;
                case "pos": pos = Expect(c, 'R', 3); break;
                case "Z": z = Expect(c, 'I', 1); break;
                case "masses" or "mass": masses ??= Expect(c, 'R', 1); break;
                case "momenta": momenta = Expect(c, 'R', 3); break;
            }
            if (c.Name == _options.ForcesKey) forces = Expect(c, 'R', 3);
            else if (c.Name == _options.AtomEnergiesKey) energies = Expect(c, 'R', 1);
        }
        if (pos == null) throw lines.Error(commentLine, "Properties has no pos:R:3 column");
        if (species == null && z == null) throw lines.Error(commentLine, "Properties has neither a species:S:1 nor a Z:I:1 column");

        Column Expect(Column c, char type, int count)
        {
            if (c.Type != type || c.Count != count)
                throw lines.Error(commentLine, $"Properties column '{c.Name}' must be {type}:{count}, found {c.Type}:{c.Count}");
            return c;
        }

        // ---- atom lines ----
        foreach (var c in columns)
        {
            long n = (long)natoms * c.Count;
            if (n > Array.MaxLength) throw lines.Error(commentLine, $"{natoms} atoms × {c.Count} columns of '{c.Name}' is too large");
            c.Data = c.Type switch
            {
                'R' => new double[n],
                'I' => new long[n],
                'L' => new bool[n],
                _ => new string[n],
            };
        }
        var numbers = new int[natoms];
        Span<Range> ranges = totalColumns <= 256 ? stackalloc Range[totalColumns + 1] : new Range[totalColumns + 1];
        string? lastSymbol = null;
        int lastZ = 0;
        for (int atom = 0; atom < natoms; atom++)
        {
            string? line = lines.ReadLine();
            if (line == null)
                throw lines.Error(lines.LineNumber + 1, $"file ends after {atom} of {natoms} atom lines");
            var span = line.AsSpan();
            int found = Tokens.Split(span, ranges);
            if (found != totalColumns)
                throw lines.Error($"expected {totalColumns} columns per atom from Properties, found {found}");
            foreach (var c in columns)
            {
                for (int k = 0; k < c.Count; k++)
                {
                    var tok = span[ranges[c.Offset + k]];
                    int at = atom * c.Count + k;
                    switch (c.Type)
                    {
                        case 'R':
                            if (!Tokens.TryParseDouble(tok, out ((double[])c.Data)[at]))
                                throw lines.Error($"column {c.Offset + k + 1} ('{c.Name}'): '{Tokens.Truncate(tok)}' is not a number");
                            break;
                        case 'I':
                            if (!Tokens.TryParseLong(tok, out ((long[])c.Data)[at]))
                                throw lines.Error($"column {c.Offset + k + 1} ('{c.Name}'): '{Tokens.Truncate(tok)}' is not an integer");
                            break;
                        case 'L':
                            if (!Tokens.TryParseBool(tok, out ((bool[])c.Data)[at]))
                                throw lines.Error($"column {c.Offset + k + 1} ('{c.Name}'): '{Tokens.Truncate(tok)}' is not a logical (T/F)");
                            break;
                        default:
                            if (c == species)
                            {
                                // Element lookup with a one-entry cache: files are usually sorted by species.
                                if (lastSymbol == null || !tok.SequenceEqual(lastSymbol))
                                {
                                    lastSymbol = tok.ToString();
                                    if (!TryElement(tok, out lastZ))
                                        throw lines.Error($"column {c.Offset + 1} ('species'): unknown element '{Tokens.Truncate(tok)}'");
                                }
                                ((string[])c.Data)[at] = lastSymbol;
                                numbers[atom] = lastZ;
                            }
                            else ((string[])c.Data)[at] = tok.ToString();
                            break;
                    }
                }
            }
            if (z != null)
            {
                long zz = ((long[])z.Data)[atom];
                if (zz < 0 || zz > Element.MaxAtomicNumber)
                    throw lines.Error($"column {z.Offset + 1} ('Z'): no element with atomic number {zz}");
                numbers[atom] = (int)zz;
            }
            var p = (double[])pos.Data;
            if (!double.IsFinite(p[3 * atom]) || !double.IsFinite(p[3 * atom + 1]) || !double.IsFinite(p[3 * atom + 2]))
                throw lines.Error($"position of atom {atom} is not finite");
        }

        // ---- cell ----
        Mat3 matrix = Mat3.Zero;
        bool pa = false, pb = false, pc = false;
        if (latticeValue != null)
        {
            if (!ExtxyzKeyValues.TryGetDoubles(latticeValue, out var lat) || lat.Length != 9)
                throw lines.Error(commentLine, "Lattice must be 9 numbers (rows a, b, c)");
            foreach (double v in lat)
                if (!double.IsFinite(v)) throw lines.Error(commentLine, "Lattice contains a non-finite number");
            matrix = Mat3.FromRowMajor(lat);
            pa = pb = pc = true;
        }
        if (pbcValue != null)
        {
            switch (pbcValue)
            {
                case bool b: pa = pb = pc = b; break;
                case bool[] { Length: 3 } bs: pa = bs[0]; pb = bs[1]; pc = bs[2]; break;
                default: throw lines.Error(commentLine, "pbc must be three logicals, e.g. pbc=\"T T F\"");
            }
        }
        Cell cell;
        try { cell = new Cell(matrix, pa, pb, pc); }
        catch (ArgumentException e) { throw lines.Error(commentLine, "invalid cell: " + e.Message); }

        // ---- structure and labels ----
        var pd = (double[])pos.Data;
        var positions = new Vec3[natoms];
        for (int i = 0; i < natoms; i++) positions[i] = new Vec3(pd[3 * i], pd[3 * i + 1], pd[3 * i + 2]);
        double[]? massArray = masses != null ? (double[])masses.Data : null;
        Vec3[]? velocities = null;
        if (momenta != null)
        {
            var md = (double[])momenta.Data;
            velocities = new Vec3[natoms];
            for (int i = 0; i < natoms; i++)
            {
                double m = massArray?[i] ?? Element.Mass(numbers[i]);
                velocities[i] = new Vec3(AseUnits.VelocityFromMomentum(md[3 * i], m),
                    AseUnits.VelocityFromMomentum(md[3 * i + 1], m), AseUnits.VelocityFromMomentum(md[3 * i + 2], m));
            }
        }
        var frame = new Frame(new AtomicStructure(numbers, positions, cell, massArray, velocities))
        {
            Source = lines.SourceName,
            Index = index,
        };
        if (energyValue != null)
        {
            if (!ExtxyzKeyValues.TryGetDoubles(energyValue, out var e) || e.Length != 1)
                throw lines.Error(commentLine, $"{_options.EnergyKey} must be one number");
            frame.Energy = e[0];
        }
        if (stressValue != null)
        {
            if (!ExtxyzKeyValues.TryGetDoubles(stressValue, out var s) || (s.Length != 9 && s.Length != 6))
                throw lines.Error(commentLine, $"{_options.StressKey} must be 9 numbers (3×3) or 6 (Voigt xx yy zz yz xz xy)");
            frame.Stress = s.Length == 9
                // ASE writes the 3×3 matrix in Fortran (column-major) order: file[i + 3j] = σ[i, j].
                ? [s[0], s[3], s[6], s[1], s[4], s[7], s[2], s[5], s[8]]
                : [s[0], s[5], s[4], s[5], s[1], s[3], s[4], s[3], s[2]];
        }
        if (forces != null)
        {
            var fd = (double[])forces.Data;
            var f = new Vec3[natoms];
            for (int i = 0; i < natoms; i++) f[i] = new Vec3(fd[3 * i], fd[3 * i + 1], fd[3 * i + 2]);
            frame.Forces = f;
        }
        if (energies != null) frame.AtomEnergies = (double[])energies.Data;
        frame.Info.AddRange(info);
        foreach (var c in columns)
        {
            if (c == species || c == pos || c == z || c == masses || c == momenta || c == forces || c == energies) continue;
            frame.Arrays.Add(new PerAtomArray(c.Name, c.Type, c.Count, c.Data));
        }
        return frame;
    }

    private static List<Column> ParseProperties(string text, LineReader lines, long line)
    {
        var fields = text.Split(':');
        if (fields.Length % 3 != 0 || text.Length == 0)
            throw lines.Error(line, $"Properties must be name:type:columns triplets, found '{Tokens.Truncate(text, 80)}'");
        var columns = new List<Column>(fields.Length / 3);
        for (int i = 0; i < fields.Length; i += 3)
        {
            string name = fields[i];
            if (fields[i + 1] is not ("R" or "I" or "S" or "L"))
                throw lines.Error(line, $"Properties column '{name}' has unknown type '{fields[i + 1]}' (expected S, R, I or L)");
            if (!Tokens.TryParseInt(fields[i + 2], out int count) || count < 1)
                throw lines.Error(line, $"Properties column '{name}' has invalid column count '{fields[i + 2]}'");
            foreach (var c in columns)
                if (c.Name == name) throw lines.Error(line, $"Properties names column '{name}' twice");
            columns.Add(new Column { Name = name, Type = fields[i + 1][0], Count = count });
        }
        return columns;
    }

    /// <summary>Element symbol to Z, accepting ASE's capitalisation rule ("CU", "cu" → Cu).</summary>
    internal static bool TryElement(ReadOnlySpan<char> symbol, out int z)
    {
        if (Element.TryAtomicNumber(symbol, out z)) return true;
        if (symbol is "X") { z = 0; return true; } // ASE's dummy atom
        if (symbol.Length is 0 or > 3) return false;
        Span<char> norm = stackalloc char[symbol.Length];
        norm[0] = char.ToUpperInvariant(symbol[0]);
        for (int i = 1; i < symbol.Length; i++) norm[i] = char.ToLowerInvariant(symbol[i]);
        return Element.TryAtomicNumber(norm, out z);
    }
}
