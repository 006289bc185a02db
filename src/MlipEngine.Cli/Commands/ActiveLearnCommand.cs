using System.CommandLine;
using System.Globalization;
using MlipEngine.Cli.Active;
using MlipEngine.Discovery.Active;
using MlipEngine.Workflows;

namespace MlipEngine.Cli.Commands;

/// <summary>
/// <c>mlip active-learn al.yaml</c>: explore with a committee, label what it doubts, retrain, repeat
/// (<see cref="ActiveLearningRun"/>); this verb parses the config, shows progress and handles Ctrl-C. Running the
/// same command again resumes.
/// </summary>
public static class ActiveLearnCommand
{
    public static Command Create()
    {
        var config = new Argument<string[]>("config")
        {
            Description = "Active-learning configuration (YAML): label, data, committee, train, finetune, explore, select, filter, iterations, stop, output " +
                "(with --compare: the output folders of finished runs)",
            Arity = ArgumentArity.OneOrMore,
        };
        var set = new Option<string[]>("--set") { Description = "Override a config value, e.g. --set iterations=8 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var compare = new Option<string?>("--compare") { Description = "Draw the learning curves of the given run folders on one chart (SVG file)" };
        var cmd = new Command("active-learn", "Active learning: committee MD exploration, labelling of uncertain frames by an oracle, retraining; resumable") { config, set, compare };
        cmd.SetAction(r =>
        {
            var args = r.GetValue(config)!;
            if (r.GetValue(compare) is string svg) return Compare(args, svg, Console.Out);
            if (args.Length != 1) throw new UsageException("active-learn takes one config file (several folders only with --compare)");
            return Run(args[0], r.GetValue(set) ?? [], Console.Out);
        });
        return cmd;
    }

    /// <summary>Learning curves of several finished runs (e.g. committee and random selection) on one chart, named by folder.</summary>
    public static int Compare(IReadOnlyList<string> runs, string svg, TextWriter output)
    {
        var series = runs.Select(d => (Path.GetFileName(Path.TrimEndingDirectorySeparator(d)), (IReadOnlyList<IterationRecord>)ActiveLearningOutputs.ReadRecords(d))).ToList();
        ActiveLearningOutputs.WriteLearningCurves(svg, series, "active learning: test force error against labels");
        foreach (var (name, records) in series)
            output.WriteLine($"{name}: " + string.Join("; ", records.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Labels} labels {r.TestForceRmse:F1} meV/Å"))));
        output.WriteLine($"wrote {svg}");
        return 0;
    }

    public static int Run(string configPath, IReadOnlyList<string> overrides, TextWriter output)
    {
        var cfg = ActiveLearnConfigParser.Load(configPath, overrides);
        var o = cfg.Options;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"active-learn: committee of {o.CommitteeSize}, {o.Iterations} iterations, {o.Explore.Structures.Count * o.Explore.Temperatures.Count * o.Explore.Pressures.Count} replicas × {o.Explore.Steps} steps, " +
            $"{o.Select.Method.ToString().ToLowerInvariant()} selection (trust band {(o.Select.RelativeEpsilon is double eps ? $"relative σ/(|F|+{eps}) ≥ {o.Select.Lower}, σ < {o.Select.Upper} eV/Å" : $"{o.Select.Lower}–{o.Select.Upper} eV/Å")}{(o.Select.LowerQuantile is double q ? $", lower edge at the pool's {q} quantile" : "")}, ≤ {o.Select.MaxFrames} frames), label {cfg.LabelLabel}, output {o.OutputDirectory}"));
        using var cancel = new CancellationTokenSource();
        int exit = 0;
        using var signals = new InterruptSignals(code => { exit = code; cancel.Cancel(); });
        var run = new ActiveLearningRun(o, cfg.Labeller, CliParsing.Catalog, output) { Progress = (label, unit) => new ProgressReporter(label, unit) };
        try { run.Run(cancel.Token); }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            output.WriteLine("interrupted: run the same command again to resume");
            return exit;
        }
        finally { (cfg.Labeller as IDisposable)?.Dispose(); }
        if (run.Records.Count > 0 && run.Records[^1].Stop is { Length: > 0 } stop) output.WriteLine($"stopped: {stop}");
        output.WriteLine($"wrote {Path.Combine(o.OutputDirectory, "iterations.csv")}, learning-curve.svg; final committee: {Path.Combine(o.OutputDirectory, $"iter-{run.Records[^1].Iteration:D3}")}/member-*/model.mlip");
        return exit;
    }
}
