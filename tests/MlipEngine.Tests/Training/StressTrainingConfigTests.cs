using MlipEngine.Geometry;
using MlipEngine.Cli.Commands;
using MlipEngine.Cli.Train;
using MlipEngine.IO;
using MlipEngine.State;
using MlipEngine.IO.Extxyz;
using MlipEngine.Training.Loss;
using Xunit;

namespace MlipEngine.Tests.Training;

/// <summary>Issue 14 through <c>mlip train</c>: the loss-weight schema, its errors, and what a run says about stresses.</summary>
public class StressTrainingConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-trainstress-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>14 EAM Cu frames: 0–6 config_type=bulk, 7–13 strained; <paramref name="edit"/> may change them.</summary>
    private string Config(string loss = "{energy: 10, forces: 100, stress: 100}", Action<List<Frame>>? edit = null)
    {
        var frames = ClassicalData.Make(14, 2);
        for (int k = 0; k < frames.Count; k++) frames[k].SetInfo("config_type", k < 7 ? "bulk" : "strained");
        edit?.Invoke(frames);
        ExtxyzWriter.Write(Path.Combine(_dir, "eam.xyz"), frames);
        string path = Path.Combine(_dir, "train.yaml");
        File.WriteAllText(path, $"""
            data:
              train: eam.xyz
              validation: {"{fraction: 0.25, seed: 3}"}
            model: {"{cutoff: 4.0, channels: 4, hidden_lmax: 1, sh_lmax: 2, correlation: 2, layers: 2, radial_hidden: [8], readout_hidden: 4}"}
            loss: {loss}
            optimizer: {"{type: amsgrad, lr: 0.01, batch_size: 4}"}
            epochs: 2
            threads: 2
            output: {"{dir: out}"}
            """);
        return path;
    }

    [Fact]
    public void LossWeights_ParseAsANumberOrPerTermMultipliers()
    {
        var cfg = TrainConfigParser.Load(Config("""
            
              energy: 10
              stress: 1000
              config_type_weights:
                strained: {energy: 1, forces: 0.5, stress: 5}
                bulk: 0.25
                default: {stress: 0}
              stress_weight_per_element: {Cu: 2}
            """), []);
        Assert.Equal(1000, cfg.Loss.Stress);
        Assert.Equal(new TermWeights(1, 0.5, 5), cfg.ConfigTypeWeights["strained"]);
        Assert.Equal(TermWeights.All(0.25), cfg.ConfigTypeWeights["bulk"]);
        Assert.Equal(new TermWeights(1, 1, 0), cfg.ConfigTypeWeights["default"]);
        Assert.Equal(2, cfg.StressWeightPerElement["Cu"]);
    }

    [Theory]
    [InlineData("loss.config_type_weights.bulk.stres=5", "loss.config_type_weights.bulk.stres", "unknown key")]
    [InlineData("loss.config_type_weights.bulk=-1", "loss.config_type_weights.bulk", "≥ 0")]
    [InlineData("loss.config_type_weights.bulk.forces=abc", "loss.config_type_weights.bulk.forces", "must be a number")]
    [InlineData("loss.config_type_weights.bulk=[1,2]", "loss.config_type_weights.bulk", "must be a number or")]
    [InlineData("loss.stress_weight_per_element.Xx=2", "loss.stress_weight_per_element.Xx", "not an element")]
    [InlineData("loss.stress_weight_per_element.Cu=-2", "loss.stress_weight_per_element.Cu", "≥ 0")]
    [InlineData("data.config_type_weights.bulk=2", "data.config_type_weights", "loss.config_type_weights")]
    public void BadWeightKeys_AreErrorsNamingTheKey(string assignment, string key, string problem)
    {
        var e = Assert.Throws<FormatException>(() => TrainConfigParser.Load(Config(), [assignment]));
        Assert.StartsWith($"train.yaml: {key}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void AConfigTypeThatIsNotInTheData_OrAnElementNotInTheModel_IsAnErrorNamingTheKey()
    {
        string cfg = Config();
        var e = Assert.Throws<FormatException>(() => TrainCommand.Run(cfg, ["loss.config_type_weights.Elastic.stress=5"], null, new StringWriter()));
        Assert.StartsWith("train.yaml: loss.config_type_weights.Elastic: ", e.Message);
        Assert.Contains("(the data has bulk, strained)", e.Message);
        var e2 = Assert.Throws<FormatException>(() => TrainCommand.Run(cfg, ["loss.stress_weight_per_element.Ni=2"], null, new StringWriter()));
        Assert.StartsWith("train.yaml: loss.stress_weight_per_element.Ni: ", e2.Message);
        Assert.Contains("not a species of the model", e2.Message);
    }

    [Fact]
    public void ARun_PrintsTheGroupWeights_ChecksTheVirial_WarnsOfAsymmetricStress_AndReportsStressPerConfigType()
    {
        var console = new StringWriter();
        string cfg = Config("{energy: 10, forces: 100, stress: 100, config_type_weights: {strained: {stress: 5}, bulk: {energy: 0.5}}}",
            frames => { frames[4].Stress![5] += 2e-3; frames[4].Stress![7] -= 2e-3; });
        Assert.Equal(0, TrainCommand.Run(cfg, [], null, console));
        string text = console.ToString();
        Assert.Contains("eam.xyz, frame 4: stress label is not symmetric", text);
        var bulk = text.Split('\n').Single(l => l.TrimStart().StartsWith("bulk "));
        Assert.Matches(@"E 0\.5\s+F 1\s+σ 1\s+\d+ / \d+, \d+ with stress", bulk);
        Assert.Matches(@"E 1\s+F 1\s+σ 5 ", text.Split('\n').Single(l => l.TrimStart().StartsWith("strained ")));
        Assert.Matches(@"virial check: .* on 3 periodic frames: .* — consistent", text);
        var csv = File.ReadAllLines(Path.Combine(_dir, "out", "errors.csv"));
        foreach (var group in new[] { "train: bulk", "train: strained", "validation: bulk", "validation: strained" })
        {
            var row = csv.SingleOrDefault(l => l.StartsWith(group + ","));
            Assert.True(row is not null, $"errors.csv has no row '{group}'");
            Assert.True(double.Parse(row.Split(',')[7], System.Globalization.CultureInfo.InvariantCulture) > 0, row);   // stress MAE (meV/Å³)
        }
    }

    [Fact]
    public void DataWithoutStressLabels_IsSaidAtStart_AndTheTableSaysNoLabels()
    {
        var console = new StringWriter();
        string cfg = Config(edit: frames => { foreach (var f in frames) f.Stress = null; });
        Assert.Equal(0, TrainCommand.Run(cfg, [], null, console));
        string text = console.ToString();
        Assert.Contains("the training data has no stress labels ('stress'): elastic response is learned only from energies of strained frames", text);
        var trainRow = text.Split('\n').First(l => l.TrimStart().StartsWith("train "));
        Assert.Contains("no labels", trainRow);
    }

    [Fact]
    public void PartlyLabelledData_SkipsTheStressTermOfUnlabelledFrames_AndSaysHowMany()
    {
        var console = new StringWriter();
        string cfg = Config(edit: frames => { for (int k = 0; k < 14; k += 2) frames[k].Stress = null; });
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=1"], null, console));
        Assert.Matches(@"stress: \d+ of \d+ training frames have a stress label; the stress term is skipped for the others", console.ToString());
    }

    [Fact]
    public void TrainOnlyFrames_JoinTraining_AfterTheSplit_SoTheValidationFramesStayTheSame()
    {
        string cfg = Config();
        var extra = ClassicalData.Make(3, 2);
        foreach (var f in extra) f.SetInfo("config_type", "extra");
        ExtxyzWriter.Write(Path.Combine(_dir, "extra.xyz"), extra);
        var plain = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=1"], null, plain));
        string DataLine(string text) => text.Split('\n').Single(l => l.Contains("data: ") && l.Contains(" validation"));
        var m0 = System.Text.RegularExpressions.Regex.Match(DataLine(plain.ToString()), @"data: (\d+) training, (\d+) validation");
        var validRows = File.ReadAllLines(Path.Combine(_dir, "out", "errors.csv")).Where(l => l.StartsWith("validation")).ToArray();

        var console = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=1", "data.train_only=extra.xyz", "output.dir=out2"], null, console));
        string text = console.ToString();
        Assert.Contains("data: 3 frames of extra.xyz added to training only (after the split)", text);
        var m1 = System.Text.RegularExpressions.Regex.Match(DataLine(text), @"data: (\d+) training, (\d+) validation");
        Assert.Equal(int.Parse(m0.Groups[1].Value) + 3, int.Parse(m1.Groups[1].Value));
        Assert.Equal(m0.Groups[2].Value, m1.Groups[2].Value);
        var csv = File.ReadAllLines(Path.Combine(_dir, "out2", "errors.csv"));
        Assert.Contains(csv, l => l.StartsWith("train: extra,"));
        Assert.DoesNotContain(csv, l => l.StartsWith("validation: extra"));
        // the same validation frames: their group counts are those of the run without the extra frames
        string Counts(IEnumerable<string> rows) => string.Join(";", rows.Select(l => string.Join(",", l.Split(',').Take(2))));
        Assert.Equal(Counts(validRows), Counts(csv.Where(l => l.StartsWith("validation"))));
        // split.csv names them: the same validation frames (file, index) in both runs, the extra frames as train_only
        string[] Rows(string dir, string set) => File.ReadAllLines(Path.Combine(_dir, dir, "split.csv")).Skip(1).Where(l => l.StartsWith(set + ",")).ToArray();
        var valid0 = Rows("out", "validation");
        Assert.Equal(int.Parse(m0.Groups[2].Value), valid0.Length);
        Assert.Equal(valid0, Rows("out2", "validation"));
        Assert.Equal(int.Parse(m0.Groups[1].Value), Rows("out", "train").Length);
        var only = Rows("out2", "train_only");
        Assert.Equal(3, only.Length);
        Assert.All(only, l => Assert.EndsWith("extra.xyz", l.Split(',')[1]));
        Assert.Equal(["0", "1", "2"], only.Select(l => l.Split(',')[2]));
        Assert.All(only, l => Assert.Equal("extra", l.Split(',')[3]));
        // every frame of the data once, train or validation
        var all = Rows("out", "train").Concat(valid0).Select(l => int.Parse(l.Split(',')[2])).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, all.Length), all);
    }

    /// <summary>
    /// A new model's starting point (E0, the ZBL core radii, the mean neighbour count, the readout scale, the E0
    /// centring) comes from the split's training frames, not from train_only frames: crystals compressed far beyond
    /// the data, with energies far above it, once shifted a from-scratch Si run's E0 by 20 eV/atom and its core inward.
    /// </summary>
    [Fact]
    public void TrainOnlyFrames_DoNotSetTheNewModelsStartingPoint()
    {
        string cfg = Config();
        var squeeze = Mat3.FromRowMajor([0.8, 0, 0, 0, 0.8, 0, 0, 0, 0.8]);
        var extra = ClassicalData.Make(3, 2);
        foreach (var f in extra)
        {
            var s = f.Structure;
            f.Structure = new AtomicStructure(s.Numbers, s.Positions.Select(r => r * squeeze).ToArray(), s.Cell.WithMatrix(s.Cell.Matrix * squeeze));
            f.Energy += 20.0 * s.AtomCount;
            f.Stress = null;
        }
        ExtxyzWriter.Write(Path.Combine(_dir, "squeezed.xyz"), extra);
        string[] Start(string text) => text.Split('\n').Where(l => l.StartsWith("model:") && l.Contains("parameters") || l.StartsWith("repulsion:")
            || l.StartsWith("readout scaled") || l.StartsWith("E0 shifted")).ToArray();
        var plain = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=1"], null, plain));
        var with = new StringWriter();
        Assert.Equal(0, TrainCommand.Run(cfg, ["epochs=1", "data.train_only=squeezed.xyz", "output.dir=out2"], null, with));
        Assert.Equal(4, Start(plain.ToString()).Length);
        Assert.Equal(Start(plain.ToString()), Start(with.ToString()));
    }
}
