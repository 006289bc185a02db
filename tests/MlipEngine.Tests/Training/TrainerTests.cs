using MlipEngine.Cli;
using MlipEngine.Cli.Commands;
using MlipEngine.Tests.Cli;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using MlipEngine.Training;
using MlipEngine.Training.Data;
using MlipEngine.Training.Loss;
using MlipEngine.Training.Optimization;
using MlipEngine.Training.Reports;
using Xunit;

namespace MlipEngine.Tests.Training;

/// <summary>Labelled frames from a classical potential (EAM Cu_u3, LAMMPS' file): the reference a tiny model is trained towards.</summary>
internal static class ClassicalData
{
    public const string CopperSpec = "{style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}";

    /// <summary>Jittered, strained 4-atom fcc Cu cells (2 × 1 × 1 conventional = 8 atoms) with EAM energies, forces and stresses.</summary>
    public static List<Frame> Make(int count, int seed)
    {
        var ff = PotentialLoader.Load(CopperSpec);
        using var computer = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu });
        var rng = new Random(seed);
        var frames = new List<Frame>();
        for (int k = 0; k < count; k++)
        {
            var s = TestStructures.Fcc("Cu", 3.615, 2, 1, 1);
            double e = 0.03 * (rng.NextDouble() - 0.5);
            var strain = Mat3.Identity + Mat3.FromRowMajor([e, 0.02 * (rng.NextDouble() - 0.5), 0, 0, -e, 0, 0, 0, 0.02 * (rng.NextDouble() - 0.5)]);
            var pos = s.Positions.Select(r => r * strain + 0.15 * new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5)).ToArray();
            var st = new AtomicStructure(s.Numbers, pos, s.Cell.WithMatrix(s.Cell.Matrix * strain));
            var batch = SystemBatch.FromStructure(st);
            var r = new ForceResult();
            computer.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, r);
            frames.Add(new Frame(st)
            {
                Energy = r.Energy[0], Forces = Enumerable.Range(0, st.AtomCount).Select(r.Force).ToArray(), Stress = r.StressOf(0).ToArray(),
                Source = "eam", Index = k,
            });
        }
        return frames;
    }

    public static EquivariantModel TinyModel(List<Frame> train)
    {
        var e0 = ReferenceEnergies.FitLeastSquares(train, [29]);
        return EquivariantModel.Random(new EquivariantHyperparameters
        {
            Species = ["Cu"], Channels = 4, HiddenLMax = 1, ShLMax = 2, Correlation = 2, Layers = 2, Cutoff = 4.0, NumBessel = 6,
            RadialHidden = [8], ReadoutHidden = 4, AvgNeighbors = 18,
        }, 3, [e0[29]]);
    }

    public static TrainingSample Sample(EquivariantModel m, Frame f) => new(m, f.Structure, new FrameLabels
    {
        AtomCount = f.Structure.AtomCount, Energy = f.Energy!.Value, Forces = f.Forces!.SelectMany(v => new[] { v.X, v.Y, v.Z }).ToArray(), Stress = f.Stress,
    }, $"frame {f.Index}");
}

