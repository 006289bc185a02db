namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Equivariant linear map: channels mix with one C×C matrix per degree l, the same for every m
/// (mixing m would break equivariance): out[lm, o] = Σ_i W_l[i, o] in[lm, i]. Adjoint:
/// g_in[lm, i] = Σ_o W_l[i, o] g_out[lm, o]. Weights [in][out] row-major.
/// </summary>
public static class ChannelLinear
{
    /// <summary>out[lm·C + o] (+)= Σ_i W_l[i·C + o] in[lm·C + i] for l ≤ lmax; weightOffsets[l] locates W_l.</summary>
    public static void Forward(ReadOnlySpan<double> parameters, int[] weightOffsets, int lmax, int channels, ReadOnlySpan<double> input, Span<double> output, bool accumulate)
    {
        if (!accumulate) output[..(Irreps.Count(lmax) * channels)].Clear();
        for (int l = 0; l <= lmax; l++)
        {
            var w = parameters.Slice(weightOffsets[l], channels * channels);
            for (int lm = Irreps.Offset(l); lm < Irreps.Offset(l + 1); lm++)
                for (int i = 0; i < channels; i++)
                {
                    double x = input[lm * channels + i];
                    for (int o = 0; o < channels; o++) output[lm * channels + o] += w[i * channels + o] * x;
                }
        }
    }

    /// <summary>gIn[lm·C + i] += Σ_o W_l[i·C + o] gOut[lm·C + o].</summary>
    public static void Backward(ReadOnlySpan<double> parameters, int[] weightOffsets, int lmax, int channels, ReadOnlySpan<double> gOutput, Span<double> gInput)
    {
        for (int l = 0; l <= lmax; l++)
        {
            var w = parameters.Slice(weightOffsets[l], channels * channels);
            for (int lm = Irreps.Offset(l); lm < Irreps.Offset(l + 1); lm++)
                for (int i = 0; i < channels; i++)
                {
                    double s = 0;
                    for (int o = 0; o < channels; o++) s += w[i * channels + o] * gOutput[lm * channels + o];
                    gInput[lm * channels + i] += s;
                }
        }
    }
}
