namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// The real-basis coupling l₁ ⊗ l₂ → l₃ as a sparse list: out[m₃] += Coef · x[m₁] · y[m₂]
/// (m indices 0…2l, i.e. m + l). Exact to rounding; computed once and shared.
/// </summary>
public sealed class CouplingTable
{
    internal CouplingTable(int l1, int l2, int l3, int[] m1, int[] m2, int[] m3, double[] coef)
    {
        L1 = l1; L2 = l2; L3 = l3; M1 = m1; M2 = m2; M3 = m3; Coef = coef;
    }

    public int L1 { get; }
    public int L2 { get; }
    public int L3 { get; }
    public int[] M1 { get; }
    public int[] M2 { get; }
    public int[] M3 { get; }
    public double[] Coef { get; }
    public int Count => Coef.Length;

    /// <summary>Dense value C[m₁, m₂, m₃] (slow; for tests).</summary>
    public double Dense(int m1, int m2, int m3)
    {
        for (int k = 0; k < Count; k++) if (M1[k] == m1 && M2[k] == m2 && M3[k] == m3) return Coef[k];
        return 0;
    }

    /// <summary>out[m₃] += s Σ C x[m₁] y[m₂] on one channel (x, y, out are the irreps' own spans).</summary>
    public void Accumulate(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> output, double s)
    {
        for (int k = 0; k < Count; k++) output[M3[k]] += s * Coef[k] * x[M1[k]] * y[M2[k]];
    }
}

/// <summary>
/// Real Clebsch–Gordan coefficients for the real spherical harmonics of <see cref="SphericalHarmonics"/>.
/// </summary>
/// <remarks>
/// For l₁ + l₂ + l₃ even the Gaunt integral G = ∫ Yₗ₁ₘ₁ Yₗ₂ₘ₂ Yₗ₃ₘ₃ dΩ is a rotation-invariant trilinear
/// form, and by Schur's lemma the intertwiner l₁ ⊗ l₂ → l₃ is unique up to a factor, so G is the real
/// CG tensor up to one constant per (l₁, l₂, l₃). We compute G by a quadrature that is exact for these
/// polynomials (Gauss–Legendre in cos θ with 8 nodes: degree ≤ 15 ≥ l₁+l₂+l₃ ≤ 9; 20 uniform φ
/// points: trigonometric degree &lt; 20), in the same basis the model uses (so no phase conventions can
/// disagree), then scale it so that Σ_{m₁m₂} C_{m₁m₂m₃} C_{m₁m₂m₃′} = δ_{m₃m₃′} (CG orthonormality). Only
/// even-sum couplings exist here (see <see cref="Irreps.Couples"/>).
/// </remarks>
public static class ClebschGordan
{
    private static readonly Dictionary<(int, int, int), CouplingTable> Cache = new();
    private static readonly object Gate = new();

    public static CouplingTable Get(int l1, int l2, int l3)
    {
        if (!Irreps.Couples(l1, l2, l3)) throw new ArgumentException($"{l1} ⊗ {l2} → {l3} is not an allowed coupling");
        if (Math.Max(l1, Math.Max(l2, l3)) > SphericalHarmonics.MaxL) throw new ArgumentException("couplings are tabulated for l ≤ 3");
        lock (Gate)
        {
            if (!Cache.TryGetValue((l1, l2, l3), out var t)) Cache[(l1, l2, l3)] = t = Compute(l1, l2, l3);
            return t;
        }
    }

    private static CouplingTable Compute(int l1, int l2, int l3)
    {
        int d1 = Irreps.Dim(l1), d2 = Irreps.Dim(l2), d3 = Irreps.Dim(l3);
        var g = new double[d1, d2, d3];
        var (nodes, weights) = GaussLegendre(8);
        const int nPhi = 20;
        Span<double> y = stackalloc double[16];
        for (int a = 0; a < nodes.Length; a++)
        {
            double ct = nodes[a], st = Math.Sqrt(1 - ct * ct);
            for (int b = 0; b < nPhi; b++)
            {
                double phi = 2 * Math.PI * b / nPhi, w = weights[a] * 2 * Math.PI / nPhi;
                SphericalHarmonics.Evaluate(3, st * Math.Cos(phi), st * Math.Sin(phi), ct, y, default);
                for (int i = 0; i < d1; i++)
                    for (int j = 0; j < d2; j++)
                        for (int k = 0; k < d3; k++)
                            g[i, j, k] += w * y[Irreps.Offset(l1) + i] * y[Irreps.Offset(l2) + j] * y[Irreps.Offset(l3) + k];
            }
        }
        double sum = 0;
        foreach (double v in g) sum += v * v;
        double scale = Math.Sqrt(d3 / sum);
        var m1 = new List<int>(); var m2 = new List<int>(); var m3 = new List<int>(); var c = new List<double>();
        for (int i = 0; i < d1; i++)
            for (int j = 0; j < d2; j++)
                for (int k = 0; k < d3; k++)
                {
                    double v = g[i, j, k] * scale;
                    if (Math.Abs(v) < 1e-12) continue;   // exact zeros come out of the quadrature as ~1e-17
                    m1.Add(i); m2.Add(j); m3.Add(k); c.Add(v);
                }
        return new CouplingTable(l1, l2, l3, m1.ToArray(), m2.ToArray(), m3.ToArray(), c.ToArray());
    }

    /// <summary>Gauss–Legendre nodes and weights on [−1, 1] (Newton iteration on Pₙ).</summary>
    public static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var x = new double[n]; var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double z = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), dp = 0;
            for (int it = 0; it < 100; it++)
            {
                double p0 = 1, p1 = z;
                for (int k = 2; k <= n; k++) { double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
                dp = n * (z * p1 - p0) / (z * z - 1);
                double dz = p1 / dp;
                z -= dz;
                if (Math.Abs(dz) < 1e-16) break;
            }
            {
                double p0 = 1, p1 = z;
                for (int k = 2; k <= n; k++) { double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
                dp = n * (z * p1 - p0) / (z * z - 1);
            }
            x[i] = z; w[i] = 2 / ((1 - z * z) * dp * dp);
        }
        return (x, w);
    }
}
