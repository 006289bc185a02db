using System.CommandLine;
using System.Runtime.Intrinsics;
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
            Console.WriteLine($"potential styles: {string.Join(", ", CliParsing.Catalog.Styles)}");
            foreach (var backend in CliParsing.Catalog.Backends)
            {
                var styles = backend.Styles?.Order(StringComparer.Ordinal).ToArray() ?? CliParsing.Catalog.Styles;
                Console.WriteLine($"backend {backend.Id.Name}: {string.Join(", ", styles)}");
                foreach (var line in backend.DescribeDevices()) Console.WriteLine("  " + line);
            }
            return 0;
        });
        return cmd;
    }
}
