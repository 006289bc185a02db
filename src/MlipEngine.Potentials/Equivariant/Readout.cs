namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Atomic energy read out of a layer's scalar features h[0, c] (MACE): linear, Eᵢ = Σ_c w_c h_c, for
/// every layer but the last; for the last a one-hidden-layer MLP, Eᵢ = Σ_k v_k silu(Σ_c W_ck h_c).
/// Both return ∂Eᵢ/∂h_c for the backward pass.
/// </summary>
public static class Readout
{
    public static double Linear(ReadOnlySpan<double> w, ReadOnlySpan<double> h, Span<double> gH)
    {
        double e = 0;
        for (int c = 0; c < w.Length; c++) { e += w[c] * h[c]; gH[c] += w[c]; }
        return e;
    }

    /// <summary>W is [C][H] row-major, v is [H].</summary>
    public static double Nonlinear(ReadOnlySpan<double> wHidden, ReadOnlySpan<double> v, ReadOnlySpan<double> h, Span<double> gH)
    {
        int hidden = v.Length, channels = h.Length;
        double e = 0;
        for (int k = 0; k < hidden; k++)
        {
            double z = 0;
            for (int c = 0; c < channels; c++) z += wHidden[c * hidden + k] * h[c];
            e += v[k] * RadialMlp.Silu(z);
            double gz = v[k] * RadialMlp.SiluDerivative(z);
            for (int c = 0; c < channels; c++) gH[c] += gz * wHidden[c * hidden + k];
        }
        return e;
    }
}
