using MlipEngine.Workflows;
using MlipEngine.IO.Yaml;
using MlipEngine.Training.Loss;

namespace MlipEngine.Workflows.Train;

/// <summary>Where E0 comes from: <c>least_squares</c>, <c>isolated</c> (isolated-atom frames), or fixed values per element.</summary>
public sealed record E0Config(string Mode, Dictionary<string, double>? Values);

/// <summary>Architecture keys of a new model (null: the <see cref="Potentials.Equivariant.EquivariantHyperparameters"/> default).</summary>
public sealed record ModelConfig
{
    public string? InitFrom { get; init; }
    public double? Cutoff { get; init; }
    public int? NumBessel { get; init; }
    public int? EnvelopeExponent { get; init; }
    public int[]? RadialHidden { get; init; }
    public int? Channels { get; init; }
    public int? HiddenLMax { get; init; }
    public int? ShLMax { get; init; }
    public int? Correlation { get; init; }
    public int? Layers { get; init; }
    public int? ReadoutHidden { get; init; }
    public bool? Residual { get; init; }
    /// <summary>null: the mean neighbour count of the training frames.</summary>
    public double? AvgNeighbors { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>Elements; null: those present in the training data.</summary>
    public string[]? Species { get; init; }
    /// <summary>
    /// A new model's ZBL core (<see cref="Potentials.Equivariant.CoreRepulsion"/>): r_out = each species pair's
    /// shortest distance in the training frames, r_in = r_out − this width (Å); null: no core. A model
    /// continued from <see cref="InitFrom"/> keeps its own.
    /// </summary>
    public double? RepulsionWidth { get; init; } = 0.5;
}

/// <summary>
/// A typed <c>mlip train</c> configuration parsed from YAML (after <c>--set</c> overrides). Unknown keys
/// and bad values are errors naming the file and key; relative paths resolve against the config's folder.
/// </summary>
public sealed class TrainConfig
{
    public required string Source { get; init; }
    public required string BaseDirectory { get; init; }
    /// <summary>The --set overrides applied (recorded in the log).</summary>
    public IReadOnlyList<string> Overrides { get; set; } = [];
    public required string[] TrainFiles { get; init; }
    public string[] ValidationFiles { get; init; } = [];
    /// <summary>
    /// Frames added to the training set after the validation split (<c>data.train_only</c>): they never enter
    /// validation, and the split of <see cref="TrainFiles"/> stays what it is without them (so a fine-tune with
    /// extra frames is measured on the same held-out frames as the model it continues).
    /// </summary>
    public string[] TrainOnlyFiles { get; init; } = [];
    public double ValidationFraction { get; init; } = 0.1;
    public string[] TestFiles { get; init; } = [];
    public int SplitSeed { get; init; } = 1;
    public string EnergyKey { get; init; } = "energy";
    public string ForcesKey { get; init; } = "forces";
    public string StressKey { get; init; } = "stress";
    public string ConfigTypeKey { get; init; } = "config_type";
    /// <summary>
    /// Multipliers of λ_E, λ_F, λ_σ per config_type group (<c>loss.config_type_weights</c>; the group
    /// "default" covers frames of unnamed or absent config_type). Every named group must occur in the data.
    /// </summary>
    public Dictionary<string, TermWeights> ConfigTypeWeights { get; init; } = new();
    /// <summary>Stress-weight multipliers per element symbol (<c>loss.stress_weight_per_element</c>).</summary>
    public Dictionary<string, double> StressWeightPerElement { get; init; } = new();
    public required E0Config E0 { get; init; }
    public required ModelConfig Model { get; init; }
    public LossWeights Loss { get; init; } = new();
    /// <summary>Stage two: first epoch, weights, learning rate, and optionally a start time (minutes of training); null: no stage two.</summary>
    public (int Start, LossWeights Weights, double? Lr, double? StartMinutes)? StageTwo { get; init; }
    public bool AmsGrad { get; init; }
    public double LearningRate { get; init; } = 0.01;
    public double WeightDecay { get; init; } = 5e-7;
    public int BatchSize { get; init; } = 5;
    public double Ema { get; init; } = 0.99;
    public double? Clip { get; init; } = 10;
    public string Schedule { get; init; } = "plateau";
    public double ScheduleFactor { get; init; } = 0.8;
    public int SchedulePatience { get; init; } = 50;
    public double Warmup { get; init; }
    public double MinLearningRate { get; init; }
    public int Epochs { get; init; } = 100;
    public double? MaxMinutes { get; init; }
    public int? EarlyStopping { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>
    /// Where the loss gradient runs (<c>device:</c>): <c>cpu</c> (the exact dual pass, <see cref="Threads"/> workers) or a device
    /// backend with a parameter gradient, <c>ilgpu[:INDEX]</c> (<see cref="Training.Loss.DeviceLossGradient"/>).
    /// </summary>
    public string Device { get; init; } = "cpu";
    /// <summary>The device's float type (<c>precision:</c>, device training only; the CPU trainer is fp64).</summary>
    public MlipEngine.ForceFields.Precision Precision { get; init; } = MlipEngine.ForceFields.Precision.Float64;
    public int Seed { get; init; } = 1;
    public required string OutputDirectory { get; init; }
    public required string ModelPath { get; init; }
}
