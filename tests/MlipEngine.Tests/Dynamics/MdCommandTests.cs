using MlipEngine.Cli.Md;
using Xunit;

namespace MlipEngine.Tests.Dynamics;

public class MdCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-md-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string Config(string text)
    {
        string p = Path.Combine(_dir, $"run{Guid.NewGuid():N}.yaml");
        File.WriteAllText(p, text);
        return p;
    }

    private string ArgonRun(string integrator, int threads, string traj = "traj.xyz") => Config($$"""
        structure: {lattice: fcc, element: Ar, a: 5.26, repeat: [3, 3, 3]}
        potential: {{MdTestSystems.ArgonSpec}}
        velocities: {temperature: 60, seed: 3}
        integrator: {{integrator}}
        timestep: 5.0
        steps: 40
        neighbor: {skin: 0.3}
        thermo: {every: 5, file: {{Path.Combine(_dir, "thermo.csv")}}}
        trajectory: {file: {{Path.Combine(_dir, traj)}}, every: 5}
        checkpoint: {file: {{Path.Combine(_dir, "run.ckpt")}}, every: 10}
        threads: {{threads}}
        """);

    private (byte[] Traj, byte[] Thermo) Outputs(string traj = "traj.xyz") =>
        (File.ReadAllBytes(Path.Combine(_dir, traj)), File.ReadAllBytes(Path.Combine(_dir, "thermo.csv")));

    // A run that dies after step 23 (last checkpoint at step 20) and is restarted from the checkpoint
    // writes byte-identical thermo and trajectory files to an uninterrupted run: positions,
    // velocities, thermostat/barostat state, RNG streams and the neighbor list all continue exactly.
    [Theory]
    [InlineData("{type: nvt-langevin, temperature: 60, tdamp: 100}", 2, "traj.xyz")]
    [InlineData("{type: nvt-nhc, temperature: 60, tdamp: 100}", 1, "traj.dump")]
    [InlineData("{type: npt-crescale, temperature: 60, pressure: 0.1, couple: aniso}", 1, "traj.xyz")]
    [InlineData("{type: npt-mtk, temperature: 60, pressure: 0.1, couple: tri}", 2, "traj.xyz")]
    public void Restart_ContinuesBitIdentically(string integrator, int threads, string traj)
    {
        string cfgPath = ArgonRun(integrator, threads, traj);
        var cfg = MdConfigParser.Load(cfgPath, []);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run());
        var reference = Outputs(traj);

        var crashed = new MdRun(cfg, TextWriter.Null) { CrashAfterStep = 23 };
        Assert.Equal(99, crashed.Run());
        Assert.NotEqual(reference.Thermo, Outputs(traj).Thermo);   // the crash left a partial file
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run(Path.Combine(_dir, "run.ckpt")));
        var continued = Outputs(traj);
        Assert.Equal(reference.Thermo, continued.Thermo);
        Assert.Equal(reference.Traj, continued.Traj);
    }

    // Ctrl-C finishes the step, writes a checkpoint, and a restart continues identically.
    [Fact]
    public void Interrupt_WritesCheckpoint_AndRestartContinuesIdentically()
    {
        var cfg = MdConfigParser.Load(ArgonRun("{type: nvt-bussi, temperature: 60}", 1), []);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run());
        var reference = Outputs();
        Assert.Equal(130, new MdRun(cfg, TextWriter.Null) { InterruptAtStep = 17 }.Run());
        var ck = MlipEngine.Dynamics.Md.MdCheckpoint.Read(Path.Combine(_dir, "run.ckpt"));
        Assert.Equal(17, ck.Step);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run(Path.Combine(_dir, "run.ckpt")));
        Assert.Equal(reference.Thermo, Outputs().Thermo);
        Assert.Equal(reference.Traj, Outputs().Traj);
    }

    // Atoms closer than safety.min_distance stop the run with a message naming step and atoms,
    // after the last frame and a checkpoint are written.
    [Fact]
    public void SafetyStop_NamesStepAndAtoms_AndWritesCheckpoint()
    {
        string path = Config($$"""
            structure: {lattice: fcc, element: Cu, a: 3.615, repeat: [3, 3, 3]}
            potential: {{MdTestSystems.CopperSpec}}
            velocities: {temperature: 3000, seed: 1}
            integrator: {type: nve}
            timestep: 2.0
            steps: 500
            safety: {min_distance: 2.3, every: 1}
            trajectory: {file: {{Path.Combine(_dir, "t.xyz")}}, every: 1000}
            checkpoint: {file: {{Path.Combine(_dir, "s.ckpt")}}}
            """);
        var e = Assert.Throws<MdStopException>(() => new MdRun(MdConfigParser.Load(path, []), TextWriter.Null) { }.Run());
        Assert.Matches(@"^step \d+: atoms \d+ and \d+ are [0-9.]+ Å apart", e.Message);
        Assert.True(File.Exists(Path.Combine(_dir, "s.ckpt")));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir, "t.xyz")).Count(l => l.Contains("Lattice=")));  // step 0 and the last frame
    }

    // Two atoms on top of each other: the LJ energy is not finite, the run stops at step 0.
    [Fact]
    public void SafetyStop_NonFiniteEnergy()
    {
        string xyz = Path.Combine(_dir, "overlap.xyz");
        File.WriteAllText(xyz, "2\nLattice=\"20 0 0 0 20 0 0 0 20\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\nAr 5 5 5\nAr 5 5 5\n");
        string path = Config($$"""
            structure: {file: {{xyz}}}
            potential: {{MdTestSystems.ArgonSpec}}
            steps: 10
            checkpoint: {file: {{Path.Combine(_dir, "n.ckpt")}}}
            """);
        var e = Assert.Throws<MdStopException>(() => new MdRun(MdConfigParser.Load(path, []), TextWriter.Null) { }.Run());
        Assert.StartsWith("step 0: ", e.Message);
    }

    [Theory]
    [InlineData("integrator.tdmap=100", "integrator.tdmap: unknown key")]
    [InlineData("integrator.temperature=hot", "integrator.temperature: must be a number, found 'hot'")]
    [InlineData("timestep=-1", "timestep: must be > 0")]
    [InlineData("integrator.type=nvt-berendsen", "integrator.type: unknown integrator 'nvt-berendsen'")]
    [InlineData("structure.lattice=fcx", "structure.lattice: unknown lattice 'fcx'")]
    [InlineData("structure.repeat=[2,2]", "structure.repeat: must have 3 entries")]
    [InlineData("integrator.couple=xyz", "integrator.couple: has no meaning for nvt-langevin")]
    [InlineData("trajectory.file=out.pdb", "unknown format")]
    [InlineData("stepz=3", "stepz: unknown key")]
    public void ConfigErrors_NameFileKeyAndProblem(string set, string expected)
    {
        string path = ArgonRun("{type: nvt-langevin, temperature: 60}", 1);
        var e = Record.Exception(() => new MdRun(MdConfigParser.Load(path, [set]), TextWriter.Null) { }.Run());
        Assert.NotNull(e);
        Assert.True(e is FormatException or MlipEngine.Workflows.UsageException, e.ToString());
        Assert.Contains(expected.Split(':')[0], e.Message);
        if (e is FormatException) Assert.StartsWith(Path.GetFileName(path), e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>Issue 19 item 9: a run length whose step count cannot be run (or overflows) is an error naming the key.</summary>
    [Theory]
    [InlineData("time: 1e30", "time: ")]
    [InlineData("time: 1e300", "time: ")]
    [InlineData("steps: 100000000000000", "steps: ")]
    public void AbsurdRunLength_IsAnErrorNamingTheKey(string length, string expectedKey)
    {
        string path = Config($$"""
            structure: {lattice: fcc, element: Ar, a: 5.26, repeat: [2, 2, 2]}
            potential: {{MdTestSystems.ArgonSpec}}
            timestep: 5.0
            {{length}}
            """);
        var e = Assert.Throws<FormatException>(() => MdConfigParser.Load(path, []));
        Assert.StartsWith(Path.GetFileName(path) + ": " + expectedKey, e.Message);
        Assert.Contains("at most", e.Message);
    }

    /// <summary>examples/md holds run configs only (issue 19, item 10): a potential spec belongs in potentials/.</summary>
    [Fact]
    public void ExamplesMd_HoldsOnlyRunConfigs()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(RepoRoot(), "examples", "md"), "*.yaml"))
            Assert.True(File.ReadAllText(f).Contains("structure:"), $"{Path.GetFileName(f)} is not a run config (no structure:)");
    }

    public static IEnumerable<object[]> Examples() =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "examples", "md"), "*.yaml").Select(f => new object[] { Path.GetFileName(f) });

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !Directory.Exists(Path.Combine(d.FullName, "examples"))) d = d.Parent;
        return d?.FullName ?? throw new DirectoryNotFoundException("repository root with examples/");
    }

    // Every example config runs as written, at small size (repeat and steps overridden with --set).
    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_RunsAtSmallSize(string name)
    {
        string path = Path.Combine(RepoRoot(), "examples", "md", name);
        string text = File.ReadAllText(path);
        var sets = new List<string> { "structure.repeat=[3,3,3]", "steps=20", "threads=1" };
        if (text.Contains("time:")) { sets.Remove("steps=20"); sets.Add("time=40"); }
        foreach (var key in new[] { "thermo", "trajectory", "checkpoint" })
        {
            var m = System.Text.RegularExpressions.Regex.Match(text, key + @":\s*\{[^}]*file:\s*([^,}\s]+)");
            if (m.Success) sets.Add($"{key}.file={Path.Combine(_dir, m.Groups[1].Value)}");
        }
        if (!text.Contains("checkpoint:")) sets.Add($"checkpoint.file={Path.Combine(_dir, "ex.ckpt")}");
        var cfg = MdConfigParser.Load(path, sets);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run());
    }
}
