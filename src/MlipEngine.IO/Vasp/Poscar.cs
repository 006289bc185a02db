using System.Globalization;
using System.Text;
using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.IO.Extxyz;
using MlipEngine.IO.Text;
using MlipEngine.State;

namespace MlipEngine.IO.Vasp;

/// <summary>
/// VASP POSCAR/CONTCAR reader and writer.
/// </summary>
/// <remarks>
/// <para>Layout: comment; scale (one number s: lattice × s, or s &lt; 0: the cell is scaled to volume |s| Å³;
/// or three numbers: per-Cartesian-component factors); three lattice vectors (rows a, b, c);
/// VASP 5 species line (absent in VASP 4: species then come from the caller, else from the comment
/// line as ASE does); counts; optional "Selective dynamics"; "Direct" or "Cartesian"/"K…"; one
/// line per atom (3 numbers, then T/F flags with selective dynamics); then optionally a velocity block
/// (a blank, "Cartesian" or "Direct" line and one velocity per atom: Å/fs, or fractional/fs for Direct).
/// Cartesian positions are multiplied by the same scale as the lattice.</para>
/// <para>The frame gets <c>comment</c> in <see cref="Frame.Info"/> and, with selective dynamics, a
/// <c>selective_dynamics</c> L:3 array in <see cref="Frame.Arrays"/> (true = the coordinate may move,
/// VASP's T). The cell is fully periodic.</para>
/// </remarks>
public static class Poscar
{
    /// <summary>Name of the per-atom L:3 array holding selective-dynamics flags (true = free, VASP "T").</summary>
    public const string SelectiveDynamicsArray = "selective_dynamics";

