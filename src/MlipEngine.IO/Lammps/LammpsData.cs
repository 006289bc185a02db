using System.Globalization;
using System.Text;
using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.IO.Extxyz;
using MlipEngine.IO.Text;
using MlipEngine.State;

namespace MlipEngine.IO.Lammps;

/// <summary>LAMMPS unit styles that matter for a data file of atoms: both use Å and g/mol (= amu).</summary>
public enum LammpsUnits
{
    /// <summary>units metal: velocities in Å/ps.</summary>
    Metal,
    /// <summary>units real: velocities in Å/fs.</summary>
    Real,
}

/// <summary>Options for <see cref="LammpsData.Read(string, LammpsDataReadOptions?)"/>.</summary>
public sealed record LammpsDataReadOptions
{
    /// <summary>Explicit atom type → element symbol; wins over Masses comments and mass matching.</summary>
    public IReadOnlyDictionary<int, string>? TypeToElement { get; init; }
    /// <summary>Unit style of the file (velocities); default metal.</summary>
    public LammpsUnits Units { get; init; } = LammpsUnits.Metal;
}

/// <summary>Options for <see cref="LammpsData.Write(string, Frame, LammpsDataWriteOptions?)"/>.</summary>
public sealed record LammpsDataWriteOptions
{
    /// <summary>Element symbols in type order (type 1 first), as ASE's specorder; default: ascending Z of the elements present.</summary>
    public IReadOnlyList<string>? TypeOrder { get; init; }
    /// <summary>Unit style of the file (velocities); default metal.</summary>
    public LammpsUnits Units { get; init; } = LammpsUnits.Metal;
    /// <summary>Mirror a left-handed cell instead of refusing it (see <see cref="LammpsCellTransform"/>).</summary>
    public bool AllowReflection { get; init; }
    /// <summary>Write the Velocities section when the structure has velocities (default true).</summary>
    public bool WriteVelocities { get; init; } = true;
}

