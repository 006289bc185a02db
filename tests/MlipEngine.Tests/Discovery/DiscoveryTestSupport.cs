using MlipEngine.Discovery.Generation;
using MlipEngine.Discovery.Search;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.State;
using MlipEngine.Tests.Support;

namespace MlipEngine.Tests.Discovery;

internal static class DiscoveryTestSupport
{
    /// <summary>Pure LJ, ε = 1 eV, σ = 1 Å, cut at 10 Å, no shift (potentials/lj-reduced.yaml).</summary>
    public const string LjReduced = "{style: lj/cut, cutoff: 10.0, shift: false, pairs: {Ar-Ar: {epsilon: 1.0, sigma: 1.0}}}";
    public const int Ar = 18;

    public static IForceComputer LjComputer() =>
        TestCatalog.Instance.Bind(TestCatalog.Instance.Load(LjReduced), new ComputeOptions { Backend = Backend.Cpu, Threads = 1, Skin = 0.5 });

    public static SearchOptions LjClusterOptions(int atoms, SearchMode mode, int trials, ulong seed, string? output = null) => new()
    {
        Generator = new GeneratorSettings
        {
            Numbers = Enumerable.Repeat(Ar, atoms).ToArray(), Cell = CandidateCell.Cluster,
            MinDistances = new Dictionary<(int, int), double> { [(Ar, Ar)] = 0.8 }, VolumePerAtom = 1.5,
        },
        Mode = mode, Trials = trials, Seed = seed, OutputDirectory = output,
        Relaxation = new RelaxationSettings
        {
            CellMode = CellMode.Fixed, Fmax = 1e-3, MaxSteps = 2000, MaxForce = 1e6,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.LbfgsLineSearch },
        },
        BasinHopping = new BasinHoppingSettings { Step = 0.4, Temperature = 0.8 },
    };
}

/// <summary>Delegates to a real computer, then poisons the energy of every system whose first atom has x &gt; 0 with NaN.</summary>
internal sealed class NaNForSomeSystems(IForceComputer inner) : IForceComputer
{
    public IForceField ForceField => inner.ForceField;
    public ComputeOptions Options => inner.Options;
    public int NeighborBuilds => inner.NeighborBuilds;

    public void Compute(SystemBatch batch, ForceOutputs outputs, ForceResult result)
    {
        inner.Compute(batch, outputs, result);
        for (int s = 0; s < batch.SystemCount; s++)
            if (batch.X[batch.SystemOffsets[s]] > 0) result.Energy[s] = double.NaN;
    }

    public void Dispose() => inner.Dispose();
}
