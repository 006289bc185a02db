using MlipEngine.Cli;
using MlipEngine.Cli.Commands;
using MlipEngine.ForceFields;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.OpenCl;

public class OpenClCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-eval-cl-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("cpu", Backend.Cpu, 0)]
    [InlineData("reference", Backend.Reference, 0)]
    [InlineData("opencl", Backend.OpenCl, 0)]
    [InlineData("OpenCL:2", Backend.OpenCl, 2)]
    public void DeviceArgument_ParsesBackendAndIndex(string arg, Backend backend, int index) =>
        Assert.Equal((backend, index), CliParsing.ParseDevice(arg));

    [Theory]
    [InlineData("gpu")]
    [InlineData("opencl:")]
    [InlineData("opencl:-1")]
    public void BadDeviceArgument_IsAUsageError(string arg) => Assert.Throws<UsageException>(() => CliParsing.ParseDevice(arg));

    [Fact]
    public void EvalOnOpenCl_MatchesCpuBackend()
    {
        string dir = Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_cuni");
        string input = Path.Combine(_dir, "in.xyz");
        File.WriteAllText(input, File.ReadAllText(Path.Combine(dir, "golden.xyz")) + File.ReadAllText(Path.Combine(GoldenFiles.GoldenRoot, "eam_alloy_nicu_order", "golden.xyz")));
        string spec = Path.Combine(dir, "potential.yaml");
        Assert.Equal(0, EvalCommand.Run(spec, input, Path.Combine(_dir, "cpu.xyz"), 1, "cpu"));
        Assert.Equal(0, EvalCommand.Run(spec, input, Path.Combine(_dir, "cl.xyz"), 1, "opencl:0"));
        var cpu = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "cpu.xyz")).ToList();
        var cl = new ExtxyzReader().ReadFrames(Path.Combine(_dir, "cl.xyz")).ToList();
        Assert.Equal(cpu.Count, cl.Count);
        for (int f = 0; f < cpu.Count; f++)
        {
            Assert.True(Math.Abs(cpu[f].Energy!.Value - cl[f].Energy!.Value) <= 1e-10 * Math.Abs(cpu[f].Energy!.Value));
            for (int i = 0; i < cpu[f].Forces!.Length; i++) Assert.True((cpu[f].Forces![i] - cl[f].Forces![i]).Norm <= 1e-10, $"frame {f} atom {i}");
        }
    }
}
