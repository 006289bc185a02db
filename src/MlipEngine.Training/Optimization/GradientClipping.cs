namespace MlipEngine.Training.Optimization;

/// <summary>Gradient clipping by the global L2 norm (PyTorch <c>clip_grad_norm_</c>; MACE clips at 10).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Rescales <paramref name="gradient"/> in place so that its L2 norm is at most <paramref name="maxNorm"/>:
    /// <code>
    ///   ‖g‖ = √(Σᵢ gᵢ²);   g ← g · maxNorm/‖g‖   if ‖g‖ &gt; maxNorm
    /// </code>
    /// The direction is kept; only the length changes. A non-finite norm (NaN/∞ in the gradient) leaves the
    /// gradient untouched and is returned, so the caller can skip the step or stop.
    /// </summary>
    /// <param name="gradient">∂L/∂θ, modified in place (units of loss per parameter unit).</param>
    /// <param name="maxNorm">Largest allowed ‖g‖, &gt; 0.</param>
    /// <returns>‖g‖ before clipping (log it: a norm often far above maxNorm signals a too-high learning rate).</returns>
    public static double ClipByGlobalNorm(Span<double> gradient, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"max gradient norm must be > 0, got {maxNorm}");
        double norm = GlobalNorm(gradient);
        if (norm > maxNorm && double.IsFinite(norm))
        {
            double scale = maxNorm / norm;
            for (int i = 0; i < gradient.Length; i++) gradient[i] *= scale;
        }
        return norm;
    }

    /// <summary>‖g‖ = √(Σᵢ gᵢ²), accumulated in fp64.</summary>
    public static double GlobalNorm(ReadOnlySpan<double> gradient)
    {
        double sumSquares = 0;
        for (int i = 0; i < gradient.Length; i++) sumSquares += gradient[i] * gradient[i];
        return Math.Sqrt(sumSquares);
    }
}
