using MlipEngine.Cli;
using MlipEngine.Cli.Search;
using MlipEngine.Discovery.Search;
using MlipEngine.ForceFields;
using Xunit;

namespace MlipEngine.Tests.Discovery;

/// <summary>
/// Variable composition (<c>elements: [A, B]</c>, <c>atoms: {min, max}</c>): config parsing, deterministic
/// composition draws, and a tiny CuNi search with the EAM alloy potential whose hull must hold only the elements.
/// </summary>
public class VariableCompositionTests : IDisposable
{
    private const int Cu = 29, Ni = 28;
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-varcomp-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Potential => Path.Combine(RepoRoot(), "potentials", "cuni-eam-alloy.yaml");

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "MlipEngine.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private string Config(string body, string output = "out")
    {
        string path = Path.Combine(_dir, "search.yaml");
        File.WriteAllText(path, $"potential: {Potential}\noutput: {Path.Combine(_dir, output)}\nthreads: 1\n{body}\n");
        return path;
    }

    private const string CuNi = "elements: [Cu, Ni]\natoms: {min: 1, max: 4}\ntrials: 24\nseed: 3";

    [Fact]
    public void Parse_ElementsAndAtoms_GiveAVariableComposition()
    {
        var cfg = SearchConfigParser.Load(Config(CuNi), []);
        Assert.Equal(new VariableComposition(Cu, Ni, 1, 4), cfg.Options.Variable);
        Assert.Null(SearchConfigParser.Load(Config("composition: {Cu: 4}"), []).Options.Variable);
    }

    [Theory]
    [InlineData("composition: {Cu: 2}\nelements: [Cu, Ni]\natoms: {min: 1, max: 4}", "elements")]
    [InlineData("elements: [Cu]\natoms: {min: 1, max: 4}", "elements")]
    [InlineData("elements: [Cu, Xx]\natoms: {min: 1, max: 4}", "elements")]
    [InlineData("elements: [Cu, Ar]\natoms: {min: 1, max: 4}", "elements")]
    [InlineData("elements: [Cu, Cu]\natoms: {min: 1, max: 4}", "elements")]
    [InlineData("elements: [Cu, Ni]", "atoms")]
    [InlineData("elements: [Cu, Ni]\natoms: {min: 4, max: 2}", "atoms.max")]
    [InlineData("elements: [Cu, Ni]\natoms: {min: 0, max: 2}", "atoms.min")]
    [InlineData("elements: [Cu, Ni]\natoms: {min: 1, max: 4, step: 1}", "atoms.step")]
    [InlineData("composition: {Cu: 2}\natoms: {min: 1, max: 4}", "atoms")]
    [InlineData("elements: [Cu, Ni]\natoms: {min: 1, max: 4}\ncell: cluster", "cell")]
    [InlineData("elements: [Cu, Ni]\natoms: {min: 1, max: 4}\nmode: basin_hopping", "mode")]
    [InlineData("elements: [Cu, Ni]\natoms: {min: 1, max: 4}\nstop_energy: -10", "stop_energy")]
    [InlineData("trials: 3", "composition")]
    public void BadVariableCompositionKeys_NameTheKey(string body, string key)
    {
        var e = Assert.Throws<UsageException>(() => SearchConfigParser.Load(Config(body), []));
        Assert.Contains($"search.yaml: {key}:", e.Message);
    }

    [Fact]
    public void Draw_IsDeterministic_StaysInRange_AndReachesBothPureElements()
    {
        var vc = new VariableComposition(Cu, Ni, 1, 4);
        var draws = Enumerable.Range(0, 200).Select(t => vc.Draw(7, t)).ToList();
        Assert.All(draws, d => Assert.InRange(d.Length, 1, 4));
        Assert.Contains(draws, d => d.All(z => z == Cu));
        Assert.Contains(draws, d => d.All(z => z == Ni));
        Assert.Contains(draws, d => d.Contains(Cu) && d.Contains(Ni));
        Assert.Equal(Enumerable.Range(1, 4), draws.Select(d => d.Length).Distinct().Order());
        Assert.Equal(draws.Select(d => string.Join(",", d)), Enumerable.Range(0, 200).Select(t => string.Join(",", vc.Draw(7, t))));
        Assert.NotEqual(draws.Select(d => string.Join(",", d)), Enumerable.Range(0, 200).Select(t => string.Join(",", vc.Draw(8, t))));
    }

    private SearchReport Run(string body, bool withOutput = true)
    {
        var cfg = SearchConfigParser.Load(Config(body), []);
        var options = withOutput ? cfg.Options : cfg.Options with { OutputDirectory = null };
        using var computer = CliParsing.Catalog.Bind(cfg.ForceField, new ComputeOptions { Backend = Backend.Cpu, Threads = 1, Skin = 0.5 });
        return new StructureSearch(computer, options).Run();
    }

