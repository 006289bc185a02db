namespace MlipEngine.Training.Loss;

/// <summary>What <see cref="VirialConsistency"/> found on the frames it checked.</summary>
/// <param name="Frames">Periodic frames checked.</param>
/// <param name="MaxDeviation">max over frames and components of |σ_model − (1/V) ∂E/∂ε| (eV/Å³).</param>
/// <param name="MaxStress">max |σ_model| over the checked frames (eV/Å³), the scale of the deviation.</param>
/// <param name="WorstFrame">The frame with the largest deviation (null when none was checked).</param>
public sealed record VirialCheck(int Frames, double MaxDeviation, double MaxStress, string? WorstFrame)
{
    /// <summary>
    /// Both sides are fp64 evaluations of the same derivative (the fused backend's virial and the dual
    /// strain pass), so they agree to round-off: 1e-8 of the stress scale (plus 1e-12 eV/Å³ for a frame at
    /// zero stress) is 10⁴–10⁶ times the observed difference, yet a wrong sign, factor or missing image
    /// term exceeds it by orders of magnitude.
    /// </summary>
    public bool Consistent => Frames == 0 || MaxDeviation <= 1e-8 * MaxStress + 1e-12;
}

/// <summary>
/// Virial consistency of the stress the trainer fits: on periodic frames, the model stress the loss compares
/// with the labels (the fused CPU backend's virial, σ = −W/V) must be the strain derivative of the model's
/// energy, σ = (1/V) ∂E/∂ε = (1/V) Σ_e d_e ⊗ ∂E/∂d_e (= −(1/V) Σ_i r_i ⊗ F_i for a cluster), taken along the
/// same edge perturbation the stress gradient uses. If they differed, the stress term would pull the
/// parameters towards a quantity that is not the model's stress.
/// </summary>
public static class VirialConsistency
{
    /// <summary>Checks up to <paramref name="maxFrames"/> periodic frames of <paramref name="samples"/> (in order).</summary>
    public static VirialCheck Check(FrameLossGradient evaluator, IEnumerable<TrainingSample> samples, int maxFrames = 3)
    {
        int frames = 0;
        double worst = 0, scale = 0;
        string? worstName = null;
        foreach (var s in samples)
        {
            if (frames >= maxFrames) break;
            if (!double.IsFinite(s.Volume)) continue;
            var predicted = evaluator.Predict(s).Stress;
            var derivative = evaluator.StrainDerivativeStress(s);
            if (predicted is null || derivative is null) continue;
            frames++;
            double dev = Deviation(predicted, derivative);
            foreach (double v in predicted) scale = Math.Max(scale, Math.Abs(v));
            if (dev >= worst) { worst = dev; worstName = s.Name; }
        }
        return new VirialCheck(frames, worst, scale, worstName);
    }

    /// <summary>max_ab |a_ab − b_ab| of two 3×3 row-major tensors.</summary>
    public static double Deviation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double d = 0;
        for (int q = 0; q < 9; q++) d = Math.Max(d, Math.Abs(a[q] - b[q]));
        return d;
    }
}
