namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// One term of the symmetric contraction: ν = 1: A_{l₁} itself (l₁ = L); ν = 2: (A_{l₁} ⊗ A_{l₂})_L;
/// ν = 3: ((A_{l₁} ⊗ A_{l₂})_{l₁₂} ⊗ A_{l₃})_L. First/Second are the couplings used (null when unused).
/// </summary>
public sealed record ContractionPath(int Nu, int L1, int L2, int L12, int L3, int L, CouplingTable? First, CouplingTable? Second);

/// <summary>
/// MACE's symmetric contraction, written as chained Clebsch–Gordan couplings of the atomic basis A
/// with itself, channel by channel, weighted per species z and channel c:
/// <code>  B_i[c, LM] = Σ_η w_{z_i, η, c} T_η[c, LM](A_i),   T = A | (A⊗A)_L | ((A⊗A)_{l₁₂}⊗A)_L  </code>
/// A is a sum over neighbours (2-body), so a ν-fold product is (ν+1)-body: correlation 3 gives body
/// order 4 per layer. Only l₁ ≤ l₂ is kept in A⊗A (the other order is the same term). The adjoint
/// follows from the product rule: ∂(x⊗y)/∂x = C·y, ∂/∂y = C·x.
/// </summary>
public sealed class SymmetricContraction
{
    public SymmetricContraction(int basisLMax, int outputLMax, int correlation)
    {
        BasisLMax = basisLMax; OutputLMax = outputLMax; Correlation = correlation;
        var paths = new List<ContractionPath>();
        for (int L = 0; L <= outputLMax; L++)
        {
            if (L <= basisLMax) paths.Add(new ContractionPath(1, L, -1, -1, -1, L, null, null));
            if (correlation >= 2)
                for (int l1 = 0; l1 <= basisLMax; l1++)
                    for (int l2 = l1; l2 <= basisLMax; l2++)
                        if (Irreps.Couples(l1, l2, L)) paths.Add(new ContractionPath(2, l1, l2, -1, -1, L, ClebschGordan.Get(l1, l2, L), null));
            if (correlation >= 3)
                for (int l1 = 0; l1 <= basisLMax; l1++)
                    for (int l2 = l1; l2 <= basisLMax; l2++)
                        for (int l12 = 0; l12 <= basisLMax; l12++)
                        {
                            if (!Irreps.Couples(l1, l2, l12)) continue;
                            for (int l3 = 0; l3 <= basisLMax; l3++)
                                if (Irreps.Couples(l12, l3, L))
                                    paths.Add(new ContractionPath(3, l1, l2, l12, l3, L, ClebschGordan.Get(l1, l2, l12), ClebschGordan.Get(l12, l3, L)));
                        }
        }
        Paths = paths.ToArray();
    }

    public int BasisLMax { get; }
    public int OutputLMax { get; }
    public int Correlation { get; }
    public ContractionPath[] Paths { get; }

    /// <summary>
    /// Reference forward on one atom: B[LM·C + c] = Σ_η w[η·C + c] T_η. A is [(BasisLMax+1)²][C],
    /// B is [(OutputLMax+1)²][C] (overwritten), w the species' weights [paths][C].
    /// </summary>
    public void Forward(int channels, ReadOnlySpan<double> a, ReadOnlySpan<double> w, Span<double> b)
    {
        b[..(Irreps.Count(OutputLMax) * channels)].Clear();
        Span<double> x1 = stackalloc double[7], x2 = stackalloc double[7], x3 = stackalloc double[7], p12 = stackalloc double[7], t = stackalloc double[7];
        for (int c = 0; c < channels; c++)
            for (int e = 0; e < Paths.Length; e++)
            {
                var path = Paths[e];
                double we = w[e * channels + c];
                int oL = Irreps.Offset(path.L), dL = Irreps.Dim(path.L);
                t[..dL].Clear();
                Gather(a, path.L1, c, channels, x1);
                if (path.Nu == 1) x1[..dL].CopyTo(t);
                else
                {
                    Gather(a, path.L2, c, channels, x2);
                    if (path.Nu == 2) path.First!.Accumulate(x1, x2, t, 1);
                    else
                    {
                        p12.Clear();
                        path.First!.Accumulate(x1, x2, p12, 1);
                        Gather(a, path.L3, c, channels, x3);
                        path.Second!.Accumulate(p12, x3, t, 1);
                    }
                }
                for (int m = 0; m < dL; m++) b[(oL + m) * channels + c] += we * t[m];
            }
    }

    /// <summary>Reference adjoint on one atom: gA += ∂E/∂A given gB = ∂E/∂B.</summary>
    public void Backward(int channels, ReadOnlySpan<double> a, ReadOnlySpan<double> w, ReadOnlySpan<double> gB, Span<double> gA)
    {
        Span<double> x1 = stackalloc double[7], x2 = stackalloc double[7], x3 = stackalloc double[7], p12 = stackalloc double[7];
        Span<double> g = stackalloc double[7], g1 = stackalloc double[7], g2 = stackalloc double[7], g3 = stackalloc double[7], gp = stackalloc double[7];
        for (int c = 0; c < channels; c++)
            for (int e = 0; e < Paths.Length; e++)
            {
                var path = Paths[e];
                double we = w[e * channels + c];
                int oL = Irreps.Offset(path.L), dL = Irreps.Dim(path.L);
                for (int m = 0; m < dL; m++) g[m] = we * gB[(oL + m) * channels + c];
                g1.Clear(); g2.Clear(); g3.Clear(); gp.Clear();
                Gather(a, path.L1, c, channels, x1);
                if (path.Nu == 1) g[..dL].CopyTo(g1);
                else
                {
                    Gather(a, path.L2, c, channels, x2);
                    if (path.Nu == 2) AdjointPair(path.First!, x1, x2, g, g1, g2);
                    else
                    {
                        p12.Clear();
                        path.First!.Accumulate(x1, x2, p12, 1);
                        Gather(a, path.L3, c, channels, x3);
                        AdjointPair(path.Second!, p12, x3, g, gp, g3);
                        AdjointPair(path.First!, x1, x2, gp, g1, g2);
                    }
                }
                Scatter(g1, path.L1, c, channels, gA);
                if (path.Nu >= 2) Scatter(g2, path.L2, c, channels, gA);
                if (path.Nu == 3) Scatter(g3, path.L3, c, channels, gA);
            }
    }

    /// <summary>For out = Σ C x y: gx[m₁] += Σ C y g, gy[m₂] += Σ C x g.</summary>
    private static void AdjointPair(CouplingTable t, ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> gx, Span<double> gy)
    {
        for (int k = 0; k < t.Count; k++)
        {
            double cg = t.Coef[k] * g[t.M3[k]];
            gx[t.M1[k]] += cg * y[t.M2[k]];
            gy[t.M2[k]] += cg * x[t.M1[k]];
        }
    }

    private static void Gather(ReadOnlySpan<double> a, int l, int c, int channels, Span<double> x)
    {
        int o = Irreps.Offset(l);
        for (int m = 0; m < Irreps.Dim(l); m++) x[m] = a[(o + m) * channels + c];
    }

    private static void Scatter(ReadOnlySpan<double> g, int l, int c, int channels, Span<double> gA)
    {
        int o = Irreps.Offset(l);
        for (int m = 0; m < Irreps.Dim(l); m++) gA[(o + m) * channels + c] += g[m];
    }
}
