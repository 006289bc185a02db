using System.CommandLine;
using System.Globalization;
using MlipEngine.Cli.Optimize;
using MlipEngine.Discovery.Optimization;
using MlipEngine.ForceFields;

namespace MlipEngine.Cli.Commands;

/// <summary>
/// <c>mlip optimize</c>: Bayesian optimisation over a design space (<see cref="OptimizationRun"/>), the objective an
/// external command or an engine workflow; this verb parses the config, shows progress and prints the result.
/// </summary>
public static class OptimizeCommand
{
    public static Command Create() => CliParsing.ConfigVerb("optimize",
        "Bayesian optimisation (Gaussian process, log-EI/EI/UCB, batches, ParEGO) of an external command or an engine workflow",
        "Optimisation configuration (YAML): space, objective(s), command or engine, budget, batch, initial, seed, output", "budget=100",
        "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX] for an engine objective (overrides the config's device:)",
        "Threads of an engine objective's force calls (overrides the config's threads:)", Run);

    public static int Run(string configPath, IReadOnlyList<string> overrides, TextWriter output)
    {
        var cfg = OptimizeConfigParser.Load(configPath, overrides);
        var o = cfg.Options;
        IForceComputer? computer = null;
        try
        {
            IDesignEvaluator evaluator;
            string what;
            if (cfg.Engine is { } engine)
            {
                var (backend, index) = CliParsing.ParseDevice(cfg.Device);
                computer = CliParsing.Catalog.Bind(engine.ForceField, new ComputeOptions { Backend = backend, DeviceIndex = index, Threads = cfg.Threads, Skin = 0.5 });
                evaluator = new CrystalObjective(computer, engine.Settings);
                what = $"engine {engine.Settings.Lattice} {engine.Settings.Supercell}³ cells, potential {engine.PotentialLabel}";
            }
            else
            {
                evaluator = new CommandEvaluator(cfg.Command!, o.Space, cfg.WorkingDirectory, cfg.Timeout);
                what = $"command '{cfg.Command}'";
            }
            string goals = string.Join(", ", o.Objectives.Select(ob => $"{(ob.Maximize ? "maximise" : "minimise")} {ob.Name}"));
            output.WriteLine($"optimize: {goals} over {o.Space.Parameters.Count} parameters ({o.Space.CubeDimension}-D), {what}; " +
                $"budget {o.Budget}, batch {o.Batch}, {o.Optimizer.Initial} Sobol points first, seed {o.Optimizer.Seed}, output {o.OutputDirectory}");
            using var cancel = new CancellationTokenSource();
            int exit = 0;
            using var signals = new InterruptSignals(code => { exit = code; cancel.Cancel(); });
            var progress = new ProgressLine(o.Objectives);
            var report = new OptimizationRun(o, evaluator) { Progress = progress.Report }.Run(cancel.Token);
            progress.Clear();
            Print(report, output, o);
            return exit;
        }
        finally { computer?.Dispose(); }
    }

    public static void Print(OptimizationReport r, TextWriter w, OptimizationOptions o)
    {
        var ci = CultureInfo.InvariantCulture;
        var s = o.Space;
        if (r.Resumed > 0) w.WriteLine($"resumed {r.Resumed} evaluations from {Path.Combine(o.OutputDirectory ?? "", "history.csv")}");
        w.WriteLine(string.Create(ci, $"evaluations {r.History.Count}/{o.Budget} ({r.RunThisTime} this run, {r.Seconds:F1} s), failed {r.Failed}"));
        if (r.Interrupted) w.WriteLine("interrupted: run the same command again to resume");
        string Design(Evaluation e) => string.Join(", ", s.ColumnNames.Select((n, c) => $"{n}={s.Format(c, e.Design[c])}"));
        string Values(Evaluation e) => string.Join(", ", o.Objectives.Select((ob, k) => string.Create(ci, $"{ob.Name}={e.Values![k]:G10}")));
        if (o.Objectives.Count == 1)
        {
            int best = OptimizationOutputs.BestIndex(r.History, o.Objectives[0]);
            if (best < 0) w.WriteLine("no evaluation succeeded");
            else w.WriteLine($"best: {Values(r.History[best])} at evaluation {r.History[best].Index + 1}: {Design(r.History[best])}");
        }
        else
        {
            var front = OptimizationOutputs.ParetoIndices(r.History, o.Objectives);
            w.WriteLine($"Pareto front: {front.Count} designs");
            foreach (int i in front.Take(20)) w.WriteLine($"  #{r.History[i].Index + 1}: {Values(r.History[i])}: {Design(r.History[i])}");
        }
        foreach (var f in r.History.Where(e => !e.Succeeded).TakeLast(3)) w.WriteLine($"failed #{f.Index + 1}: {f.Message}");
        if (o.OutputDirectory is string dir)
            w.WriteLine($"wrote {Path.Combine(dir, "history.csv")}, convergence.svg{(o.Objectives.Count == 2 ? ", pareto.svg" : "")}, optimize.json");
    }

    /// <summary>One live progress line on stderr: evaluations done, best so far, failures, evaluations/s.</summary>
    private sealed class ProgressLine(IReadOnlyList<Objective> objectives)
    {
        private readonly bool _live = !Console.IsErrorRedirected;

        public void Report(OptimizationProgress p)
        {
            string best = objectives.Count > 1 ? "" : double.IsNaN(p.Best) ? ", best —" : string.Create(CultureInfo.InvariantCulture, $", best {objectives[0].Name} {p.Best:G8}");
            string line = string.Create(CultureInfo.InvariantCulture, $"optimize: {p.Done}/{p.Budget} evaluations{best}, {p.Failed} failed, {p.Seconds:F0} s");
            if (_live) Console.Error.Write("\r" + line.PadRight(100));
            else Console.Error.WriteLine(line);
        }

        public void Clear()
        {
            if (_live) Console.Error.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
