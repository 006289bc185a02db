using System.CommandLine;
using System.Globalization;
using MlipEngine.Cli.Workflows;
using MlipEngine.Training;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using Spectre.Console;

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
        var device = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl or opencl:INDEX", DefaultValueFactory = _ => "cpu" };
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
        using var computer = ff.CreateComputer(new ComputeOptions { Backend = backend, DeviceIndex = deviceIndex, Threads = threads });
        if (!File.Exists(inputPath) && !Directory.Exists(inputPath)) throw new UsageException($"input '{inputPath}' not found");
        var all = new ErrorMetrics();
        var groups = new SortedDictionary<string, ErrorMetrics>(StringComparer.Ordinal);
        // Keep each frame's labels before the evaluator overwrites them with predictions.
        var labels = new Dictionary<Frame, (double? E, Vec3[]? F, double[]? S)>(ReferenceEqualityComparer.Instance);
        IEnumerable<Frame> Labelled()
        {
            foreach (var f in StructureFile.ReadFrames(inputPath, StructureFormat.Auto, new StructureFileOptions { Extxyz = keys }))
            {
                if (f.Energy is null && f.Forces is null && f.Stress is null)
                    throw new EvaluationException(f, $"no labels (looked for '{keys.EnergyKey}', '{keys.ForcesKey}', '{keys.StressKey}')");
                labels[f] = (f.Energy, f.Forces, f.Stress);
                yield return f;
            }
        }
        using var progress = new ProgressReporter("test", unit: "frames");
        int done = 0;
        foreach (var f in new FrameEvaluator(computer).Evaluate(Labelled()))
        {
            var (e, fr, s) = labels[f];
            labels.Remove(f);
            int n = f.Structure.AtomCount;
            var energy = e is double re ? (f.Energy!.Value, re) : ((double, double)?)null;
            var forces = fr is not null ? (f.Forces!, fr) : ((Vec3[], Vec3[])?)null;
            var stress = s is not null && f.Stress is not null ? (f.Stress, s) : ((double[], double[])?)null;
            all.Add(n, energy, forces, stress);
            string g = f.GetInfo(groupKey)?.ToString() ?? "(none)";
            if (!groups.TryGetValue(g, out var gm)) groups[g] = gm = new ErrorMetrics();
            gm.Add(n, energy, forces, stress);
            progress.Report(++done, null);
        }
        var result = new List<(string, ErrorMetrics)> { ("all", all) };
        if (groups.Count > 1 || (groups.Count == 1 && !groups.ContainsKey("(none)")))
            foreach (var (k, v) in groups) result.Add((k, v));
        return result;
    }

    public static int Run(string potentialArg, string inputPath, string? csvPath, ExtxyzOptions keys, string groupKey, int threads, string device, TextWriter output)
    {
        var rows = Compute(potentialArg, inputPath, keys, groupKey, threads, device);
        WriteErrorTable(rows, output);
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

    /// <summary>The error table (meV units) of rows of (group, metrics), as plain text.</summary>
    public static void WriteErrorTable(IReadOnlyList<(string Group, ErrorMetrics Metrics)> rows, TextWriter output)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var h in new[] { "group", "frames", "atoms", "E MAE meV/atom", "E RMSE meV/atom", "F MAE meV/Å", "F RMSE meV/Å", "σ MAE meV/Å³", "σ RMSE meV/Å³" })
            table.AddColumn(new TableColumn(h).RightAligned());
        static string M(double v) => double.IsNaN(v) ? "–" : (1000 * v).ToString("F3", CultureInfo.InvariantCulture);
        foreach (var (g, m) in rows)
            table.AddRow(Markup.Escape(g), m.Frames.ToString(CultureInfo.InvariantCulture), m.Atoms.ToString(CultureInfo.InvariantCulture),
                M(m.EnergyPerAtom.Mae), M(m.EnergyPerAtom.Rmse), M(m.Force.Mae), M(m.Force.Rmse), M(m.Stress.Mae), M(m.Stress.Rmse));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 150;   // a wide table also when stdout is a file or pipe
        console.Write(table);
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
