using System.CommandLine;
using MlipEngine.Cli.Train;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip train TRAIN.yaml [--set key=value ...] [--device ilgpu[:INDEX]] [--restart checkpoint.ckpt]</c>: fit an equivariant model to energies, forces and stresses.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "Training configuration (YAML): data, model, loss, optimizer, schedule, epochs, output" };
        var set = new Option<string[]>("--set") { Description = "Override a config value, e.g. --set epochs=10 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var restart = new Option<string?>("--restart") { Description = "Continue from the checkpoint of an earlier run of the same config (identical result)" };
        var device = new Option<string?>("--device") { Description = "Where the loss gradient runs: cpu (default; exact, all threads) or ilgpu[:INDEX] (the config key device:)" };
        var cmd = new Command("train", "Train an equivariant potential on energies, forces and stresses (extxyz data)") { config, set, device, restart };
        cmd.SetAction(r =>
        {
            var overrides = (r.GetValue(set) ?? []).ToList();
            if (r.GetValue(device) is string d) overrides.Add("device=" + d);
            return Run(r.GetValue(config)!, overrides, r.GetValue(restart), Console.Out);
        });
        return cmd;
    }

    public static int Run(string configPath, IReadOnlyList<string> overrides, string? restart, TextWriter output)
    {
        var cfg = TrainConfigParser.Load(configPath, overrides);
        using var cancel = new CancellationTokenSource();
        var run = new TrainRun(cfg, output) { Progress = (label, unit) => new ProgressReporter(label, unit) };
        // Ctrl-C / SIGTERM: finish nothing half-way; the last completed epoch's checkpoint stays valid
        // for --restart; exit 130 / 143.
        using var signals = new InterruptSignals(code => { run.InterruptExitCode = code; cancel.Cancel(); });
        return run.Run(restart, cancel.Token);
    }
}
