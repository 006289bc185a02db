using System.Globalization;
using System.Text;
using MlipEngine.Chemistry;
using MlipEngine.IO.Text;

namespace MlipEngine.IO.Extxyz;

/// <summary>
/// Writes frames as extended XYZ that ASE 3.22 reads back (<c>ase.io.read(…, format="extxyz")</c>),
/// laid out as ASE's own <c>write_xyz</c> lays out an Atoms with a SinglePointCalculator.
/// </summary>
/// <remarks>
/// Comment line: <c>Lattice</c> (rows a, b, c, Å; omitted for an all-zero cell, as ASE does),
/// <c>Properties</c>, the energy key (eV), the stress key as 9 components in ASE's Fortran order
/// (eV/Å³), then <see cref="Frame.Info"/> in order, then <c>pbc</c>. Columns: species, pos (Å),
/// masses (amu, when <see cref="State.AtomicStructure.Masses"/> is set), momenta (ASE units, from
/// velocities in Å/fs), <see cref="Frame.Arrays"/> in order, forces (eV/Å), energies (eV).
/// Every double is written in shortest round-trip form ("R", invariant culture), so reading the file
/// back gives bit-identical values (velocities: see <see cref="AseUnits.MomentumFromVelocity"/>).
/// </remarks>
public sealed class ExtxyzWriter : IDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly ExtxyzOptions _options;
    private readonly StringBuilder _sb = new();

    /// <param name="writer">Destination.</param>
    /// <param name="options">Label key names.</param>
    /// <param name="flushEachFrame">Flush after every frame (for trajectories read while they are written).</param>
    /// <param name="ownsWriter">Dispose <paramref name="writer"/> with this object.</param>
    public ExtxyzWriter(TextWriter writer, ExtxyzOptions? options = null, bool flushEachFrame = false, bool ownsWriter = false)
    {
        _writer = writer;
        _options = options ?? ExtxyzOptions.Default;
        FlushEachFrame = flushEachFrame;
        _ownsWriter = ownsWriter;
    }

    /// <summary>Creates (or, with <paramref name="append"/>, appends to) a file.</summary>
    public ExtxyzWriter(string path, ExtxyzOptions? options = null, bool flushEachFrame = false, bool append = false)
        : this(new StreamWriter(path, append, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" }, options, flushEachFrame, ownsWriter: true) { }

    public bool FlushEachFrame { get; set; }

    /// <summary>Writes all frames to a file (overwriting it).</summary>
    public static void Write(string path, IEnumerable<Frame> frames, ExtxyzOptions? options = null)
    {
        using var w = new ExtxyzWriter(path, options);
        foreach (var f in frames) w.Write(f);
    }

    /// <summary>Formats one frame as extxyz text.</summary>
    public static string ToText(Frame frame, ExtxyzOptions? options = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        using (var w = new ExtxyzWriter(sw, options)) w.Write(frame);
        return sw.ToString();
    }

    public void Write(Frame frame)
    {
        var s = frame.Structure;
        int n = s.AtomCount;
        Validate(frame);

        var sb = _sb.Clear();
        sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n');

        // ---- comment line ----
        var m = s.Cell.Matrix;
        bool anyCell = m != Mat3Zero;
        if (anyCell)
        {
            sb.Append("Lattice=\"");
            Span<double> v = stackalloc double[9];
            m.CopyTo(v);
            for (int i = 0; i < 9; i++) { if (i > 0) sb.Append(' '); sb.Append(Tokens.FormatFloatValue(v[i])); }
            sb.Append("\" ");
        }
        sb.Append("Properties=species:S:1:pos:R:3");
        if (s.Masses != null) sb.Append(":masses:R:1");
        if (s.Velocities != null) sb.Append(":momenta:R:3");
        foreach (var a in frame.Arrays) sb.Append(':').Append(a.Name).Append(':').Append(a.Type).Append(':').Append(a.Columns);
        if (frame.Forces != null) sb.Append(':').Append(_options.ForcesKey).Append(":R:3");
        if (frame.AtomEnergies != null) sb.Append(':').Append(_options.AtomEnergiesKey).Append(":R:1");

        if (frame.Energy is double e) sb.Append(' ').Append(_options.EnergyKey).Append('=').Append(Tokens.FormatFloatValue(e));
        if (frame.Stress is { } st)
        {
            // Fortran order of the 3×3 matrix, as ASE writes it: file[i + 3j] = σ[i, j].
            sb.Append(' ').Append(_options.StressKey).Append("=\"");
            for (int k = 0; k < 9; k++)
            {
                int i = k % 3, j = k / 3;
                if (k > 0) sb.Append(' ');
                sb.Append(Tokens.FormatFloatValue(st[3 * i + j]));
            }
            sb.Append('"');
        }
        foreach (var (key, value) in frame.Info)
        {
            if (key is "Lattice" or "Properties" or "pbc" || key == _options.EnergyKey || key == _options.StressKey) continue;
            sb.Append(' ').Append(ExtxyzKeyValues.Quote(key)).Append('=').Append(ExtxyzKeyValues.FormatValue(value));
        }
        sb.Append(" pbc=\"").Append(s.Cell.PeriodicA ? 'T' : 'F').Append(' ').Append(s.Cell.PeriodicB ? 'T' : 'F')
          .Append(' ').Append(s.Cell.PeriodicC ? 'T' : 'F').Append("\"\n");

        // ---- atoms ----
        for (int i = 0; i < n; i++)
        {
            sb.Append(Element.Symbol(s.Numbers[i]));
            var p = s.Positions[i];
            AppendR(sb, p.X); AppendR(sb, p.Y); AppendR(sb, p.Z);
            if (s.Masses != null) AppendR(sb, s.Masses[i]);
            if (s.Velocities != null)
            {
                double mass = s.MassOf(i);
                var v = s.Velocities[i];
                AppendR(sb, AseUnits.MomentumFromVelocity(v.X, mass));
                AppendR(sb, AseUnits.MomentumFromVelocity(v.Y, mass));
                AppendR(sb, AseUnits.MomentumFromVelocity(v.Z, mass));
            }
            foreach (var a in frame.Arrays)
            {
                for (int k = 0; k < a.Columns; k++)
                {
                    int at = i * a.Columns + k;
                    sb.Append(' ');
                    switch (a.Data)
                    {
                        case double[] d: sb.Append(Tokens.FormatDouble(d[at])); break;
                        case long[] l: sb.Append(l[at].ToString(CultureInfo.InvariantCulture)); break;
                        case int[] l: sb.Append(l[at].ToString(CultureInfo.InvariantCulture)); break;
                        case bool[] b: sb.Append(b[at] ? 'T' : 'F'); break;
                        case string[] str: sb.Append(str[at]); break;
                    }
                }
            }
            if (frame.Forces != null) { var f = frame.Forces[i]; AppendR(sb, f.X); AppendR(sb, f.Y); AppendR(sb, f.Z); }
            if (frame.AtomEnergies != null) AppendR(sb, frame.AtomEnergies[i]);
            sb.Append('\n');
            if (sb.Length > 1 << 16) { _writer.Write(sb); sb.Clear(); }
        }
        _writer.Write(sb);
        sb.Clear();
        if (FlushEachFrame) _writer.Flush();
    }

    private static readonly Geometry.Mat3 Mat3Zero = Geometry.Mat3.Zero;

    private static void AppendR(StringBuilder sb, double v) => sb.Append(' ').Append(Tokens.FormatDouble(v));

    /// <summary>Checks shapes before anything is written, so a bad frame never leaves half a frame in the file.</summary>
    private void Validate(Frame frame)
    {
        var s = frame.Structure;
        int n = s.AtomCount;
        if (frame.Forces != null && frame.Forces.Length != n) throw new ArgumentException($"frame {frame.Index}: {frame.Forces.Length} forces for {n} atoms");
        if (frame.AtomEnergies != null && frame.AtomEnergies.Length != n) throw new ArgumentException($"frame {frame.Index}: {frame.AtomEnergies.Length} per-atom energies for {n} atoms");
        if (frame.Stress != null && frame.Stress.Length != 9) throw new ArgumentException($"frame {frame.Index}: stress must have 9 components, has {frame.Stress.Length}");
        var reserved = new HashSet<string> { "species", "pos", "Z", "masses", "momenta", _options.ForcesKey, _options.AtomEnergiesKey };
        foreach (var a in frame.Arrays)
        {
            if (reserved.Contains(a.Name) || a.Name.Length == 0 || a.Name.IndexOfAny([':', ' ', '"', '\t', '\n']) >= 0)
                throw new ArgumentException($"frame {frame.Index}: per-atom array name '{a.Name}' is reserved or not writable");
            bool typeOk = a.Type switch
            {
                'R' => a.Data is double[],
                'I' => a.Data is long[] or int[],
                'L' => a.Data is bool[],
                'S' => a.Data is string[],
                _ => false,
            };
            if (!typeOk || a.Columns < 1 || a.Data.Length != n * a.Columns)
                throw new ArgumentException($"frame {frame.Index}: per-atom array '{a.Name}' ({a.Type}:{a.Columns}) has {a.Data.GetType().Name} of length {a.Data.Length} for {n} atoms");
            if (a.Data is string[] strs)
                foreach (var str in strs)
                    if (string.IsNullOrEmpty(str) || str.Any(char.IsWhiteSpace))
                        throw new ArgumentException($"frame {frame.Index}: per-atom string array '{a.Name}' has an empty value or one with whitespace");
        }
    }

    public void Flush() => _writer.Flush();

    public void Dispose()
    {
        if (_ownsWriter) _writer.Dispose();
        else _writer.Flush();
    }
}
