using MlipEngine.ForceFields;
using MlipEngine.Potentials.Eam;
using MlipEngine.Potentials.Pair;
using MlipEngine.State;
using MlipEngine.Tests.Support;

namespace MlipEngine.Tests.Conformance;

// One five-line driver per potential: the suite in ForceFieldConformance runs on each.

[AlsoOnOpenCl, AlsoOnIlgpu]
public class LennardJonesConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = MlipEngine.Potentials.Spec.PotentialFactory.Create(Yaml(
        "{style: lj/cut, cutoff: 8.0, shift: true, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}, Kr-Kr: {epsilon: 0.014, sigma: 3.65}}}"));
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Ar", "Kr"], 5.3, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Ar", "Kr"], 5.3, seed);
    internal static PotentialSpec Yaml(string text) => MlipEngine.Workflows.ForceFields.PotentialSpecLoader.FromText(text, "test spec", ".");
}

/// <summary>
/// Per-pair cutoffs below the global one: the CPU pair kernel filters by the largest cutoff and the lj/cut
/// vector form masks each lane by its own pair's cutoff, so lanes of one vector end at different r_c.
/// </summary>
public class LennardJonesPerPairCutoffConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = MlipEngine.Potentials.Spec.PotentialFactory.Create(LennardJonesConformance.Yaml(
        "{style: lj/cut, cutoff: 8.0, shift: true, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}, Kr-Kr: {epsilon: 0.014, sigma: 3.65, cutoff: 7.0}, Ar-Kr: {epsilon: 0.012, sigma: 3.5, cutoff: 6.2}}}"));
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Ar", "Kr"], 5.3, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Ar", "Kr"], 5.3, seed);
}

[AlsoOnOpenCl, AlsoOnIlgpu]
public class MorseConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = MlipEngine.Potentials.Spec.PotentialFactory.Create(LennardJonesConformance.Yaml(
        "{style: morse, cutoff: 6.0, shift: false, pairs: {Cu-Cu: {d0: 0.3429, alpha: 1.3588, r0: 2.866}, Ni-Ni: {d0: 0.42, alpha: 1.42, r0: 2.78}, Cu-Ni: {d0: 0.38, alpha: 1.39, r0: 2.82}}}"));
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.6, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.6, seed);
}

[AlsoOnOpenCl, AlsoOnIlgpu]
public class EamFuncflConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = EamPotential.FromFuncfl([GoldenFiles.LammpsPotential("Cu_u3.eam"), GoldenFiles.LammpsPotential("Ni_u3.eam")], ["Cu", "Ni"]);
    protected override IForceField ForceField => Ff;
    protected override double FiniteDifferenceTolerance => 1e-5;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.6, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.6, seed);
}

[AlsoOnOpenCl, AlsoOnIlgpu]
public class EamAlloyConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = EamPotential.FromSetfl(GoldenFiles.LammpsPotential("CuNi.eam.alloy"), ["Cu", "Ni"]);
    protected override IForceField ForceField => Ff;
    protected override double FiniteDifferenceTolerance => 1e-5;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.56, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.56, seed);
}

[AlsoOnOpenCl, AlsoOnIlgpu]
public class EamFinnisSinclairConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = EamPotential.FromFinnisSinclair(GoldenFiles.LammpsPotential("AlFe_mm.eam.fs"), ["Al", "Fe"]);
    protected override IForceField ForceField => Ff;
    protected override double FiniteDifferenceTolerance => 1e-5;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Fe", "Al"], 2.87, seed, bcc: true, repeat: 3);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Fe", "Al"], 3.6, seed);
}

[AlsoOnIlgpu]
public class StillingerWeberConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = MlipEngine.Potentials.StillingerWeber.StillingerWeberPotential.FromFile(GoldenFiles.LammpsPotential("GaN.sw"), ["Ga", "N"]);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Ga", "N"], 4.5, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Ga", "N"], 4.5, seed);
}

[AlsoOnIlgpu]
public class TersoffConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = MlipEngine.Potentials.Tersoff.TersoffPotential.FromFile(GoldenFiles.LammpsPotential("SiC.tersoff"), ["Si", "C"]);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Si", "C"], 4.6, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Si", "C"], 2.9, seed);
}
