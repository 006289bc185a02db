using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.IO;
using MlipEngine.State;
using MlipEngine.Tests.Cli;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Workflows;

/// <summary>
/// The C# examples of docs/workflows.md, run as written (at small sizes), so the manual stays true:
/// the workflows are usable from a program without the CLI.
/// </summary>
public class LibraryExamplesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-lib-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
    private static string Model => Path.Combine(TestPaths.Repo, "potentials", "cu-mlearn.mlip");

    [Fact]
    public void Evaluate_ThroughTheCatalog_GivesEnergiesForcesAndStress()
    {
        string input = Path.Combine(_dir, "cands.xyz");
        StructureFile.Write(input, [new Frame(Samples.Periodic(["Cu"], 3.63, seed: 1)), new Frame(Samples.Periodic(["Cu"], 3.70, seed: 2))]);

        // docs/workflows.md, "Evaluate"
        var catalog = ForceFieldCatalog.CreateDefault();
        IForceField ff = catalog.Load(Model);
        using var computer = catalog.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = 2 });
        var results = new FrameEvaluator(computer).Evaluate(StructureFile.ReadFrames(input)).ToList();

        Assert.Equal(2, results.Count);
        foreach (var f in results)
        {
            Assert.True(f.Energy < 0 && f.Forces!.Length == f.Structure.AtomCount && f.Stress!.Length == 9);
            // the same numbers as a direct force call
            var direct = Eval.One(computer, f.Structure);
            Assert.Equal(direct.Energy, f.Energy!.Value, 10);
        }
    }

    [Fact]
    public void MdRun_FromATypedConfig_RunsAndWritesThermo()
    {
        string thermo = Path.Combine(_dir, "thermo.csv");

        // docs/workflows.md, "Molecular dynamics"
        var run = new MdRun(new MdConfig
        {
            Structure = StructureConfig.Crystal("fcc", "Cu", 3.634, 2, 2, 2),
            PotentialFile = Model,
            VelocityTemperature = 300, VelocitySeed = 1,
            Integrator = IntegratorConfig.Langevin(300, tdamp: 50, seed: 1),
            Steps = 20,
            Thermo = new OutputConfig(thermo, 10),
            Checkpoint = new OutputConfig(Path.Combine(_dir, "run.ckpt"), 0),
            Threads = 1,
        }, TextWriter.Null) { Log = TextWriter.Null };
        Assert.Equal(0, run.Run());

        Assert.Equal(20, run.FinalStep);
        Assert.Equal(1 + 3, File.ReadAllLines(thermo).Length);   // header and steps 0, 10, 20
        Assert.True(File.Exists(Path.Combine(_dir, "run.ckpt")));
    }

    [Fact]
    public void ReplicaDynamics_StepsTwoTemperaturesWithOneForceCall()
    {
        var catalog = ForceFieldCatalog.CreateDefault();
        var ff = catalog.Load("{style: lj/cut, cutoff: 8.5, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.4}}}");
        using var computer = catalog.Bind(ff, new ComputeOptions { Threads = 1, Skin = 0.5 });

        // docs/workflows.md, "Replicas"
        var argon = MlipEngine.Dynamics.Structures.CrystalLattice.Build("fcc", "Ar", 5.26, 3, 3, 3);
        var batch = SystemBatch.FromStructures([argon, argon]);
        var replicas = new ReplicaDynamics(batch, computer, timeStep: 5.0);
        IIntegrator[] thermostats = [new LangevinBaoab(40, 100, seed: 1), new LangevinBaoab(80, 100, seed: 2)];
        replicas.ComputeForces();
        for (int step = 0; step < 200; step++) replicas.Step(thermostats);

        Assert.Equal(201, replicas.ForceCalls);
        double t0 = replicas.Systems[0].Temperature(replicas.Systems[0].KineticEnergy());
        double t1 = replicas.Systems[1].Temperature(replicas.Systems[1].KineticEnergy());
        // 108 atoms: instantaneous T fluctuates by ~√(2/3N) ≈ 8 %; after 1 ps both are near their baths
        Assert.InRange(t0, 20, 60);
        Assert.InRange(t1, 55, 110);
    }

    [Fact]
    public void PropertiesRun_FromOptions_GivesBulkModulusAndElasticConstants()
    {
        string json = Path.Combine(_dir, "cu.json");
        // docs/workflows.md, "Properties"
        var r = MlipEngine.Workflows.Properties.PropertiesRun.Run(new MlipEngine.Workflows.Properties.PropertiesOptions
        {
            Potential = Path.Combine(TestPaths.Repo, "potentials", "cu-u3-eam.yaml"), Lattice = "fcc", A = 3.6, Threads = 2,
            Only = ["eos", "elastic"], Json = json,
        }, ForceFieldCatalog.CreateDefault());
        Assert.InRange(r.Eos!.BulkModulusGPa, 130, 145);
        Assert.InRange(r.Elastic!.C44, 70, 80);
        Assert.Null(r.Vacancy);
        Assert.True(File.Exists(json));
    }

    [Fact]
    public void RelaxRun_FromOptions_WritesRelaxedStructuresAndSummary()
    {
        string input = Path.Combine(_dir, "cands.xyz");
        StructureFile.Write(input, [new Frame(Samples.Periodic(["Cu"], 3.60, seed: 3)), new Frame(Samples.Periodic(["Cu"], 3.68, seed: 4))]);

        // docs/workflows.md, "Relaxation"
        var report = RelaxRun.Run(new RelaxRunOptions
        {
            Potential = Model, Input = input, Threads = 1,
            Output = Path.Combine(_dir, "relaxed.xyz"), Summary = Path.Combine(_dir, "summary.csv"),
        }, ForceFieldCatalog.CreateDefault());

        Assert.Equal(2, report.Candidates);
        Assert.Equal(2, report.Converged);
        Assert.Equal(2, StructureFile.ReadFrames(Path.Combine(_dir, "relaxed.xyz")).Count());
    }

    private sealed class StopWhenHot(double limit) : IMdObserver
    {
        public List<long> Steps { get; } = [];
        public int Every => 5;
        public string? Observe(long step, double time, IReadOnlyList<MdSystem> replicas)
        {
            Steps.Add(step);
            var s = replicas[0];
            double t = s.Temperature(s.KineticEnergy());
            return t > limit ? $"temperature {t:F0} K above {limit} K" : null;
        }
    }

    [Fact]
    public void MdObserver_IsCalledOnItsStepsAndCanStopTheRun()
    {
        MdConfig Config(string tag) => new()
        {
            Structure = StructureConfig.Crystal("fcc", "Ar", 5.26, 3, 3, 3),
            Potential = PotentialSpecLoader.FromText("{style: lj/cut, cutoff: 8.5, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.4}}}", "spec", _dir),
            VelocityTemperature = 10, VelocitySeed = 1,
            Integrator = IntegratorConfig.Langevin(400, tdamp: 20, seed: 1),   // heats from 10 K towards 400 K
            TimeStep = 5, Steps = 400, Threads = 1,
            Checkpoint = new OutputConfig(Path.Combine(_dir, $"{tag}.ckpt"), 0),
        };
        var quiet = new StopWhenHot(1e9);
        var run = new MdRun(Config("quiet"), TextWriter.Null) { Log = TextWriter.Null };
        run.Observers.Add(quiet);
        Assert.Equal(0, run.Run());
        Assert.Equal(Enumerable.Range(1, 80).Select(k => 5L * k), quiet.Steps);

        var hot = new StopWhenHot(100);
        var stopped = new MdRun(Config("hot"), TextWriter.Null) { Log = TextWriter.Null };
        stopped.Observers.Add(hot);
        var e = Assert.Throws<MdStopException>(() => stopped.Run());
        Assert.Contains("above 100 K", e.Message);
        Assert.True(stopped.FinalStep < 400 && stopped.FinalStep % 5 == 0, $"stopped at {stopped.FinalStep}");
        Assert.True(File.Exists(Path.Combine(_dir, "hot.ckpt")));
    }
}
