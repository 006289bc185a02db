using MlipEngine.Cli.Commands;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Dynamics;

public sealed class RelaxCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-relax-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static string CuNiSpec => $"{{style: eam/alloy, file: {GoldenFiles.LammpsPotential("CuNi.eam.alloy")}, elements: [Cu, Ni]}}";

    private static AtomicStructure Candidate(int seed, int repeat = 1) => Samples.Periodic(["Cu", "Ni"], 3.56 + 0.02 * (seed % 3), seed, repeat: repeat);

    private RelaxRunOptions Args(string input, string tag = "") => new()
    {
        Potential = CuNiSpec, Input = input, Output = Path.Combine(_dir, $"relaxed{tag}.xyz"), Summary = Path.Combine(_dir, $"summary{tag}.csv"),
        Fmax = 1e-3, Smax = 1e-5, MaxSteps = 2000, Threads = 2,   // auto: 2 workers, one candidate at a time each
    };

    private static List<string[]> Csv(string path) =>
        File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();

    /// <summary>The reason column, the last one (it may hold commas).</summary>
    private static string Reason(string[] row) => string.Join(',', row[16..]);

    /// <summary>
    /// A directory with a corrupt POSCAR, a multi-frame extxyz whose third frame is truncated, and a
    /// candidate with overlapping atoms: each bad one is a summary row with its reason, every good
    /// one is relaxed, and outputs follow input order (file names, then frames).
    /// </summary>
    [Fact]
    public void BadInputs_AreReportedAndOthersRelax()
    {
        string input = Path.Combine(_dir, "in"); Directory.CreateDirectory(input);
        StructureFile.Write(Path.Combine(input, "a.vasp"), new Frame(Candidate(1)));
        File.WriteAllText(Path.Combine(input, "b.vasp"), "broken\n1.0\n3 0 0\n0 3 0\n");
        var frames = new[] { Candidate(2), Candidate(3, 2) }.Select(s => new Frame(s)).ToList();
        string multi = ExtxyzWriter.ToText(frames[0]) + ExtxyzWriter.ToText(frames[1]) + "4\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3\nCu 0 0 0\nCu x 1 1\n"
            + ExtxyzWriter.ToText(new Frame(Candidate(4)));
        File.WriteAllText(Path.Combine(input, "c.xyz"), multi);
        var overlap = Candidate(5); overlap.Positions[1] = overlap.Positions[0] + new Geometry.Vec3(0.2, 0.1, 0);
        StructureFile.Write(Path.Combine(input, "d.xyz"), new Frame(overlap));
        StructureFile.Write(Path.Combine(input, "e.xyz"), new Frame(Candidate(6)));

        var report = RelaxCommand.RunDetailed(Args(input));
        var rows = Csv(Path.Combine(_dir, "summary.csv"));
        // c.xyz's third frame has 2 of its 4 atom lines: skipping its declared lines lands inside the
        // fourth frame, whose atom line is no atom count, so the file is cut at frame 3.
        Assert.Equal(["a.vasp", "b.vasp", "c.xyz#0", "c.xyz#1", "c.xyz#2", "c.xyz#3", "d.xyz#0", "e.xyz#0"], rows.Select(r => r[1]));
        Assert.Equal(["converged", "unreadable", "converged", "converged", "unreadable", "unreadable", "failed", "converged"], rows.Select(r => r[15]));
        Assert.Contains("b.vasp", rows[1][16]);
        Assert.Contains("c.xyz", rows[4][16]);
        Assert.Contains("cut at frame 3", Reason(rows[5]));
        Assert.Contains("overlapping", rows[6][16]);
        Assert.Equal(4, report.Converged);
        var relaxed = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "relaxed.xyz")).ToList();
        Assert.Equal([4, 4, 32, 4], relaxed.Select(f => f.Structure.AtomCount));
        Assert.All(relaxed, f => Assert.Equal(true, f.GetInfo("converged")));
        Assert.All(relaxed, f => Assert.NotNull(f.Stress));
        Assert.False(File.Exists(Path.Combine(_dir, "relaxed.xyz.journal")));
    }

    /// <summary>
    /// An interrupted run (stopped after 3 candidates, its journal ending in a half-written line)
    /// restarted with the same command relaxes only the rest and writes the same outputs as an
    /// uninterrupted run (the CSV differs only in wall times).
    /// </summary>
    [Fact]
    public void Restart_SkipsFinishedCandidates_AndGivesSameOutputs()
    {
        string input = Path.Combine(_dir, "cands.xyz");
        ExtxyzWriter.Write(input, Enumerable.Range(0, 8).Select(k => new Frame(Candidate(10 + k, 1 + k % 2))));

        var clean = RelaxCommand.RunDetailed(Args(input, "-clean"));
        Assert.Equal(8, clean.Converged);

        var args = Args(input);
        Assert.Throws<RelaxInterruptedException>(() => RelaxCommand.RunDetailed(args with { StopAfter = 3 }));
        string journal = args.Output + ".journal";
        Assert.True(File.Exists(journal));
        Assert.False(File.Exists(args.Output));
        File.AppendAllText(journal, "{\"index\": 7, \"id\": \"half-writ");

        // A different command must not reuse the journal.
        Assert.Throws<global::MlipEngine.Workflows.UsageException>(() => RelaxCommand.RunDetailed(args with { Fmax = 2e-3 }));

        var resumed = RelaxCommand.RunDetailed(args);
        Assert.Equal(3, resumed.Resumed);
        Assert.Equal(8, resumed.Converged);
        Assert.True(resumed.SystemEvaluations < clean.SystemEvaluations);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "relaxed-clean.xyz")), File.ReadAllText(args.Output));
        static IEnumerable<string> WithoutWallTime(string path) => File.ReadAllLines(path).Select(l => { var c = l.Split(','); c[14] = ""; return string.Join(',', c); });
        Assert.Equal(WithoutWallTime(Path.Combine(_dir, "summary-clean.csv")), WithoutWallTime(args.Summary));
        Assert.False(File.Exists(journal));
    }

    /// <summary>
    /// A variable-cell relaxation (full cell, L-BFGS) of strained candidates on the accelerators follows the CPU's: every candidate
    /// converges in the same number of steps, to the CPU's energy (1e-9 relative) and volume (1e-9 relative). On ILGPU the force
    /// calls' lists are built on the device and kept through the cell's small deformations (shift vectors remade for each cell);
    /// OpenCL builds its own.
    /// </summary>
    [Theory, InlineData("ilgpu"), InlineData("opencl")]
    public void VariableCellRelax_OnAnAccelerator_FollowsTheCpu(string device)
    {
        string input = Path.Combine(_dir, "strained.xyz");
        var rng = new Random(5);
        var volumes = new List<double>();
        ExtxyzWriter.Write(input, Enumerable.Range(0, 4).Select(k =>
        {
            var s = Candidate(20 + k, 1 + k % 2);
            var f = new Geometry.Mat3(1 + 0.02 * rng.NextDouble(), 0.01 * rng.NextDouble(), 0, 0.01 * rng.NextDouble(), 1 - 0.02 * rng.NextDouble(), 0, 0, 0, 1 + 0.01 * rng.NextDouble());
            var cell = new Geometry.Cell(s.Cell.Matrix * f);
            volumes.Add(cell.Volume);
            return new Frame(new AtomicStructure(s.Numbers, s.Positions.Select(r => r * f).ToArray(), cell));
        }).ToList());
        var cpu = RelaxCommand.RunDetailed(Args(input, "-cpu") with { Optimizer = "lbfgs", Threads = 1, Workers = 1 });
        var dev = RelaxCommand.RunDetailed(Args(input, "-dev") with { Optimizer = "lbfgs", Threads = 1, Workers = 1, Backend = device });
        Assert.Equal(4, cpu.Converged);
        Assert.Equal(4, dev.Converged);
        var a = Csv(Path.Combine(_dir, "summary-cpu.csv")); var b = Csv(Path.Combine(_dir, "summary-dev.csv"));
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(a[k][9], b[k][9]);   // steps
            double ea = double.Parse(a[k][6], System.Globalization.CultureInfo.InvariantCulture), eb = double.Parse(b[k][6], System.Globalization.CultureInfo.InvariantCulture);
            double va = double.Parse(a[k][8], System.Globalization.CultureInfo.InvariantCulture), vb = double.Parse(b[k][8], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(ea - eb) <= 1e-9 * Math.Abs(ea), $"candidate {k}: E {eb:R} on {device}, {ea:R} on the CPU");
            Assert.True(Math.Abs(va - vb) <= 1e-9 * va, $"candidate {k}: V {vb:R} on {device}, {va:R} on the CPU");
            Assert.True(Math.Abs(va - volumes[k]) > 1e-3 * va, $"candidate {k}: the cell did not relax ({volumes[k]:R} → {va:R} Å³)");
        }
    }

    /// <summary>
    /// Issue 19 item 4: a NaN coordinate in candidate 11 of 20 (one multi-frame extxyz) makes that
    /// candidate unreadable, with a reason naming the frame, and candidates 12–19 are still relaxed.
    /// </summary>
    [Fact]
    public void BadValueInOneFrame_FailsThatCandidateOnly_AndTheRestRelax()
    {
        var texts = Enumerable.Range(0, 20).Select(k => ExtxyzWriter.ToText(new Frame(Candidate(30 + k)))).ToArray();
        var lines = texts[11].Split('\n');
        lines[3] = "Cu NaN 0 0";   // the second atom line of frame 11: the frame keeps its shape
        texts[11] = string.Join('\n', lines);
        string input = Path.Combine(_dir, "cands.xyz");
        File.WriteAllText(input, string.Concat(texts));

        var report = RelaxCommand.RunDetailed(Args(input));
        var rows = Csv(Path.Combine(_dir, "summary.csv"));
        Assert.Equal(20, rows.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(k => k == 11 ? "unreadable" : "converged"), rows.Select(r => r[15]));
        Assert.Contains("frame 11", Reason(rows[11]));
        Assert.Contains("not finite", Reason(rows[11]));
        Assert.Equal(19, report.Converged);
        Assert.Equal(19, new ExtxyzReader().ReadFrames(Path.Combine(_dir, "relaxed.xyz")).Count());
    }

    /// <summary>
    /// When a frame's atom-count line is lost, the frames after it cannot be located: the file is cut
    /// there, and both the summary row and the run's log say at which frame.
    /// </summary>
    [Fact]
    public void LostFrameBoundary_CutsTheFile_AndTheLogSaysWhere()
    {
        var texts = Enumerable.Range(0, 4).Select(k => ExtxyzWriter.ToText(new Frame(Candidate(60 + k)))).ToArray();
        texts[2] = "four\n" + texts[2][(texts[2].IndexOf('\n') + 1)..];
        string input = Path.Combine(_dir, "cut.xyz");
        File.WriteAllText(input, string.Concat(texts));
        var log = new StringWriter();

        var report = RelaxRun.Run(Args(input), TestCatalog.Instance, null, log);
        var rows = Csv(Path.Combine(_dir, "summary.csv"));
        Assert.Equal(["converged", "converged", "unreadable"], rows.Select(r => r[15]));
        Assert.Contains("cut at frame 2", Reason(rows[2]));
        Assert.Contains("cut.xyz", log.ToString());
        Assert.Contains("cut at frame 2", log.ToString());
        Assert.Equal(2, report.Converged);
    }

    /// <summary>Issue 19 item 9: an input without any frame is an error naming the file, not an empty run with exit 0.</summary>
    [Fact]
    public void EmptyInput_IsAnErrorNamingTheFile()
    {
        string input = Path.Combine(_dir, "empty.xyz");
        File.WriteAllText(input, "\n");
        var e = Assert.ThrowsAny<Exception>(() => RelaxCommand.RunDetailed(Args(input)));
        Assert.Contains("empty.xyz", e.Message);
        Assert.Contains("no frames", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "summary.csv")));
    }

    /// <summary>--trajectory writes one extxyz per candidate with one frame per force call, the last frame being the relaxed output.</summary>
    [Fact]
    public void Trajectories_HaveOneFramePerForceCall()
    {
        string input = Path.Combine(_dir, "cands.xyz");
        ExtxyzWriter.Write(input, Enumerable.Range(0, 3).Select(k => new Frame(Candidate(20 + k))));
        string traj = Path.Combine(_dir, "traj");
        RelaxCommand.RunDetailed(Args(input) with { Trajectory = traj });
        var rows = Csv(Path.Combine(_dir, "summary.csv"));
        var relaxed = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "relaxed.xyz")).ToList();
        var files = Directory.GetFiles(traj).OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.Equal(3, files.Count);
        for (int k = 0; k < 3; k++)
        {
            var frames = new ExtxyzReader().ReadFrames(files[k]).ToList();
            Assert.Equal(int.Parse(rows[k][10]), frames.Count);
            Assert.Equal(relaxed[k].Energy, frames[^1].Energy);
            Assert.Equal(relaxed[k].Structure.Cell, frames[^1].Structure.Cell);
        }
    }
}
