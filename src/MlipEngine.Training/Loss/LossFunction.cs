namespace MlipEngine.Training.Loss;

/// <summary>Weights of the loss terms and the per-term error function.</summary>
public sealed record LossWeights
{
    /// <summary>λ_E on the per-atom energy error (eV/atom)².</summary>
    public double Energy { get; init; } = 1;
    /// <summary>λ_F on the force-component error (eV/Å)².</summary>
    public double Forces { get; init; } = 100;
    /// <summary>λ_σ on the stress-component error (eV/Å³)².</summary>
    public double Stress { get; init; } = 1;
    /// <summary>Huber threshold δ (same units as each error); null for the squared error.</summary>
    public double? HuberDelta { get; init; }
}

/// <summary>The labels of one frame, in the units of the model (eV, eV/Å, eV/Å³ with ASE's stress sign).</summary>
public sealed record FrameLabels
{
    public required int AtomCount { get; init; }
    public required double Energy { get; init; }
    /// <summary>[3N] or null when the frame has no force labels.</summary>
    public double[]? Forces { get; init; }
    /// <summary>[9] row-major or null.</summary>
    public double[]? Stress { get; init; }
    /// <summary>Per-frame weight w_f on all three terms (the extxyz info key <c>weight</c>), ≥ 0.</summary>
    public double Weight { get; init; } = 1;
    /// <summary>
    /// Multipliers m_E, m_F, m_σ of this frame's energy, force and stress terms (from its config_type group
    /// and, for m_σ, the per-element stress weights; see <see cref="FrameWeighting"/>), ≥ 0; a zero drops the term.
    /// </summary>
    public TermWeights Terms { get; init; } = TermWeights.One;
    public string? ConfigType { get; init; }
}

/// <summary>
/// The training loss of one frame in a mini-batch of B frames, MACE's "weighted" form:
/// <code>
///   L_f = (w_f / B) [ m_E λ_E ρ(ΔE/N) + m_F λ_F/(3N) Σ_ic ρ(ΔF_ic) + m_σ λ_σ/9 Σ_ab ρ(Δσ_ab) ]
/// </code>
/// with Δ = prediction − label, m the frame's term multipliers (<see cref="FrameLabels.Terms"/>: its
/// config_type group, per-element stress weights; 1 by default), and ρ(x) = x² or the Huber function scaled to agree with it near 0,
/// ρ(x) = x² for |x| ≤ δ and δ (2|x| − δ) beyond (so ρ′ = 2x, clipped to ±2δ). The derivatives
/// a = ∂L/∂E, c_ic = ∂L/∂F_ic and s_ab = ∂L/∂σ_ab are what the parameter gradient needs: the force
/// and stress parts enter as a displacement u = −c and a strain direction S = sym(s)/V (see
/// <see cref="Gradients.EquivariantParameterGradient"/>).
/// </summary>
public static class LossFunction
{
    public static double Rho(double x, double? delta) =>
        delta is double d && Math.Abs(x) > d ? d * (2 * Math.Abs(x) - d) : x * x;

    public static double RhoDerivative(double x, double? delta) =>
        delta is double d && Math.Abs(x) > d ? 2 * d * Math.Sign(x) : 2 * x;

    /// <summary>
    /// Loss of one frame and its derivative directions. <paramref name="forces"/> are the predicted
    /// forces [3N], <paramref name="stress"/> the predicted stress [9] (ignored when the labels or
    /// λ_σ have none). Writes u (= −∂L/∂F, [3N]) and S (= sym(∂L/∂σ)/V, [9], zero when unused) and
    /// returns (L_f, ∂L_f/∂E).
    /// </summary>
    public static (double Loss, double EnergyCoefficient) Evaluate(FrameLabels labels, LossWeights weights, int batchSize, double energy,
        ReadOnlySpan<double> forces, ReadOnlySpan<double> stress, double volume, Span<double> displacement, Span<double> strain, out bool usesStress)
    {
        int n = labels.AtomCount;
        double scale = labels.Weight / batchSize;
        double? hd = weights.HuberDelta;
        var m = labels.Terms;
        double de = (energy - labels.Energy) / n;
        double lambdaE = weights.Energy * m.Energy, lambdaF = weights.Forces * m.Forces, lambdaS = weights.Stress * m.Stress;
        double loss = scale * lambdaE * Rho(de, hd);
        double a = scale * lambdaE * RhoDerivative(de, hd) / n;
        displacement.Clear();
        if (labels.Forces is { } f && lambdaF > 0)
        {
            double k = scale * lambdaF / (3.0 * n);
            for (int q = 0; q < 3 * n; q++)
            {
                double x = forces[q] - f[q];
                loss += k * Rho(x, hd);
                displacement[q] = -k * RhoDerivative(x, hd);
            }
        }
        strain.Clear();
        // a frame without a stress label (or open, or with m_σ λ_σ = 0) has no stress term
        usesStress = labels.Stress is not null && lambdaS > 0 && double.IsFinite(volume) && !stress.IsEmpty;
        if (usesStress)
        {
            double k = scale * lambdaS / 9.0;
            Span<double> s = stackalloc double[9];
            for (int q = 0; q < 9; q++)
            {
                double x = stress[q] - labels.Stress![q];
                loss += k * Rho(x, hd);
                s[q] = k * RhoDerivative(x, hd);
            }
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) strain[3 * r + c] = 0.5 * (s[3 * r + c] + s[3 * c + r]) / volume;
        }
        return (loss, a);
    }
}
