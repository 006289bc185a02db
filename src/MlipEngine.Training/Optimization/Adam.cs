namespace MlipEngine.Training.Optimization;

/// <summary>How <see cref="AdamOptions.WeightDecay"/> enters the update.</summary>
public enum WeightDecayMode
{
    /// <summary>AdamW (Loshchilov &amp; Hutter 2019): θ ← θ − η·λ·θ, applied apart from the adaptive step.</summary>
    Decoupled,

    /// <summary>Classic L2 penalty folded into the gradient before the moments: g ← g + λ·θ (PyTorch <c>Adam(weight_decay=λ)</c>).</summary>
    CoupledL2,
}

/// <summary>Hyper-parameters of <see cref="AdamOptimizer"/>. Defaults are PyTorch's; MACE trains with <c>AmsGrad = true</c>.</summary>
public sealed record AdamOptions
{
    /// <summary>β₁, decay of the first-moment (mean gradient) average, in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂, decay of the second-moment (mean squared gradient) average, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>ε added to √v̂ in the denominator, in the units of the gradient.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>λ, weight-decay coefficient (dimensionless for <see cref="WeightDecayMode.Decoupled"/>; 1/[θ]² · [loss] for L2). 0 disables it.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Decoupled (AdamW, default) or coupled L2.</summary>
    public WeightDecayMode WeightDecayMode { get; init; } = WeightDecayMode.Decoupled;

    /// <summary>AMSGrad (Reddi et al. 2018): the denominator uses the running maximum of v, so the effective step never grows.</summary>
    public bool AmsGrad { get; init; }
}

/// <summary>
/// Everything <see cref="AdamOptimizer"/> carries between steps, for checkpoints. Arrays are copies;
/// <see cref="MaxSecondMoment"/> is null unless AMSGrad is on.
/// </summary>
/// <param name="Step">Number of steps taken (t after the last step).</param>
/// <param name="FirstMoment">m, biased first-moment estimate, one per parameter.</param>
/// <param name="SecondMoment">v, biased second-moment estimate, one per parameter.</param>
/// <param name="MaxSecondMoment">v_max, running maximum of v (AMSGrad only).</param>
public sealed record AdamState(long Step, double[] FirstMoment, double[] SecondMoment, double[]? MaxSecondMoment);

/// <summary>
/// Adam / AMSGrad on a flat parameter vector, with AdamW-style decoupled or coupled-L2 weight decay.
/// <para>
/// One step, t ← t + 1, for each parameter i (the same arithmetic as PyTorch's <c>Adam</c>/<c>AdamW</c>, fp64):
/// <code>
///   g  ← ∇L                       (+ λ·θ          if coupled L2)
///   θ  ← θ·(1 − η·λ)              (if decoupled, before the adaptive step; a mask may exempt θᵢ)
///   m  ← β₁·m + (1 − β₁)·g
///   v  ← β₂·v + (1 − β₂)·g²
///   v̄  = v                        (AMSGrad: v_max ← max(v_max, v); v̄ = v_max)
///   θ  ← θ − (η / (1 − β₁ᵗ)) · m / (√v̄ / √(1 − β₂ᵗ) + ε)
/// </code>
/// The bias corrections 1/(1 − βᵗ) undo the zero initialisation of m and v, so that the first step
/// moves each parameter by ≈ η·sign(g).
/// </para>
/// No allocation per step: moments are allocated once, at construction, for a fixed parameter count.
/// </summary>
public sealed class AdamOptimizer
{
    private readonly double[] _m;
    private readonly double[] _v;
    private readonly double[]? _vMax;
    private readonly bool[]? _decayMask;

