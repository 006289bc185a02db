using MlipEngine.Cli;
using MlipEngine.Cli.Commands;
using MlipEngine.ForceFields;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.OpenCl;

public class OpenClCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-eval-cl-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("cpu", Backend.CpuName, 0)]
    [InlineData("reference", Backend.ReferenceName, 0)]
    [InlineData("opencl", Backend.OpenClName, 0)]
    [InlineData("OpenCL:2", Backend.OpenClName, 2)]
    [InlineData("ilgpu", MlipEngine.Backends.Ilgpu.IlgpuBackend.Name, 0)]
    [InlineData("ilgpu:1", MlipEngine.Backends.Ilgpu.IlgpuBackend.Name, 1)]
    public void DeviceArgument_ParsesBackendAndIndex(string arg, string backend, int index) =>
        Assert.Equal((new Backend(backend), index), CliParsing.ParseDevice(arg));

    [Theory]
    [InlineData("gpu")]
    [InlineData("opencl:")]
    [InlineData("opencl:-1")]
    public void BadDeviceArgument_IsAUsageError(string arg) => Assert.Throws<UsageException>(() => CliParsing.ParseDevice(arg));

    /// <summary>
    /// With the ICD loader pointed at an empty vendor directory (ocl-icd's OCL_ICD_VENDORS) there is no
    /// platform: `info` reports it and `eval --device opencl` fails with one line, exit 1, no stack trace.
    /// </summary>
    [Fact]
    public void WithoutAnOpenClRuntime_InfoAndEvalSayHowToInstallOne()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "no-vendors")).FullName;
        var (code, stdout, _) = Cli(empty, "info");
        Assert.Equal(0, code);
        Assert.Contains("no OpenCL runtime found: install an ICD, e.g. Debian pocl-opencl-icd, or your GPU vendor's driver", stdout);
        string spec = Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_cuni", "potential.yaml");
        string input = Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_cuni", "golden.xyz");
        var (code2, _, stderr) = Cli(empty, "eval", "-p", spec, "-i", input, "-o", Path.Combine(_dir, "x.xyz"), "--device", "opencl");
        Assert.Equal(1, code2);
        Assert.StartsWith("error: no OpenCL runtime found", stderr.Trim());
        Assert.DoesNotContain("   at ", stderr);
    }

    private static (int Code, string Stdout, string Stderr) Cli(string vendorDir, params string[] args)
    {
        var psi = ChildProcess.Mlip(args);
        psi.Environment["OCL_ICD_VENDORS"] = vendorDir;
        return ChildProcess.Run(psi);
    }

    /// <summary><c>mlip eval --device DEVICE</c> gives the CPU backend's energies and forces on a batch of two golden cells.</summary>
    [Theory]
    [InlineData("opencl:0")]
    [InlineData("ilgpu")]
    public void EvalOnAccelerator_MatchesCpuBackend(string device)
    {
        string dir = Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_cuni");
        string input = Path.Combine(_dir, "in.xyz");
        File.WriteAllText(input, File.ReadAllText(Path.Combine(dir, "golden.xyz")) + File.ReadAllText(Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_nicu_order", "golden.xyz")));
        string spec = Path.Combine(dir, "potential.yaml");
        Assert.Equal(0, EvalCommand.Run(spec, input, Path.Combine(_dir, "cpu.xyz"), 1, "cpu"));
        Assert.Equal(0, EvalCommand.Run(spec, input, Path.Combine(_dir, "cl.xyz"), 1, device));
        var cpu = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "cpu.xyz")).ToList();
        var cl = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "cl.xyz")).ToList();
        Assert.Equal(cpu.Count, cl.Count);
        for (int f = 0; f < cpu.Count; f++)
        {
            Assert.True(Math.Abs(cpu[f].Energy!.Value - cl[f].Energy!.Value) <= 1e-10 * Math.Abs(cpu[f].Energy!.Value));
            for (int i = 0; i < cpu[f].Forces!.Length; i++) Assert.True((cpu[f].Forces![i] - cl[f].Forces![i]).Norm <= 1e-10, $"frame {f} atom {i}");
        }
    }

    /// <summary>
    /// `mlip eval --device opencl` with a `.mlip` model (the shipped Cu model) on two jittered 32-atom cells: energies,
    /// forces and stresses as the CPU backend's, to fp64 round-off (1e-10 relative to the largest value).
    /// </summary>
    [Fact]
    public void EvalOfEquivariantModelOnOpenCl_MatchesCpuBackend()
    {
        string model = Path.Combine(MlipEngine.Tests.Interop.NativeLibrary.RepoRoot, "potentials", "cu-mlearn.mlip");
        string input = Path.Combine(_dir, "cu.xyz");
        StructureFile.Write(input, new[] { 41, 42 }.Select(seed => new Frame(Samples.Periodic(["Cu"], 3.643, seed))));
        Assert.Equal(0, EvalCommand.Run(model, input, Path.Combine(_dir, "cpu.xyz"), 1, "cpu"));
        Assert.Equal(0, EvalCommand.Run(model, input, Path.Combine(_dir, "cl.xyz"), 1, "opencl:0"));
        var cpu = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "cpu.xyz")).ToList();
        var cl = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "cl.xyz")).ToList();
        Assert.Equal(2, cl.Count);
        for (int f = 0; f < cpu.Count; f++)
        {
            Assert.True(Math.Abs(cpu[f].Energy!.Value - cl[f].Energy!.Value) <= 1e-10 * Math.Abs(cpu[f].Energy!.Value));
            double fScale = cpu[f].Forces!.Max(v => v.Norm), sScale = cpu[f].Stress!.Max(Math.Abs);
            for (int i = 0; i < cpu[f].Forces!.Length; i++) Assert.True((cpu[f].Forces![i] - cl[f].Forces![i]).Norm <= 1e-10 * fScale, $"frame {f} atom {i}");
            for (int k = 0; k < 9; k++) Assert.True(Math.Abs(cpu[f].Stress![k] - cl[f].Stress![k]) <= 1e-10 * sScale, $"frame {f} stress {k}");
        }
    }
}
