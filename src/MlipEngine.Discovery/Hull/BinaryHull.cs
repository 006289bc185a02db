namespace MlipEngine.Discovery.Hull;

/// <summary>
/// The lower convex hull of formation energy per atom against composition for two components A and B
/// (x = fraction of B, 0 … 1). The elements themselves are the references: (0, 0) and (1, 0) are always vertices,
/// so a phase that lies above every tie line (all formation energies positive, e.g. EAM CuNi's ordered phases) leaves
/// a hull of the two elements only.
/// </summary>
/// <remarks>
/// Formation energy of A_nA B_nB with total energy E: E_f = (E − n_A μ_A − n_B μ_B)/(n_A + n_B), μ the elemental
/// references' energies per atom. The hull is Andrew's monotone chain over the points sorted by x (lowest E_f first at
/// equal x), keeping the lower chain: a point is dropped while it does not lie strictly below the segment joining its
/// neighbours (collinear points are on the hull but not vertices). Energy above the hull of (x, E_f): E_f minus the hull's
/// linear interpolation at x.
/// </remarks>
public sealed class BinaryHull
{
    private readonly (double X, double E)[] _vertices;

    private BinaryHull((double X, double E)[] vertices) { _vertices = vertices; }

    /// <summary>Hull vertices (x, formation energy per atom, eV), by increasing x, the two elements included.</summary>
    public IReadOnlyList<(double X, double E)> Vertices => _vertices;

    /// <summary>E_f per atom, eV, of n_A A and n_B B atoms with total energy <paramref name="energy"/> (eV), against references μ (eV/atom).</summary>
    public static double FormationEnergy(int nA, int nB, double energy, double muA, double muB)
    {
        if (nA < 0 || nB < 0 || nA + nB == 0) throw new ArgumentException("atom counts must be non-negative and not both zero");
        return (energy - nA * muA - nB * muB) / (nA + nB);
    }

    /// <summary>The lower hull of <paramref name="points"/> (x ∈ [0, 1], E_f per atom) and the elemental references.</summary>
    public static BinaryHull Build(IEnumerable<(double X, double E)> points)
    {
        var all = points.Concat([(X: 0.0, E: 0.0), (X: 1.0, E: 0.0)]).ToList();
        foreach (var (x, e) in all)
            if (!(x >= 0 && x <= 1) || !double.IsFinite(e)) throw new ArgumentException($"hull point ({x}, {e}): x must lie in [0, 1] and E be finite");
        all.Sort((p, q) => p.X != q.X ? p.X.CompareTo(q.X) : p.E.CompareTo(q.E));
        var chain = new List<(double X, double E)>();
        foreach (var p in all)
        {
            if (chain.Count > 0 && chain[^1].X == p.X) continue;   // same x: the lower one came first
            // Drop the last vertex while it is not strictly below the segment from its predecessor to p.
            while (chain.Count >= 2 && Cross(chain[^2], chain[^1], p) <= 0) chain.RemoveAt(chain.Count - 1);
            chain.Add(p);
        }
        return new BinaryHull(chain.ToArray());
    }

    /// <summary>(b − a) × (c − a): positive when a → b → c turns counter-clockwise (b below the chord a–c).</summary>
    private static double Cross((double X, double E) a, (double X, double E) b, (double X, double E) c) =>
        (b.X - a.X) * (c.E - a.E) - (b.E - a.E) * (c.X - a.X);

    /// <summary>The hull's formation energy per atom at composition <paramref name="x"/>, eV.</summary>
    public double EnergyAt(double x)
    {
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), "x must lie in [0, 1]");
        for (int k = 1; k < _vertices.Length; k++)
        {
            var (x0, e0) = _vertices[k - 1];
            var (x1, e1) = _vertices[k];
            if (x <= x1) return e0 + (e1 - e0) * (x - x0) / (x1 - x0);
        }
        return _vertices[^1].E;
    }

    /// <summary>Energy above the hull, eV/atom (0 on the hull; never negative for a point the hull was built from).</summary>
    public double EnergyAboveHull(double x, double formationEnergy) => formationEnergy - EnergyAt(x);
}
