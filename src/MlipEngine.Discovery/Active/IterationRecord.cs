namespace MlipEngine.Discovery.Active;

/// <summary>
/// One finished iteration (a line of <c>iterations.jsonl</c> and of <c>iterations.csv</c>): the committee trained
/// on <see cref="Labels"/> frames, its errors on the test set and its calibration, then what its exploration
/// met and what was labelled for the next committee. Energies in meV/atom, forces and spreads in meV/Å.
/// </summary>
public sealed record IterationRecord
{
    public int Iteration { get; init; }
    /// <summary>Labelled frames the committee of this iteration was trained on.</summary>
    public int Labels { get; init; }
    public double TrainMinutes { get; init; }
    public double TestEnergyRmse { get; init; } = double.NaN;
    public double TestForceRmse { get; init; } = double.NaN;
    /// <summary>Mean over the test frames of the largest per-atom force spread.</summary>
    public double TestSpread { get; init; } = double.NaN;
    public double Spearman { get; init; } = double.NaN;
    public double Coverage1 { get; init; } = double.NaN;
    public double Coverage2 { get; init; } = double.NaN;
    /// <summary>Where the calibration was measured: "test" or "new labels" (the frames about to be learned).</summary>
    public string CalibrationSet { get; init; } = "";
    public int Explored { get; init; }
    public double SpreadMean { get; init; } = double.NaN;
    public double SpreadMax { get; init; } = double.NaN;
    public int InBand { get; init; }
    public int AboveBand { get; init; }
    public int HaltedReplicas { get; init; }
    public int Replicas { get; init; }
    public int Selected { get; init; }
    public int Filtered { get; init; }
    public int LabelFailures { get; init; }
    public int Labelled { get; init; }
    /// <summary>Why the run stopped after this iteration, or empty.</summary>
    public string Stop { get; init; } = "";
}