public class TrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-train-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainerOptions Options(string tag, int epochs, int threads = 2) => new()
    {
        Epochs = epochs, BatchSize = 4, Threads = threads, Seed = 5,
        Loss = new LossWeights { Energy = 10, Forces = 100, Stress = 100 },
        Adam = new AdamOptions { AmsGrad = true }, EmaDecay = 0.9,
        Schedule = new LearningRateScheduleOptions { InitialLearningRate = 0.01, Annealing = LearningRateAnnealing.ReduceOnPlateau, PlateauPatience = 5, TotalEpochs = epochs },
        ModelPath = Path.Combine(_dir, tag + ".mlip"), CheckpointPath = Path.Combine(_dir, tag + ".ckpt"), EpochTablePath = Path.Combine(_dir, tag + ".csv"),
    };

    private static (EquivariantModel Model, List<TrainingSample> Train, List<TrainingSample> Valid) Problem()
    {
        var frames = ClassicalData.Make(20, 1);
        var train = frames.Take(16).ToList();
        var model = ClassicalData.TinyModel(train);
        return (model, train.Select(f => ClassicalData.Sample(model, f)).ToList(), frames.Skip(16).Select(f => ClassicalData.Sample(model, f)).ToList());
    }

    /// <summary>
    /// The per-epoch training errors count what is trained: a frame kept at weight 0 (labels 1000 eV and 50 eV/Å off, as a new
    /// model is on deep compressed crystals) and the energy of a frame whose energy term is switched off leave the columns as they
    /// are without them. At learning rate 1e-300 the predictions are the start model's, so the two runs' errors agree to round-off.
    /// </summary>
    [Fact]
    public void EpochTrainingErrors_LeaveOutTermsWeightedZero()
    {
        var (model, train, valid) = Problem();
        var frames = ClassicalData.Make(20, 1);
        TrainingSample With(Frame f, Func<FrameLabels, FrameLabels> edit) => new(model, f.Structure, edit(ClassicalData.Sample(model, f).Labels), "extra");
        var energyOff = new TermWeights(0, 1, 1);
        var plain = train.Append(With(frames[1], l => l with { Terms = energyOff })).ToList();
        var withOff = train
            .Append(With(frames[0], l => l with { Energy = l.Energy + 1000, Forces = l.Forces!.Select(x => x + 50).ToArray(), Weight = 0 }))
            .Append(With(frames[1], l => l with { Energy = l.Energy + 1000, Terms = energyOff })).ToList();
        SetErrors Epoch(List<TrainingSample> set, string tag)
        {
            var o = Options(tag, 1);
            using var t = new Trainer(model, set, valid, o with { Schedule = o.Schedule with { InitialLearningRate = 1e-300 } });
            return t.Run().Epochs[0].Train;
        }
        var a = Epoch(plain, "plain");
        var b = Epoch(withOff, "off");
        Assert.Equal(a.EnergyRmse, b.EnergyRmse, 1e-9 * a.EnergyRmse);
        Assert.Equal(a.ForceRmse, b.ForceRmse, 1e-9 * a.ForceRmse);
        Assert.Equal(a.StressRmse!.Value, b.StressRmse!.Value, 1e-9 * a.StressRmse!.Value);
    }

    [Fact]
    public void TrainingOnEamCopperLowersTheLossAndBringsForcesTowardsTheReference()
    {
        var (model, train, valid) = Problem();
        using var trainer = new Trainer(model, train, valid, Options("fit", 25));
        var (_, before, _) = trainer.Evaluate(valid, new LossWeights());
        var outcome = trainer.Run();
        Assert.Equal(25, outcome.EpochsRun);
        var best = EquivariantModelFile.Read(Path.Combine(_dir, "fit.mlip"));
        Array.Copy(best.Parameters, model.Parameters, model.ParameterCount);
        model.ParametersChanged();
        var (_, after, _) = trainer.Evaluate(valid, new LossWeights());
        // the loss falls by well over an order of magnitude, and held-out forces approach EAM's
        Assert.True(outcome.Epochs[^1].TrainLoss < 0.1 * outcome.Epochs[0].TrainLoss, $"train loss {outcome.Epochs[0].TrainLoss} → {outcome.Epochs[^1].TrainLoss}");
        Assert.True(after.Force.Rmse < 0.35 * before.Force.Rmse, $"validation force RMSE {before.Force.Rmse:F4} → {after.Force.Rmse:F4} eV/Å");
        Assert.True(after.Stress.Rmse < before.Stress.Rmse, $"validation stress RMSE {before.Stress.Rmse:E3} → {after.Stress.Rmse:E3} eV/Å³");
        // the exported model is what style: equivariant loads
        var ff = PotentialLoader.Load($"{{style: equivariant, file: {Path.Combine(_dir, "fit.mlip")}}}");
        Assert.Equal("equivariant", ff.Style);
    }

    [Fact]
    public void ResumingFromACheckpointGivesTheIdenticalResult()
    {
        var (m1, t1, v1) = Problem();
        using (var straight = new Trainer(m1, t1, v1, Options("straight", 4))) straight.Run();
        var (m2, t2, v2) = Problem();
        using (var first = new Trainer(m2, t2, v2, Options("resumed", 2))) first.Run();
        var (m3, t3, v3) = Problem();
        using (var second = new Trainer(m3, t3, v3, Options("resumed", 4))) second.Run(resumeFrom: Path.Combine(_dir, "resumed.ckpt"));
        Assert.Equal(m1.Parameters, m3.Parameters);                                  // bit for bit
        var a = EpochTable.Read(Path.Combine(_dir, "straight.csv"));
        var b = EpochTable.Read(Path.Combine(_dir, "resumed.csv"));
        Assert.Equal(a.Select(r => (r.Epoch, r.TrainLoss, r.ValidationLoss)), b.Select(r => (r.Epoch, r.TrainLoss, r.ValidationLoss)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "straight.mlip")), File.ReadAllBytes(Path.Combine(_dir, "resumed.mlip")));
    }

    [Fact]
    public void StageTwoRestartsModelSelectionUnderItsOwnLossWeights()
    {
        var (model, train, valid) = Problem();
        var o = Options("stage", 4) with { StageTwo = new StageTwo(2, new LossWeights { Energy = 1000, Forces = 100, Stress = 100 }) };
        using var trainer = new Trainer(model, train, valid, o);
        var outcome = trainer.Run();
        // the stage-two validation losses are larger (λ_E × 100) yet the best model comes from stage two
        Assert.True(outcome.Epochs[2].ValidationLoss > outcome.Epochs[1].ValidationLoss);
        Assert.True(outcome.BestEpoch >= 2, $"best epoch {outcome.BestEpoch}");
    }

    [Fact]
    public void StageTwoByTrainingTimeBeginsOnceAndResumesOnTheEpochItChose()
    {
        // start epoch out of reach, start time 1 ns: epoch 0 begins at 0 s (stage one), epoch 1 after it (stage two)
        var byTime = new StageTwo(100, new LossWeights { Energy = 1000, Forces = 100, Stress = 100 }, StartSeconds: 1e-9);
        var (m1, t1, v1) = Problem();
        using (var trainer = new Trainer(m1, t1, v1, Options("timed", 3) with { StageTwo = byTime })) trainer.Run();
        // the same as a run told to begin stage two at epoch 1
        var (m0, t0, v0) = Problem();
        using (var byEpoch = new Trainer(m0, t0, v0, Options("epoch1", 3) with { StageTwo = byTime with { StartEpoch = 1, StartSeconds = null } })) byEpoch.Run();
        Assert.Equal(m0.Parameters, m1.Parameters);
        var (mn, tn, vn) = Problem();
        using (var none = new Trainer(mn, tn, vn, Options("none", 3))) none.Run();
        Assert.NotEqual(mn.Parameters, m1.Parameters);                                  // and stage two did change the run
        // stop after epoch 1, resume with a start time that would never fire: the checkpoint's stage-two epoch decides
        var (m2, t2, v2) = Problem();
        using (var first = new Trainer(m2, t2, v2, Options("timed-resumed", 2) with { StageTwo = byTime })) first.Run();
        var (m3, t3, v3) = Problem();
        using (var second = new Trainer(m3, t3, v3, Options("timed-resumed", 3) with { StageTwo = byTime with { StartSeconds = 1e9 } }))
            second.Run(resumeFrom: Path.Combine(_dir, "timed-resumed.ckpt"));
        Assert.Equal(m1.Parameters, m3.Parameters);
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        var (m1, t1, v1) = Problem();
        using (var one = new Trainer(m1, t1, v1, Options("one", 2, threads: 1))) one.Run();
        var (m2, t2, v2) = Problem();
        using (var two = new Trainer(m2, t2, v2, Options("two", 2, threads: 2))) two.Run();
        Assert.Equal(m1.Parameters, m2.Parameters);
    }

    [Fact]
    public void ResumingWithADifferentRunIsRefused()
    {
        var (m1, t1, v1) = Problem();
        using (var first = new Trainer(m1, t1, v1, Options("a", 1))) first.Run();
        var (m2, t2, v2) = Problem();
        using var other = new Trainer(m2, t2.Take(12).ToList(), v2, Options("b", 2));
        var e = Assert.Throws<InvalidDataException>(() => other.Run(resumeFrom: Path.Combine(_dir, "a.ckpt")));
        Assert.Contains("different run", e.Message);
    }
}

