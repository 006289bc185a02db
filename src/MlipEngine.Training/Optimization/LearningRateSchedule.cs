namespace MlipEngine.Training.Optimization;

/// <summary>How the learning rate evolves after the (optional) linear warm-up.</summary>
public enum LearningRateAnnealing
{
    /// <summary>η = η₀.</summary>
    Constant,

    /// <summary>Half-cosine from η₀ down to <see cref="LearningRateScheduleOptions.MinLearningRate"/> at <see cref="LearningRateScheduleOptions.TotalEpochs"/>.</summary>
    Cosine,

    /// <summary>η multiplied by a factor when the validation loss has not improved for <c>patience</c> epochs (PyTorch <c>ReduceLROnPlateau</c>, MACE's default).</summary>
    ReduceOnPlateau,
}

/// <summary>Settings of a <see cref="LearningRateSchedule"/>. Epochs are counted from 0 at the start of training.</summary>
public sealed record LearningRateScheduleOptions
{
    /// <summary>η₀, the learning rate after warm-up (parameter units per step, see <see cref="AdamOptimizer.Step"/>).</summary>
    public required double InitialLearningRate { get; init; }

    /// <summary>Annealing after warm-up.</summary>
    public LearningRateAnnealing Annealing { get; init; } = LearningRateAnnealing.Constant;

    /// <summary>W, length of the linear warm-up in epochs (may be fractional); 0 disables warm-up. Combines with every annealing.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>s, the warm-up starts at s·η₀ and rises linearly to η₀ at epoch W; in (0, 1].</summary>
    public double WarmupStartFactor { get; init; } = 0.01;

    /// <summary>T, the epoch at which the cosine reaches its floor (cosine only).</summary>
    public int TotalEpochs { get; init; }

    /// <summary>Floor of the cosine, and lower bound of plateau reductions (same units as η₀).</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Multiplier applied on a plateau, in (0, 1); MACE uses 0.8.</summary>
    public double PlateauFactor { get; init; } = 0.8;

    /// <summary>Epochs without improvement tolerated; the rate drops on the next one (PyTorch semantics). MACE uses 50.</summary>
    public int PlateauPatience { get; init; } = 50;

    /// <summary>Relative improvement needed to count as better: L &lt; best·(1 − threshold). PyTorch default 1e-4.</summary>
    public double PlateauThreshold { get; init; } = 1e-4;

    /// <summary>Epochs after a reduction during which no bad epochs are counted.</summary>
    public int PlateauCooldown { get; init; }
}

/// <summary>Everything a <see cref="LearningRateSchedule"/> carries between epochs, for checkpoints.</summary>
/// <param name="PlateauLearningRate">Current post-warm-up rate of the plateau schedule (η₀ until the first reduction).</param>
/// <param name="BestLoss">Best validation loss seen by the plateau logic (+∞ before the first observation).</param>
/// <param name="BadEpochs">Consecutive epochs without improvement.</param>
/// <param name="CooldownRemaining">Epochs left in the cool-down after a reduction.</param>
/// <param name="Reductions">Number of plateau reductions so far.</param>
public sealed record LearningRateScheduleState(double PlateauLearningRate, double BestLoss, int BadEpochs, int CooldownRemaining, int Reductions);

/// <summary>
/// Learning rate as a function of training progress t (in epochs; fractional within an epoch, so the
/// loop may query it per mini-batch as t = epoch + (batch + 1)/batches, or once per epoch as t = epoch):
/// <code>
///   η(t)   = w(t) · a(t)
///   w(t)   = s + (1 − s)·min(t/W, 1)                                 (warm-up; 1 when W = 0)
///   a(t)   = η₀                                                      (constant)
///          = η_min + (η₀ − η_min)·½·(1 + cos(π·clamp((t − W)/(T − W), 0, 1)))   (cosine)
///          = η_p,  η_p ← max(f·η_p, η_min) after patience+1 epochs without improvement   (plateau)
/// </code>
/// The plateau rule is fed the validation loss once per epoch through <see cref="EndEpoch"/>; epochs that
/// end inside the warm-up do not count (the loss is still dominated by the warm-up).
/// </summary>
public sealed class LearningRateSchedule
{
    private double _plateauLearningRate;
    private double _bestLoss = double.PositiveInfinity;
    private int _badEpochs;
    private int _cooldownRemaining;

