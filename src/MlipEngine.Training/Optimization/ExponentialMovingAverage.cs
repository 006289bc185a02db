namespace MlipEngine.Training.Optimization;

/// <summary>Everything <see cref="ExponentialMovingAverage"/> carries, for checkpoints (the array is a copy).</summary>
/// <param name="Shadow">θ̄, the averaged parameters.</param>
/// <param name="UpdateCount">n, number of <see cref="ExponentialMovingAverage.Update"/> calls so far.</param>
public sealed record ExponentialMovingAverageState(double[] Shadow, long UpdateCount);

/// <summary>
/// Exponential moving average of the weights, the model that is validated and exported (MACE, NequIP):
/// <code>
///   θ̄ ← θ̄ − (1 − d)·(θ̄ − θ)    i.e.  θ̄ ← d·θ̄ + (1 − d)·θ
///   d  = decay                              (plain)
///   d  = min(decay, (1 + n)/(10 + n))       (warm-up; n = updates before this one)
/// </code>
/// θ̄ starts as a copy of θ at construction. The warm-up form (torch_ema's <c>use_num_updates</c>) makes
/// the early average follow the fast-moving weights instead of remembering the random initialisation
/// for ~1/(1 − decay) steps. Call <see cref="Update"/> after each optimizer step. No allocation per update.
/// </summary>
public sealed class ExponentialMovingAverage
{
    private readonly double[] _shadow;

    /// <param name="parameters">θ at the start; copied into the shadow.</param>
    /// <param name="decay">Upper bound on d, in [0, 1]; MACE's default is 0.99.</param>
    /// <param name="warmUp">Use d = min(decay, (1 + n)/(10 + n)).</param>
    public ExponentialMovingAverage(ReadOnlySpan<double> parameters, double decay = 0.99, bool warmUp = false)
    {
        if (!(decay >= 0 && decay <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), $"EMA decay must be in [0, 1], got {decay}");
        _shadow = parameters.ToArray();
        Decay = decay;
        WarmUp = warmUp;
    }

    /// <summary>Upper bound on the per-update decay d.</summary>
    public double Decay { get; }

    /// <summary>Whether the warm-up form min(decay, (1 + n)/(10 + n)) is used.</summary>
    public bool WarmUp { get; }

    /// <summary>n, updates applied so far.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>θ̄, the averaged parameters (read-only view).</summary>
    public ReadOnlySpan<double> Shadow => _shadow;

    /// <summary>The decay d the next <see cref="Update"/> will use.</summary>
    public double CurrentDecay => WarmUp ? Math.Min(Decay, (1.0 + UpdateCount) / (10.0 + UpdateCount)) : Decay;

    /// <summary>Folds the current weights into the average: θ̄ ← θ̄ − (1 − d)·(θ̄ − θ).</summary>
    public void Update(ReadOnlySpan<double> parameters)
    {
        if (parameters.Length != _shadow.Length)
            throw new ArgumentException($"EMA tracks {_shadow.Length} parameters, got {parameters.Length}", nameof(parameters));
        double oneMinusDecay = 1 - CurrentDecay;
        double[] shadow = _shadow;
        for (int i = 0; i < shadow.Length; i++) shadow[i] -= oneMinusDecay * (shadow[i] - parameters[i]);
        UpdateCount++;
    }

    /// <summary>Writes θ̄ into <paramref name="target"/> (e.g. a model copy for validation or export).</summary>
    public void CopyTo(Span<double> target)
    {
        if (target.Length != _shadow.Length)
            throw new ArgumentException($"EMA tracks {_shadow.Length} parameters, target has {target.Length}", nameof(target));
        _shadow.CopyTo(target);
    }

    /// <summary>Copies θ̄ and n out, for a checkpoint.</summary>
    public ExponentialMovingAverageState ExportState() => new((double[])_shadow.Clone(), UpdateCount);

    /// <summary>Restores θ̄ and n from a checkpoint (copies the array).</summary>
    public void ImportState(ExponentialMovingAverageState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Shadow.Length != _shadow.Length)
            throw new ArgumentException($"EMA state holds {state.Shadow.Length} parameters, this average tracks {_shadow.Length}", nameof(state));
        if (state.UpdateCount < 0) throw new ArgumentException($"EMA state has a negative update count {state.UpdateCount}", nameof(state));
        state.Shadow.CopyTo(_shadow, 0);
        UpdateCount = state.UpdateCount;
    }
}
