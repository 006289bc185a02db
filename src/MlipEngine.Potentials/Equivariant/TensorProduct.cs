namespace MlipEngine.Potentials.Equivariant;

/// <summary>One path l₁ (node) ⊗ l₂ (edge harmonic) → l₃ (message) of the interaction tensor product.</summary>
public sealed record TensorProductPath(int L1, int L2, int L3, CouplingTable Table);

/// <summary>
/// The interaction tensor product (channel-wise, "uvu"): the message from j to i on channel c is
/// <code>  m_{ij}[c, l₃m₃] = Σ_p R_p,c(r_ij) Σ_{m₁m₂} C^{p}_{m₁m₂m₃} h̃_j[c, l₁m₁] Y_{l₂m₂}(r̂_ij)  </code>
/// with one radial weight R per path and channel from the <see cref="RadialMlp"/>. Its adjoint, for an
/// upstream gradient g = ∂E/∂m:
/// <code>  ∂E/∂h̃_j[c,l₁m₁] = Σ R C g[c,l₃m₃] Y_{l₂m₂},   ∂E/∂Y_{l₂m₂} = Σ_c R C g h̃_j,   ∂E/∂R_p,c = Σ C g h̃_j Y.  </code>
/// </summary>
public sealed class TensorProduct
{
    public TensorProduct(int nodeLMax, int shLMax, int messageLMax)
    {
        NodeLMax = nodeLMax; ShLMax = shLMax; MessageLMax = messageLMax;
        var paths = new List<TensorProductPath>();
        for (int l1 = 0; l1 <= nodeLMax; l1++)
            for (int l2 = 0; l2 <= shLMax; l2++)
                for (int l3 = 0; l3 <= messageLMax; l3++)
                    if (Irreps.Couples(l1, l2, l3)) paths.Add(new TensorProductPath(l1, l2, l3, ClebschGordan.Get(l1, l2, l3)));
        Paths = paths.ToArray();
    }

    public int NodeLMax { get; }
    public int ShLMax { get; }
    public int MessageLMax { get; }
    public TensorProductPath[] Paths { get; }

    /// <summary>
    /// Reference forward for one edge: message[lm·C + c] += scale · Σ_p R[p·C + c] (C h̃ ⊗ Y).
    /// h̃ is [(NodeLMax+1)²][C], message [(MessageLMax+1)²][C].
    /// </summary>
    public void Forward(int channels, ReadOnlySpan<double> radial, ReadOnlySpan<double> node, ReadOnlySpan<double> sh, Span<double> message, double scale)
    {
        for (int p = 0; p < Paths.Length; p++)
        {
            var t = Paths[p].Table;
            int o1 = Irreps.Offset(t.L1), o2 = Irreps.Offset(t.L2), o3 = Irreps.Offset(t.L3);
            for (int k = 0; k < t.Count; k++)
            {
                double cy = scale * t.Coef[k] * sh[o2 + t.M2[k]];
                int a = (o1 + t.M1[k]) * channels, b = (o3 + t.M3[k]) * channels;
                for (int c = 0; c < channels; c++) message[b + c] += cy * radial[p * channels + c] * node[a + c];
            }
        }
    }

    /// <summary>Reference adjoint for one edge; accumulates into gNode, gSh and gRadial.</summary>
    public void Backward(int channels, ReadOnlySpan<double> radial, ReadOnlySpan<double> node, ReadOnlySpan<double> sh, ReadOnlySpan<double> gMessage,
        double scale, Span<double> gNode, Span<double> gSh, Span<double> gRadial)
    {
        for (int p = 0; p < Paths.Length; p++)
        {
            var t = Paths[p].Table;
            int o1 = Irreps.Offset(t.L1), o2 = Irreps.Offset(t.L2), o3 = Irreps.Offset(t.L3);
            for (int k = 0; k < t.Count; k++)
            {
                double cs = scale * t.Coef[k], y = sh[o2 + t.M2[k]];
                int a = (o1 + t.M1[k]) * channels, b = (o3 + t.M3[k]) * channels;
                double gy = 0;
                for (int c = 0; c < channels; c++)
                {
                    double r = radial[p * channels + c], h = node[a + c], g = gMessage[b + c];
                    gNode[a + c] += cs * y * r * g;
                    gRadial[p * channels + c] += cs * y * h * g;
                    gy += cs * r * h * g;
                }
                gSh[o2 + t.M2[k]] += gy;
            }
        }
    }
}