    /// <param name="parameterCount">Length of the parameter vector this optimizer steps.</param>
    /// <param name="options">Hyper-parameters (null: PyTorch defaults, no weight decay).</param>
    /// <param name="weightDecayMask">Optional per-parameter flag: weight decay applies only where true
    /// (e.g. MACE decays interaction weights but not embeddings or readouts). Null: every parameter.</param>
    public AdamOptimizer(int parameterCount, AdamOptions? options = null, bool[]? weightDecayMask = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        Options = options ?? new AdamOptions();
        if (!(Options.Beta1 >= 0 && Options.Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(options), $"beta1 must be in [0, 1), got {Options.Beta1}");
        if (!(Options.Beta2 >= 0 && Options.Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(options), $"beta2 must be in [0, 1), got {Options.Beta2}");
        if (!(Options.Epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(options), $"epsilon must be ≥ 0, got {Options.Epsilon}");
        if (!(Options.WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(options), $"weight decay must be ≥ 0, got {Options.WeightDecay}");
        if (weightDecayMask is not null && weightDecayMask.Length != parameterCount)
            throw new ArgumentException($"weight-decay mask has {weightDecayMask.Length} entries for {parameterCount} parameters", nameof(weightDecayMask));
        ParameterCount = parameterCount;
        _m = new double[parameterCount];
        _v = new double[parameterCount];
        _vMax = Options.AmsGrad ? new double[parameterCount] : null;
        _decayMask = weightDecayMask;
    }

    /// <summary>Hyper-parameters in use.</summary>
    public AdamOptions Options { get; }

    /// <summary>Length of the parameter vector.</summary>
    public int ParameterCount { get; }

    /// <summary>Steps taken so far (t); 0 before the first step.</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one Adam step in place (see the class comment for the equations).</summary>
    /// <param name="parameters">θ, updated in place.</param>
    /// <param name="gradient">∂L/∂θ at the current θ; not modified.</param>
    /// <param name="learningRate">η, in units of θ per step (for the ≈ sign(g) first step).</param>
    public void Step(double[] parameters, ReadOnlySpan<double> gradient, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Length != ParameterCount || gradient.Length != ParameterCount)
            throw new ArgumentException($"Adam expects {ParameterCount} parameters and gradients, got {parameters.Length} and {gradient.Length}");

        long t = ++StepCount;
        double beta1 = Options.Beta1, beta2 = Options.Beta2, eps = Options.Epsilon;
        double biasCorrection1 = 1 - Math.Pow(beta1, t);
        double sqrtBiasCorrection2 = Math.Sqrt(1 - Math.Pow(beta2, t));
        double stepSize = learningRate / biasCorrection1;
        double lambda = Options.WeightDecay;
        bool coupled = lambda != 0 && Options.WeightDecayMode == WeightDecayMode.CoupledL2;
        double decoupledShrink = lambda != 0 && Options.WeightDecayMode == WeightDecayMode.Decoupled ? 1 - learningRate * lambda : 1;
        bool[]? mask = _decayMask;
        double[] m = _m, v = _v;
        double[]? vMax = _vMax;

        for (int i = 0; i < parameters.Length; i++)
        {
            double theta = parameters[i];
            bool decays = mask is null || mask[i];
            double g = gradient[i];
            if (coupled && decays) g += lambda * theta;
            if (decays) theta *= decoupledShrink;

            double mi = beta1 * m[i] + (1 - beta1) * g;
            double vi = beta2 * v[i] + (1 - beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            if (vMax is not null)
            {
                if (vi > vMax[i]) vMax[i] = vi;
                vi = vMax[i];
            }
            parameters[i] = theta - stepSize * mi / (Math.Sqrt(vi) / sqrtBiasCorrection2 + eps);
        }
    }

    /// <summary>Copies the moments and step counter out, for a checkpoint.</summary>
    public AdamState ExportState() =>
        new(StepCount, (double[])_m.Clone(), (double[])_v.Clone(), _vMax is null ? null : (double[])_vMax.Clone());

    /// <summary>Restores moments and step counter from a checkpoint (copies the arrays).</summary>
    /// <exception cref="ArgumentException">Lengths differ from <see cref="ParameterCount"/>, or the AMSGrad setting differs.</exception>
    public void ImportState(AdamState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Step < 0) throw new ArgumentException($"Adam state has a negative step count {state.Step}", nameof(state));
        if (state.FirstMoment.Length != ParameterCount || state.SecondMoment.Length != ParameterCount)
            throw new ArgumentException($"Adam state holds {state.FirstMoment.Length}/{state.SecondMoment.Length} moments for {ParameterCount} parameters", nameof(state));
        if ((state.MaxSecondMoment is null) != (_vMax is null))
            throw new ArgumentException(_vMax is null ? "Adam state is from an AMSGrad run but this optimizer is plain Adam" : "Adam state lacks the AMSGrad maximum moments", nameof(state));
        if (state.MaxSecondMoment is not null && state.MaxSecondMoment.Length != ParameterCount)
            throw new ArgumentException($"Adam state holds {state.MaxSecondMoment.Length} max moments for {ParameterCount} parameters", nameof(state));
        state.FirstMoment.CopyTo(_m, 0);
        state.SecondMoment.CopyTo(_v, 0);
        state.MaxSecondMoment?.CopyTo(_vMax!, 0);
        StepCount = state.Step;
    }
}
