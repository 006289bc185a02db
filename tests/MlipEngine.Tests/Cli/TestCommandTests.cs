using MlipEngine.Cli.Commands;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Cli;

public class TestCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-test-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ErrorTable_IsZeroAgainstLammpsLabelsOfTheSamePotential()
    {
        string dir = Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_cuni");
        var rows = TestCommand.Compute(Path.Combine(dir, "potential.yaml"), Path.Combine(dir, "golden.xyz"), ExtxyzOptions.Default, "config_type", 1, "cpu");
        var all = Assert.Single(rows).Metrics;
        Assert.Equal(1, all.Frames);
        Assert.True(all.EnergyPerAtom.Mae < 1e-9 && all.Force.Rmse < 1e-7 && all.Stress.Mae < 1e-9);
        Assert.Equal(108 * 3, all.Force.Count);
    }

    [Fact]
    public void ErrorTable_GroupsByConfigType_UsesCustomKeys_AndMatchesHandComputedErrors()
    {
        // labels: LJ with ε = 0.0104 under custom keys; model: ε = 0.0104·1.1 → every energy and force scales by 1.1
        string labelled = Path.Combine(_dir, "labelled.xyz");
        string spec = "{style: lj/cut, cutoff: 7.0, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}}}";
        EvalCommand.Run(spec, Path.Combine(TestPaths.Repo, "examples", "structures", "ar-fcc.xyz"), labelled, 1, "cpu");
        string text = File.ReadAllText(labelled).Replace("energy=", "dft_energy=").Replace(":forces:", ":dft_forces:").Replace("stress=", "dft_stress=");
        File.WriteAllText(labelled, text);
        var keys = new ExtxyzOptions { EnergyKey = "dft_energy", ForcesKey = "dft_forces", StressKey = "dft_stress" };
        var frames = new ExtxyzReader(keys).ReadFrames(labelled).ToList();
        var rows = TestCommand.Compute("{style: lj/cut, cutoff: 7.0, pairs: {Ar-Ar: {epsilon: 0.01144, sigma: 3.40}}}", labelled, keys, "config_type", 2, "cpu");
        Assert.Equal(4, rows.Count);                       // all + three config types
        Assert.Equal(["all", "fcc_a5.20", "fcc_a5.26", "fcc_a5.32"], rows.Select(r => r.Group));
        double expectedEnergyMae = frames.Average(f => Math.Abs(0.1 * f.Energy!.Value / f.Structure.AtomCount));
        Assert.Equal(expectedEnergyMae, rows[0].Metrics.EnergyPerAtom.Mae, 9);
        double expectedForceMae = frames.SelectMany(f => f.Forces!).SelectMany(v => new[] { v.X, v.Y, v.Z }).Average(c => Math.Abs(0.1 * c));
        Assert.Equal(expectedForceMae, rows[0].Metrics.Force.Mae, 9);
    }

    [Fact]
    public void UnlabelledInput_IsAClearErrorNamingTheFrame()
    {
        string input = Path.Combine(_dir, "plain.xyz");
        File.WriteAllText(input, "1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nAr 0 0 0\n");
        var e = Assert.Throws<MlipEngine.Workflows.Evaluation.EvaluationException>(() =>
            TestCommand.Compute("{style: lj/cut, cutoff: 3, pairs: {Ar-Ar: {epsilon: 0.01, sigma: 3.4}}}", input, ExtxyzOptions.Default, "config_type", 1, "cpu"));
        Assert.Contains("plain.xyz, frame 0", e.Message);
        Assert.Contains("no labels", e.Message);
    }
}

internal static class TestPaths
{
    /// <summary>Repository root: the folder above tests/ that holds MlipEngine.sln.</summary>
    public static string Repo
    {
        get
        {
            var d = new DirectoryInfo(AppContext.BaseDirectory);
            while (d != null && !File.Exists(Path.Combine(d.FullName, "MlipEngine.sln"))) d = d.Parent;
            return d?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }
}
