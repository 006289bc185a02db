using Xunit;
using static MlipEngine.Tests.Cli.EvalCommandTests;

namespace MlipEngine.Tests.Discovery;

/// <summary><c>mlip search</c> on the built CLI: a small run, its outputs and resume, and one-line errors naming the key (exit 2).</summary>
public class SearchCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-searchcli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string extra, string output = "out")
    {
        string path = Path.Combine(_dir, "search.yaml");
        File.WriteAllText(path, $$"""
            potential: {{DiscoveryTestSupport.LjReduced}}
            composition: {Ar: 6}
            cell: cluster
            trials: 4
            seed: 2
            min_distance: 0.8
            volume_per_atom: 1.5
            relax: {fmax: 0.001, max_force: 1.0e6}
            output: {{Path.Combine(_dir, output)}}
            threads: 1
            {{extra}}
            """);
        return path;
    }

    [Fact]
    public void SmallSearch_WritesRankedSummaryAndTotals_AndResumes()
    {
        var (code, stdout, stderr) = RunMlip("search", Config("mode: random"));
        Assert.True(code == 0, stderr);
        Assert.Contains("4 relaxations", stdout);
        Assert.Contains("force evaluations", stdout);
        string outDir = Path.Combine(_dir, "out");
        var ranked = File.ReadAllText(Path.Combine(outDir, "ranked.xyz"));
        Assert.Contains("energy_per_atom=", ranked);
        Assert.Contains("found_at_trial=", ranked);
        Assert.StartsWith("rank,formula,atoms,energy,energy_per_atom", File.ReadAllText(Path.Combine(outDir, "summary.csv")));
        Assert.Contains("\"force_evaluations\"", File.ReadAllText(Path.Combine(outDir, "search.json")));

        var (code2, stdout2, _) = RunMlip("search", Config("mode: random"), "--set", "trials=6");
        Assert.Equal(0, code2);
        Assert.Contains("resumed 4 trials", stdout2);
        Assert.Contains("(2 this run", stdout2);
    }

    [Theory]
    [InlineData("trails: 5", "trails")]
    [InlineData("mode: annealing", "mode")]
    [InlineData("basin_hopping: {step: -1}", "basin_hopping.step")]
    [InlineData("dedup: {distance: 1}", "dedup.distance")]
    [InlineData("symmetry: [m-3m, 5m]", "symmetry[1]")]
    [InlineData("symmetry: [12, 300]", "symmetry[1]")]
    [InlineData("symmetry: {min: 10, max: 5}", "symmetry")]
    public void BadKeys_ExitWith2NamingTheKey(string extra, string key)
    {
        var (code, _, stderr) = RunMlip("search", Config(extra));
        Assert.True(code == 2, $"exit {code}: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"search.yaml: {key}", lines[0]);
    }

    [Theory]
    [InlineData("trials", "0", "trials")]
    [InlineData("composition", "{Cu: 4}", "composition.Cu")]
    [InlineData("min_distance", "3.0", "min_distance")]
    [InlineData("relax.optimizer", "newton", "relax.optimizer")]
    public void ImpossibleSettings_ExitWith2NamingTheKey(string key, string value, string named)
    {
        var (code, _, stderr) = RunMlip("search", Config(""), "--set", $"{key}={value}");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"search.yaml: {named}", stderr);
    }

    [Fact]
    public void Candidates_AreTheStartsARunRelaxes_WrittenWithoutRelaxing()
    {
        string path = Path.Combine(_dir, "cands.xyz");
        string config = Config("mode: random\nsymmetry: [m-3m, 4/mmm]");
        var (code, stdout, stderr) = RunMlip("search", config, "--candidates", path);
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote 4 candidates", stdout);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));   // nothing relaxed, no search outputs
        var frames = new MlipEngine.IO.Extxyz.ExtxyzReader().ReadFrames(path).ToList();
        Assert.Equal(4, frames.Count);
        Assert.All(frames, f => Assert.Equal(6, f.Structure.AtomCount));
        string Info(MlipEngine.IO.Frame f, string key) => Convert.ToString(f.Info.Single(kv => kv.Key == key).Value, System.Globalization.CultureInfo.InvariantCulture)!;
        Assert.Equal(["0", "1", "2", "3"], frames.Select(f => Info(f, "trial")));

        // The run relaxes the same starts: trial k was built in the group the candidate file names.
        var (code2, _, stderr2) = RunMlip("search", config);
        Assert.True(code2 == 0, stderr2);
        var journal = File.ReadAllLines(Path.Combine(_dir, "out", "journal.jsonl")).Skip(1)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("trial").GetInt64(), e => e.GetProperty("generated_spacegroup").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(frames.Select(f => Info(f, "generated_spacegroup")), Enumerable.Range(0, 4).Select(k => journal[k]));

        var (code3, _, stderr3) = RunMlip("search", Config("mode: basin_hopping"), "--candidates", path);
        Assert.Equal(2, code3);
        Assert.Contains("search.yaml: mode:", stderr3);
    }
}
