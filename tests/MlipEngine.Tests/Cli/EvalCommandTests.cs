using System.Diagnostics;
using MlipEngine.Cli;
using MlipEngine.Cli.Commands;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Cli;

public class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-eval-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string GoldenDir(string name) => Path.Combine(GoldenFiles.GoldenRoot, name);

    [Fact]
    public void Eval_WritesLammpsValuesThatAseReadsBackExactly()
    {
        string output = Path.Combine(_dir, "out.xyz");
        // two frames of different systems in one input: batched evaluation must keep them apart
        string input = Path.Combine(_dir, "in.xyz");
        File.WriteAllText(input, File.ReadAllText(Path.Combine(GoldenDir("eam_alloy_cuni"), "golden.xyz")) + File.ReadAllText(Path.Combine(GoldenDir("eam_alloy_nicu_order"), "golden.xyz")));
        int code = EvalCommand.Run(Path.Combine(GoldenDir("eam_alloy_cuni"), "potential.yaml"), input, output, threads: 2, backendName: "cpu");
        Assert.Equal(0, code);
        var frames = new ExtxyzReader().ReadFrames(output).ToList();
        Assert.Equal(2, frames.Count);
        var g = GoldenCase.Load("eam_alloy_cuni");
        Assert.True(Math.Abs(frames[0].Energy!.Value - g.Energy) / 108 < 1e-9);
        // ASE reads our output back: the values must equal ours bit for bit (full-precision text)
        string script = $$"""
            from ase.io import read
            for a in read('{{output}}', ':'):
                e = a.get_potential_energy(); f = a.get_forces(); s = a.get_stress(voigt=False); ea = a.get_potential_energies()
                print(repr(e), repr(f[5][1]), repr(s[0][1]), repr(ea[7]))
            """;
        var lines = RunPython(script).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        for (int fr = 0; fr < 2; fr++)
        {
            var v = lines[fr].Split(' ').Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(frames[fr].Energy!.Value, v[0]);
            Assert.Equal(frames[fr].Forces![5].Y, v[1]);
            Assert.Equal(frames[fr].Stress![1], v[2]);
            Assert.Equal(frames[fr].AtomEnergies![7], v[3]);
        }
    }

    [Fact]
    public void Eval_MolecularFrame_HasNoStress_AndReferenceEqualsCpu()
    {
        string input = Path.Combine(_dir, "cluster.xyz");
        File.WriteAllText(input, "3\nPipe=\"x\" pbc=\"F F F\"\nCu 0 0 0\nCu 2.5 0 0\nCu 0 2.5 0.1\n");
        string spec = Path.Combine(GoldenDir("eam_cu_u3"), "potential.yaml");
        EvalCommand.Run(spec, input, Path.Combine(_dir, "a.xyz"), 1, "reference");
        EvalCommand.Run(spec, input, Path.Combine(_dir, "b.xyz"), 2, "cpu");
        var a = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "a.xyz")).Single();
        var b = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "b.xyz")).Single();
        Assert.Null(a.Stress);
        Assert.Equal("x", a.GetInfo("Pipe"));
        Assert.True(Math.Abs(a.Energy!.Value - b.Energy!.Value) < 1e-12);
    }

    [Fact]
    public void Eval_UnknownElement_NamesFileAndFrame_AndLeavesNoOutput()
    {
        string input = Path.Combine(_dir, "bad.xyz");
        File.WriteAllText(input, "1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nCu 0 0 0\n2\nLattice=\"4 0 0 0 4 0 0 0 4\"\nCu 0 0 0\nAr 1 1 1\n");
        string output = Path.Combine(_dir, "out.xyz");
        var e = Assert.Throws<EvaluationException>(() => EvalCommand.Run(Path.Combine(GoldenDir("eam_cu_u3"), "potential.yaml"), input, output, 1, "cpu"));
        Assert.Contains("bad.xyz, frame 1", e.Message);
        Assert.Contains("Ar", e.Message);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Theory]
    [InlineData("3\nLattice=\"4 0 0 0 4 0 0 0 4\"\nCu 0 0 0\nCu 1 1 1\n", "line")]                     // too few atom lines
    [InlineData("1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nCu 0 0\n", "column")]                              // missing column
    [InlineData("1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nXx 0 0 0\n", "Xx")]                                // unknown element
    [InlineData("1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nCu nan 0 0\n", "finite")]                          // NaN
    [InlineData("1\nLattice=\"4 0 0 4 0 0 0 0 4\"\nCu 0 0 0\n", "volume")]                            // zero-volume cell
    public void Cli_MalformedInput_ExitsNonZeroWithOneLineError(string content, string expectedWord)
    {
        string input = Path.Combine(_dir, "bad.xyz");
        File.WriteAllText(input, content);
        var (code, stdout, stderr) = RunMlip("eval", "--potential", Path.Combine(GoldenDir("eam_cu_u3"), "potential.yaml"), "--input", input, "--output", Path.Combine(_dir, "o.xyz"));
        Assert.NotEqual(0, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("bad.xyz, frame 0", lines[0]);
        Assert.Contains(expectedWord, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>Runs the built CLI (mlip.dll beside the test assembly) as a separate process.</summary>
    internal static (int Code, string Stdout, string Stderr) RunMlip(params string[] args) => ChildProcess.Run(ChildProcess.Mlip(args));

    internal static string RunPython(string script)
    {
        var (code, o, e) = ChildProcess.Run(new ProcessStartInfo("/usr/bin/python3"), stdin: script);
        Assert.True(code == 0, $"python failed: {e}");
        return o;
    }
}
