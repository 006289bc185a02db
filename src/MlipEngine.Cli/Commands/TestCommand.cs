using System.CommandLine;
using System.Globalization;
using MlipEngine.Training;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using Spectre.Console;

using MlipEngine.Workflows;
using MlipEngine.Workflows.Evaluation;

namespace MlipEngine.Cli.Commands;

/// <summary>
/// <c>mlip test</c>: errors of any potential against labelled frames (energy per atom, forces, stress;
/// MAE and RMSE), over all frames and per <c>config_type</c>, as a table and optionally a CSV.
/// </summary>
public static class TestCommand
{
    public static Command Create()
    {
        var potential = new Option<string>("--potential", "-p") { Description = "Potential spec file, inline spec, or .mlip model", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Labelled frames (extxyz, or any structure format with labels)", Required = true };
        var csv = new Option<string?>("--csv") { Description = "Also write the table as CSV" };
        var energyKey = new Option<string>("--energy-key") { Description = "Label key of the energy", DefaultValueFactory = _ => "energy" };
        var forcesKey = new Option<string>("--forces-key") { Description = "Label key of the forces", DefaultValueFactory = _ => "forces" };
        var stressKey = new Option<string>("--stress-key") { Description = "Label key of the stress", DefaultValueFactory = _ => "stress" };
        var groupKey = new Option<string>("--group-key") { Description = "Info key that groups frames", DefaultValueFactory = _ => "config_type" };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var device = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX]", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("test", "Error table (MAE/RMSE of energy per atom, forces, stress) of a potential on labelled data, per config_type")
        {
            potential, input, csv, energyKey, forcesKey, stressKey, groupKey, threads, device,
        };
        cmd.SetAction(r => Run(r.GetValue(potential)!, r.GetValue(input)!, r.GetValue(csv), new ExtxyzOptions
        {
            EnergyKey = r.GetValue(energyKey)!, ForcesKey = r.GetValue(forcesKey)!, StressKey = r.GetValue(stressKey)!,
        }, r.GetValue(groupKey)!, r.GetValue(threads), r.GetValue(device)!, Console.Out));
        return cmd;
    }

    /// <summary>Runs the comparison; returns the metrics per group ("all" first).</summary>
    public static IReadOnlyList<(string Group, ErrorMetrics Metrics)> Compute(string potentialArg, string inputPath, ExtxyzOptions keys,
        string groupKey, int threads, string deviceName)
    {
        var ff = PotentialLoader.Load(potentialArg);
        var (backend, deviceIndex) = CliParsing.ParseDevice(deviceName);
        if (threads < 1) throw new UsageException("--threads must be at least 1");
        using var computer = CliParsing.Catalog.Bind(ff, new ComputeOptions { Backend = backend, DeviceIndex = deviceIndex, Threads = threads });
        using var progress = new ProgressReporter("test", unit: "frames");
        return LabelledErrors.Compute(computer, inputPath, keys, groupKey, progress);
    }

    public static int Run(string potentialArg, string inputPath, string? csvPath, ExtxyzOptions keys, string groupKey, int threads, string device, TextWriter output)
    {
        var rows = Compute(potentialArg, inputPath, keys, groupKey, threads, device);
        ErrorTable.Write(rows, output);
        if (csvPath != null)
        {
            using var sink = new AtomicFileWriter(csvPath);
            sink.Writer.WriteLine("group,frames,atoms,energy_mae_eV_atom,energy_rmse_eV_atom,force_mae_eV_A,force_rmse_eV_A,stress_mae_eV_A3,stress_rmse_eV_A3");
            static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            foreach (var (g, m) in rows)
                sink.Writer.WriteLine(string.Join(",", Csv(g), m.Frames, m.Atoms, R(m.EnergyPerAtom.Mae), R(m.EnergyPerAtom.Rmse), R(m.Force.Mae), R(m.Force.Rmse), R(m.Stress.Mae), R(m.Stress.Rmse)));
            sink.Commit();
        }
        return 0;
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
