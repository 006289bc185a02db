namespace MlipEngine.Training.Reports;

/// <summary>
/// Errors of a model on one data set. Energies per atom in meV/atom, force components in meV/Å, stress
/// components in meV/Å³ (null when the set has no stress labels).
/// </summary>
public readonly record struct SetErrors(
    double EnergyMae, double EnergyRmse,
    double ForceMae, double ForceRmse,
    double? StressMae = null, double? StressRmse = null);

/// <summary>One row of the training log: what the learning curves, the CSV table and the progress display show.</summary>
/// <param name="Epoch">Epoch index as the training loop counts it (the CSV resume logic keeps rows with Epoch ≤ the resumed epoch).</param>
/// <param name="LearningRate">η used during the epoch (the value at its start when it varies within the epoch).</param>
/// <param name="TrainLoss">Mean training loss over the epoch (loss units of the configured loss).</param>
/// <param name="ValidationLoss">Validation loss after the epoch (same units).</param>
/// <param name="Train">Errors on the training set.</param>
/// <param name="Validation">Errors on the validation set (of the EMA model when EMA is on).</param>
/// <param name="Seconds">Wall time of the epoch, s.</param>
public sealed record EpochRecord(
    int Epoch, double LearningRate, double TrainLoss, double ValidationLoss,
    SetErrors Train, SetErrors Validation, double Seconds)
{
    /// <summary>Whether the epoch ran under stage two's loss weights (not stored in the CSV).</summary>
    public bool StageTwo { get; init; }
}
