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

/// <summary>Three elements: uniform composition draws and a ternary search whose hull comes from <see cref="MlipEngine.Discovery.Hull.CompositionHull"/>.</summary>
public class TernaryCompositionTests : IDisposable
{
    private const int Ar = 18, Kr = 36, Xe = 54;
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-ternary-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Draw_CoversEveryCompositionUniformly()
    {
        var vc = new VariableComposition([Ar, Kr, Xe], 3, 3);
        var counts = new Dictionary<string, int>();
        for (int t = 0; t < 5000; t++)
        {
            var d = vc.Draw(1, t);
            Assert.Equal(3, d.Length);
            Assert.Equal(d.OrderBy(z => Array.IndexOf(new[] { Ar, Kr, Xe }, z)), d);   // grouped by element, in order
            string key = $"{d.Count(z => z == Ar)}{d.Count(z => z == Kr)}{d.Count(z => z == Xe)}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        // C(3 + 2, 2) = 10 compositions of 3 atoms over 3 elements, each 1/10 of the draws (±5σ of a binomial).
        Assert.Equal(10, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 500 - 5 * 21, 500 + 5 * 21));
        // Two elements: the draw is unchanged from the binary-only version (nb uniform in 0 … n).
        Assert.Equal(new VariableComposition(29, 28, 1, 4), new VariableComposition([29, 28], 1, 4));
        Assert.Equal("VariableComposition { ElementA = 29, ElementB = 28, MinAtoms = 1, MaxAtoms = 4 }", new VariableComposition(29, 28, 1, 4).ToString());
    }

    /// <summary>
    /// LJ Ar–Kr–Xe with cross pairs twice as deep as the like ones (so mixing pays): formation energies against the
    /// pure references, every energy above the hull non-negative, mixed structures on the hull, and a ternary hull.svg.
    /// </summary>
    [Fact]
    public void TernarySearch_RanksOnTheTernaryHull()
    {
        string pairs = "Ar-Ar: {epsilon: 0.0104, sigma: 3.40}, Kr-Kr: {epsilon: 0.0140, sigma: 3.65}, Xe-Xe: {epsilon: 0.0190, sigma: 3.95}, " +
                       "Ar-Kr: {epsilon: 0.024, sigma: 3.52}, Ar-Xe: {epsilon: 0.028, sigma: 3.67}, Kr-Xe: {epsilon: 0.033, sigma: 3.80}";
        string path = Path.Combine(_dir, "search.yaml");
        File.WriteAllText(path, $"potential: {{style: lj/cut, cutoff: 8.0, pairs: {{{pairs}}}}}\nelements: [Ar, Kr, Xe]\natoms: {{min: 1, max: 3}}\n" +
                                $"trials: 40\nseed: 2\nmin_distance: 3.0\nvolume_per_atom: 40\noutput: {Path.Combine(_dir, "out")}\nthreads: 1\n");
        var cfg = SearchConfigParser.Load(path, []);
        Assert.Equal([Ar, Kr, Xe], cfg.Options.Variable!.Elements);
        using var computer = CliParsing.Catalog.Bind(cfg.ForceField, new ComputeOptions { Backend = Backend.Cpu, Threads = 1, Skin = 0.5 });
        var report = new StructureSearch(computer, cfg.Options).Run();
        Assert.Null(report.Hull);   // the binary hull object is for two elements
        var withEf = report.Ranked.Where(r => r.FormationEnergy is not null).ToList();
        Assert.NotEmpty(withEf);
        Assert.All(withEf, r => Assert.True(r.EnergyAboveHull >= 0));
        // The lowest pure results are the references: 0 and on the hull.
        foreach (int z in new[] { Ar, Kr, Xe })
        {
            var pure = withEf.Where(r => r.Best.Numbers!.All(n => n == z)).MinBy(r => r.EnergyPerAtom)!;
            Assert.Equal(0.0, pure.FormationEnergy);
            Assert.Equal(0.0, pure.EnergyAboveHull);
        }
        // Deep cross pairs: some mixed structure has a negative formation energy and lies on the hull.
        Assert.Contains(withEf, r => r.Fractions!.Count(x => x > 0) >= 2 && r.FormationEnergy < 0 && r.EnergyAboveHull == 0);
        // The references alone mix to 0 at every composition, so the hull lies at or below 0: E above hull ≥ E_f.
        Assert.All(withEf, r => Assert.True(r.EnergyAboveHull >= r.FormationEnergy - 1e-12));
        var svg = File.ReadAllText(Path.Combine(_dir, "out", "hull.svg"));
        Assert.Contains("convex hull of Ar–Kr–Xe", svg);
        Assert.Contains("e_above_hull=", File.ReadAllText(Path.Combine(_dir, "out", "ranked.xyz")));
    }
}
