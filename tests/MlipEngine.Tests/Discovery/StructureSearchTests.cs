using MlipEngine.Discovery.Search;
using Xunit;
using static MlipEngine.Tests.Discovery.DiscoveryTestSupport;

namespace MlipEngine.Tests.Discovery;

public class StructureSearchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-search-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The LJ13 global minimum (Cambridge Cluster Database), ε = σ = 1.</summary>
    private const double Lj13 = -44.326801;

    [Fact]
    public void BasinHopping_FindsTheLj13GlobalMinimum_WithinABudget()
    {
        using var computer = LjComputer();
        // Seed 3's first random relaxation is not the icosahedron, so this exercises the hops.
        var options = LjClusterOptions(13, SearchMode.BasinHopping, trials: 300, seed: 3) with { StopEnergy = Lj13 + 1e-4 };
        var report = new StructureSearch(computer, options).Run();
        Assert.Equal(Lj13, report.BestEnergy, 5);
        Assert.True(report.ReachedStopEnergy);
        Assert.True(report.ForceCalls < 60_000, $"{report.ForceCalls} force evaluations");
        Assert.Equal(report.Trials.Count, report.Relaxations);
        Assert.Equal(report.Trials.Sum(t => (long)t.ForceCalls), report.ForceCalls);
        Assert.Contains(report.Trials, t => t.Accepted && t.Trial > 0);
        // The ranking is distinct: no two entries within both tolerances.
        for (int i = 1; i < report.Ranked.Count; i++) Assert.True(report.Ranked[i].EnergyPerAtom >= report.Ranked[i - 1].EnergyPerAtom);
    }

    [Fact]
    public void FailingCandidates_AreRecordedAndDropped_NeverFatal()
    {
        using var computer = new NaNForSomeSystems(LjComputer());
        var options = LjClusterOptions(7, SearchMode.Random, trials: 12, seed: 1, output: _dir);
        var report = new StructureSearch(computer, options).Run();
        Assert.Equal(12, report.Trials.Count);
        Assert.Contains(report.Trials, t => t.Status == "failed" && t.Reason.Contains("non-finite"));
        Assert.Contains(report.Trials, t => t.Status == "converged");
        Assert.All(report.Ranked, r => Assert.True(double.IsFinite(r.Best.Energy)));
        Assert.Equal(report.Trials.Count(t => t.Status == "failed"), report.Failed);
        Assert.True(File.Exists(Path.Combine(_dir, "ranked.xyz")));

        // A candidate that cannot be placed is recorded as unplaced, and the search goes on.
        var crowded = options with
        {
            OutputDirectory = null, Trials = 3,
            Generator = options.Generator with { MinDistances = new Dictionary<(int, int), double> { [(Ar, Ar)] = 1.1 }, AttemptsPerAtom = 1, Restarts = 1 },
        };
        var r2 = new StructureSearch(LjComputer(), crowded).Run();
        Assert.Equal(3, r2.Trials.Count);
        Assert.Contains(r2.Trials, t => t.Status == "unplaced");
    }

    [Theory]
    [InlineData(SearchMode.Random)]
    [InlineData(SearchMode.BasinHopping)]
    [InlineData(SearchMode.Evolutionary)]
    public void InterruptedSearch_ResumesWithoutRepeatingATrial_AndEndsAsAnUninterruptedOne(SearchMode mode)
    {
        using var computer = LjComputer();
        // Interval 3: the adaptive step changes during the run, so the resumed walker must replay it.
        SearchOptions Options(string? output) => LjClusterOptions(9, mode, trials: 12, seed: 5, output: output) with { BasinHopping = new BasinHoppingSettings { Step = 0.4, Temperature = 0.8, Interval = 3 }, Evolution = new EvolutionSettings { Population = 4 } };
        var full = new StructureSearch(computer, Options(null)).Run();
        if (mode == SearchMode.BasinHopping) Assert.True(full.Trials.Select(t => t.Step).Where(x => x > 0).Distinct().Count() > 1);
        if (mode == SearchMode.Evolutionary) Assert.Contains(full.Trials, t => t.Trial >= 4 && t.Operator != "random" && t.Parents is { Length: > 0 });

        string dir = Path.Combine(_dir, mode.ToString());
        var options = Options(dir);
        using var cts = new CancellationTokenSource();
        var first = new StructureSearch(computer, options) { Progress = p => { if (p.DoneThisRun >= 4) cts.Cancel(); } }.Run(cts.Token);
        Assert.True(first.Interrupted);
        int done = first.Trials.Count;
        Assert.InRange(done, 4, 11);

        long evaluations = 0;
        var second = new StructureSearch(computer, options) { Progress = p => evaluations = p.ForceCalls }.Run();
        Assert.Equal(done, second.Resumed);
        Assert.Equal(12 - done, second.RunThisTime);
        var lines = File.ReadAllLines(Path.Combine(dir, "journal.jsonl")).Skip(1).ToArray();
        Assert.Equal(12, lines.Length);   // each trial journaled once
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), second.Trials.Select(t => t.Trial));
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(full.Trials[i].Status, second.Trials[i].Status);
            Assert.Equal(full.Trials[i].Energy, second.Trials[i].Energy, 8);
            Assert.Equal(full.Trials[i].Accepted, second.Trials[i].Accepted);
            Assert.Equal(full.Trials[i].Operator, second.Trials[i].Operator);
        }
        Assert.Equal(full.ForceCalls, second.ForceCalls);

        // A third run has nothing left to do; another seed is refused.
        var third = new StructureSearch(computer, options).Run();
        Assert.Equal(0, third.RunThisTime);
        var e = Assert.Throws<UsageException>(() => new StructureSearch(computer, options with { Seed = 6 }).Run());
        Assert.Contains("other settings", e.Message);
    }

    [Fact]
    public void BadSettings_NameTheKey()
    {
        using var computer = LjComputer();
        var zero = LjClusterOptions(5, SearchMode.Random, trials: 0, seed: 1);
        Assert.StartsWith("trials:", Assert.Throws<SearchSettingsException>(() => new StructureSearch(computer, zero).Run()).Message);
        var copper = zero with { Trials = 1, Generator = zero.Generator with { Numbers = [29, 29] } };
        Assert.StartsWith("composition:", Assert.Throws<SearchSettingsException>(() => new StructureSearch(computer, copper).Run()).Message);
    }
}

