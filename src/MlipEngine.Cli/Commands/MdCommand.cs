using System.CommandLine;
using MlipEngine.Cli.Md;
using MlipEngine.Workflows.Md;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip md RUN.yaml [--set key=value ...] [--restart run.ckpt] [--device cpu|reference|opencl[:INDEX]]</c>: molecular dynamics from a config file.</summary>
public static class MdCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "Run configuration (YAML): structure, potential, integrator, timestep, steps, outputs" };
        var set = new Option<string[]>("--set") { Description = "Override a config value, e.g. --set integrator.temperature=300 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var restart = new Option<string?>("--restart") { Description = "Continue from a checkpoint written by an earlier run of the same config" };
        var device = new Option<string?>("--device", "--backend") { Description = "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX] (overrides the config's device:; devices: mlip info)" };
        var cmd = new Command("md", "Run molecular dynamics from a YAML config (NVE, NVT Langevin/NHC/Bussi, NPT MTK/C-rescale)") { config, set, restart, device };
        cmd.SetAction(r =>
        {
            var overrides = (r.GetValue(set) ?? []).ToList();
            if (r.GetValue(device) is string d) overrides.Add("device=" + d);   // the config's device: (or older backend:) loses
            return Run(r.GetValue(config)!, overrides, r.GetValue(restart));
        });
        return cmd;
    }

    public static int Run(string configPath, IReadOnlyList<string> overrides, string? restart)
    {
        var cfg = MdConfigParser.Load(configPath, overrides);
        var run = new MdRun(cfg, Console.Out, CliParsing.Catalog) { Progress = (atoms, first, last) => new MdProgress(atoms, first, last) };
        // Ctrl-C (SIGINT) and SIGTERM (batch schedulers, `timeout`) finish the step, write a checkpoint
        // and exit with 130 / 143.
        using var signals = new InterruptSignals(run.Interrupt);
        return run.Run(restart);
    }
}
