using MlipEngine.Discovery.Generation;
using MlipEngine.Discovery.Search;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using Xunit;
using static MlipEngine.Tests.Discovery.DiscoveryTestSupport;

namespace MlipEngine.Tests.Discovery;

/// <summary>The search's default minimiser: L-BFGS with a backtracking line search (one evaluation per step).</summary>
public class LbfgsLineSearchTests
{
    [Fact]
    public void RandomLj55Clusters_ConvergeTightly_AndMatchBfgsOnLj7()
    {
        using var computer = LjComputer();
        var gen = new RandomStructureGenerator(LjClusterOptions(55, SearchMode.Random, 1, 1).Generator);
        var settings = new RelaxationSettings
        {
            CellMode = CellMode.Fixed, Fmax = 1e-4, MaxSteps = 3000, MaxForce = 1e6,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.LbfgsLineSearch },
        };
        var outcomes = new BatchRelaxer(computer, settings).Run(Enumerable.Range(0, 4).Select(k => new RelaxationJob(k, gen.Generate(9, k).Structure!))).ToList();
        Assert.All(outcomes, o => Assert.Equal(RelaxationStatus.Converged, o.Status));
        Assert.All(outcomes, o => Assert.InRange(o.Final!.Energy, -279.25, -250));

        // Same start, same basin: the minimum agrees with dense BFGS (ASE's) to the convergence tolerance.
        var gen7 = new RandomStructureGenerator(LjClusterOptions(7, SearchMode.Random, 1, 1).Generator);
        var start = gen7.Generate(2, 0).Structure!;
        double Relax(OptimizerKind kind) => new BatchRelaxer(computer, settings with { Optimizer = new OptimizerSettings { Kind = kind } })
            .Run([new RelaxationJob(0, start.Clone())]).Single().Final!.Energy;
        Assert.Equal(Relax(OptimizerKind.Bfgs), Relax(OptimizerKind.LbfgsLineSearch), 6);
    }
}
