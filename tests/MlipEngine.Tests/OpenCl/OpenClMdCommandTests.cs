using System.Globalization;
using MlipEngine.Cli.Md;
using MlipEngine.Tests.Dynamics;
using Xunit;

namespace MlipEngine.Tests.OpenCl;

/// <summary><c>mlip md</c> with <c>device: opencl</c> (and <c>ilgpu</c> for nve): which path runs, what it writes, restarts.</summary>
public class OpenClMdCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-md-cl-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string CopperRun(string integrator, string device)
    {
        string p = Path.Combine(_dir, $"run{Guid.NewGuid():N}.yaml");
        File.WriteAllText(p, $$"""
            structure: {lattice: fcc, element: Cu, a: 3.615, repeat: [3, 3, 3]}
            potential: {{MdTestSystems.CopperSpec}}
            velocities: {temperature: 600, seed: 3}
            integrator: {{integrator}}
            timestep: 2.0
            steps: 40
            neighbor: {skin: 0.3}
            thermo: {every: 5, file: {{Path.Combine(_dir, "thermo.csv")}}}
            trajectory: {file: {{Path.Combine(_dir, "traj.xyz")}}, every: 10}
            checkpoint: {file: {{Path.Combine(_dir, "run.ckpt")}}, every: 10}
            threads: 1
            device: {{device}}
            """);
        return p;
    }

    private (byte[] Traj, byte[] Thermo) Outputs() =>
        (File.ReadAllBytes(Path.Combine(_dir, "traj.xyz")), File.ReadAllBytes(Path.Combine(_dir, "thermo.csv")));

    private double[][] Thermo() => File.ReadAllLines(Path.Combine(_dir, "thermo.csv")).Skip(1)
        .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    /// <summary>
    /// nve and nvt-langevin on OpenCL (nve on ILGPU) run device-resident (and say so); the NVE thermo file
    /// (energies, temperature, pressure and stress every 5 steps) matches the CPU backend's run to 1e-10 of
    /// each column's scale, and the neighbor list is rebuilt as often.
    /// </summary>
    [Theory]
    [InlineData("opencl", "device-resident MD on OpenCL device 0")]
    [InlineData("ilgpu", "device-resident MD on ILGPU device 0")]
    public void NveOnAccelerator_RunsDeviceResident_AndMatchesCpuThermo(string device, string path)
    {
        var cpu = new MdRun(MdConfigParser.Load(CopperRun("{type: nve}", "cpu"), []), TextWriter.Null) { };
        Assert.Equal(0, cpu.Run());
        var reference = Thermo();
        var dev = new MdRun(MdConfigParser.Load(CopperRun("{type: nve}", device), []), TextWriter.Null) { };
        Assert.Equal(0, dev.Run());
        Assert.StartsWith(path, dev.PathDescription);
        var got = Thermo();
        Assert.Equal(reference.Length, got.Length);
        for (int c = 0; c < reference[0].Length; c++)
        {
            double scale = reference.Max(r => Math.Abs(r[c]));
            for (int r = 0; r < reference.Length; r++)
                Assert.True(Math.Abs(reference[r][c] - got[r][c]) <= 1e-10 * scale, $"row {r} column {c}: {got[r][c]} vs CPU {reference[r][c]}");
        }
        Assert.True(cpu.NeighborBuilds >= 2);
        Assert.Equal(cpu.NeighborBuilds, dev.NeighborBuilds);
    }

    /// <summary>Integrators without a device-resident kernel keep the per-step upload path and the log says why.</summary>
    [Fact]
    public void NhcOnOpenCl_IntegratesOnTheHost_AndSaysSo()
    {
        var run = new MdRun(MdConfigParser.Load(CopperRun("{type: nvt-nhc, temperature: 300}", "opencl"), []), TextWriter.Null) { };
        Assert.Equal(0, run.Run());
        Assert.Contains("host-side integration", run.PathDescription);
        Assert.Contains("nvt-nhc", run.PathDescription);
    }

    /// <summary>
    /// A device-resident run that dies after step 23 (checkpoint at 20) or is interrupted at step 17 and
    /// is restarted writes thermo and trajectory files byte-identical to an uninterrupted run: the
    /// checkpoint holds the synced state and the list reference, and the Philox noise is keyed by step.
    /// </summary>
    [Theory]
    [InlineData("{type: nvt-langevin, temperature: 300, tdamp: 50}", "opencl")]
    [InlineData("{type: nve}", "opencl")]
    [InlineData("{type: nve}", "ilgpu")]
    [InlineData("{type: nvt-langevin, temperature: 300, tdamp: 50}", "ilgpu")]
    public void DeviceResidentRestart_ContinuesBitIdentically(string integrator, string device)
    {
        var cfg = MdConfigParser.Load(CopperRun(integrator, device), []);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run());
        var reference = Outputs();
        string ckpt = Path.Combine(_dir, "run.ckpt");

        Assert.Equal(99, new MdRun(cfg, TextWriter.Null) { CrashAfterStep = 23 }.Run());
        Assert.NotEqual(reference.Thermo, Outputs().Thermo);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run(ckpt));
        Assert.Equal(reference.Thermo, Outputs().Thermo);
        Assert.Equal(reference.Traj, Outputs().Traj);

        Assert.Equal(130, new MdRun(cfg, TextWriter.Null) { InterruptAtStep = 17 }.Run());
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null) { }.Run(ckpt));
        Assert.Equal(reference.Thermo, Outputs().Thermo);
        Assert.Equal(reference.Traj, Outputs().Traj);
    }
}
