using MlipEngine.ForceFields;
using MlipEngine.State;
using MlipEngine.Tests.Conformance;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;

namespace MlipEngine.Tests.Ilgpu;

// The shared conformance suite (finite-difference forces and stress, rotation/reflection/permutation invariance, rewrapping,
// batches of systems of different sizes, far-apart additivity, per-atom energies) on the equivariant model's ILGPU kernels.
// ILGPU's CPU accelerator (CI) costs ~0.3–0.5 s per call, so the periodic sample is one skewed fcc cell of 4 atoms (3.6 Å
// edges, below the 4 Å cutoff: every atom sees its own images, so the list and shifts are as demanding as in a larger
// cell) instead of the 32-atom cell of the Reference/Cpu drivers: the finite-difference test then takes 24 calls, not 192.
// The NequIP-like and L1/ν2 shapes are held to the Reference by IlgpuEquivariantTests.

/// <summary>MACE-like (hidden L 2, harmonics L 3, ν 3, two layers, two species) on Reference, Cpu and ILGPU.</summary>
[AlsoOnIlgpu]
public class IlgpuEquivariantL2Nu3Conformance : ForceFieldConformance
{
    private static readonly IForceField Ff = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.6, seed, repeat: 1);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.6, seed);
}

/// <summary>The MACE-like model with a ZBL core on compressed samples (pairs below, inside and above the core's windows) on Reference, Cpu and ILGPU.</summary>
[AlsoOnIlgpu]
public class IlgpuEquivariantCoreConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = CoreModels.MaceLike();
    protected override IForceField ForceField => Ff;
    // the 4-atom periodic sample at a = 3.6 Å (nearest neighbours ~2.5 Å, jittered: at the outer edges of the windows, r_out 2.5–2.7 Å); compressed, the one
    // cell packs its own images so tightly that forces reach 400–800 eV/Å and the 1e-5 Å central difference alone is off by 2e-6 eV/Å
    // on every backend, Reference included. The cluster (3.0 Å) puts pairs below the windows; IlgpuEquivariantTests compares the
    // compressed 32-atom cell with Reference.
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.6, seed, repeat: 1);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.0, seed);
}
