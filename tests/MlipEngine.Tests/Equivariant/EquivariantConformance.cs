using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Conformance;
using MlipEngine.Tests.Support;

namespace MlipEngine.Tests.Equivariant;

// The shared conformance suite on random equivariant models of several shapes (L, ν, layers, species).

internal static class SmallModels
{
    public static EquivariantModel Make(string[] species, int hiddenL, int shL, int nu, int layers, bool residual = true, int seed = 3, int channels = 8) =>
        EquivariantModel.Random(new EquivariantHyperparameters
        {
            Species = species, Channels = channels, HiddenLMax = hiddenL, ShLMax = shL, Correlation = nu, Layers = layers,
            Cutoff = 4.0, NumBessel = 6, RadialHidden = [16, 16], ReadoutHidden = 8, AvgNeighbors = 20, Residual = residual,
        }, seed, species.Select((_, k) => -1.5 - 0.5 * k).ToArray());
}

/// <summary>MACE-like: hidden L = 2, harmonics L = 3, ν = 3, two layers, two species. Also on OpenCL (the same shape as OpenClEquivariantTests' MACE-like model, so the same compiled program); on ILGPU with smaller samples (Ilgpu/IlgpuEquivariantConformance).</summary>
[AlsoOnOpenCl]
public class EquivariantL2Nu3Conformance : ForceFieldConformance
{
    private static readonly IForceField Ff = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.6, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.6, seed);
}

/// <summary>Hidden L = 1, harmonics L = 2, ν = 2, three layers, three species.</summary>
public class EquivariantL1Nu2Conformance : ForceFieldConformance
{
    private static readonly IForceField Ff = SmallModels.Make(["Al", "Cu", "Ni"], 1, 2, 2, 3, seed: 5);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Al", "Cu", "Ni"], 3.7, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Al", "Cu", "Ni"], 3.7, seed);
}

/// <summary>NequIP-like: ν = 1, scalar hidden features, harmonics L = 1, one layer, no residual, one species. Also on OpenCL (the cheapest shape; OpenClEquivariantTests covers the others against Reference).</summary>
[AlsoOnOpenCl]
public class EquivariantNequipLikeConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = SmallModels.Make(["Si"], 0, 1, 1, 1, residual: false, seed: 7);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Si"], 3.9, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Si"], 3.9, seed);
}
