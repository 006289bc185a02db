using MlipEngine.Workflows;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Spec;
using MlipEngine.IO.Yaml;
using MlipEngine.Dynamics.Barostats;

namespace MlipEngine.Workflows.Md;

/// <summary>Where the starting structure comes from: a file, or a crystal built from a lattice.</summary>
public sealed record StructureConfig(string? File, string? Lattice, string? Element, double A, double? C, int[] Repeat);

/// <summary>Integrator and its parameters, in the units users write (K, fs, GPa, 1/GPa).</summary>
public sealed record IntegratorConfig(string Type, double? Temperature, double? Tdamp, double Pressure, double? Pdamp,
    int Chain, PressureCoupling Couple, double Compressibility, ulong? Seed);

public sealed record OutputConfig(string? File, int Every);

/// <summary>
/// A typed <c>mlip md</c> run configuration, parsed from YAML (after <c>--set</c> overrides). Every
/// unknown key or bad value is an error naming the file and key. Relative paths resolve against the
/// config file's folder.
/// </summary>
public sealed class MdConfig
{
    public static readonly string[] IntegratorTypes = ["nve", "nvt-langevin", "nvt-nhc", "nvt-bussi", "npt-mtk", "npt-crescale"];

    public required string Source { get; init; }
    public required string BaseDirectory { get; init; }
    public required StructureConfig Structure { get; init; }
    /// <summary>Spec (file or inline); null when <see cref="PotentialFile"/> names a model file.</summary>
    public PotentialSpec? Potential { get; init; }
    public string? PotentialFile { get; init; }
    public double? VelocityTemperature { get; init; }
    public ulong VelocitySeed { get; init; }
    public bool ZeroMomentum { get; init; } = true;
    public required IntegratorConfig Integrator { get; init; }
    /// <summary>fs.</summary>
    public double TimeStep { get; init; }
    public long Steps { get; init; }
    /// <summary>Å.</summary>
    public double Skin { get; init; }
    public required OutputConfig Thermo { get; init; }
    public required OutputConfig Trajectory { get; init; }
    public required OutputConfig Checkpoint { get; init; }
    public int Threads { get; init; }
    public Precision Precision { get; init; }
    public Backend Backend { get; init; }
    /// <summary>OpenCL device index when <see cref="Backend"/> is OpenCl.</summary>
    public int DeviceIndex { get; init; }
    /// <summary>Remove centre-of-mass drift every N steps (0: never).</summary>
    public int RemoveDriftEvery { get; init; }
    public int[] FrozenIndices { get; init; } = [];
    public double? FrozenZBelow { get; init; }
    /// <summary>Å; 0 disables.</summary>
    public double SafetyMinDistance { get; init; }
    public int SafetyEvery { get; init; }
    /// <summary>
    /// Replicas run together in one batch (each a complete config of its own: temperature, seed, start
    /// structure, output files); empty for a single run. They share the potential, device, time step,
    /// step count and output intervals.
    /// </summary>
    public IReadOnlyList<MdConfig> Replicas { get; init; } = [];
}
