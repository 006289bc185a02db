using MlipEngine.Cli.Active;
using MlipEngine.Tests.Interop;
using MlipEngine.Tests.Support;
using MlipEngine.Workflows;
using Xunit;
using static MlipEngine.Tests.Cli.EvalCommandTests;

namespace MlipEngine.Tests.Active;

/// <summary><c>mlip active-learn</c>: one-line config errors naming the key, the shipped examples parse, a tiny run on the built CLI and its resume.</summary>
public class ActiveLearnCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-alcli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string extra = "", string? replace = null, string with = "")
    {
        string text = $$$"""
            label: {potential: {style: eam/alloy, file: /usr/share/lammps/potentials/Cu_mishin1.eam.alloy, elements: [Cu]}}
            data: {rattle: {frames: 6, amplitude: 0.08}}
            committee: {size: 2}
            train:
              model: {cutoff: 4.0, channels: 4, hidden_lmax: 0, sh_lmax: 1, correlation: 1, layers: 1, radial_hidden: [8], num_bessel: 4, readout_hidden: 4, repulsion: none}
              validation: {fraction: 0.3}
              epochs: 2
            finetune: {epochs: 1}
            explore:
              structures: [{lattice: fcc, element: Cu, a: 3.615, repeat: [1, 1, 1]}]
              temperatures: [300, 900]
              steps: 20
              sample_every: 10
              halt: 100
            select: {lower: 0.0, upper: 50, max_frames: 2}
            iterations: 1
            output: {{{Path.Combine(_dir, "out")}}}
            threads: 1
            {{{extra}}}
            """;
        if (replace != null) text = text.Replace(replace, with);
        string path = Path.Combine(_dir, "al.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("colour: blue", null, "", "al.yaml: colour")]
    [InlineData("", "label: {potential:", "label: {command: x, potential:", "al.yaml: label: give either potential")]
    [InlineData("", "select: {lower: 0.0, upper: 50", "select: {lower: 0.2, upper: 0.1", "al.yaml: select.upper: must be above select.lower")]
    [InlineData("", "select: {lower: 0.0,", "select: {lower_quantile: 1.5, lower: 0.0,", "al.yaml: select.lower_quantile: must be between 0 and 1")]
    [InlineData("", "select: {lower: 0.0,", "select: {relative: 0, lower: 0.0,", "al.yaml: select.relative: must be > 0")]
    [InlineData("", "halt: 100", "halt: 10", "al.yaml: explore.halt: must be at least select.upper")]
    [InlineData("", "steps: 20", "steps: 20\n  integrator: nvt-magic", "al.yaml: explore.integrator: unknown 'nvt-magic'")]
    [InlineData("", "channels: 4", "channels: many", "al.yaml: train: model.channels")]
    [InlineData("", "finetune: {epochs: 1}", "finetune: {model: {channels: 8}}", "al.yaml: finetune.model: unknown key")]
    [InlineData("", "data: {rattle: {frames: 6, amplitude: 0.08}}", "data: {}", "al.yaml: data: needs initial")]
    public void ConfigErrors_NameTheKey(string extra, string? replace, string with, string expected)
    {
        string path = Config(extra, replace, with);
        var e = Assert.Throws<UsageException>(() => ActiveLearnConfigParser.Load(path, []));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void SearchOutput_AddsStartingStructures()
    {
        string ranked = Path.Combine(_dir, "ranked.xyz");
        MlipEngine.IO.StructureFile.Write(ranked, Enumerable.Range(0, 3).Select(k => new MlipEngine.IO.Frame(TestStructures.Fcc("Cu", 3.6 + 0.05 * k, 1, 1, 1))));
        var cfg = ActiveLearnConfigParser.Load(Config(), ["explore.search={file: ranked.xyz, count: 2}"]);
        Assert.Equal(3, cfg.Options.Explore.Structures.Count);   // the lattice and the two best search results
        Assert.All(cfg.Options.Explore.Structures.Skip(1), s => Assert.True(File.Exists(s.File)));
    }

    [Fact]
    public void AdaptiveAndRelativeBand_Parse_AndTheRelativeLowerMayExceedTheAbsoluteUpper()
    {
        var cfg = ActiveLearnConfigParser.Load(Config(), ["select.lower_quantile=0.75", "select.relative=0.5", "select.lower=0.2", "select.upper=0.15"]);
        Assert.Equal(0.75, cfg.Options.Select.LowerQuantile);
        Assert.Equal(0.5, cfg.Options.Select.RelativeEpsilon);
        Assert.Null(ActiveLearnConfigParser.Load(Config(), []).Options.Select.LowerQuantile);
    }

    [Fact]
    public void ShippedExamples_Parse()
    {
        foreach (var example in new[] { "examples/active/cu-eam.yaml", "examples/active/ethanol-xtb.yaml", "bench/active/cu-committee.yaml", "bench/active/cu-varied.yaml", "bench/active/cu-imbalanced.yaml" })
        {
            string path = Path.Combine(NativeLibrary.RepoRoot, example);
            var overrides = new List<string> { "output=" + Path.Combine(_dir, Path.GetFileName(example)) };
            if (example.StartsWith("bench/"))
            {
                // the benchmarks' test set is made by bench/active/common.sh (runs/active-bench/cu-test.xyz): stand in for it
                string test = Path.Combine(_dir, "bench-test.xyz");
                if (!File.Exists(test)) MlipEngine.IO.Extxyz.ExtxyzWriter.Write(test, MlipEngine.Tests.Training.ClassicalData.Make(1, 2));
                overrides.Add("data.test=" + test);
            }
            var cfg = ActiveLearnConfigParser.Load(path, overrides);
            Assert.Equal(4, cfg.Options.CommitteeSize);
        }
    }

    [Fact]
    public void TinyRun_WritesTableAndCurve_AndASecondRunResumesNothing()
    {
        var (code, stdout, stderr) = RunMlip("active-learn", Config());
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("stopped: 1 iterations", stdout);
        string csv = File.ReadAllText(Path.Combine(_dir, "out", "iterations.csv"));
        Assert.StartsWith("iteration,labels,", csv);
        Assert.Equal(3, csv.Trim().Split('\n').Length);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(_dir, "out", "learning-curve.svg")));
        var (code2, stdout2, _) = RunMlip("active-learn", Config());
        Assert.Equal(0, code2);
        Assert.Contains("finished earlier", stdout2);
        var (code3, _, stderr3) = RunMlip("active-learn", Config(), "--set", "select.max_frames=3");
        Assert.Equal(2, code3);
        Assert.Contains("other settings", stderr3);
        var (code4, stdout4, _) = RunMlip("active-learn", "--compare", Path.Combine(_dir, "c.svg"), Path.Combine(_dir, "out"));
        Assert.Equal(0, code4);
        Assert.Contains("wrote", stdout4);
    }
}
