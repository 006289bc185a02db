namespace MlipEngine.Discovery.Hull;

/// <summary>
/// The lower convex hull of formation energy per atom over the composition simplex of k components (k ≥ 2; the
/// ternary hull for k = 3), with the k elements at formation energy 0 always among the points.
/// </summary>
/// <remarks>
/// The hull's energy at composition x (fractions, Σ x_c = 1) is a linear programme over the points p_j = (x_j, E_j):
///   E_hull(x) = min Σ_j λ_j E_j  subject to  Σ_j λ_j x_j = x,  λ ≥ 0
/// (Σ λ_j = 1 follows from the fractions summing to 1): the lowest energy any mixture of known phases reaches at x,
/// which is the lower hull. It is solved by the revised simplex method with k basic variables. The k elemental
/// references, whose columns are the unit vectors, are a feasible first basis (λ = x), so no phase-one is needed;
/// Bland's rule (lowest index among improving columns and tied rows) rules out cycling on the degenerate bases that
/// compositions on an edge or a vertex of the simplex produce. A point is on the hull when its energy above it,
/// E_j − E_hull(x_j), is zero to 10⁻⁹ eV/atom.
/// </remarks>
public sealed class CompositionHull
{
    private const double Tolerance = 1e-12;
    private readonly double[][] _x;      // compositions: the k references first, then the points
    private readonly double[] _e;
    private readonly int _k;

    private CompositionHull(int k, double[][] x, double[] e) { _k = k; _x = x; _e = e; }

    /// <summary>Number of components.</summary>
    public int Components => _k;

    /// <summary>The hull of <paramref name="points"/> (fractions of the <paramref name="components"/> components, E_f per atom) and the elements.</summary>
    public static CompositionHull Build(int components, IEnumerable<(double[] X, double E)> points)
    {
        if (components < 2) throw new ArgumentException("a hull needs at least two components");
        var xs = new List<double[]>();
        var es = new List<double>();
        for (int c = 0; c < components; c++)
        {
            var unit = new double[components];
            unit[c] = 1;
            xs.Add(unit); es.Add(0);
        }
        foreach (var (x, e) in points)
        {
            if (x.Length != components || x.Any(v => !(v >= -1e-12)) || Math.Abs(x.Sum() - 1) > 1e-9 || !double.IsFinite(e))
                throw new ArgumentException($"hull point ({string.Join(", ", x)}; {e}): needs {components} non-negative fractions summing to 1 and a finite energy");
            xs.Add((double[])x.Clone()); es.Add(e);
        }
        return new CompositionHull(components, xs.ToArray(), es.ToArray());
    }

    /// <summary>The hull's formation energy per atom at composition <paramref name="x"/>, eV.</summary>
    public double EnergyAt(double[] x)
    {
        if (x.Length != _k || x.Any(v => !(v >= -1e-12)) || Math.Abs(x.Sum() - 1) > 1e-9)
            throw new ArgumentOutOfRangeException(nameof(x), $"needs {_k} non-negative fractions summing to 1");
        int k = _k, m = _x.Length;
        var basis = Enumerable.Range(0, k).ToArray();
        for (int iteration = 0; iteration < 50 * m + 100; iteration++)
        {
            var b = Basis(basis);
            var lambda = Solve(b, x, transpose: false);
            var cost = basis.Select(j => _e[j]).ToArray();
            var pi = Solve(b, cost, transpose: true);
            // Entering column: the lowest index with a negative reduced cost E_j − π·x_j (Bland).
            int enter = -1;
            for (int j = 0; j < m && enter < 0; j++)
            {
                if (Array.IndexOf(basis, j) >= 0) continue;
                double reduced = _e[j];
                for (int c = 0; c < k; c++) reduced -= pi[c] * _x[j][c];
                if (reduced < -Tolerance) enter = j;
            }
            if (enter < 0)
            {
                double value = 0;
                for (int r = 0; r < k; r++) value += lambda[r] * cost[r];
                return value;
            }
            // Ratio test along d = B⁻¹ x_enter; ties broken by the lowest basic index (Bland).
            var d = Solve(b, _x[enter], transpose: false);
            int leave = -1;
            double best = double.PositiveInfinity;
            for (int r = 0; r < k; r++)
            {
                if (d[r] <= Tolerance) continue;
                double ratio = Math.Max(0, lambda[r]) / d[r];
                if (ratio < best - Tolerance || (Math.Abs(ratio - best) <= Tolerance && basis[r] < basis[leave]))
                {
                    best = ratio; leave = r;
                }
            }
            if (leave < 0) throw new InvalidOperationException("hull linear programme is unbounded (cannot happen for compositions in the simplex)");
            basis[leave] = enter;
        }
        throw new InvalidOperationException("hull linear programme did not converge");
    }

    /// <summary>Energy above the hull, eV/atom (0 on it; clamped at 0 for points the hull was built from, where a negative value is rounding).</summary>
    public double EnergyAboveHull(double[] x, double formationEnergy) => formationEnergy - EnergyAt(x);

    private double[,] Basis(int[] basis)
    {
        var b = new double[_k, _k];
        for (int r = 0; r < _k; r++)
            for (int c = 0; c < _k; c++) b[c, r] = _x[basis[r]][c];   // column r = composition of basic point r
        return b;
    }

    /// <summary>B·y = v (or Bᵀ·y = v) by Gaussian elimination with partial pivoting (k is 2–4).</summary>
    private static double[] Solve(double[,] b, double[] v, bool transpose)
    {
        int k = v.Length;
        var a = new double[k, k + 1];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) a[i, j] = transpose ? b[j, i] : b[i, j];
            a[i, k] = v[i];
        }
        for (int col = 0; col < k; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < k; i++) if (Math.Abs(a[i, col]) > Math.Abs(a[pivot, col])) pivot = i;
            if (Math.Abs(a[pivot, col]) < 1e-300) throw new InvalidOperationException("singular basis in the hull linear programme");
            for (int j = 0; j <= k; j++) (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            for (int i = 0; i < k; i++)
            {
                if (i == col) continue;
                double f = a[i, col] / a[col, col];
                for (int j = col; j <= k; j++) a[i, j] -= f * a[col, j];
            }
        }
        var y = new double[k];
        for (int i = 0; i < k; i++) y[i] = a[i, k] / a[i, i];
        return y;
    }
}
