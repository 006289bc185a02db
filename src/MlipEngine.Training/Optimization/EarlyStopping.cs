namespace MlipEngine.Training.Optimization;

/// <summary>Everything <see cref="EarlyStopping"/> carries between epochs, for checkpoints.</summary>
/// <param name="BestEpoch">0-based epoch of the best validation loss so far; −1 before the first observation.</param>
/// <param name="BestLoss">Best validation loss so far (+∞ before the first observation).</param>
/// <param name="EpochsWithoutImprovement">Consecutive epochs since <paramref name="BestEpoch"/>.</param>
public sealed record EarlyStoppingState(int BestEpoch, double BestLoss, int EpochsWithoutImprovement);

/// <summary>
/// Stops training when the validation loss has not improved for <see cref="Patience"/> consecutive epochs,
/// and remembers the best epoch (the one whose EMA weights are exported). An epoch improves when
/// L &lt; best − <see cref="MinDelta"/>; a NaN loss never improves.
/// </summary>
public sealed class EarlyStopping
{
    /// <param name="patience">Epochs without improvement after which <see cref="ShouldStop"/> becomes true, ≥ 1.</param>
    /// <param name="minDelta">Absolute decrease of the loss that counts as an improvement, ≥ 0 (loss units).</param>
    public EarlyStopping(int patience, double minDelta = 0)
    {
        if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), $"early-stopping patience must be ≥ 1, got {patience}");
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), $"early-stopping min delta must be ≥ 0, got {minDelta}");
        Patience = patience;
        MinDelta = minDelta;
    }

    public int Patience { get; }
    public double MinDelta { get; }

    /// <summary>0-based epoch with the lowest validation loss so far; −1 before any observation.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <summary>Lowest validation loss so far (+∞ before any observation).</summary>
    public double BestLoss { get; private set; } = double.PositiveInfinity;

    /// <summary>Consecutive epochs since the best one.</summary>
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>True once <see cref="EpochsWithoutImprovement"/> ≥ <see cref="Patience"/>.</summary>
    public bool ShouldStop => EpochsWithoutImprovement >= Patience;

    /// <summary>Records the validation loss of <paramref name="epoch"/> (0-based). Returns true when it is a new best
    /// (the caller then saves the best model).</summary>
    public bool Observe(int epoch, double validationLoss)
    {
        bool improved = !double.IsNaN(validationLoss)
            && (BestEpoch < 0 || validationLoss < BestLoss - MinDelta);
        if (improved)
        {
            BestEpoch = epoch;
            BestLoss = validationLoss;
            EpochsWithoutImprovement = 0;
        }
        else EpochsWithoutImprovement++;
        return improved;
    }

    public EarlyStoppingState ExportState() => new(BestEpoch, BestLoss, EpochsWithoutImprovement);

    public void ImportState(EarlyStoppingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.EpochsWithoutImprovement < 0) throw new ArgumentException($"invalid early-stopping state {state}", nameof(state));
        BestEpoch = state.BestEpoch;
        BestLoss = state.BestLoss;
        EpochsWithoutImprovement = state.EpochsWithoutImprovement;
    }
}
