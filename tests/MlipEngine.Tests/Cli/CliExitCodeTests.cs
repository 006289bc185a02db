using MlipEngine.Cli.Commands;
using MlipEngine.Cli.Progress;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Support;
using Xunit;
using static MlipEngine.Tests.Cli.EvalCommandTests;

namespace MlipEngine.Tests.Cli;

/// <summary>
/// The exit codes and one-line messages docs/cli/eval.md promises (0 ok, 1 error, 2 usage, 3 safety
/// stop or serve failure, 130 interrupted), checked on the built CLI, and the small CLI outputs of issue 19.
/// </summary>
public class CliExitCodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-exit-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string ArSpec = "{style: lj/cut, cutoff: 7.0, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}}}";

    [Theory]
    [InlineData("eval", "--bogus")]                    // unknown option
    [InlineData("eval", "--potential", "x.yaml")]      // required options missing
    [InlineData("frobnicate")]                         // unknown verb
    [InlineData("relax", "-p", "x", "-i", "y", "-o", "z", "-s", "w", "--threads", "two")]   // bad option value
    public void UsageErrors_ExitWith2(params string[] args)
    {
        var (code, _, stderr) = RunMlip(args);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.NotEmpty(stderr);
    }

    [Fact]
    public void EmptyInput_EvalExitsNonZeroNamingTheFile()
    {
        string input = Path.Combine(_dir, "empty.xyz");
        File.WriteAllText(input, "");
        string output = Path.Combine(_dir, "out.xyz");
        var (code, _, stderr) = RunMlip("eval", "-p", ArSpec, "-i", input, "-o", output);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("empty.xyz", stderr);
        Assert.Contains("no frames", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void EmptyInput_TestIsAnErrorNamingTheFile()
    {
        string input = Path.Combine(_dir, "empty.xyz");
        File.WriteAllText(input, "\n\n");
        var e = Assert.Throws<StructureFormatException>(() => TestCommand.Compute(ArSpec, input, ExtxyzOptions.Default, "config_type", 1, "cpu"));
        Assert.Contains("empty.xyz", e.Message);
        Assert.Contains("no frames", e.Message);
    }

    /// <summary><c>mlip info</c> lists every style each backend runs; OpenCL runs the equivariant model (issue 19, item 10).</summary>
    [Fact]
    public void Info_ListsEquivariantAmongTheOpenClStyles()
    {
        var (code, stdout, _) = RunMlip("info");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("potential styles: ") && l.Contains("equivariant"));
        var opencl = Assert.Single(lines, l => l.StartsWith("backend opencl: "));
        Assert.Contains("equivariant", opencl.Split(": ")[1].Split(", "));
        Assert.Contains(lines, l => l.StartsWith("backend cpu: ") && l.Contains("equivariant"));
    }

    [Theory]
    [InlineData(0, "00:00:00")]
    [InlineData(3723.4, "01:02:03")]
    [InlineData(3 * 86400 + 4 * 3600 + 5 * 60 + 6, "3d 04:05:06")]
    [InlineData(400 * 86400, "400d 00:00:00")]
    public void Eta_KeepsDays(double seconds, string expected) => Assert.Equal(expected, Eta.Format(seconds));
}
