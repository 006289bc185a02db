namespace MlipEngine.ForceFields;

/// <summary>What a force call computes. Ask only for what you need: energies-only calls skip force work.</summary>
[Flags]
public enum ForceOutputs
{
    None = 0,
    /// <summary>Total potential energy per system, eV.</summary>
    Energy = 1,
    /// <summary>Per-atom potential energies, eV (they sum to the system energy).</summary>
    AtomEnergies = 2,
    /// <summary>Forces −∂E/∂r, eV/Å.</summary>
    Forces = 4,
    /// <summary>Virial W = −∂E/∂ε (eV) and stress σ = −W/V (eV/Å³, ASE sign) per system.</summary>
    Virial = 8,
    EnergyAndForces = Energy | Forces,
    /// <summary>Every physical output. <see cref="Uncertainty"/> lies outside it, so callers of <c>All</c> never pay for a committee's spread.</summary>
    All = Energy | AtomEnergies | Forces | Virial,
    /// <summary>
    /// Committee spread of energy and forces (<see cref="ForceResult.ForceStd"/>, <see cref="ForceResult.EnergyStd"/>,
    /// <see cref="ForceResult.MaxForceStd"/>). Only computers whose force field has
    /// <see cref="IForceField.ProvidesUncertainty"/> fill it; the others leave the bit out of <see cref="ForceResult.Computed"/>.
    /// </summary>
    Uncertainty = 16,
}

/// <summary>
/// Where a force field runs: the name of a compute backend (<see cref="IComputeBackend"/>). The set is
/// open: the three built-in names are constants here, and any assembly can add a backend under a new
/// name (see <see cref="ComputeBackendAttribute"/>) without a change to Core.
/// </summary>
public readonly record struct Backend
{
    public const string ReferenceName = "reference", CpuName = "cpu", OpenClName = "opencl";

    /// <summary>Plain double-precision loops written to be obviously right: the oracle.</summary>
    public static Backend Reference => new(ReferenceName);
    /// <summary>Optimised CPU kernels (SIMD, threads).</summary>
    public static Backend Cpu => new(CpuName);
    /// <summary>OpenCL kernels (GPUs; PoCL on the CPU).</summary>
    public static Backend OpenCl => new(OpenClName);

    /// <summary>A backend by name (lower case, e.g. "cpu", "opencl").</summary>
    public Backend(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a backend needs a name");
        _name = name.Trim().ToLowerInvariant();
    }

    private readonly string? _name;
    /// <summary>Lower-case name; <c>default(Backend)</c> is the CPU backend.</summary>
    public string Name => _name ?? CpuName;

    /// <summary>A backend by name (lets constant names stand where a <see cref="Backend"/> is expected, e.g. test data).</summary>
    public static implicit operator Backend(string name) => new(name);

    public bool Equals(Backend other) => Name == other.Name;
    public override int GetHashCode() => Name.GetHashCode();
    public override string ToString() => Name switch { ReferenceName => "Reference", CpuName => "Cpu", OpenClName => "OpenCl", var n => n };
}

/// <summary>Floating-point precision of the compute kernels (energies are always accumulated in fp64).</summary>
public enum Precision { Float64, Float32 }

/// <summary>How to bind a force field to hardware.</summary>
public sealed record ComputeOptions
{
    public Backend Backend { get; init; } = Backend.Cpu;
    /// <summary>Worker threads for the CPU backend (≥ 1).</summary>
    public int Threads { get; init; } = 1;
    public Precision Precision { get; init; } = Precision.Float64;
    /// <summary>Verlet skin in Å added to the cutoff of the neighbor list; 0 rebuilds every call.</summary>
    public double Skin { get; init; }
    /// <summary>
    /// Device for accelerator backends (OpenCL): the index into the list <c>mlip info</c> prints
    /// (platforms in loader order, devices in platform order). Ignored by Reference and Cpu.
    /// </summary>
    public int DeviceIndex { get; init; }
    /// <summary>
    /// Threads to run on, owned by the caller (not disposed by the computer), or null to create a team of
    /// <see cref="Threads"/> members. A committee passes its own so that its members share one set of threads.
    /// Ignored by backends without a host thread team.
    /// </summary>
    public Threading.ThreadTeam? Team { get; init; }

    public static ComputeOptions Reference => new() { Backend = Backend.Reference };
}
