using MlipEngine.Workflows;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Spec;
using MlipEngine.Dynamics.Barostats;

namespace MlipEngine.Workflows.Md;

/// <summary>Where the starting structure comes from: a file, or a crystal built from a lattice.</summary>
public sealed record StructureConfig(string? File, string? Lattice, string? Element, double A, double? C, int[] Repeat)
{
    /// <summary>The first frame of a structure file (extxyz, POSCAR, LAMMPS data).</summary>
    public static StructureConfig FromFile(string path) => new(Path.GetFullPath(path), null, null, 0, null, [1, 1, 1]);
    /// <summary>A crystal: <paramref name="lattice"/> fcc, bcc, hcp, diamond or sc; <paramref name="a"/> (and <paramref name="c"/> for hcp) in Å; repeated nx × ny × nz.</summary>
    public static StructureConfig Crystal(string lattice, string element, double a, int nx, int ny, int nz, double? c = null) => new(null, lattice, element, a, c, [nx, ny, nz]);
}

/// <summary>Integrator and its parameters, in the units users write (K, fs, GPa, 1/GPa).</summary>
public sealed record IntegratorConfig(string Type, double? Temperature, double? Tdamp, double Pressure, double? Pdamp,
    int Chain, PressureCoupling Couple, double Compressibility, ulong? Seed)
{
    public static IntegratorConfig Nve { get; } = new("nve", null, null, 0, null, 3, PressureCoupling.Isotropic, 0.01, null);
    /// <summary>Langevin (BAOAB) at <paramref name="temperature"/> K with friction time <paramref name="tdamp"/> fs (null: 100 time steps).</summary>
    public static IntegratorConfig Langevin(double temperature, double? tdamp = null, ulong? seed = null) =>
        new("nvt-langevin", temperature, tdamp, 0, null, 3, PressureCoupling.Isotropic, 0.01, seed);
    /// <summary>MTK NPT (Nosé–Hoover chains on particles and cell) at <paramref name="temperature"/> K and <paramref name="pressureGPa"/>.</summary>
    public static IntegratorConfig Npt(double temperature, double pressureGPa, PressureCoupling couple = PressureCoupling.Isotropic, double? tdamp = null, double? pdamp = null) =>
        new("npt-mtk", temperature, tdamp, pressureGPa, pdamp, 3, couple, 0.01, null);
}

/// <summary>An output file and its interval in steps (no file or every 0: not written).</summary>
public sealed record OutputConfig(string? File, int Every)
{
    public static OutputConfig None { get; } = new(null, 0);
}

/// <summary>
/// A typed MD run: what <c>mlip md</c> parses from YAML (after <c>--set</c> overrides), or what a program
/// builds directly — only <see cref="Structure"/>, a potential and <see cref="Steps"/> are needed; the
/// rest defaults as the YAML keys do (NVE, 1 fs, skin 1 Å, thermo every 100 steps to the console, a
/// final checkpoint, all cores, fp64, CPU, safety distance 0.5 Å).
/// </summary>
public sealed class MdConfig
{
    public static readonly string[] IntegratorTypes = ["nve", "nvt-langevin", "nvt-nhc", "nvt-bussi", "npt-mtk", "npt-crescale"];

    /// <summary>Where the config came from (messages; the default checkpoint name); "md" for a program-built config.</summary>
    public string Source { get; init; } = "md";
    /// <summary>Folder relative input paths resolved against (the config file's folder).</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();
    public required StructureConfig Structure { get; init; }
    /// <summary>Spec (file or inline); null when <see cref="PotentialFile"/> names a model file.</summary>
    public PotentialSpec? Potential { get; init; }
    /// <summary>A model file (*.mlip) or spec file, as <see cref="ForceFields.ForceFieldCatalog.Load"/> takes it.</summary>
    public string? PotentialFile { get; init; }
    /// <summary>A force field the program built itself (e.g. a committee); takes precedence over the two above.</summary>
    public IForceField? ForceField { get; init; }
    public double? VelocityTemperature { get; init; }
    public ulong VelocitySeed { get; init; }
    public bool ZeroMomentum { get; init; } = true;
    public IntegratorConfig Integrator { get; init; } = IntegratorConfig.Nve;
    /// <summary>fs.</summary>
    public double TimeStep { get; init; } = 1.0;
    public required long Steps { get; init; }
    /// <summary>Verlet skin, Å.</summary>
    public double Skin { get; init; } = 1.0;
    public OutputConfig Thermo { get; init; } = new(null, 100);
    public OutputConfig Trajectory { get; init; } = OutputConfig.None;
    /// <summary>Checkpoint file (null: <see cref="Source"/> with .ckpt) and interval (0: at the end only).</summary>
    public OutputConfig Checkpoint { get; init; } = OutputConfig.None;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public Precision Precision { get; init; }
    public Backend Backend { get; init; }
    /// <summary>OpenCL device index when <see cref="Backend"/> is OpenCl.</summary>
    public int DeviceIndex { get; init; }
    /// <summary>Remove centre-of-mass drift every N steps (0: never).</summary>
    public int RemoveDriftEvery { get; init; }
    public int[] FrozenIndices { get; init; } = [];
    public double? FrozenZBelow { get; init; }
    /// <summary>Å; 0 disables.</summary>
    public double SafetyMinDistance { get; init; } = 0.5;
    public int SafetyEvery { get; init; } = 100;
    /// <summary>
    /// Replicas run together in one batch (each a complete config of its own: temperature, seed, start
    /// structure, output files); empty for a single run. They share the potential, device, time step,
    /// step count and output intervals.
    /// </summary>
    public IReadOnlyList<MdConfig> Replicas { get; init; } = [];
}
