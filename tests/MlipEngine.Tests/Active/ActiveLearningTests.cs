using MlipEngine.Discovery.Active;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.Potentials.Committee;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using MlipEngine.Workflows.Evaluation;
using MlipEngine.Workflows.Md;
using MlipEngine.Workflows.Train;
using Xunit;

namespace MlipEngine.Tests.Active;

/// <summary>Active learning (issue 17): spread, calibration, selection, filter, labellers, label cache, halt rule, loop resume.</summary>
public class ActiveLearningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-active-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string CuEam = "{style: eam/alloy, file: /usr/share/lammps/potentials/Cu_mishin1.eam.alloy, elements: [Cu]}";
    private static string Lj(double epsilon) => $"{{style: lj/cut, cutoff: 6.0, pairs: {{Cu-Cu: {{epsilon: {epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)}, sigma: 2.3}}}}}}";
    private static ComputeOptions Cpu => new() { Backend = Backend.Cpu, Threads = 1 };

    private static IForceComputer Committee(params string[] specs) =>
        TestCatalog.Instance.Bind(new CommitteeForceField(specs.Select(TestCatalog.Instance.Load).ToList()), Cpu);

    private static Frame Evaluate(IForceComputer c, AtomicStructure s) => new FrameEvaluator(c).Evaluate([new Frame(s.Clone())]).Single();

    // ---- committee spread ----

    [Fact]
    public void IdenticalMembers_HaveZeroSpread()
    {
        using var c = Committee(CuEam, CuEam, CuEam, CuEam);
        var f = Evaluate(c, TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.1, seed: 3));
        var spread = FrameSpread.Of(f);
        Assert.Equal(0.0, spread.MaxForce);
        Assert.Equal(0.0, spread.MeanForce);
        Assert.Equal(0.0, spread.EnergyPerAtom);
    }

    [Fact]
    public void TwoMembers_SpreadIsHalfTheirForceDifference()
    {
        // K = 2: F̄ = (F¹ + F²)/2, σ_F,i = √(½ Σ_k |F^k − F̄|²) = |F¹ − F²|/2; LJ forces scale with ε, so |F¹ − F²| = |F(ε=1)|·|ε₁ − ε₂|.
        var s = TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.1, seed: 4);
        using var c = Committee(Lj(0.1), Lj(0.3));
        using var one = TestCatalog.Instance.Bind(TestCatalog.Instance.Load(Lj(1.0)), Cpu);
        var f = Evaluate(c, s);
        var unit = Evaluate(one, s);
        var perAtom = FrameSpread.PerAtom(f);
        for (int i = 0; i < s.AtomCount; i++) Assert.Equal(0.1 * unit.Forces![i].Norm, perAtom[i], 1e-10);
        Assert.Equal(perAtom.Max(), FrameSpread.Of(f).MaxForce, 1e-14);
        Assert.Equal(0.1 * Math.Abs(unit.Energy!.Value) / s.AtomCount, FrameSpread.Of(f).EnergyPerAtom, 1e-10);
    }

    [Fact]
    public void Calibration_RanksAndCoverage()
    {
        Assert.Equal(1.0, SpreadCalibration.RankCorrelation([1, 2, 3, 4], [10, 20, 35, 90]), 12);
        Assert.Equal(-1.0, SpreadCalibration.RankCorrelation([1, 2, 3, 4], [4, 3, 2, 1]), 12);
        // Two atoms: errors 0.5 and 3 against spreads 1 and 1: one inside 1σ, none more inside 2σ.
        var s = new AtomicStructure([29, 29], [new Vec3(0, 0, 0), new Vec3(2.5, 0, 0)], Cell.Open);
        var predicted = new Frame(s) { Forces = [new Vec3(0.5, 0, 0), new Vec3(3, 0, 0)] };
        predicted.Arrays.Add(new PerAtomArray(FrameEvaluator.ForceStdKey, 'R', 1, new[] { 1.0, 1.0 }));
        var reference = new Frame(s) { Forces = [new Vec3(0, 0, 0), new Vec3(0, 0, 0)] };
        var cal = SpreadCalibration.Compute([predicted], [reference]);
        Assert.Equal(2, cal.Atoms);
        Assert.Equal(0.5, cal.Coverage1);
        Assert.Equal(0.5, cal.Coverage2);
    }

    // ---- selection ----

    private static ExploredFrame Explored(double spread, int seed, double a = 3.615) =>
        new(new Frame(TestStructures.Fcc("Cu", a, 1, 1, 1, jitter: 0.05, seed: seed)), 0, seed, new FrameSpread(spread, spread / 2, 0));

    [Fact]
    public void TrustBand_KeepsLowerBound_DropsUpperBound()
    {
        var pool = new[] { 0.01, 0.049, 0.05, 0.1, 0.149, 0.15, 0.3, double.NaN }.Select((s, k) => Explored(s, k + 1)).ToList();
        var band = FrameSelection.InTrustBand(pool, 0.05, 0.15);
        Assert.Equal([0.05, 0.1, 0.149], band.Select(c => c.Spread.MaxForce));
    }

    [Fact]
    public void Selection_TakesAtMostN_AndFarthestPointPrefersDistinctGeometries()
    {
        // Four near-copies of one geometry (tiny jitter) and one strained cell: thinning to two keeps the strained one.
        var pool = Enumerable.Range(0, 4).Select(k => new ExploredFrame(new Frame(TestStructures.Fcc("Cu", 3.615, 1, 1, 1, jitter: 0.001 * (k + 1), seed: 1)), 0, k, new FrameSpread(0.10 + 0.001 * k, 0, 0))).ToList();
        pool.Add(Explored(0.06, 9, a: 3.9));
        var picked = FrameSelection.Select(pool, new SelectionSettings { Lower = 0.05, Upper = 0.15, MaxFrames = 2 }, 0);
        Assert.Equal(2, picked.Count);
        Assert.Equal(0.103, picked[0].Spread.MaxForce, 12);   // largest spread first
        Assert.Equal(0.06, picked[1].Spread.MaxForce, 12);    // then the farthest geometry, not the next-largest spread
        var greedy = FrameSelection.Select(pool, new SelectionSettings { Lower = 0.05, Upper = 0.15, MaxFrames = 2, Diverse = false }, 0);
        Assert.Equal([0.103, 0.102], greedy.Select(c => Math.Round(c.Spread.MaxForce, 6)));
        var random = FrameSelection.Select(pool, new SelectionSettings { Method = SelectionMethod.Random, MaxFrames = 3 }, 0);
        Assert.Equal(3, random.Select(c => c.Step).Distinct().Count());
    }

    [Fact]
    public void QuantileBand_FollowsThePoolsSpread_AndKeepsTheAbsoluteFloorAndGuard()
    {
        // Ten frames with spreads 0.01…0.10 and one above the guard: the band from the 0.7 quantile of the frames below
        // σ_hi is {0.08, 0.09, 0.10}, where the absolute band 0.05–0.15 would hold six; the floor `lower` still applies.
        var pool = Enumerable.Range(1, 10).Select(k => Explored(0.01 * k, k)).Append(Explored(0.4, 11)).ToList();
        var s = new SelectionSettings { Lower = 0.0, Upper = 0.15, LowerQuantile = 0.7, Diverse = false };
        var (band, edge) = FrameSelection.InBand(pool, s);
        Assert.Equal(0.08, edge, 12);
        Assert.Equal([0.08, 0.09, 0.1], band.Select(c => Math.Round(c.Spread.MaxForce, 6)).Order());
        Assert.Equal(3, FrameSelection.Select(pool, s with { MaxFrames = 5 }, 0).Count);   // never the 0.4 frame
        Assert.Single(FrameSelection.InBand(pool, s with { Lower = 0.095 }).Band);            // floor above the quantile
        Assert.Equal(6, FrameSelection.InBand(pool, s with { Lower = 0.05, LowerQuantile = null }).Band.Count);
    }

    [Fact]
    public void RelativeScore_DividesEachAtomsSpreadByItsMeanForcePlusEpsilon()
    {
        // Frame A: spread 0.2 on an atom pushed with 2 eV/Å (relative 0.2/2.5 = 0.08); frame B: spread 0.1 on an atom
        // with no force (0.1/0.5 = 0.2). Absolute ranking prefers A, relative ranking B.
        ExploredFrame Make(double spread, double force, int seed)
        {
            var f = new Frame(TestStructures.Fcc("Cu", 3.615, 1, 1, 1, jitter: 0.05, seed: seed));
            int n = f.Structure.AtomCount;
            f.Forces = new Vec3[n];
            f.Forces[0] = new Vec3(force, 0, 0);
            var std = new double[n];
            std[0] = spread;
            f.Arrays.Add(new PerAtomArray(FrameEvaluator.ForceStdKey, 'R', 1, std));
            return new ExploredFrame(f, 0, seed, new FrameSpread(spread, spread / n, 0));
        }
        var a = Make(0.2, 2.0, 1);
        var b = Make(0.1, 0.0, 2);
        Assert.Equal(0.08, FrameSpread.MaxRelative(a.Frame, 0.5), 12);
        Assert.Equal(0.2, FrameSpread.MaxRelative(b.Frame, 0.5), 12);
        var abs = new SelectionSettings { Lower = 0.05, Upper = 0.3, MaxFrames = 1, Diverse = false };
        Assert.Same(a, FrameSelection.Select([a, b], abs, 0).Single());
        var rel = abs with { RelativeEpsilon = 0.5, Lower = 0.1 };
        Assert.Same(b, FrameSelection.Select([a, b], rel, 0).Single());              // A's 0.08 is below the relative lower edge
        Assert.Empty(FrameSelection.Select([a, b], rel with { Upper = 0.1 }, 0));    // the absolute guard still drops both
        Assert.True(double.IsNaN(FrameSpread.MaxRelative(new Frame(TestStructures.Fcc("Cu", 3.615, 1, 1, 1)), 0.5)));
    }

    // ---- geometry filter ----

    [Fact]
    public void Filter_RejectsCloseAtoms_IncludingAcrossThePeriodicBoundary()
    {
        var filter = new GeometryFilter(1.5);
        var ok = new AtomicStructure([29, 29], [new Vec3(0, 0, 0), new Vec3(2.5, 0, 0)], Cell.Orthorhombic(5, 5, 5));
        var close = new AtomicStructure([29, 29], [new Vec3(0, 0, 0), new Vec3(1.2, 0, 0)], Cell.Orthorhombic(5, 5, 5));
        var image = new AtomicStructure([29, 29], [new Vec3(0.2, 0, 0), new Vec3(4.0, 0, 0)], Cell.Orthorhombic(5, 5, 5));   // 1.2 Å through the boundary
        Assert.Null(filter.Reject(ok));
        Assert.Contains("filter.min_distance", filter.Reject(close));
        Assert.NotNull(filter.Reject(image));
        Assert.Null(new GeometryFilter(0).Reject(close));
    }

    // ---- labellers and the cache ----

    private static AtomicStructure Dimer => new([29, 29], [new Vec3(0, 0, 0), new Vec3(2.4, 0.1, 0)], Cell.Open);

    [Fact]
    public void CommandLabeller_FailureExitTimeoutAndBadOutput_AreReportedNotThrown()
    {
        var exit = new CommandLabeller("echo 'SCF did not converge' >&2; exit 3", _dir, TimeSpan.FromSeconds(30)).Label(Dimer);
        Assert.True(exit.Failed);
        Assert.Contains("exit code 3", exit.Error);
        Assert.Contains("SCF did not converge", exit.Error);
        var slow = new CommandLabeller("sleep 20", _dir, TimeSpan.FromSeconds(0.3)).Label(Dimer);
        Assert.Contains("timed out", slow.Error);
        Assert.True(slow.Seconds < 10);
        var empty = new CommandLabeller("cp {input} {output}", _dir, TimeSpan.FromSeconds(30)).Label(Dimer);   // no energy, no forces
        Assert.Contains("no finite energy", empty.Error);
    }

    [Fact]
    public void CommandLabeller_ReadsEnergyAndForcesAnExternalProgramWrote()
    {
        // The program: a shell script writing an extxyz with energy and forces (here a made-up constant label).
        string script = "printf '2\\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc=\"F F F\"\\nCu 0 0 0 0.1 0 0\\nCu 2.4 0.1 0 -0.1 0 0\\n' > {output}";
        var outcome = new CommandLabeller(script, _dir, TimeSpan.FromSeconds(30)).Label(Dimer);
        Assert.False(outcome.Failed, outcome.Error);
        Assert.Equal(-1.5, outcome.Energy);
        Assert.Equal(0.1, outcome.Forces![0].X);
        Assert.Empty(Directory.GetDirectories(_dir));   // a successful label leaves no working folder
    }

    /// <summary>Counts calls and fails on structures whose first atom has x &lt; −0.2 Å (rattling moves it at most 0.08 Å).</summary>
    private sealed class CountingLabeller(ILabeller inner) : ILabeller
    {
        public int Calls;
        public string Identity => inner.Identity;
        public LabelOutcome Label(AtomicStructure s, CancellationToken cancel = default)
        {
            Calls++;
            return s.Positions[0].X < -0.2 ? LabelOutcome.Failure("oracle crashed", 0) : inner.Label(s, cancel);
        }
    }

    [Fact]
    public void LabelCache_RecordsFailures_AndNothingIsRecomputedAfterReopening()
    {
        using var eam = TestCatalog.Instance.Bind(TestCatalog.Instance.Load(CuEam), Cpu);
        var labeller = new CountingLabeller(new PotentialLabeller(eam, "eam"));
        var good = TestStructures.Fcc("Cu", 3.615, 1, 1, 1, jitter: 0.05, seed: 1);
        var bad = good.Clone();
        bad.Positions[0] = new Vec3(-0.3, 0, 0);
        string path = Path.Combine(_dir, "labels.jsonl");
        using (var cache = LabelCache.Open(path, labeller.Identity))
        {
            Assert.False(cache.GetOrLabel(good, labeller, 0).Outcome.Failed);
            var failed = cache.GetOrLabel(bad, labeller, 0).Outcome;
            Assert.Equal("oracle crashed", failed.Error);
            Assert.True(cache.GetOrLabel(good, labeller, 0).Cached);
        }
        Assert.Equal(2, labeller.Calls);
        using (var cache = LabelCache.Open(path, labeller.Identity))
        {
            var (again, cached) = cache.GetOrLabel(good, labeller, 1);
            Assert.True(cached);
            Assert.Equal(Evaluate(eam, good).Energy!.Value, again.Energy, 12);
            Assert.True(cache.GetOrLabel(bad, labeller, 1).Outcome.Failed);   // a failed geometry is not retried
        }
        Assert.Equal(2, labeller.Calls);
        Assert.Throws<MlipEngine.Workflows.UsageException>(() => LabelCache.Open(path, "another oracle"));
    }

    // ---- halt rule ----

    [Fact]
    public void SpreadMonitor_HaltsTheReplicaThatLeftTheDomain_OthersRunOn()
    {
        // Members with ε = 0.1 and 0.2 eV: σ_F,i = |F¹ − F²|/2 = |F_i(ε=1)|·0.05, proportional to the force. A strongly
        // rattled start (0.6 Å) has forces far above the nearly perfect crystal's, so only it passes the threshold.
        string a = Lj(0.1), b = Lj(0.2);
        var ff = new CommitteeForceField([TestCatalog.Instance.Load(a), TestCatalog.Instance.Load(b)]);
        using var watcher = TestCatalog.Instance.Bind(ff, Cpu);
        double relaxed = FrameSpread.Of(Evaluate(watcher, TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.02, seed: 1))).MaxForce;
        double squeezed = FrameSpread.Of(Evaluate(watcher, TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.6, seed: 2))).MaxForce;
        Assert.True(squeezed > 4 * relaxed, $"{squeezed} vs {relaxed}");
        double halt = Math.Sqrt(squeezed * relaxed);
        string start0 = Path.Combine(_dir, "hot.xyz"), start1 = Path.Combine(_dir, "cool.xyz");
        StructureFile.Write(start0, new Frame(TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.6, seed: 2)));
        StructureFile.Write(start1, new Frame(TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.02, seed: 1)));
        MdConfig Lane(string start, int k) => new()
        {
            Source = $"r{k}", Structure = StructureConfig.FromFile(start), ForceField = ff, Steps = 40, TimeStep = 1, VelocityTemperature = 50, VelocitySeed = (ulong)k + 1,
            Integrator = IntegratorConfig.Langevin(50, 20, (ulong)k + 5), Thermo = OutputConfig.None, Threads = 1, SafetyMinDistance = 0,
            Checkpoint = new OutputConfig(Path.Combine(_dir, $"r{k}.ckpt"), 0),
        };
        var lanes = new[] { Lane(start0, 0), Lane(start1, 1) };
        var run = new MdRun(new MdConfig { Structure = lanes[0].Structure, ForceField = ff, Steps = 40, TimeStep = 1, Thermo = OutputConfig.None, Threads = 1, Replicas = lanes, Checkpoint = lanes[0].Checkpoint },
            TextWriter.Null, TestCatalog.Instance) { Log = TextWriter.Null };
        var monitor = new SpreadMonitor(watcher, 5, halt);
        run.Observers.Add(monitor);
        Assert.Equal(0, run.Run());
        Assert.Equal([0], monitor.HaltedAt.Keys);
        long haltStep = monitor.HaltedAt[0];
        var haltedFrame = monitor.Candidates.Single(c => c.Replica == 0 && c.Halted).Frame.Structure;
        Assert.Equal(haltStep, monitor.Candidates.Where(c => c.Replica == 0).Max(c => c.Step));   // no snapshots after the halt
        Assert.Equal(40, monitor.Candidates.Where(c => c.Replica == 1).Max(c => c.Step));         // the other replica ran to the end
        var final = run.Replicas[0].Batch.GetSystem(0);
        for (int i = 0; i < final.AtomCount; i++) Assert.Equal(haltedFrame.Positions[i], final.Positions[i]);   // it stood still
    }

    // ---- the loop: resume ----

    private static TrainConfig TinyTraining(MemberTraining m) => new()
    {
        Source = "config.yaml", BaseDirectory = m.OutputDirectory, TrainFiles = m.TrainFiles.ToArray(), ValidationFraction = 0.3, SplitSeed = m.Seed,
        E0 = new E0Config("least_squares", null),
        Model = new ModelConfig
        {
            InitFrom = m.InitFrom, Cutoff = 4.0, Channels = 4, HiddenLMax = 0, ShLMax = 1, Correlation = 1, Layers = 1, RadialHidden = [8], NumBessel = 4,
            ReadoutHidden = 4, Seed = m.Seed, RepulsionWidth = null,
        },
        Epochs = 2, BatchSize = 4, Threads = 1, Seed = m.Seed, OutputDirectory = m.OutputDirectory, ModelPath = m.ModelPath,
    };

    private ActiveLearningOptions TinyLoop(string output) => new()
    {
        OutputDirectory = output, Iterations = 1, CommitteeSize = 2, TrainConfig = TinyTraining,
        InitialRattle = new InitialRattle(6, 0.08, 1),
        Explore = new ExplorationSettings
        {
            Structures = [StructureConfig.Crystal("fcc", "Cu", 3.615, 1, 1, 1)], Temperatures = [300, 600], TimeStep = 2, Steps = 30, SampleEvery = 10, HaltSpread = 1e9,
        },
        Select = new SelectionSettings { Lower = 0, Upper = 1e6, MaxFrames = 4 },
        Filter = new GeometryFilter(1.5), Fingerprint = "tiny",
    };

    [Fact]
    public void Loop_ResumesAfterACrash_WithoutRelabelling()
    {
        using var eam = TestCatalog.Instance.Bind(TestCatalog.Instance.Load(CuEam), Cpu);
        var labeller = new CountingLabeller(new PotentialLabeller(eam, "eam"));
        string output = Path.Combine(_dir, "al");
        var crashing = new ActiveLearningRun(TinyLoop(output), labeller, TestCatalog.Instance, TextWriter.Null) { CrashAfterLabels = 2 };
        Assert.Throws<OperationCanceledException>(() => crashing.Run());
        int before = labeller.Calls;
        Assert.Equal(6 + 2, before);   // the initial frames and two selected ones
        var resumed = new ActiveLearningRun(TinyLoop(output), labeller, TestCatalog.Instance, TextWriter.Null);
        var records = resumed.Run();
        Assert.Equal(before + 2, labeller.Calls);   // only the two selected frames not labelled before the crash
        Assert.Equal(2, records.Count);
        Assert.Equal(4, records[0].Labelled);
        Assert.Equal(6, records[0].Labels);
        Assert.Equal(10, records[1].Labels);
        Assert.Equal("1 iterations", records[1].Stop);
        Assert.True(File.Exists(Path.Combine(output, "iterations.csv")));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(output, "learning-curve.svg")));
        // Finished: running again changes nothing and labels nothing.
        Assert.Equal(2, new ActiveLearningRun(TinyLoop(output), labeller, TestCatalog.Instance, TextWriter.Null).Run().Count);
        Assert.Equal(before + 2, labeller.Calls);
        // Another setup in the same folder is refused.
        Assert.Throws<MlipEngine.Workflows.UsageException>(() => new ActiveLearningRun(TinyLoop(output) with { Fingerprint = "other" }, labeller, TestCatalog.Instance, TextWriter.Null).Run());
    }

    [Fact]
    public void Loop_AFinishedRunIsExtended_ByMoreIterationsOrALargerLabelBudget()
    {
        using var eam = TestCatalog.Instance.Bind(TestCatalog.Instance.Load(CuEam), Cpu);
        var labeller = new CountingLabeller(new PotentialLabeller(eam, "eam"));
        string output = Path.Combine(_dir, "al");
        var first = new ActiveLearningRun(TinyLoop(output), labeller, TestCatalog.Instance, TextWriter.Null).Run();
        Assert.Equal("1 iterations", first[^1].Stop);
        int before = labeller.Calls;
        // `--set iterations=2`: the last iteration, which stopped before exploring, explores and labels now
        var extended = new ActiveLearningRun(TinyLoop(output) with { Iterations = 2 }, labeller, TestCatalog.Instance, TextWriter.Null).Run();
        Assert.Equal(3, extended.Count);
        Assert.Equal("", extended[1].Stop);
        Assert.True(extended[1].Explored > 0);
        Assert.Equal(4, extended[1].Labelled);
        Assert.Equal(before + 4, labeller.Calls);
        Assert.Equal(14, extended[2].Labels);
        Assert.Equal("2 iterations", extended[2].Stop);
        string[] journal = File.ReadAllLines(Path.Combine(output, "iterations.jsonl"));
        Assert.Equal(1 + 3, journal.Length);   // the header and one record per iteration: the dropped record is gone
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "iterations.csv")).Length - 1);
        // the same settings again: finished, nothing labelled; a label budget already reached keeps it finished
        Assert.Equal(3, new ActiveLearningRun(TinyLoop(output) with { Iterations = 2 }, labeller, TestCatalog.Instance, TextWriter.Null).Run().Count);
        Assert.Equal(3, new ActiveLearningRun(TinyLoop(output) with { Iterations = 5, LabelBudget = 8 }, labeller, TestCatalog.Instance, TextWriter.Null).Run().Count);
        Assert.Equal(before + 4, labeller.Calls);
        // a larger budget extends it again
        var more = new ActiveLearningRun(TinyLoop(output) with { Iterations = 5, LabelBudget = 9 }, labeller, TestCatalog.Instance, TextWriter.Null).Run();
        Assert.Equal(4, more.Count);
        Assert.Equal(before + 8, labeller.Calls);
        Assert.Equal("label budget 9 reached", more[^1].Stop);
    }

    [Fact]
    public void Loop_FailedLabelsAreRecordedAndSkipped()
    {
        using var eam = TestCatalog.Instance.Bind(TestCatalog.Instance.Load(CuEam), Cpu);
        var labeller = new FailingAfter(new PotentialLabeller(eam, "eam"), 6);   // the oracle breaks after the initial frames
        var records = new ActiveLearningRun(TinyLoop(Path.Combine(_dir, "al")), labeller, TestCatalog.Instance, TextWriter.Null).Run();
        Assert.Equal(4, records[0].LabelFailures);
        Assert.Equal(0, records[0].Labelled);
        Assert.Equal(6, records[1].Labels);   // trained again on the initial frames only
    }

    [Fact]
    public void Loop_WithATestSet_ReportsTheCommitteeErrorAndCalibration()
    {
        using var eam = TestCatalog.Instance.Bind(TestCatalog.Instance.Load(CuEam), Cpu);
        string test = Path.Combine(_dir, "test.xyz");
        StructureFile.Write(test, Enumerable.Range(0, 3).Select(k => new FrameEvaluator(eam).Evaluate([new Frame(TestStructures.Fcc("Cu", 3.615, 1, 1, 1, jitter: 0.1, seed: 40 + k))]).Single()));
        var records = new ActiveLearningRun(TinyLoop(Path.Combine(_dir, "al")) with { TestData = test, Iterations = 0 }, new PotentialLabeller(eam, "eam"), TestCatalog.Instance, TextWriter.Null).Run();
        var r = Assert.Single(records);
        Assert.Equal("0 iterations", r.Stop);
        Assert.True(r.TestForceRmse > 0 && double.IsFinite(r.TestEnergyRmse), $"{r.TestForceRmse} {r.TestEnergyRmse}");
        Assert.True(r.TestSpread > 0);
        Assert.Equal("test", r.CalibrationSet);
        Assert.InRange(r.Coverage2, r.Coverage1, 1.0);
        Assert.InRange(r.Spearman, -1.0, 1.0);
    }

    private sealed class FailingAfter(ILabeller inner, int good) : ILabeller
    {
        private int _calls;
        public string Identity => inner.Identity;
        public LabelOutcome Label(AtomicStructure s, CancellationToken cancel = default) =>
            ++_calls > good ? LabelOutcome.Failure("exit code 137 (killed by the queue)", 0) : inner.Label(s, cancel);
    }
}