public class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-traincli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string extra = "")
    {
        ExtxyzWriter.Write(Path.Combine(_dir, "eam.xyz"), ClassicalData.Make(14, 2));
        string path = Path.Combine(_dir, "train.yaml");
        File.WriteAllText(path, $"""
            data:
              train: eam.xyz
              validation: {"{fraction: 0.25, seed: 3}"}
            model: {"{cutoff: 4.0, channels: 4, hidden_lmax: 1, sh_lmax: 2, correlation: 2, layers: 2, radial_hidden: [8], readout_hidden: 4}"}
            loss: {"{energy: 10, forces: 100, stress: 100}"}
            optimizer: {"{type: amsgrad, lr: 0.01, batch_size: 4}"}
            epochs: 3
            threads: 2
            output: {"{dir: out}"}
            {extra}
            """);
        return path;
    }

    [Fact]
    public void TrainWritesModelLogTableErrorsAndReport_AndTheModelEvaluates()
    {
        var console = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(Config(), [], null, console));
        string outDir = Path.Combine(_dir, "out");
        foreach (var f in new[] { "model.mlip", "checkpoint.ckpt", "epochs.csv", "train.log", "errors.csv", "report.html", "config.yaml" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), $"{f} was not written");
        Assert.Equal(3, EpochTable.Read(Path.Combine(outDir, "epochs.csv")).Count);
        string text = console.ToString();
        Assert.Contains("validation", text);
        Assert.Contains("E0 (least_squares)", text);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(outDir, "report.html")));
        // mlip test on the trained model reads the same data
        var rows = TestCommand.Compute(Path.Combine(outDir, "model.mlip"), Path.Combine(_dir, "eam.xyz"), ExtxyzOptions.Default, "config_type", 1, "cpu");
        Assert.Equal(14, rows[0].Metrics.Frames);
        Assert.True(double.IsFinite(rows[0].Metrics.Force.Rmse));
    }

    [Fact]
    public void RestartContinuesTheRun()
    {
        // a restarted run ends with the same model as an uninterrupted one (E0, re-centred at the start, included)
        string cfg = Config();
        Assert.Equal(0, TrainCommand.Run(cfg, ["output.dir=straight"], null, new StringWriter()));
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=2"], null, new StringWriter()));
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=3"], Path.Combine(_dir, "out", "checkpoint.ckpt"), new StringWriter()));
        Assert.Equal([0, 1, 2], EpochTable.Read(Path.Combine(_dir, "out", "epochs.csv")).Select(r => r.Epoch));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "straight", "model.mlip")), File.ReadAllBytes(Path.Combine(_dir, "out", "model.mlip")));
    }

    public static IEnumerable<object[]> ExampleConfigs() =>
        Directory.GetFiles(Path.Combine(TestPaths.Repo, "examples", "train"), "*.yaml").Select(f => new object[] { Path.GetFileName(f) });

    // Every shipped training config parses where its data (../shared/data) is present; where it is not,
    // the error names the config, the key and the missing file.
    [Theory]
    [MemberData(nameof(ExampleConfigs))]
    public void ExampleTrainingConfigsParse_OrNameTheMissingData(string name)
    {
        var e = Record.Exception(() => MlipEngine.Cli.Train.TrainConfigParser.Load(Path.Combine(TestPaths.Repo, "examples", "train", name), []));
        if (e != null)
        {
            Assert.IsType<FormatException>(e);
            Assert.StartsWith($"{name}: data.", e.Message);
            Assert.Contains("is missing", e.Message);
            return;
        }
        var cfg = MlipEngine.Cli.Train.TrainConfigParser.Load(Path.Combine(TestPaths.Repo, "examples", "train", name), []);
        Assert.NotEmpty(cfg.TrainFiles);
        Assert.EndsWith(".mlip", cfg.ModelPath);
        foreach (var f in cfg.TrainFiles) Assert.True(File.Exists(f), $"{name}: {f} not found");
    }

    /// <summary>Issue 19 item 10: a data file that is not there is a config error naming the file, the key and the path.</summary>
    [Theory]
    [InlineData("train", "data.train")]
    [InlineData("test", "data.test")]
    [InlineData("validation", "data.validation")]
    public void MissingDataFile_IsAnErrorNamingConfigAndKey(string key, string expectedKey)
    {
        string cfg = Config();
        var e = Assert.Throws<FormatException>(() => MlipEngine.Cli.Train.TrainConfigParser.Load(cfg, [$"data.{key}=gone/none.xyz"]));
        Assert.StartsWith($"train.yaml: {expectedKey}: ", e.Message);
        Assert.Contains("gone/none.xyz", e.Message);
        Assert.Contains("is missing", e.Message);
    }

    [Fact]
    public void ConfigMistakesAreErrorsNamingFileAndKey()
    {
        string cfg = Config();
        var e = Assert.Throws<FormatException>(() => TrainCommand.Run(cfg, ["model.chanels=8"], null, new StringWriter()));
        Assert.Contains("train.yaml", e.Message);
        Assert.Contains("model.chanels", e.Message);
        var e2 = Assert.Throws<FormatException>(() => TrainCommand.Run(cfg, ["optimizer.type=sgd"], null, new StringWriter()));
        Assert.Contains("optimizer.type", e2.Message);
    }

    /// <summary>
    /// <c>device: ilgpu</c> (issue 18): <c>mlip train</c> runs its loss gradient on the device (ILGPU's CPU accelerator here), says so,
    /// and follows the CPU run (the per-frame numbers are IlgpuTrainingGradientTests'); a device without a parameter gradient, an
    /// unknown device, and fp32 on the CPU are errors naming the config and key.
    /// </summary>
    [Fact]
    public void TrainOnTheIlgpuDevice_FollowsTheCpuRun_AndBadDevicesAreNamed()
    {
        string cfg = Config();
        var console = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(cfg, ["device=ilgpu", "output.dir=dev", "epochs=2"], null, console));
        Assert.Contains("on ilgpu (fp64", console.ToString());
        Assert.Equal(0, TrainCommand.Run(cfg, ["output.dir=cpu", "epochs=2"], null, new StringWriter()));
        var dev = EpochTable.Read(Path.Combine(_dir, "dev", "epochs.csv"));
        var cpu = EpochTable.Read(Path.Combine(_dir, "cpu", "epochs.csv"));
        for (int e = 0; e < 2; e++)
            Assert.True(Math.Abs(dev[e].ValidationLoss - cpu[e].ValidationLoss) <= 1e-8 * cpu[e].ValidationLoss, $"epoch {e}: {dev[e].ValidationLoss} vs {cpu[e].ValidationLoss}");
        var none = Assert.Throws<InvalidOperationException>(() => TrainCommand.Run(cfg, ["device=reference", "output.dir=ref"], null, new StringWriter()));
        Assert.Contains("device 'reference'", none.Message);
        Assert.Contains("no parameter gradient", none.Message);
        var unknown = Assert.Throws<FormatException>(() => TrainCommand.Run(cfg, ["device=cuda"], null, new StringWriter()));
        Assert.StartsWith("train.yaml: device: ", unknown.Message);
        var fp32 = Assert.Throws<FormatException>(() => TrainCommand.Run(cfg, ["precision=fp32"], null, new StringWriter()));
        Assert.StartsWith("train.yaml: precision: ", fp32.Message);
    }

    [Fact]
    public void AFrameWithoutForcesIsAnErrorNamingTheFrame()
    {
        string cfg = Config();
        var lines = File.ReadAllLines(Path.Combine(_dir, "eam.xyz")).ToList();
        // frame 0: drop the forces columns from its header and atoms
        lines[1] = lines[1].Replace(":forces:R:3", "");
        for (int k = 2; k < 2 + 8; k++) lines[k] = string.Join(' ', lines[k].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(4));
        File.WriteAllLines(Path.Combine(_dir, "eam.xyz"), lines);
        var e = Assert.Throws<TrainingDataException>(() => TrainCommand.Run(cfg, [], null, new StringWriter()));
        Assert.Contains("frame 0", e.Message);
        Assert.Contains("forces", e.Message);
    }
}
