using System.Text.Json.Nodes;
using Xunit;
using static MlipEngine.Tests.Cli.EvalCommandTests;

namespace MlipEngine.Tests.Properties;

/// <summary><c>mlip properties</c> on the built CLI: exit codes, the printed table, the JSON and SVG files.</summary>
public class PropertiesCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-props-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Properties_WritesJsonAndSvg_AndExitsZero()
    {
        string json = Path.Combine(_dir, "cu.json"), svg = Path.Combine(_dir, "plots");
        var (code, stdout, stderr) = RunMlip("properties", "-p", CuEam.Spec, "--lattice", "fcc", "--a", "3.6", "--threads", "1",
            "--only", "eos,elastic,phonons", "--phonon-supercell", "3", "--dos-mesh", "6", "--json", json, "--svg-dir", svg);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("C11, C12, C44", stdout);
        Assert.Contains("B (GPa)", stdout);
        var doc = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(3.615, (double)doc["relaxed"]!["a_A"]!, 1e-4);
        Assert.InRange((double)doc["eos"]!["B_GPa"]!, 130, 145);
        Assert.Equal(6, doc["elastic"]!["C_GPa"]!.AsArray().Count);
        Assert.InRange((double)doc["elastic"]!["C44_GPa"]!, 70, 80);
        Assert.Null(doc["vacancy"]);
        var ph = doc["phonons"]!;
        Assert.Equal(3, ph["gamma_THz"]!.AsArray().Count);
        Assert.Equal(ph["path"]!["distance_inv_A"]!.AsArray().Count, ph["path"]!["frequencies_THz"]!.AsArray().Count);
        Assert.Equal("Γ", (string)ph["path"]!["labels"]![0]!);
        foreach (var f in new[] { "eos.svg", "phonon_dispersion.svg", "phonon_dos.svg" })
        {
            string text = File.ReadAllText(Path.Combine(svg, f));
            Assert.StartsWith("<svg", text);
            Assert.EndsWith("</svg>\n", text);
        }
    }

    [Theory]
    [InlineData("--lattice", "fcc")]                                  // no --a
    [InlineData("--lattice", "fcc", "--a", "3.6", "--structure", "x.xyz")]   // both inputs
    [InlineData()]                                                    // neither
    [InlineData("--lattice", "fcc", "--a", "3.6", "--only", "eos,bogus")]
    [InlineData("--lattice", "fcx", "--a", "3.6")]
    [InlineData("--lattice", "fcc", "--a", "3.6", "--element", "Ni")]    // not described by the potential
    public void UsageErrors_ExitWith2(params string[] args)
    {
        var (code, _, stderr) = RunMlip(["properties", "-p", CuEam.Spec, .. args]);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void MissingStructureFile_ExitsWith2NamingTheFile()
    {
        string missing = Path.Combine(_dir, "nothere.xyz");
        var (code, _, stderr) = RunMlip("properties", "-p", CuEam.Spec, "--structure", missing);
        Assert.Equal(2, code);
        Assert.Contains("nothere.xyz", stderr);
        var (code2, _, stderr2) = RunMlip("properties", "-p", CuEam.Spec, "--lattice", "fcc", "--a", "3.6", "--json", Path.Combine(_dir, "no", "out.json"));
        Assert.Equal(2, code2);
        Assert.Contains("does not exist", stderr2);
    }
}
