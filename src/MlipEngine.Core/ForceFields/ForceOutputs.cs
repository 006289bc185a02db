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
    All = Energy | AtomEnergies | Forces | Virial,
}

/// <summary>Where a force field runs.</summary>
public enum Backend
{
    /// <summary>Plain double-precision loops written to be obviously right: the oracle.</summary>
    Reference,
    /// <summary>Optimised CPU kernels (SIMD, threads).</summary>
    Cpu,
    /// <summary>OpenCL kernels (GPUs; PoCL on the CPU).</summary>
    OpenCl,
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

    public static ComputeOptions Reference => new() { Backend = Backend.Reference };
}