    [Fact]
    public void CuNi_HullHoldsOnlyTheElements_AndOutputsCarryFormationEnergies()
    {
        var report = Run(CuNi);
        Assert.NotNull(report.Hull);
        Assert.Equal([(0.0, 0.0), (1.0, 0.0)], report.Hull!.Vertices);
        Assert.Contains(report.Ranked, r => r.FractionB is > 0 and < 1);   // mixed cells were found and ranked
        foreach (var r in report.Ranked)
        {
            Assert.NotNull(r.FormationEnergy);
            Assert.True(r.EnergyAboveHull >= 0, $"rank {r.Rank}: e_above_hull {r.EnergyAboveHull}");
            if (r.FractionB is > 0 and < 1) Assert.True(r.FormationEnergy > 0 && r.EnergyAboveHull > 0, $"rank {r.Rank} below the tie line");
        }
        // Exactly the lowest pure Cu and pure Ni results sit on the hull, at 0.
        var onHull = report.Ranked.Where(r => r.EnergyAboveHull == 0).ToList();
        Assert.Equal(2, onHull.Count);
        Assert.Equal([0.0, 1.0], onHull.Select(r => r.FractionB!.Value).Order());
        Assert.All(onHull, r => Assert.Equal(0.0, r.FormationEnergy));

        string dir = Path.Combine(_dir, "out");
        string xyz = File.ReadAllText(Path.Combine(dir, "ranked.xyz"));
        Assert.Contains("formation_energy=", xyz);
        Assert.Contains("e_above_hull=", xyz);
        var csv = File.ReadAllLines(Path.Combine(dir, "summary.csv"));
        Assert.EndsWith(",formation_energy,e_above_hull", csv[0]);
        Assert.Equal(report.Ranked.Count, csv.Length - 1);
        Assert.All(csv.Skip(1), line => Assert.False(line.EndsWith(",,"), line));
        string svg = File.ReadAllText(Path.Combine(dir, "hull.svg"));
        Assert.StartsWith("<svg", svg);
        Assert.Contains("<polyline", svg);
        Assert.Equal(report.Ranked.Count, svg.Split("<circle").Length - 1);
    }

    [Fact]
    public void CuNi_SameSeedSameResults_OtherSeedOtherCompositions()
    {
        static string Key(SearchReport r) => string.Join(";", r.Trials.Select(t => $"{t.Trial}:{string.Join(",", t.Numbers ?? [])}:{t.Energy:R}"));
        string a = Key(Run(CuNi, withOutput: false)), b = Key(Run(CuNi, withOutput: false));
        Assert.Equal(a, b);
        Assert.NotEqual(a, Key(Run(CuNi.Replace("seed: 3", "seed: 4"), withOutput: false)));
    }

    [Fact]
    public void Cli_PrintsTheHullAndWritesHullSvg()
    {
        var (code, stdout, stderr) = MlipEngine.Tests.Cli.EvalCommandTests.RunMlip("search", Config(CuNi));
        Assert.True(code == 0, stderr);
        Assert.Contains("Cu-Ni (1-4 atoms, variable composition)", stdout);
        Assert.Contains("convex hull: 2 vertices", stdout);
        Assert.Contains("hull.svg", stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "out", "hull.svg")));
    }

    [Fact]
    public void Resumed_EqualsOneShot()
    {
        var (c1, _, e1) = MlipEngine.Tests.Cli.EvalCommandTests.RunMlip("search", Config(CuNi.Replace("trials: 24", "trials: 10"), "resumed"));
        Assert.True(c1 == 0, e1);
        var (c2, out2, e2) = MlipEngine.Tests.Cli.EvalCommandTests.RunMlip("search", Config(CuNi, "resumed"));
        Assert.True(c2 == 0, e2);
        Assert.Contains("resumed 10 trials", out2);
        var (c3, _, e3) = MlipEngine.Tests.Cli.EvalCommandTests.RunMlip("search", Config(CuNi, "oneshot"));
        Assert.True(c3 == 0, e3);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "oneshot", "summary.csv")), File.ReadAllText(Path.Combine(_dir, "resumed", "summary.csv")));
    }

    [Fact]
    public void MissingElementalReference_LeavesFormationEnergiesEmpty_WithANote()
    {
        var report = Run(CuNi, withOutput: false);
        var noNi = report.Ranked.Where(r => r.Best.Numbers!.Any(z => z == Cu)).Select(r => r with { FormationEnergy = null, EnergyAboveHull = null }).ToList();
        var (ranked, hull, note) = StructureSearch.AddHull(noNi, new VariableComposition(Cu, Ni, 1, 4));
        Assert.Null(hull);
        Assert.Contains("no pure Ni structure", note);
        Assert.All(ranked, r => Assert.Null(r.FormationEnergy));
    }
}