    /// <summary>Reads a POSCAR/CONTCAR file.</summary>
    /// <param name="species">Species per count group for VASP 4 files (ignored when the file has a species line).</param>
    public static Frame Read(string path, IReadOnlyList<string>? species = null)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path, species);
    }

    public static Frame Read(TextReader reader, string? sourceName = null, IReadOnlyList<string>? species = null)
    {
        var lines = new LineReader(reader, sourceName);
        string comment = lines.ReadRequiredLine("the comment line");

        // ---- scale ----
        string scaleLine = lines.ReadRequiredLine("the scale factor");
        var scale = ParseNumbers(lines, scaleLine, 3, stopAtComment: true);
        if (scale.Length is not (1 or 3)) throw lines.Error($"expected 1 or 3 scale factors, found {scale.Length}");
        long scaleLineNo = lines.LineNumber;

        // ---- lattice ----
        var rows = new Vec3[3];
        for (int i = 0; i < 3; i++)
        {
            var l = lines.ReadRequiredLine($"lattice vector {"abc"[i]}");
            var v = ParseNumbers(lines, l, 3, stopAtComment: true);
            if (v.Length < 3) throw lines.Error($"lattice vector {"abc"[i]} needs 3 numbers, found {v.Length}");
            rows[i] = new Vec3(v[0], v[1], v[2]);
            if (!rows[i].IsFinite) throw lines.Error($"lattice vector {"abc"[i]} is not finite");
        }
        var raw = Mat3.FromRows(rows[0], rows[1], rows[2]);
        Vec3 factor;
        if (scale.Length == 3)
        {
            if (scale[0] <= 0 || scale[1] <= 0 || scale[2] <= 0) throw lines.Error(scaleLineNo, "three scale factors must all be positive");
            factor = new Vec3(scale[0], scale[1], scale[2]);
        }
        else if (scale[0] < 0)
        {
            double det = Math.Abs(raw.Determinant);
            if (det == 0) throw lines.Error(scaleLineNo, "negative scale (target volume) with a zero-volume lattice");
            double s = Math.Cbrt(-scale[0] / det);
            factor = new Vec3(s, s, s);
        }
        else if (scale[0] == 0 || !double.IsFinite(scale[0])) throw lines.Error(scaleLineNo, $"invalid scale factor {scale[0]}");
        else factor = new Vec3(scale[0], scale[0], scale[0]);
        var lattice = Mat3.FromRows(Scale(rows[0], factor), Scale(rows[1], factor), Scale(rows[2], factor));
        Cell cell;
        try { cell = new Cell(lattice, true); }
        catch (ArgumentException e) { throw lines.Error(lines.LineNumber, "invalid cell: " + e.Message); }

        // ---- species and counts ----
        string l6 = lines.ReadRequiredLine("the species or counts line");
        long l6No = lines.LineNumber;
        string[] l6Tokens = StripComment(l6).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (l6Tokens.Length == 0) throw lines.Error("expected species or atom counts, found an empty line");
        string[] symbols;
        string countLine;
        if (!Tokens.TryParseInt(l6Tokens[0], out _))
        {
            symbols = l6Tokens.Select(t => t.Split('_', '/')[0]).ToArray(); // "Fe_pv", "Fe/abc123" (POTCAR labels)
            countLine = lines.ReadRequiredLine("the atom counts line");
        }
        else
        {
            symbols = [];
            countLine = l6;
        }
        var countTokens = StripComment(countLine).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var counts = new int[countTokens.Length];
        for (int i = 0; i < counts.Length; i++)
            if (!Tokens.TryParseInt(countTokens[i], out counts[i]) || counts[i] < 0)
                throw lines.Error($"atom count '{Tokens.Truncate(countTokens[i])}' is not a non-negative integer");
        if (counts.Length == 0) throw lines.Error("no atom counts");
        if (symbols.Length == 0)
        {
            if (species != null) symbols = species.ToArray();
            else
            {
                symbols = SymbolsFromComment(comment);
                if (symbols.Length < counts.Length)
                    throw lines.Error(l6No, $"VASP 4 POSCAR without a species line: {counts.Length} species counts but the comment line names {symbols.Length} elements; pass the species list");
            }
        }
        if (symbols.Length < counts.Length)
            throw lines.Error(l6No, $"{counts.Length} atom counts but {symbols.Length} species");
        var groupZ = new int[counts.Length];
        for (int i = 0; i < counts.Length; i++)
            if (!ExtxyzReader.TryElement(symbols[i], out groupZ[i]))
                throw lines.Error(l6No, $"unknown element '{Tokens.Truncate(symbols[i])}'");
        long total = 0;
        foreach (int c in counts) total += c;
        if (total > Array.MaxLength / 3) throw lines.Error(l6No + (symbols.Length > 0 && countLine != l6 ? 1 : 0), $"{total} atoms is too many");
        int natoms = (int)total;
        var numbers = new int[natoms];
        for (int g = 0, k = 0; g < counts.Length; g++)
            for (int j = 0; j < counts[g]; j++) numbers[k++] = groupZ[g];

        // ---- mode ----
        string mode = lines.ReadRequiredLine("the coordinate mode line (Direct/Cartesian)");
        bool selective = FirstChar(mode) is 's' or 'S';
        if (selective) mode = lines.ReadRequiredLine("the coordinate mode line (Direct/Cartesian)");
        bool cartesian = FirstChar(mode) is 'c' or 'C' or 'k' or 'K';

        // ---- positions ----
        var positions = new Vec3[natoms];
        bool[]? flags = selective ? new bool[3 * natoms] : null;
        Span<Range> r = stackalloc Range[8];
        for (int i = 0; i < natoms; i++)
        {
            string line = lines.ReadLine() ?? throw lines.Error(lines.LineNumber + 1, $"file ends after {i} of {natoms} atom positions");
            var span = line.AsSpan();
            int nt = Tokens.Split(span, r);
            if (nt < (selective ? 6 : 3))
                throw lines.Error($"expected {(selective ? "3 coordinates and 3 T/F flags" : "3 coordinates")}, found {nt} fields");
            var p = new Vec3(Num(lines, span[r[0]]), Num(lines, span[r[1]]), Num(lines, span[r[2]]));
            if (!p.IsFinite) throw lines.Error($"position of atom {i} is not finite");
            positions[i] = cartesian ? Scale(p, factor) : p * lattice;
            if (flags != null)
                for (int k = 0; k < 3; k++)
                {
                    var t = span[r[3 + k]];
                    if (t is "T" or "t") flags[3 * i + k] = true;
                    else if (t is "F" or "f") flags[3 * i + k] = false;
                    else throw lines.Error($"selective-dynamics flag '{Tokens.Truncate(t)}' is not T or F");
                }
        }

        // ---- optional velocities ----
        Vec3[]? velocities = null;
        string? next = lines.ReadLine();
        if (next != null && next.TrimStart().StartsWith("Lattice velocities", StringComparison.OrdinalIgnoreCase))
        {
            for (int k = 0; k < 7; k++) lines.ReadRequiredLine("the lattice velocities block");
            next = lines.ReadLine();
        }
        if (next != null && natoms > 0)
        {
            char c = FirstChar(next);
            bool velCartesian = c is '\0' or 'c' or 'C' or 'k' or 'K';
            bool velDirect = c is 'd' or 'D';
            string? first = (velCartesian || velDirect) ? lines.ReadLine() : null;
            if (first != null && !string.IsNullOrWhiteSpace(first))
            {
                velocities = new Vec3[natoms];
                string? line = first;
                for (int i = 0; i < natoms; i++)
                {
                    if (i > 0) line = lines.ReadLine() ?? throw lines.Error(lines.LineNumber + 1, $"file ends after {i} of {natoms} velocities");
                    var span = line!.AsSpan();
                    int nt = Tokens.Split(span, r);
                    if (nt < 3) throw lines.Error($"expected 3 velocity components, found {nt} fields");
                    var v = new Vec3(Num(lines, span[r[0]]), Num(lines, span[r[1]]), Num(lines, span[r[2]]));
                    if (!v.IsFinite) throw lines.Error($"velocity of atom {i} is not finite");
                    velocities[i] = velDirect ? v * lattice : v;
                }
            }
        }

        var frame = new Frame(new AtomicStructure(numbers, positions, cell, null, velocities)) { Source = sourceName, Index = 0 };
        frame.Info.Add(new("comment", comment.Trim()));
        if (flags != null) frame.Arrays.Add(new PerAtomArray(SelectiveDynamicsArray, 'L', 3, flags));
        return frame;
    }

    /// <summary>
    /// Writes VASP 5 format: species line, scale 1.0, lattice and coordinates in round-trip precision,
    /// Direct (fractional, s = r·H⁻¹) by default or Cartesian (Å, bit-exact round trip), the
    /// <c>selective_dynamics</c> array when present, and velocities (Å/fs, Cartesian) when present.
    /// Species appear in runs of consecutive equal elements (VASP needs atoms grouped by species; a
    /// species may then appear in several groups — sort the atoms first to avoid that).
    /// </summary>
    public static void Write(string path, Frame frame, bool cartesian = false)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        Write(w, frame, cartesian);
    }

    public static void Write(TextWriter writer, Frame frame, bool cartesian = false)
    {
        var s = frame.Structure;
        if (!s.Cell.IsNonSingular) throw new ArgumentException("POSCAR needs a cell with three independent lattice vectors");
        var sb = new StringBuilder();
        string comment = frame.GetInfo("comment") as string ?? s.Formula;
        sb.Append(comment.Replace('\n', ' ').Replace('\r', ' ')).Append('\n');
        sb.Append("1.0\n");
        for (int i = 0; i < 3; i++)
        {
            var v = s.Cell.Matrix.Row(i);
            sb.Append("  ").Append(F(v.X)).Append(' ').Append(F(v.Y)).Append(' ').Append(F(v.Z)).Append('\n');
        }
        var groups = new List<(int Z, int Count)>();
        foreach (int z in s.Numbers)
        {
            if (groups.Count > 0 && groups[^1].Z == z) groups[^1] = (z, groups[^1].Count + 1);
            else groups.Add((z, 1));
        }
        sb.Append(' ').AppendJoin(' ', groups.Select(g => Element.Symbol(g.Z))).Append('\n');
        sb.Append(' ').AppendJoin(' ', groups.Select(g => g.Count.ToString(CultureInfo.InvariantCulture))).Append('\n');
        bool[]? flags = null;
        foreach (var a in frame.Arrays)
            if (a.Name == SelectiveDynamicsArray && a.Type == 'L' && a.Columns == 3 && a.Data is bool[] b && b.Length == 3 * s.AtomCount) flags = b;
        if (flags != null) sb.Append("Selective dynamics\n");
        sb.Append(cartesian ? "Cartesian\n" : "Direct\n");
        var inv = s.Cell.Matrix.Inverse();
        for (int i = 0; i < s.AtomCount; i++)
        {
            var p = cartesian ? s.Positions[i] : s.Positions[i] * inv;
            sb.Append("  ").Append(F(p.X)).Append(' ').Append(F(p.Y)).Append(' ').Append(F(p.Z));
            if (flags != null)
                for (int k = 0; k < 3; k++) sb.Append(' ').Append(flags[3 * i + k] ? 'T' : 'F');
            sb.Append('\n');
        }
        if (s.Velocities != null)
        {
            sb.Append('\n');
            foreach (var v in s.Velocities) sb.Append("  ").Append(F(v.X)).Append(' ').Append(F(v.Y)).Append(' ').Append(F(v.Z)).Append('\n');
        }
        writer.Write(sb);
    }

    private static string F(double v) => Tokens.FormatDouble(v);
    private static Vec3 Scale(Vec3 v, Vec3 f) => new(v.X * f.X, v.Y * f.Y, v.Z * f.Z);
    private static char FirstChar(string s) { var t = s.AsSpan().TrimStart(); return t.Length == 0 ? '\0' : t[0]; }
    private static string StripComment(string s) { int i = s.IndexOfAny(['!', '#']); return i >= 0 ? s[..i] : s; }

    private static double Num(LineReader lines, ReadOnlySpan<char> tok) =>
        Tokens.TryParseDouble(tok, out double v) ? v : throw lines.Error($"'{Tokens.Truncate(tok)}' is not a number");

    private static double[] ParseNumbers(LineReader lines, string line, int max, bool stopAtComment)
    {
        var text = stopAtComment ? StripComment(line) : line;
        Span<Range> r = stackalloc Range[max];
        var span = text.AsSpan();
        int n = Math.Min(Tokens.Split(span, r), max);
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = Num(lines, span[r[i]]);
        return result;
    }

    /// <summary>
    /// Element symbols named on a VASP 4 comment line, as ASE does: each word stripped of - _ , . = and
    /// digits, then read as a formula ("Cu3Ni" → Cu, Ni); words that are not formulas are skipped.
    /// </summary>
    internal static string[] SymbolsFromComment(string comment)
    {
        var result = new List<string>();
        foreach (var word in comment.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var cleaned = new string(word.Where(c => !(char.IsDigit(c) || c is '-' or '_' or ',' or '.' or '=')).ToArray());
            if (cleaned.Length == 0) continue;
            var parts = new List<string>();
            bool ok = true;
            for (int i = 0; i < cleaned.Length && ok;)
            {
                if (!char.IsUpper(cleaned[i])) { ok = false; break; }
                int j = i + 1;
                while (j < cleaned.Length && char.IsLower(cleaned[j])) j++;
                var sym = cleaned[i..j];
                if (!Element.TryAtomicNumber(sym, out _)) ok = false;
                parts.Add(sym);
                i = j;
            }
            if (ok) result.AddRange(parts);
        }
        return result.ToArray();
    }
}
