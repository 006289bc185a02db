using MlipEngine.Chemistry;
using MlipEngine.Dynamics.Structures;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Workflows.Properties;

/// <summary>
/// The lattices the properties workflow names (fcc, bcc, hcp, diamond, sc): conventional cells (from
/// <see cref="CrystalLattice"/>), primitive cells in the same Cartesian frame, and the standard
/// high-symmetry paths of their Brillouin zones.
/// </summary>
public static class Lattices
{
    public static readonly string[] Names = ["fcc", "bcc", "hcp", "diamond", "sc"];

    /// <summary>Atoms in the conventional cell of <paramref name="lattice"/> (hcp: the orthohexagonal 4-atom cell).</summary>
    public static int ConventionalAtoms(string lattice) => lattice switch
    {
        "sc" => 1, "bcc" => 2, "fcc" => 4, "hcp" => 4, "diamond" => 8,
        _ => throw new ArgumentException($"unknown lattice '{lattice}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>Conventional cubic cell (hcp: orthohexagonal a × √3a × c, c ideal unless given), Å.</summary>
    public static AtomicStructure Conventional(string lattice, string element, double a, double? c = null) =>
        CrystalLattice.Build(lattice, element, a, 1, 1, 1, c);

    /// <summary>
    /// Primitive cell: fcc a/2·(0,1,1),(1,0,1),(1,1,0); bcc a/2·(−1,1,1),(1,−1,1),(1,1,−1); diamond the fcc
    /// cell with atoms at 0 and a/4·(1,1,1); sc a·I; hcp a₁ = (a,0,0), a₂ = (−a/2, √3a/2, 0), a₃ = (0,0,c)
    /// with atoms at (1/3, 2/3, 1/4) and (2/3, 1/3, 3/4).
    /// </summary>
    public static AtomicStructure Primitive(string lattice, string element, double a, double? c = null)
    {
        int z = Element.AtomicNumber(element);
        double h = a / 2;
        Mat3 m;
        Vec3[] frac;
        switch (lattice)
        {
            case "sc": m = Mat3.Diagonal(a, a, a); frac = [Vec3.Zero]; break;
            case "fcc": m = new Mat3(0, h, h, h, 0, h, h, h, 0); frac = [Vec3.Zero]; break;
            case "bcc": m = new Mat3(-h, h, h, h, -h, h, h, h, -h); frac = [Vec3.Zero]; break;
            case "diamond": m = new Mat3(0, h, h, h, 0, h, h, h, 0); frac = [Vec3.Zero, new Vec3(0.25, 0.25, 0.25)]; break;
            case "hcp":
                double cc = c ?? Math.Sqrt(8.0 / 3.0) * a;
                m = new Mat3(a, 0, 0, -a / 2, Math.Sqrt(3) / 2 * a, 0, 0, 0, cc);
                frac = [new Vec3(1.0 / 3, 2.0 / 3, 0.25), new Vec3(2.0 / 3, 1.0 / 3, 0.75)];
                break;
            default: throw new ArgumentException($"unknown lattice '{lattice}' (known: {string.Join(", ", Names)})");
        }
        var cell = new Cell(m);
        var pos = new Vec3[frac.Length];
        for (int i = 0; i < pos.Length; i++) pos[i] = cell.ToCartesian(frac[i]);
        var numbers = new int[pos.Length];
        Array.Fill(numbers, z);
        return new AtomicStructure(numbers, pos, cell);
    }

    /// <summary>
    /// Standard path through the Brillouin zone of <paramref name="lattice"/> as (label, q) with q in
    /// Cartesian Å⁻¹ (including 2π): fcc/diamond Γ–X–W–K–Γ–L–U–W–L–K, bcc Γ–H–N–Γ–P–H, sc Γ–X–M–Γ–R–X,
    /// hcp Γ–M–K–Γ–A–L–H–A (Setyawan &amp; Curtarolo 2010). <paramref name="primitive"/> is the cell the
    /// phonons are computed for (hcp's points are fractions of its reciprocal vectors).
    /// </summary>
    public static (string Label, Vec3 Q)[] SpecialPath(string lattice, double a, AtomicStructure primitive)
    {
        double k = 2 * Math.PI / a;
        (string, Vec3) P(string label, double x, double y, double zz) => (label, new Vec3(x * k, y * k, zz * k));
        return lattice switch
        {
            "fcc" or "diamond" =>
            [
                P("Γ", 0, 0, 0), P("X", 0, 1, 0), P("W", 0.5, 1, 0), P("K", 0.75, 0.75, 0), P("Γ", 0, 0, 0),
                P("L", 0.5, 0.5, 0.5), P("U", 0.25, 1, 0.25), P("W", 0.5, 1, 0), P("L", 0.5, 0.5, 0.5), P("K", 0.75, 0.75, 0),
            ],
            "bcc" => [P("Γ", 0, 0, 0), P("H", 0, 1, 0), P("N", 0.5, 0.5, 0), P("Γ", 0, 0, 0), P("P", 0.5, 0.5, 0.5), P("H", 0, 1, 0)],
            "sc" => [P("Γ", 0, 0, 0), P("X", 0, 0.5, 0), P("M", 0.5, 0.5, 0), P("Γ", 0, 0, 0), P("R", 0.5, 0.5, 0.5), P("X", 0, 0.5, 0)],
            "hcp" => FractionalPath(primitive,
            [
                ("Γ", new Vec3(0, 0, 0)), ("M", new Vec3(0.5, 0, 0)), ("K", new Vec3(1.0 / 3, 1.0 / 3, 0)), ("Γ", new Vec3(0, 0, 0)),
                ("A", new Vec3(0, 0, 0.5)), ("L", new Vec3(0.5, 0, 0.5)), ("H", new Vec3(1.0 / 3, 1.0 / 3, 0.5)), ("A", new Vec3(0, 0, 0.5)),
            ]),
            _ => throw new ArgumentException($"no standard path for lattice '{lattice}'"),
        };
    }

    /// <summary>Reciprocal lattice vectors as rows, B = 2π(H⁻¹)ᵀ (so bᵢ·aⱼ = 2πδᵢⱼ), Å⁻¹.</summary>
    public static Mat3 Reciprocal(Cell cell) => 2 * Math.PI * cell.Matrix.Inverse().Transpose();

    /// <summary>Points given as fractions of the reciprocal vectors of <paramref name="cell"/> → Cartesian Å⁻¹.</summary>
    public static (string Label, Vec3 Q)[] FractionalPath(AtomicStructure cell, (string Label, Vec3 Fraction)[] points)
    {
        var b = Reciprocal(cell.Cell);
        var r = new (string, Vec3)[points.Length];
        for (int i = 0; i < points.Length; i++) r[i] = (points[i].Label, points[i].Fraction * b);
        return r;
    }

    /// <summary>
    /// Parses a path "G 0 0 0, X 0.5 0 0.5, W 0.5 0.25 0.75" (label and fractions of the reciprocal
    /// vectors, comma- or semicolon-separated; G or Gamma prints as Γ).
    /// </summary>
    public static (string Label, Vec3 Fraction)[] ParsePath(string text)
    {
        var parts = text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length < 2) throw new UsageException($"--phonon-path needs at least two points ('LABEL f1 f2 f3, ...'), found '{text}'");
        var r = new (string, Vec3)[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var w = parts[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            if (w.Length != 4 || !double.TryParse(w[1], inv, out double x) || !double.TryParse(w[2], inv, out double y) || !double.TryParse(w[3], inv, out double zz))
                throw new UsageException($"--phonon-path point '{parts[i]}' is not 'LABEL f1 f2 f3'");
            string label = w[0] is "G" or "Gamma" or "GAMMA" ? "Γ" : w[0];
            r[i] = (label, new Vec3(x, y, zz));
        }
        return r;
    }

    /// <summary>A default path for any cell: Γ–(½,0,0)–(½,½,0)–Γ–(½,½,½) in fractions of its reciprocal vectors (labelled by the fractions).</summary>
    public static (string Label, Vec3 Fraction)[] GenericPath =>
    [
        ("Γ", Vec3.Zero), ("(½,0,0)", new Vec3(0.5, 0, 0)), ("(½,½,0)", new Vec3(0.5, 0.5, 0)), ("Γ", Vec3.Zero), ("(½,½,½)", new Vec3(0.5, 0.5, 0.5)),
    ];

    /// <summary>The structure repeated n₁ × n₂ × n₃ times (atoms of image (i,j,k) in blocks, basis order kept).</summary>
    public static AtomicStructure Supercell(AtomicStructure s, int n1, int n2, int n3)
    {
        var h = s.Cell.Matrix;
        Vec3 a = h.Row(0), b = h.Row(1), c = h.Row(2);
        int nb = s.AtomCount, total = nb * n1 * n2 * n3, k = 0;
        var pos = new Vec3[total];
        var num = new int[total];
        var mass = new double[total];
        for (int i = 0; i < n1; i++)
            for (int j = 0; j < n2; j++)
                for (int l = 0; l < n3; l++)
                    for (int q = 0; q < nb; q++)
                    {
                        pos[k] = s.Positions[q] + i * a + j * b + l * c;
                        num[k] = s.Numbers[q];
                        mass[k] = s.MassOf(q);
                        k++;
                    }
        return new AtomicStructure(num, pos, s.Cell.WithMatrix(Mat3.FromRows(n1 * a, n2 * b, n3 * c)), mass);
    }
}