public class PeriodicSearchTests
{
    /// <summary>
    /// Random 8-atom Si cells with Stillinger–Weber, relaxed with their cells: every trial converges, and the
    /// ones that reach diamond (−4.336600 eV/atom) rank as one structure with space group Fd-3m.
    /// </summary>
    [Fact]
    public void RandomSi8Cells_RelaxToDiamond_CountedAsOneStructure()
    {
        var catalog = TestCatalog.Instance;
        var ff = catalog.Load(Path.Combine(MlipEngine.Tests.Cli.TestPaths.Repo, "potentials", "si-sw.yaml"));
        using var computer = catalog.Bind(ff, new MlipEngine.ForceFields.ComputeOptions { Backend = MlipEngine.ForceFields.Backend.Cpu, Threads = 1, Skin = 0.5 });
        var options = new SearchOptions
        {
            Generator = new MlipEngine.Discovery.Generation.GeneratorSettings { Numbers = Enumerable.Repeat(14, 8).ToArray() },
            Mode = SearchMode.Random, Trials = 200, Seed = 1,
            Relaxation = new MlipEngine.Dynamics.Relaxation.RelaxationSettings
            {
                Fmax = 0.01, Smax = 0.0005, MaxSteps = 1500,
                Optimizer = new MlipEngine.Dynamics.Optimizers.OptimizerSettings { Kind = MlipEngine.Dynamics.Optimizers.OptimizerKind.LbfgsLineSearch },
            },
        };
        var report = new StructureSearch(computer, options).Run();
        Assert.True(report.Converged >= 195, $"{report.Converged} converged");
        Assert.True(MlipEngine.Discovery.Symmetry.Spglib.IsAvailable, MlipEngine.Discovery.Symmetry.Spglib.MissingMessage);
        // Cubic (Fd-3m) and hexagonal (P6_3/mmc) diamond have the same SW energy and the same 12 nearest
        // neighbours; the space group keeps them apart.
        var diamond = report.Ranked.Single(r => r.SpaceGroup?.Number == 227);
        Assert.True(diamond.Rank <= 2);
        Assert.Equal(-4.336600, diamond.EnergyPerAtom, 4);
        Assert.True(diamond.TimesFound >= 1);
        Assert.True(diamond.Best.Periodic);
        Assert.Equal(20.02, diamond.Best.ToStructure().Cell.Volume / 8, 1);   // a = 5.431 Å
        Assert.All(report.Ranked, r => Assert.NotNull(r.SpaceGroup));
        var rows = report.Ranked.Where(r => r.SpaceGroup?.Number == report.Ranked[0].SpaceGroup?.Number).ToList();
        Assert.Single(rows);   // one entry per (fingerprint, space group)
    }

