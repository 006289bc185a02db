using System.Numerics;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// The radial MLP: Bessel features b (N) → SiLU hidden layers → one weight per tensor-product path and
/// channel, R = W_out · silu(… silu(W₀ b)). No biases: silu(0) = 0, so R → 0 with b at the cutoff.
/// Weights are stored [in][out] row-major at <see cref="WeightOffsets"/> in the model's parameters.
/// </summary>
/// <remarks>
/// Adjoint: with z_k = a_{k−1} W_k, a_k = silu(z_k), silu(z) = z σ(z) and
/// silu′(z) = σ(z) (1 + z (1 − σ(z))): g_{a_{k−1}} = W_k g_{z_k}, g_{z_k} = silu′(z_k) g_{a_k}.
/// </remarks>
public sealed class RadialMlp
{
    public RadialMlp(int[] widths, int[] weightOffsets)
    {
        Widths = widths; WeightOffsets = weightOffsets;
        HiddenTotal = 0;
        for (int k = 1; k < widths.Length - 1; k++) HiddenTotal += widths[k];
    }

    /// <summary>Input, hidden…, output widths.</summary>
    public int[] Widths { get; }
    public int[] WeightOffsets { get; }
    public int Inputs => Widths[0];
    public int Outputs => Widths[^1];
    /// <summary>Sum of hidden widths (scratch size for pre-activations).</summary>
    public int HiddenTotal { get; }

    /// <summary>silu(z) = z σ(z), σ(z) = 1/(1 + e⁻ᶻ), in any precision (the Reference, Cpu and ILGPU passes call it).</summary>
    public static T Silu<T>(T z) where T : IFloatingPointIeee754<T> => z / (T.One + T.Exp(-z));
    /// <summary>silu′(z) = σ(z) (1 + z (1 − σ(z))).</summary>
    public static T SiluDerivative<T>(T z) where T : IFloatingPointIeee754<T> { T s = T.One / (T.One + T.Exp(-z)); return s * (T.One + z * (T.One - s)); }
    /// <summary>silu(z) and silu′(z) from one exponential: z σ and σ (1 + z (1 − σ)).</summary>
    public static T SiluWithDerivative<T>(T z, out T derivative) where T : IFloatingPointIeee754<T>
    {
        T s = T.One / (T.One + T.Exp(-z));
        derivative = s * (T.One + z * (T.One - s));
        return z * s;
    }

    /// <summary>Reference forward for one edge; keeps the pre-activations z (length <see cref="HiddenTotal"/>).</summary>
    public void Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, Span<double> pre, Span<double> output)
    {
        Span<double> a = stackalloc double[MaxWidth()], next = stackalloc double[MaxWidth()];
        input.CopyTo(a);
        int zo = 0;
        for (int k = 0; k < Widths.Length - 1; k++)
        {
            int nin = Widths[k], nout = Widths[k + 1];
            var w = parameters.Slice(WeightOffsets[k], nin * nout);
            bool last = k == Widths.Length - 2;
            Span<double> dst = last ? output : next;
            dst[..nout].Clear();
            for (int i = 0; i < nin; i++)
                for (int o = 0; o < nout; o++) dst[o] += a[i] * w[i * nout + o];
            if (last) break;
            for (int o = 0; o < nout; o++) { pre[zo + o] = next[o]; a[o] = Silu(next[o]); }
            zo += nout;
        }
    }

    /// <summary>Reference adjoint: gInput = ∂E/∂b given gOutput = ∂E/∂R and the stored pre-activations.</summary>
    public void Backward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> pre, ReadOnlySpan<double> gOutput, Span<double> gInput)
    {
        Span<double> g = stackalloc double[MaxWidth()], prev = stackalloc double[MaxWidth()];
        gOutput.CopyTo(g);
        int zo = HiddenTotal;
        for (int k = Widths.Length - 2; k >= 0; k--)
        {
            int nin = Widths[k], nout = Widths[k + 1];
            var w = parameters.Slice(WeightOffsets[k], nin * nout);
            prev[..nin].Clear();
            for (int i = 0; i < nin; i++)
                for (int o = 0; o < nout; o++) prev[i] += w[i * nout + o] * g[o];
            if (k == 0) { prev[..nin].CopyTo(gInput); break; }
            zo -= nin;
            for (int i = 0; i < nin; i++) g[i] = prev[i] * SiluDerivative(pre[zo + i]);
        }
    }

    private int MaxWidth() { int m = 0; foreach (int w in Widths) m = Math.Max(m, w); return m; }
}
