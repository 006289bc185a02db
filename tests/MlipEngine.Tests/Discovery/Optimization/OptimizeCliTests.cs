using Xunit;
using static MlipEngine.Tests.Cli.EvalCommandTests;

namespace MlipEngine.Tests.Discovery.Optimization;

/// <summary><c>mlip optimize</c> on the built CLI: a command objective with its outputs and resume, an engine objective, and one-line errors naming the key (exit 2).</summary>
public class OptimizeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-optcli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string extra, string body = """
        space:
          x: {min: 0, max: 1}
          el: {choices: [Cu, Ni]}
        objective: {name: f, goal: minimize}
        command: awk 'BEGIN { print ({x} - 0.3)^2 }'
        """)
    {
        string path = Path.Combine(_dir, "opt.yaml");
        File.WriteAllText(path, body + "\n" + $$"""
            budget: 8
            initial: 4
            seed: 2
            output: {{Path.Combine(_dir, "out")}}
            {{extra}}
            """);
        return path;
    }

    [Fact]
    public void CommandObjective_WritesHistoryAndPlots_AndResumes()
    {
        var (code, stdout, stderr) = RunMlip("optimize", Config(""));
        Assert.True(code == 0, stderr);
        Assert.Contains("evaluations 8/8", stdout);
        Assert.Contains("best: f=", stdout);
        string outDir = Path.Combine(_dir, "out");
        var history = File.ReadAllLines(Path.Combine(outDir, "history.csv"));
        Assert.Equal("evaluation,batch,status,x,el,f,best,seconds,message", history[0]);
        Assert.Equal(9, history.Length);
        Assert.Contains(",Ni,", string.Join("\n", history) + ",Cu,");
        Assert.Contains("best so far", File.ReadAllText(Path.Combine(outDir, "convergence.svg")));
        Assert.Contains("\"evaluations\": 8", File.ReadAllText(Path.Combine(outDir, "optimize.json")));

        var (code2, stdout2, _) = RunMlip("optimize", Config(""), "--set", "budget=10");
        Assert.Equal(0, code2);
        Assert.Contains("resumed 8 evaluations", stdout2);
        Assert.Contains("(2 this run", stdout2);
    }

    [Fact]
    public void EngineObjective_RelaxesDecoratedCells()
    {
        string potential = Path.Combine(RepoRoot(), "potentials", "cuni-eam-alloy.yaml");
        var (code, stdout, stderr) = RunMlip("optimize", Config("threads: 1", $$"""
            space:
              x: {simplex: [Cu, Ni]}
            objective: {name: formation_energy, goal: minimize}
            engine: {potential: {{potential}}, lattice: fcc, supercell: 1, composition: x, lattice_constant: 3.56, relax: cell}
            """), "--set", "budget=4");
        Assert.True(code == 0, stderr);
        var rows = File.ReadAllLines(Path.Combine(_dir, "out", "history.csv")).Skip(1).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Contains(",ok,", r));
        Assert.Contains("best: formation_energy=", stdout);
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "MlipEngine.sln"))) d = d.Parent;
        return d!.FullName;
    }

    [Theory]
    [InlineData("budgte: 5", "budgte")]
    [InlineData("acquisition: pi", "acquisition")]
    [InlineData("kernel: matern32", "kernel")]
    [InlineData("constraints: [\"y + x <= 1\"]", "constraints[0]")]
    public void BadKeys_ExitWith2NamingTheKey(string extra, string key)
    {
        var (code, _, stderr) = RunMlip("optimize", Config(extra));
        Assert.True(code == 2, $"exit {code}: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"opt.yaml: {key}", lines[0]);
    }

    [Theory]
    [InlineData("space.x.max", "-1", "space.x.max")]
    [InlineData("objective.goal", "smallest", "objective.goal")]
    [InlineData("command", "echo {y}", "command")]
    [InlineData("batch", "0", "batch")]
    public void ImpossibleSettings_ExitWith2NamingTheKey(string key, string value, string named)
    {
        var (code, _, stderr) = RunMlip("optimize", Config(""), "--set", $"{key}={value}");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"opt.yaml: {named}", stderr);
    }
}