    public LearningRateSchedule(LearningRateScheduleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.InitialLearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), $"initial learning rate must be > 0, got {options.InitialLearningRate}");
        if (!(options.MinLearningRate >= 0 && options.MinLearningRate <= options.InitialLearningRate))
            throw new ArgumentOutOfRangeException(nameof(options), $"minimum learning rate must be in [0, {options.InitialLearningRate}], got {options.MinLearningRate}");
        if (!(options.WarmupEpochs >= 0)) throw new ArgumentOutOfRangeException(nameof(options), $"warm-up epochs must be ≥ 0, got {options.WarmupEpochs}");
        if (!(options.WarmupStartFactor > 0 && options.WarmupStartFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"warm-up start factor must be in (0, 1], got {options.WarmupStartFactor}");
        if (options.Annealing == LearningRateAnnealing.Cosine && !(options.TotalEpochs > options.WarmupEpochs))
            throw new ArgumentOutOfRangeException(nameof(options), $"cosine schedule needs total epochs ({options.TotalEpochs}) > warm-up epochs ({options.WarmupEpochs})");
        if (options.Annealing == LearningRateAnnealing.ReduceOnPlateau)
        {
            if (!(options.PlateauFactor > 0 && options.PlateauFactor < 1)) throw new ArgumentOutOfRangeException(nameof(options), $"plateau factor must be in (0, 1), got {options.PlateauFactor}");
            if (options.PlateauPatience < 0) throw new ArgumentOutOfRangeException(nameof(options), $"plateau patience must be ≥ 0, got {options.PlateauPatience}");
            if (!(options.PlateauThreshold >= 0)) throw new ArgumentOutOfRangeException(nameof(options), $"plateau threshold must be ≥ 0, got {options.PlateauThreshold}");
            if (options.PlateauCooldown < 0) throw new ArgumentOutOfRangeException(nameof(options), $"plateau cool-down must be ≥ 0, got {options.PlateauCooldown}");
        }
        Options = options;
        _plateauLearningRate = options.InitialLearningRate;
    }

    public LearningRateScheduleOptions Options { get; }

    /// <summary>Number of plateau reductions so far.</summary>
    public int Reductions { get; private set; }

    /// <summary>η(t) for training progress <paramref name="epoch"/> (epochs since the start, fractional allowed).</summary>
    public double LearningRate(double epoch)
    {
        var o = Options;
        double warmup = o.WarmupEpochs > 0 ? o.WarmupStartFactor + (1 - o.WarmupStartFactor) * Math.Clamp(epoch / o.WarmupEpochs, 0, 1) : 1;
        double annealed = o.Annealing switch
        {
            LearningRateAnnealing.Cosine => CosineRate(epoch),
            LearningRateAnnealing.ReduceOnPlateau => _plateauLearningRate,
            _ => o.InitialLearningRate,
        };
        return warmup * annealed;
    }

    private double CosineRate(double epoch)
    {
        var o = Options;
        double progress = Math.Clamp((epoch - o.WarmupEpochs) / (o.TotalEpochs - o.WarmupEpochs), 0, 1);
        return o.MinLearningRate + (o.InitialLearningRate - o.MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>
    /// Feeds the validation loss of the epoch that just finished (0-based index <paramref name="epoch"/>) to the
    /// plateau rule. Returns true when this call reduced the rate. No-op for the other annealings and for
    /// epochs ending inside the warm-up. A NaN loss counts as no improvement.
    /// </summary>
    public bool EndEpoch(int epoch, double validationLoss)
    {
        var o = Options;
        if (o.Annealing != LearningRateAnnealing.ReduceOnPlateau || epoch + 1 <= o.WarmupEpochs) return false;

        bool improved = !double.IsNaN(validationLoss)
            && (double.IsPositiveInfinity(_bestLoss) || validationLoss < _bestLoss - Math.Abs(_bestLoss) * o.PlateauThreshold);
        if (improved)
        {
            _bestLoss = validationLoss;
            _badEpochs = 0;
        }
        else _badEpochs++;

        if (_cooldownRemaining > 0)
        {
            _cooldownRemaining--;
            _badEpochs = 0;
        }

        if (_badEpochs > o.PlateauPatience)
        {
            double reduced = Math.Max(_plateauLearningRate * o.PlateauFactor, o.MinLearningRate);
            _badEpochs = 0;
            _cooldownRemaining = o.PlateauCooldown;
            if (reduced < _plateauLearningRate)
            {
                _plateauLearningRate = reduced;
                Reductions++;
                return true;
            }
        }
        return false;
    }

    /// <summary>Copies the plateau bookkeeping out, for a checkpoint (constant and cosine are pure functions of t).</summary>
    public LearningRateScheduleState ExportState() => new(_plateauLearningRate, _bestLoss, _badEpochs, _cooldownRemaining, Reductions);

    /// <summary>Restores the plateau bookkeeping from a checkpoint.</summary>
    public void ImportState(LearningRateScheduleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!(state.PlateauLearningRate > 0) || state.BadEpochs < 0 || state.CooldownRemaining < 0 || state.Reductions < 0)
            throw new ArgumentException($"invalid learning-rate schedule state {state}", nameof(state));
        _plateauLearningRate = state.PlateauLearningRate;
        _bestLoss = state.BestLoss;
        _badEpochs = state.BadEpochs;
        _cooldownRemaining = state.CooldownRemaining;
        Reductions = state.Reductions;
    }
}