/// <summary>
/// LAMMPS data files, atom_style atomic.
/// </summary>
/// <remarks>
/// <para>Reading: header counts (<c>atoms</c>, <c>atom types</c>), box bounds <c>xlo xhi</c> etc. and
/// tilts <c>xy xz yz</c> give the cell rows a = (xhi−xlo, 0, 0), b = (xy, yhi−ylo, 0),
/// c = (xz, yz, zhi−zlo), fully periodic; positions stay as written (absolute, like ASE). Sections
/// <c>Masses</c> (element per type: the caller's map, else the first element symbol in the line's
/// <c># comment</c>, else the element whose standard mass is nearest), <c>Atoms</c> (<c>id type x y z
/// [nx ny nz]</c>; image flags unwrap r += nx·a + ny·b + nz·c; atoms are ordered by id) and
/// <c>Velocities</c> (<c>id vx vy vz</c>, Å/ps in metal units, converted to Å/fs); other sections are
/// skipped. Masses that differ from the element's standard mass are kept per atom.</para>
/// <para>Writing: any cell is rotated into LAMMPS' restricted triclinic form (see
/// <see cref="LammpsCellTransform"/>, returned so forces and stresses can be rotated back), box origin
/// 0, types with their element in the Masses comments, numbers in round-trip precision.</para>
/// </remarks>
public static class LammpsData
{
    public static Frame Read(string path, LammpsDataReadOptions? options = null)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path, options);
    }

    public static Frame Read(TextReader reader, string? sourceName = null, LammpsDataReadOptions? options = null)
    {
        options ??= new LammpsDataReadOptions();
        var lines = new LineReader(reader, sourceName);
        string comment = lines.ReadRequiredLine("the title line");

        long natoms = -1;
        int ntypes = -1;
        double xlo = 0, xhi = 0, ylo = 0, yhi = 0, zlo = 0, zhi = 0, xy = 0, xz = 0, yz = 0;
        bool hasX = false, hasY = false, hasZ = false;
        string? line;
        string? section = null;
        Span<Range> r = stackalloc Range[12];

        // ---- header ----
        while ((line = lines.ReadLine()) != null)
        {
            var body = StripComment(line);
            var tok = body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            int nt = tok.Length;
            if (nt == 0) continue;
            if (!Tokens.TryParseDouble(tok[0], out _)) { section = body.Trim(); break; }
            string Tok(int i) => i < nt ? tok[i] : "";
            if (nt >= 2 && Tok(1) == "atoms")
            {
                if (!Tokens.TryParseLong(tok[0], out natoms) || natoms < 0 || natoms > int.MaxValue) throw lines.Error("invalid atom count");
            }
            else if (nt >= 3 && Tok(1) == "atom" && Tok(2) == "types")
            {
                if (!Tokens.TryParseInt(tok[0], out ntypes) || ntypes < 1) throw lines.Error("invalid number of atom types");
            }
            else if (nt >= 4 && Tok(2) is "xlo" or "ylo" or "zlo")
            {
                double lo = Num(lines, tok[0]), hi = Num(lines, tok[1]);
                if (!double.IsFinite(lo) || !double.IsFinite(hi)) throw lines.Error("box bounds are not finite");
                if (!(hi > lo)) throw lines.Error($"box bounds {Tok(2)} {Tok(3)} give a non-positive length ({hi - lo:G6} Å)");
                switch (Tok(2)) { case "xlo": (xlo, xhi, hasX) = (lo, hi, true); break; case "ylo": (ylo, yhi, hasY) = (lo, hi, true); break; default: (zlo, zhi, hasZ) = (lo, hi, true); break; }
            }
            else if (nt >= 6 && Tok(3) == "xy")
            {
                xy = Num(lines, tok[0]); xz = Num(lines, tok[1]); yz = Num(lines, tok[2]);
                if (!double.IsFinite(xy) || !double.IsFinite(xz) || !double.IsFinite(yz)) throw lines.Error("tilt factors are not finite");
            }
            // other header lines (bonds, extra/atom, ellipsoids, …) are irrelevant to atom_style atomic
        }
        if (natoms < 0) throw lines.Error("header has no 'N atoms' line");
        if (!(hasX && hasY && hasZ)) throw lines.Error("header lacks one of the xlo xhi / ylo yhi / zlo zhi lines");
        int n = (int)natoms;
        var h = new Mat3(xhi - xlo, 0, 0, xy, yhi - ylo, 0, xz, yz, zhi - zlo);
        Cell cell;
        try { cell = new Cell(h, true); }
        catch (ArgumentException e) { throw lines.Error("invalid box: " + e.Message); }

        // ---- sections ----
        var typeMass = new Dictionary<int, double>();
        var typeSymbolFromComment = new Dictionary<int, string>();
        long[]? ids = null;
        int[]? types = null;
        Vec3[]? pos = null;
        Dictionary<long, Vec3>? vel = null;
        while (section != null)
        {
            long sectionLine = lines.LineNumber;
            string name = section;
            int hash = line!.IndexOf('#');
            string hint = hash >= 0 ? line[(hash + 1)..].Trim() : "";
            section = null;
            switch (name)
            {
                case "Masses":
                    if (ntypes < 0) throw lines.Error("Masses section before the 'atom types' header line");
                    for (int k = 0; k < ntypes; k++)
                    {
                        var l = NextDataLine(lines, $"Masses line {k + 1} of {ntypes}");
                        var body = StripComment(l).AsSpan();
                        int nt = Tokens.Split(body, r);
                        if (nt < 2) throw lines.Error($"expected 'type mass', found {nt} fields");
                        int t = Int(lines, body[r[0]]);
                        double m = Num(lines, body[r[1]]);
                        if (t < 1 || t > ntypes) throw lines.Error($"atom type {t} outside 1..{ntypes}");
                        if (!(m > 0) || !double.IsFinite(m)) throw lines.Error($"mass {m} of type {t} is not positive");
                        typeMass[t] = m;
                        int c = l.IndexOf('#');
                        if (c >= 0)
                            foreach (var word in l[(c + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                                if (Element.TryAtomicNumber(word, out _)) { typeSymbolFromComment[t] = word; break; }
                    }
                    break;
                case "Atoms":
                    if (hint.Length > 0 && hint != "atomic")
                        throw lines.Error(sectionLine, $"atom_style '{hint}' is not supported (only atomic)");
                    ids = new long[n]; types = new int[n]; pos = new Vec3[n];
                    for (int i = 0; i < n; i++)
                    {
                        var l = NextDataLine(lines, $"Atoms line {i + 1} of {n}");
                        var body = StripComment(l).AsSpan();
                        int nt = Tokens.Split(body, r);
                        if (nt != 5 && nt != 8)
                            throw lines.Error($"expected 5 fields 'id type x y z' (or 8 with image flags) for atom_style atomic, found {nt}");
                        if (!Tokens.TryParseLong(body[r[0]], out ids[i])) throw lines.Error($"atom id '{Tokens.Truncate(body[r[0]])}' is not an integer");
                        types[i] = Int(lines, body[r[1]]);
                        if (ntypes > 0 && (types[i] < 1 || types[i] > ntypes)) throw lines.Error($"atom type {types[i]} outside 1..{ntypes}");
                        var p = new Vec3(Num(lines, body[r[2]]), Num(lines, body[r[3]]), Num(lines, body[r[4]]));
                        if (!p.IsFinite) throw lines.Error($"position of atom {ids[i]} is not finite");
                        if (nt == 8)
                        {
                            int ix = Int(lines, body[r[5]]), iy = Int(lines, body[r[6]]), iz = Int(lines, body[r[7]]);
                            p = p + ix * cell.A + iy * cell.B + iz * cell.C;
                        }
                        pos[i] = p;
                    }
                    break;
                case "Velocities":
                    vel = new Dictionary<long, Vec3>(n);
                    for (int i = 0; i < n; i++)
                    {
                        var l = NextDataLine(lines, $"Velocities line {i + 1} of {n}");
                        var body = StripComment(l).AsSpan();
                        int nt = Tokens.Split(body, r);
                        if (nt < 4) throw lines.Error($"expected 'id vx vy vz', found {nt} fields");
                        if (!Tokens.TryParseLong(body[r[0]], out long id)) throw lines.Error($"atom id '{Tokens.Truncate(body[r[0]])}' is not an integer");
                        var v = new Vec3(Num(lines, body[r[1]]), Num(lines, body[r[2]]), Num(lines, body[r[3]]));
                        if (!v.IsFinite) throw lines.Error($"velocity of atom {id} is not finite");
                        vel[id] = options.Units == LammpsUnits.Metal ? v / 1000.0 : v; // metal: Å/ps → Å/fs
                    }
                    break;
            }
            // Advance to the next section header (skipping the body of sections we do not read).
            while ((line = lines.ReadLine()) != null)
            {
                var body = StripComment(line);
                var span = body.AsSpan();
                int nt = Tokens.Split(span, r);
                if (nt == 0) continue;
                if (!Tokens.TryParseDouble(span[r[0]], out _)) { section = body.Trim(); break; }
                if (name is "Masses" or "Atoms" or "Velocities")
                    throw lines.Error($"more lines in the {name} section than the header counts");
            }
        }
        if (pos == null || ids == null || types == null)
        {
            if (n == 0) { ids = []; types = []; pos = []; }
            else throw lines.Error(lines.LineNumber + 1, "file has no Atoms section");
        }

        // ---- order by id, elements, masses, velocities ----
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var idsSorted = (long[])ids.Clone();
        Array.Sort(idsSorted, order);
        for (int i = 1; i < n; i++)
            if (idsSorted[i] == idsSorted[i - 1]) throw new StructureFormatException(sourceName, null, null, $"atom id {idsSorted[i]} appears twice in the Atoms section");

        var typeZ = new Dictionary<int, int>();
        int ResolveType(int t)
        {
            if (typeZ.TryGetValue(t, out int z)) return z;
            if (options.TypeToElement != null && options.TypeToElement.TryGetValue(t, out var sym))
            {
                if (!ExtxyzReader.TryElement(sym, out z)) throw new StructureFormatException(sourceName, null, null, $"unknown element '{sym}' given for atom type {t}");
            }
            else if (typeSymbolFromComment.TryGetValue(t, out sym)) z = Element.AtomicNumber(sym);
            else if (typeMass.TryGetValue(t, out double m)) z = NearestElementByMass(m);
            else throw new StructureFormatException(sourceName, null, null,
                $"cannot tell the element of atom type {t}: no Masses entry and no type→element map given");
            typeZ[t] = z;
            return z;
        }

        var numbers = new int[n];
        var positions = new Vec3[n];
        double[]? masses = null;
        bool nonStandardMass = false;
        for (int k = 0; k < n; k++)
        {
            int i = order[k];
            numbers[k] = ResolveType(types[i]);
            positions[k] = pos[i];
            if (typeMass.TryGetValue(types[i], out double m) && m != Element.Mass(numbers[k])) nonStandardMass = true;
        }
        if (nonStandardMass)
        {
            masses = new double[n];
            for (int k = 0; k < n; k++)
                masses[k] = typeMass.TryGetValue(types[order[k]], out double m) ? m : Element.Mass(numbers[k]);
        }
        Vec3[]? velocities = null;
        if (vel != null)
        {
            velocities = new Vec3[n];
            for (int k = 0; k < n; k++)
                if (!vel.TryGetValue(idsSorted[k], out velocities[k]))
                    throw new StructureFormatException(sourceName, null, null, $"Velocities section has no entry for atom id {idsSorted[k]}");
        }
        var frame = new Frame(new AtomicStructure(numbers, positions, cell, masses, velocities)) { Source = sourceName, Index = 0 };
        frame.Info.Add(new("comment", comment.Trim()));
        return frame;
    }

    /// <summary>Atomic number whose standard mass (ASE's table) is nearest to <paramref name="mass"/> amu.</summary>
    public static int NearestElementByMass(double mass)
    {
        int best = 1;
        double bestDiff = double.PositiveInfinity;
        for (int z = 1; z <= Element.MaxAtomicNumber; z++)
        {
            double d = Math.Abs(Element.Mass(z) - mass);
            if (d < bestDiff) { bestDiff = d; best = z; }
        }
        return best;
    }

    /// <summary>
    /// Writes the frame's structure as a data file (atom_style atomic) and returns the transform applied
    /// (identity when the cell is already in restricted form).
    /// </summary>
    public static LammpsCellTransform Write(string path, Frame frame, LammpsDataWriteOptions? options = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        var t = Write(sw, frame, options); // build fully before touching the file
        File.WriteAllText(path, sw.ToString());
        return t;
    }

    public static LammpsCellTransform Write(TextWriter writer, Frame frame, LammpsDataWriteOptions? options = null)
    {
        options ??= new LammpsDataWriteOptions();
        var s = frame.Structure;
        if (!s.Cell.FullyPeriodic)
            throw new ArgumentException("LAMMPS data files describe a periodic box; the structure's cell is not periodic along every axis");
        var q = LammpsCellTransform.For(s.Cell.Matrix, options.AllowReflection);
        var h = q.IsIdentity ? s.Cell.Matrix : s.Cell.Matrix * q.Q;
        double lx = h.XX, ly = h.YY, lz = h.ZZ, xy = h.YX, xz = h.ZX, yz = h.ZY;

        // Types.
        List<int> typeOrder;
        if (options.TypeOrder != null)
        {
            typeOrder = options.TypeOrder.Select(Element.AtomicNumber).ToList();
            foreach (int z in s.Numbers)
                if (!typeOrder.Contains(z)) throw new ArgumentException($"element {Element.Symbol(z)} is not in the type order [{string.Join(' ', options.TypeOrder)}]");
        }
        else typeOrder = s.Numbers.Distinct().Order().ToList();
        var typeOf = new Dictionary<int, int>();
        for (int i = 0; i < typeOrder.Count; i++) typeOf.TryAdd(typeOrder[i], i + 1);
        var typeMass = new double[typeOrder.Count];
        for (int i = 0; i < typeOrder.Count; i++) typeMass[i] = double.NaN;
        for (int i = 0; i < s.AtomCount; i++)
        {
            int t = typeOf[s.Numbers[i]] - 1;
            double m = s.MassOf(i);
            if (double.IsNaN(typeMass[t])) typeMass[t] = m;
            else if (typeMass[t] != m) throw new ArgumentException($"atoms of element {Element.Symbol(s.Numbers[i])} have different masses; LAMMPS types carry one mass each");
        }

        var sb = new StringBuilder();
        string comment = frame.GetInfo("comment") as string ?? $"{s.Formula} written by MlipEngine";
        sb.Append(comment.Replace('\n', ' ').Replace('\r', ' ')).Append("\n\n");
        sb.Append(s.AtomCount).Append(" atoms\n").Append(typeOrder.Count).Append(" atom types\n\n");
        sb.Append("0.0 ").Append(F(lx)).Append(" xlo xhi\n");
        sb.Append("0.0 ").Append(F(ly)).Append(" ylo yhi\n");
        sb.Append("0.0 ").Append(F(lz)).Append(" zlo zhi\n");
        if (xy != 0 || xz != 0 || yz != 0) sb.Append(F(xy)).Append(' ').Append(F(xz)).Append(' ').Append(F(yz)).Append(" xy xz yz\n");
        sb.Append("\nMasses\n\n");
        for (int t = 0; t < typeOrder.Count; t++)
        {
            double m = double.IsNaN(typeMass[t]) ? Element.Mass(typeOrder[t]) : typeMass[t];
            sb.Append(t + 1).Append(' ').Append(F(m)).Append(" # ").Append(Element.Symbol(typeOrder[t])).Append('\n');
        }
        sb.Append("\nAtoms # atomic\n\n");
        for (int i = 0; i < s.AtomCount; i++)
        {
            var p = q.IsIdentity ? s.Positions[i] : q.ToLammps(s.Positions[i]);
            sb.Append(i + 1).Append(' ').Append(typeOf[s.Numbers[i]]).Append(' ')
              .Append(F(p.X)).Append(' ').Append(F(p.Y)).Append(' ').Append(F(p.Z)).Append('\n');
        }
        if (s.Velocities != null && options.WriteVelocities)
        {
            sb.Append("\nVelocities\n\n");
            for (int i = 0; i < s.AtomCount; i++)
            {
                var v = q.IsIdentity ? s.Velocities[i] : q.ToLammps(s.Velocities[i]);
                sb.Append(i + 1).Append(' ').Append(V(v.X)).Append(' ').Append(V(v.Y)).Append(' ').Append(V(v.Z)).Append('\n');
            }
        }
        writer.Write(sb);
        return q;

        string V(double v) => options.Units == LammpsUnits.Metal ? F(ToMetalVelocity(v)) : F(v);
    }

    /// <summary>
    /// Å/fs → Å/ps (×1000), choosing among the nearest doubles one that the reader's ÷1000 maps back to
    /// <paramref name="v"/> exactly when one exists (otherwise the read-back is within 1 ulp).
    /// </summary>
    internal static double ToMetalVelocity(double v)
    {
        double w = v * 1000.0;
        if (!double.IsFinite(w) || w / 1000.0 == v) return w;
        double up = w, down = w;
        for (int k = 0; k < 4; k++)
        {
            up = Math.BitIncrement(up); if (up / 1000.0 == v) return up;
            down = Math.BitDecrement(down); if (down / 1000.0 == v) return down;
        }
        return w;
    }

    private static string F(double v) => Tokens.FormatDouble(v);
    private static string StripComment(string s) { int i = s.IndexOf('#'); return i >= 0 ? s[..i] : s; }

    private static string NextDataLine(LineReader lines, string what)
    {
        while (true)
        {
            var l = lines.ReadLine() ?? throw lines.Error(lines.LineNumber + 1, $"file ends early: expected {what}");
            if (!string.IsNullOrWhiteSpace(StripComment(l))) return l;
        }
    }

    private static double Num(LineReader lines, ReadOnlySpan<char> tok) =>
        Tokens.TryParseDouble(tok, out double v) ? v : throw lines.Error($"'{Tokens.Truncate(tok)}' is not a number");

    private static int Int(LineReader lines, ReadOnlySpan<char> tok) =>
        Tokens.TryParseInt(tok, out int v) ? v : throw lines.Error($"'{Tokens.Truncate(tok)}' is not an integer");
}