    /// <summary>
    /// Symmetric generation in the subgroups of Fd-3m that hold the 8-atom diamond cell: every trial is built
    /// in one of the listed groups (written to the journal), and the Fd-3m ones relax to diamond with their
    /// symmetry kept — the search ranks diamond first.
    /// </summary>
    [Fact]
    public void SymmetricSi8Cells_BuiltInTheirGroups_RankDiamondFirst()
    {
        var catalog = TestCatalog.Instance;
        var ff = catalog.Load(Path.Combine(MlipEngine.Tests.Cli.TestPaths.Repo, "potentials", "si-sw.yaml"));
        using var computer = catalog.Bind(ff, new MlipEngine.ForceFields.ComputeOptions { Backend = MlipEngine.ForceFields.Backend.Cpu, Threads = 1, Skin = 0.5 });
        int[] groups = [203, 210, 216, 227];
        string dir = Directory.CreateTempSubdirectory("mlip-symsearch-").FullName;
        var options = new SearchOptions
        {
            Generator = new MlipEngine.Discovery.Generation.GeneratorSettings { Numbers = Enumerable.Repeat(14, 8).ToArray(), SpaceGroups = groups },
            Mode = SearchMode.Random, Trials = 24, Seed = 3, OutputDirectory = dir,
            Relaxation = new MlipEngine.Dynamics.Relaxation.RelaxationSettings
            {
                Fmax = 0.01, Smax = 0.0005, MaxSteps = 1500,
                Optimizer = new MlipEngine.Dynamics.Optimizers.OptimizerSettings { Kind = MlipEngine.Dynamics.Optimizers.OptimizerKind.LbfgsLineSearch },
            },
        };
        var report = new StructureSearch(computer, options).Run();
        Assert.Equal(24, report.Relaxations);
        Assert.All(report.Trials, t => Assert.Contains(t.GeneratedSpaceGroup!.Value, groups));
        Assert.Contains("\"generated_spacegroup\":", File.ReadAllText(Path.Combine(dir, "journal.jsonl")));
        Directory.Delete(dir, recursive: true);
        var fd3m = report.Trials.Where(t => t.GeneratedSpaceGroup == 227 && t.IsMinimum).ToList();
        Assert.NotEmpty(fd3m);
        Assert.All(fd3m, t => Assert.Equal(-4.336600, t.Energy / 8, 4));
        Assert.Equal(227, report.Ranked[0].SpaceGroup?.Number);
        Assert.Equal(-4.336600, report.Ranked[0].EnergyPerAtom, 4);
    }
}
