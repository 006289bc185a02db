using System.Diagnostics;
using MlipEngine.Cli.Md;
using MlipEngine.Dynamics.Md;
using MlipEngine.IO;
using MlipEngine.Tests.Cli;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Reliability;

/// <summary>
/// Issue 19: the ways an MD user lost work or got a wrong answer with exit 0 — output paths, two runs
/// on one set of files, SIGTERM, the last frame of a safety stop, corrupted checkpoints, absurd
/// velocities, a restart with another potential.
/// </summary>
public class MdReliabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-rel-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private const string Argon = "{style: lj/cut, cutoff: 8.5, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.4}}}";

    private string Config(string outputs, long steps = 40, string potential = Argon, string structure = "{lattice: fcc, element: Ar, a: 5.26, repeat: [3, 3, 3]}")
    {
        string p = Path.Combine(_dir, $"run{Guid.NewGuid():N}.yaml");
        File.WriteAllText(p, $"""
            structure: {structure}
            potential: {potential}
            velocities: {"{temperature: 60, seed: 3}"}
            integrator: {"{type: nvt-langevin, temperature: 60, tdamp: 100}"}
            timestep: 5.0
            steps: {steps}
            threads: 1
            {outputs}
            """);
        return p;
    }

    private string P(string name) => Path.Combine(_dir, name);

    // Item 1: an output folder that does not exist is created before step 0 (the run used to finish and
    // then fail to write its end-only checkpoint); one that cannot exist fails before step 0, naming the key.
    [Fact]
    public void OutputFolders_AreCreatedBeforeStepZero_OrTheRunFailsAtOnceNamingTheKey()
    {
        string cfg = Config($"thermo: {{every: 10, file: {P("a/b/thermo.csv")}}}\ncheckpoint: {{file: {P("c/d/run.ckpt")}}}");
        Assert.Equal(0, new MdRun(MdConfigParser.Load(cfg, []), TextWriter.Null) { Log = TextWriter.Null }.Run());
        Assert.True(File.Exists(P("c/d/run.ckpt")));
        Assert.Equal(1 + 5, File.ReadAllLines(P("a/b/thermo.csv")).Length);   // header, steps 0 … 40

        File.WriteAllText(P("blocker"), "a file where a folder should go");
        string bad = Config($"thermo: {{every: 10, file: {P("t.csv")}}}\ncheckpoint: {{file: {P("blocker/run.ckpt")}}}");
        var e = Assert.Throws<FormatException>(() => new MdRun(MdConfigParser.Load(bad, []), TextWriter.Null) { Log = TextWriter.Null }.Run());
        Assert.Contains("checkpoint.file", e.Message);
        Assert.False(File.Exists(P("t.csv")), "nothing may run (or be written) before the outputs are known to work");
    }

    /// <summary>Holds run A at a step until the test lets it go.</summary>
    private sealed class Gate(long atStep) : IMdObserver
    {
        public readonly ManualResetEventSlim Reached = new(), Release = new();
        public int Every => 1;
        public string? Observe(long step, double time, IReadOnlyList<MdSystem> replicas)
        {
            if (step == atStep) { Reached.Set(); Release.Wait(TimeSpan.FromSeconds(60)); }
            return null;
        }
    }

    // Item 3: a second run writing the same files fails before step 0 with a message, and the first
    // run's outputs stay intact (they used to interleave, both runs exiting 0).
    [Theory]
    [InlineData("thermo")]
    [InlineData("checkpoint")]
    public void ASecondRunOnTheSameOutputs_IsRefusedAndTheFirstRunsFilesStayIntact(string shared)
    {
        string outputsA = $"thermo: {{every: 5, file: {P("thermo.csv")}}}\ntrajectory: {{file: {P("traj.xyz")}, every: 10}}\ncheckpoint: {{file: {P("a.ckpt")}}}";
        string outputsB = shared == "thermo"
            ? $"thermo: {{every: 5, file: {P("thermo.csv")}}}\ncheckpoint: {{file: {P("b.ckpt")}}}"
            : $"thermo: {{every: 5, file: {P("thermo-b.csv")}}}\ncheckpoint: {{file: {P("a.ckpt")}}}";
        var gate = new Gate(20);
        var a = new MdRun(MdConfigParser.Load(Config(outputsA), []), TextWriter.Null) { Log = TextWriter.Null };
        a.Observers.Add(gate);
        var runA = Task.Run(() => a.Run());
        Assert.True(gate.Reached.Wait(TimeSpan.FromSeconds(60)), "run A did not reach step 20");
        var e = Assert.Throws<IOException>(() => new MdRun(MdConfigParser.Load(Config(outputsB), []), TextWriter.Null) { Log = TextWriter.Null }.Run());
        Assert.Contains("being written by another run", e.Message);
        gate.Release.Set();
        Assert.Equal(0, runA.Result);
        var rows = File.ReadAllLines(P("thermo.csv"));
        Assert.Equal(1 + 9, rows.Length);   // header and steps 0, 5, …, 40 of run A only
        Assert.Equal(Enumerable.Range(0, 9).Select(k => (5 * k).ToString()), rows.Skip(1).Select(r => r.Split(',')[0]));
        Assert.Equal(5, StructureFile.ReadFrames(P("traj.xyz")).Count());
    }

    /// <summary>Stops the run at a step, as a safety check would.</summary>
    private sealed class StopAt(long step) : IMdObserver
    {
        public int Every => 1;
        public string? Observe(long s, double time, IReadOnlyList<MdSystem> replicas) => s == step ? "test stop" : null;
    }

    // Item 6: a stop on a trajectory step writes that step's frame (the trajectory used to hold step 0 only).
    [Fact]
    public void SafetyStopOnATrajectoryStep_WritesTheLastFrame()
    {
        var run = new MdRun(MdConfigParser.Load(Config($"trajectory: {{file: {P("traj.xyz")}, every: 10}}\ncheckpoint: {{file: {P("run.ckpt")}}}"), []), TextWriter.Null) { Log = TextWriter.Null };
        run.Observers.Add(new StopAt(20));
        var e = Assert.Throws<MdStopException>(() => run.Run());
        Assert.Contains("test stop", e.Message);
        var steps = StructureFile.ReadFrames(P("traj.xyz")).Select(f => Convert.ToInt64(f.GetInfo("step"))).ToList();
        Assert.Equal([0L, 10L, 20L], steps);
    }

    // Item 7: a checkpoint with 8 overwritten bytes is refused (it used to load, with changed energies).
    [Fact]
    public void CorruptedCheckpoint_IsRefusedNamingTheFile()
    {
        string cfg = Config($"checkpoint: {{file: {P("run.ckpt")}}}");
        Assert.Equal(0, new MdRun(MdConfigParser.Load(cfg, []), TextWriter.Null) { Log = TextWriter.Null }.Run());
        var bytes = File.ReadAllBytes(P("run.ckpt"));
        for (int k = 0; k < 8; k++) bytes[bytes.Length / 2 + k] ^= 0x5A;
        File.WriteAllBytes(P("run.ckpt"), bytes);
        var e = Assert.Throws<FormatException>(() => new MdRun(MdConfigParser.Load(cfg, ["steps=80"]), TextWriter.Null) { Log = TextWriter.Null }.Run(P("run.ckpt")));
        Assert.Contains("run.ckpt", e.Message);
        Assert.Contains("checksum", e.Message);
    }

    // Item 7: finite but absurd velocities (momentum 1e200) overflow the kinetic energy: a safety stop,
    // not a run to the end with T = P = Infinity and exit 0.
    [Fact]
    public void AbsurdVelocities_StopTheRun()
    {
        var argon = MlipEngine.Dynamics.Structures.CrystalLattice.Build("fcc", "Ar", 5.26, 3, 3, 3);
        var v = new Geometry.Vec3[argon.AtomCount];
        v[3] = new Geometry.Vec3(1e200, 0, 0);
        var start = new State.AtomicStructure(argon.Numbers, argon.Positions, argon.Cell, null, v);
        StructureFile.Write(P("start.xyz"), [new Frame(start)]);
        string cfg = Config($"checkpoint: {{file: {P("run.ckpt")}}}", structure: P("start.xyz"));
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("velocities: {temperature: 60, seed: 3}\n", ""));   // the file's velocities
        var e = Assert.Throws<MdStopException>(() => new MdRun(MdConfigParser.Load(cfg, []), TextWriter.Null) { Log = TextWriter.Null }.Run());
        Assert.Contains("kinetic energy", e.Message);
    }

    // Item 8: a restart with another potential is refused (it used to continue without a word).
    [Fact]
    public void RestartWithAnotherPotential_IsRefused()
    {
        string outputs = $"checkpoint: {{file: {P("run.ckpt")}}}";
        Assert.Equal(0, new MdRun(MdConfigParser.Load(Config(outputs), []), TextWriter.Null) { Log = TextWriter.Null }.Run());
        string other = Config(outputs, steps: 80, potential: Argon.Replace("0.0104", "0.0110"));
        var e = Assert.Throws<FormatException>(() => new MdRun(MdConfigParser.Load(other, []), TextWriter.Null) { Log = TextWriter.Null }.Run(P("run.ckpt")));
        Assert.Contains("another potential", e.Message);
        // the same potential restarts fine
        string same = Config(outputs, steps: 80);
        Assert.Equal(0, new MdRun(MdConfigParser.Load(same, []), TextWriter.Null) { Log = TextWriter.Null }.Run(P("run.ckpt")));
    }

    // Item 5: SIGTERM (batch schedulers, `timeout`) stops like Ctrl-C: checkpoint written, exit 143,
    // and the run continues from it (it used to be killed with no checkpoint).
    [Fact]
    public void Sigterm_WritesACheckpointAndExits143_AndTheRunResumes()
    {
        string cfg = Config($"checkpoint: {{file: {P("run.ckpt")}, every: 20}}", steps: 50_000_000);
        var psi = ChildProcess.Mlip("md", cfg);
        psi.RedirectStandardOutput = true; psi.RedirectStandardError = true;
        using var p = Process.Start(psi)!;
        try
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            // The periodic checkpoint (step 20) shows the run is stepping.
            var clock = Stopwatch.StartNew();
            while (!File.Exists(P("run.ckpt")) && clock.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited) Thread.Sleep(50);
            if (p.HasExited) Assert.Fail("the run ended before it could be signalled: " + stderr.Result);
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])) kill.WaitForExit();
            Assert.True(p.WaitForExit(60_000), "mlip md did not stop after SIGTERM");
            Assert.Equal(143, p.ExitCode);
            Assert.Contains("interrupted at step", stderr.Result);
            var ckpt = MdCheckpoint.Read(P("run.ckpt"));
            Assert.True(ckpt.Step >= 20);
            Assert.Equal(0, new MdRun(MdConfigParser.Load(cfg, [$"steps={ckpt.Step + 20}"]), TextWriter.Null) { Log = TextWriter.Null }.Run(P("run.ckpt")));
        }
        finally { if (!p.HasExited) p.Kill(entireProcessTree: true); }
    }
}
