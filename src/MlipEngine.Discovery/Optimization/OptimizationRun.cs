using System.Diagnostics;

namespace MlipEngine.Discovery.Optimization;

/// <summary>Settings of one <c>mlip optimize</c> run.</summary>
public sealed record OptimizationOptions
{
    public required DesignSpace Space { get; init; }
    public required IReadOnlyList<Objective> Objectives { get; init; }
    /// <summary>Total evaluations (those resumed from history.csv included).</summary>
    public int Budget { get; init; } = 50;
    /// <summary>Designs proposed and evaluated together (q).</summary>
    public int Batch { get; init; } = 1;
    public OptimizerSettings Optimizer { get; init; } = new();
    /// <summary>Folder of history.csv, convergence.svg, pareto.svg and optimize.json; null keeps everything in memory.</summary>
    public string? OutputDirectory { get; init; }
}

/// <summary>Reported after each batch.</summary>
public sealed record OptimizationProgress(int Done, int Budget, double Best, int Failed, double Seconds);

/// <summary>What a run did: the whole history (resumed rows first) and its totals.</summary>
public sealed record OptimizationReport(IReadOnlyList<Evaluation> History, int Resumed, int RunThisTime, double Seconds, bool Interrupted)
{
    public int Failed => History.Count(e => !e.Succeeded);
}

/// <summary>
/// The propose → evaluate → record loop: asks <see cref="BayesianOptimizer"/> for a batch, has the
/// <see cref="IDesignEvaluator"/> evaluate it, appends each result to history.csv, and repeats until the budget
/// is spent or the run is cancelled (the batch in flight is finished and recorded first). The outputs are
/// rewritten after every batch, so an interrupted run leaves a consistent folder.
/// </summary>
public sealed class OptimizationRun(OptimizationOptions options, IDesignEvaluator evaluator)
{
    public Action<OptimizationProgress>? Progress { get; init; }

    public OptimizationReport Run(CancellationToken cancel = default)
    {
        var o = options;
        if (o.OutputDirectory != null) Directory.CreateDirectory(o.OutputDirectory);
        using var history = o.OutputDirectory != null
            ? OptimizationHistory.Open(Path.Combine(o.OutputDirectory, "history.csv"), o.Space, o.Objectives)
            : OptimizationHistory.InMemory(o.Space, o.Objectives);
        var optimizer = new BayesianOptimizer(o.Space, o.Objectives, o.Optimizer);
        var clock = Stopwatch.StartNew();
        int resumed = history.Resumed, batch = history.Evaluations.Count > 0 ? history.Evaluations.Max(e => e.Batch) + 1 : 0;
        while (history.Evaluations.Count < o.Budget && !cancel.IsCancellationRequested)
        {
            int q = Math.Min(o.Batch, o.Budget - history.Evaluations.Count);
            var designs = optimizer.Suggest(history.Evaluations, q);
            var results = evaluator.Evaluate(designs, CancellationToken.None);
            for (int i = 0; i < designs.Count; i++)
            {
                var (values, seconds, message) = results[i];
                if (values != null && (values.Length != o.Objectives.Count || values.Any(v => !double.IsFinite(v))))
                {
                    message = values.Length != o.Objectives.Count
                        ? $"expected {o.Objectives.Count} value(s), got {values.Length}" : "non-finite value";
                    values = null;
                }
                history.Add(new Evaluation(history.Evaluations.Count, batch, designs[i], values, seconds, message));
            }
            batch++;
            if (o.OutputDirectory != null) OptimizationOutputs.Write(o.OutputDirectory, history.Evaluations, o);
            Progress?.Invoke(new OptimizationProgress(history.Evaluations.Count, o.Budget, history.BestSoFar(),
                history.Evaluations.Count(e => !e.Succeeded), clock.Elapsed.TotalSeconds));
        }
        if (o.OutputDirectory != null) OptimizationOutputs.Write(o.OutputDirectory, history.Evaluations, o);
        return new OptimizationReport(history.Evaluations.ToList(), resumed, history.Evaluations.Count - resumed, clock.Elapsed.TotalSeconds, cancel.IsCancellationRequested);
    }
}
