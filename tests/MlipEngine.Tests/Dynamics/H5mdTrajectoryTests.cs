using System.Diagnostics;
using System.Text.Json;
using MlipEngine.Cli.Md;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Dynamics;

/// <summary>
/// H5MD trajectories (<c>trajectory: {file: traj.h5}</c>) read back by an independent reader,
/// Debian's h5py, and compared with the extxyz trajectory of the same (deterministic) run.
/// </summary>
public class H5mdTrajectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-h5md-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private const string Dump = """
        import h5py, json, sys
        f = h5py.File(sys.argv[1], 'r')
        p = f['particles/all']
        s = lambda v: v.decode() if isinstance(v, bytes) else str(v)
        print(json.dumps({
          'version': [int(v) for v in f['h5md'].attrs['version']],
          'creator': s(f['h5md/creator'].attrs['name']),
          'dimension': int(p['box'].attrs['dimension']),
          'boundary': [s(b) for b in p['box'].attrs['boundary']],
          'species': p['species'][:].tolist(),
          'step': p['position/step'][:].tolist(), 'time': p['position/time'][:].tolist(),
          'position': p['position/value'][:].tolist(), 'velocity': p['velocity/value'][:].tolist(),
          'force': p['force/value'][:].tolist(), 'edges': p['box/edges/value'][:].tolist(),
          'energy': f['observables/potential_energy/value'][:].tolist(),
          'chunks': list(p['position/value'].chunks), 'maxshape': [m if m is not None else -1 for m in p['position/value'].maxshape],
        }))
        """;

    /// <summary>h5py (Debian python3-h5py) reads the files back; without it these tests fail at once with the package to install.</summary>
    internal static void RequireH5py(string module = "h5py") => MlipEngine.Tests.Interop.InteropTestSupport.RequirePythonModule(module, "python3-h5py");

    [Fact]
    public void MissingReader_FailsUpFrontNamingTheDebianPackage()
    {
        var e = Assert.ThrowsAny<Exception>(() => RequireH5py("h5py_absent_" + Guid.NewGuid().ToString("N")[..6]));
        Assert.Contains("apt-get install python3-h5py", e.Message);
    }

    private JsonElement ReadBack(string h5)
    {
        string script = Path.Combine(_dir, "dump.py");
        File.WriteAllText(script, Dump);
        var psi = new ProcessStartInfo("/usr/bin/python3");
        psi.ArgumentList.Add(script); psi.ArgumentList.Add(h5);
        var (code, json, err) = ChildProcess.Run(psi);
        Assert.True(code == 0, $"h5py could not read {h5} (Debian: apt-get install python3-h5py): {err}");
        return JsonDocument.Parse(json).RootElement;
    }

    private MdConfig Run(string traj, string integrator = "{type: npt-mtk, temperature: 60, pressure: 0.1, couple: tri}") => MdConfigParser.Load(WriteConfig(traj, integrator), []);

    private string WriteConfig(string traj, string integrator)
    {
        string p = Path.Combine(_dir, $"run-{Path.GetFileNameWithoutExtension(traj)}.yaml");
        File.WriteAllText(p, $$"""
            structure: {lattice: fcc, element: Ar, a: 5.26, repeat: [3, 3, 3]}
            potential: {{MdTestSystems.ArgonSpec}}
            velocities: {temperature: 60, seed: 3}
            integrator: {{integrator}}
            timestep: 5.0
            steps: 40
            neighbor: {skin: 0.3}
            thermo: {every: 0}
            trajectory: {file: {{Path.Combine(_dir, traj)}}, every: 5}
            checkpoint: {file: {{Path.Combine(_dir, Path.GetFileNameWithoutExtension(traj) + ".ckpt")}}, every: 10}
            """);
        return p;
    }

    // Same run written as H5MD and as extxyz (full precision): every frame's step, positions,
    // velocities, forces, cell and energy agree exactly; the layout follows H5MD 1.1.
    [Fact]
    public void H5md_MatchesExtxyzOfTheSameRun_AndFollowsTheLayout()
    {
        RequireH5py();
        Assert.Equal(0, new MdRun(Run("traj.h5"), TextWriter.Null) { }.Run());
        Assert.Equal(0, new MdRun(Run("traj.xyz"), TextWriter.Null) { }.Run());
        var h5 = ReadBack(Path.Combine(_dir, "traj.h5"));
        var frames = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "traj.xyz")).ToList();

        Assert.Equal([1, 1], h5.GetProperty("version").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal("MlipEngine", h5.GetProperty("creator").GetString());
        Assert.Equal(3, h5.GetProperty("dimension").GetInt32());
        Assert.Equal(["periodic", "periodic", "periodic"], h5.GetProperty("boundary").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(-1, h5.GetProperty("maxshape")[0].GetInt32());             // extendable along frames
        Assert.Equal(1, h5.GetProperty("chunks")[0].GetInt32());                // one frame per chunk
        Assert.Equal(frames[0].Structure.Numbers, h5.GetProperty("species").EnumerateArray().Select(v => v.GetInt32()));

        var steps = h5.GetProperty("step").EnumerateArray().Select(v => v.GetInt64()).ToList();
        Assert.Equal(frames.Count, steps.Count);
        Assert.Equal(9, steps.Count);   // steps 0, 5, …, 40
        for (int f = 0; f < frames.Count; f++)
        {
            var fr = frames[f];
            Assert.Equal(Convert.ToInt64(fr.GetInfo("step")), steps[f]);
            Assert.Equal(Convert.ToDouble(fr.GetInfo("time")), h5.GetProperty("time")[f].GetDouble());
            Assert.Equal(fr.Energy!.Value, h5.GetProperty("energy")[f].GetDouble());
            var st = fr.Structure;
            for (int i = 0; i < st.Positions.Length; i++)
            {
                var pos = h5.GetProperty("position")[f][i]; var vel = h5.GetProperty("velocity")[f][i]; var frc = h5.GetProperty("force")[f][i];
                Assert.Equal(st.Positions[i].X, pos[0].GetDouble()); Assert.Equal(st.Positions[i].Y, pos[1].GetDouble()); Assert.Equal(st.Positions[i].Z, pos[2].GetDouble());
                // extxyz stores ASE momenta m·v in ASE time units; undoing that conversion costs a few ulp.
                Assert.True(Math.Abs(st.Velocities![i].X - vel[0].GetDouble()) <= 1e-15 * Math.Abs(st.Velocities[i].X), "velocity x");
                Assert.True(Math.Abs(st.Velocities[i].Z - vel[2].GetDouble()) <= 1e-15 * Math.Abs(st.Velocities[i].Z), "velocity z");
                Assert.Equal(fr.Forces![i].X, frc[0].GetDouble()); Assert.Equal(fr.Forces[i].Z, frc[2].GetDouble());
            }
            for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++)
                Assert.Equal(st.Cell.Matrix[r, c], h5.GetProperty("edges")[f][r][c].GetDouble());
        }
    }

    // NVE computes the virial only for steps that write pressure or stress: every trajectory frame's
    // stress equals a fresh evaluation at its positions (to round-off of a different summation order).
    [Fact]
    public void LeanForceCalls_StillWriteTheStressOfEveryFrame()
    {
        Assert.Equal(0, new MdRun(Run("lean.xyz", "{type: nve}"), TextWriter.Null) { }.Run());
        var ff = MlipEngine.Potentials.Spec.PotentialFactory.Create(MlipEngine.Workflows.ForceFields.PotentialSpecLoader.Resolve(MdTestSystems.ArgonSpec));
        foreach (var fr in new ExtxyzReader().ReadFrames(Path.Combine(_dir, "lean.xyz")))
        {
            var fresh = Support.Eval.One(ff, fr.Structure, new MlipEngine.ForceFields.ComputeOptions { Backend = MlipEngine.ForceFields.Backend.Cpu, Threads = 1 });
            double scale = fresh.Stress.Max(Math.Abs);
            Assert.True(scale > 0);
            for (int k = 0; k < 9; k++) Assert.True(Math.Abs(fr.Stress![k] - fresh.Stress[k]) <= 1e-10 * scale, $"stress[{k}] {fr.Stress[k]} vs {fresh.Stress[k]}");
        }
    }

    // A run that dies after step 23 (checkpoint at step 20, 5 frames) and is restarted keeps those
    // 5 frames, drops the one written after the checkpoint, and ends with the uninterrupted run's frames.
    [Fact]
    public void H5md_RestartContinuesTheSameFrames()
    {
        RequireH5py();
        var cfg = Run("traj.h5");
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run());
        string reference = ReadBack(Path.Combine(_dir, "traj.h5")).GetRawText();
        Assert.Equal(99, new MdRun(cfg, TextWriter.Null) { CrashAfterStep = 23 }.Run());
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run(Path.Combine(_dir, "traj.ckpt")));
        Assert.Equal(reference, ReadBack(Path.Combine(_dir, "traj.h5")).GetRawText());
    }

    /// <summary>
    /// A child process started while a trajectory is open (a labeller, a driver: here <c>sleep</c>) does not keep the file
    /// locked after the writer closed it: h5py opens it at once. libhdf5's descriptor used to be inherited with its flock() lock,
    /// and h5py failed with "unable to lock file" until the child ended (seen as a flaky restart test beside parallel tests).
    /// </summary>
    [Fact]
    public void AChildStartedWhileTheFileIsOpen_DoesNotKeepItLocked()
    {
        RequireH5py();
        string path = Path.Combine(_dir, "held.h5");
        using var writer = new MlipEngine.IO.Trajectory.H5mdWriter(path, [29, 29], [true, true, true], "test");
        using var child = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            writer.Dispose();   // closed while the child lives (Dispose is idempotent)
            var psi = new ProcessStartInfo("/usr/bin/python3");
            psi.ArgumentList.Add("-c"); psi.ArgumentList.Add("import h5py, sys; f = h5py.File(sys.argv[1], 'r'); print(f['particles/all/species'][:].tolist())");
            psi.ArgumentList.Add(path);
            var (code, stdout, stderr) = ChildProcess.Run(psi);
            Assert.True(code == 0, $"h5py could not open {path} while a child started during the write lives: {stderr}");
            Assert.Equal("[29, 29]", stdout.Trim());
        }
        finally { child.Kill(); }
    }
}
