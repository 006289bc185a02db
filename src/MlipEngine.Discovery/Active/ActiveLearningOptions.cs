using MlipEngine.Workflows.Md;
using MlipEngine.Workflows.Train;

namespace MlipEngine.Discovery.Active;

/// <summary>What one committee member's training is: which iteration and member, its seed, data and folder.</summary>
/// <param name="InitFrom">The member's model of the previous iteration (fine-tuning), or null (iteration 0: a new model).</param>
public sealed record MemberTraining(int Iteration, int Member, int Seed, IReadOnlyList<string> TrainFiles, string? InitFrom, string OutputDirectory, string ModelPath);

/// <summary>
/// Exploration MD: every starting structure at every temperature (and pressure, for a barostat) is one replica,
/// all integrated in one batch with the committee mean as the potential.
/// </summary>
public sealed record ExplorationSettings
{
    public required IReadOnlyList<StructureConfig> Structures { get; init; }
    /// <summary>K.</summary>
    public IReadOnlyList<double> Temperatures { get; init; } = [300];
    /// <summary>GPa; one entry (0) for a thermostat-only integrator.</summary>
    public IReadOnlyList<double> Pressures { get; init; } = [0];
    /// <summary>Any of <see cref="MdConfig.IntegratorTypes"/>.</summary>
    public string Integrator { get; init; } = "nvt-langevin";
    /// <summary>fs.</summary>
    public double TimeStep { get; init; } = 2;
    /// <summary>fs; null: 100 time steps (1000 for a barostat's pdamp).</summary>
    public double? Tdamp { get; init; }
    public double? Pdamp { get; init; }
    public long Steps { get; init; } = 1000;
    /// <summary>Steps between snapshots evaluated with the committee (and kept as candidates).</summary>
    public int SampleEvery { get; init; } = 20;
    /// <summary>eV/Å: a replica whose largest force spread reaches this stops (<see cref="SpreadMonitor"/>).</summary>
    public double HaltSpread { get; init; } = 0.5;
    public ulong Seed { get; init; } = 1;
    /// <summary>Å: MD's own safety distance.</summary>
    public double SafetyMinDistance { get; init; } = 0.5;
}

/// <summary>Labelled rattled copies of the starting structures: the first data when none is given (or added to it).</summary>
public sealed record InitialRattle(int Frames, double Amplitude, ulong Seed);

/// <summary>
/// An active-learning run (<c>mlip active-learn</c>): explore with the committee, label what it doubts, retrain,
/// repeat. See <see cref="ActiveLearningRun"/>.
/// </summary>
public sealed record ActiveLearningOptions
{
    public required string OutputDirectory { get; init; }
    /// <summary>Explore–label–retrain rounds; the committee is trained once more on the last round's labels.</summary>
    public int Iterations { get; init; } = 5;
    public int CommitteeSize { get; init; } = 4;
    /// <summary>
    /// The training config of one member: architecture, loss, optimiser and schedule (for iteration 0) or the
    /// fine-tuning schedule (later iterations, <see cref="MemberTraining.InitFrom"/> set); data files, seeds and
    /// output folders come from the <see cref="MemberTraining"/>.
    /// </summary>
    public required Func<MemberTraining, TrainConfig> TrainConfig { get; init; }
    /// <summary>Labelled extxyz files the first committee is trained on.</summary>
    public IReadOnlyList<string> InitialData { get; init; } = [];
    /// <summary>Label this many rattled copies of each starting structure first (with or without <see cref="InitialData"/>).</summary>
    public InitialRattle? InitialRattle { get; init; }
    /// <summary>An oracle-labelled test set (extxyz): committee errors and spread calibration per iteration.</summary>
    public string? TestData { get; init; }
    public required ExplorationSettings Explore { get; init; }
    public SelectionSettings Select { get; init; } = new();
    public GeometryFilter Filter { get; init; } = new(1.0);
    /// <summary>Stop once the loop has labelled this many frames (successfully; the initial data not counted).</summary>
    public int? LabelBudget { get; init; }
    /// <summary>eV/Å: stop when no explored frame of an iteration reaches this spread (the model is trusted everywhere MD went).</summary>
    public double? StopSpread { get; init; }
    /// <summary>What determines the results (the CLI hashes the config without iterations and stop): a resume with other settings is refused.</summary>
    public string Fingerprint { get; init; } = "";
    /// <summary>Threads of MD and evaluation (training threads are the train config's).</summary>
    public int Threads { get; init; } = 1;
}
