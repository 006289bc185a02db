using System.CommandLine;
using System.Runtime.Intrinsics;
using MlipEngine.Backends.OpenCl;
using MlipEngine.Potentials.Spec;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip info</c>: version, hardware the engine sees, available potential styles.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "Show the engine version, CPU features and available potential styles");
        cmd.SetAction(_ =>
        {
            var asm = typeof(InfoCommand).Assembly.GetName();
            Console.WriteLine($"mlip {asm.Version}  (.NET {Environment.Version})");
            Console.WriteLine($"cpu: {Environment.ProcessorCount} logical cores; SIMD: Vector128 {Vector128.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector512 {Vector512.IsHardwareAccelerated}");
            Console.WriteLine($"potential styles: {string.Join(", ", PotentialFactory.Styles.Order())}");
            Console.WriteLine("backends: reference, cpu, opencl (lj/cut, morse, eam, eam/alloy, eam/fs)");
            WriteOpenClDevices();
            return 0;
        });
        return cmd;
    }

    /// <summary>Lists every OpenCL device with the index <c>--device opencl:INDEX</c> takes, or why there is none.</summary>
    private static void WriteOpenClDevices()
    {
        IReadOnlyList<OpenClDeviceInfo> devices;
        try { devices = OpenClRuntime.Devices(); }
        catch (OpenClUnavailableException e) { Console.WriteLine($"opencl: {e.Message}"); return; }
        catch (OpenClException e) { Console.WriteLine($"opencl: {e.Message}"); return; }
        Console.WriteLine($"opencl devices ({devices.Count}; select with --device opencl:INDEX):");
        foreach (var platform in devices.GroupBy(d => (d.PlatformName, d.PlatformVersion)))
        {
            Console.WriteLine($"  platform: {platform.Key.PlatformName} ({platform.Key.PlatformVersion})");
            foreach (var d in platform)
                Console.WriteLine($"    [{d.Index}] {d.Name} — {d.Type}, {d.ComputeUnits} compute units, " +
                    $"{d.GlobalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB global memory, {d.LocalMemoryBytes / 1024} KiB local, " +
                    $"fp64 {(d.SupportsFp64 ? "yes" : "no")}, driver {d.DriverVersion}");
        }
    }
}
