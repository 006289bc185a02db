using System.Text.Json;
using MlipEngine.IO.Svg;
using MlipEngine.Workflows;

namespace MlipEngine.Discovery.Optimization;

/// <summary>
/// Writes an optimisation's summary files next to its history.csv: <c>convergence.svg</c> (every evaluation
/// and the best so far of the first objective), <c>pareto.svg</c> with two objectives (every evaluation and
/// the Pareto front), <c>optimize.json</c> (totals, best design or the front). Each file goes to a temporary
/// name and is moved into place, so an interruption never leaves half a file.
/// </summary>
public static class OptimizationOutputs
{
    public static void Write(string dir, IReadOnlyList<Evaluation> history, OptimizationOptions o)
    {
        AtomicFileWriter.Write(Path.Combine(dir, "convergence.svg"), w => w.Write(ConvergenceSvg(history, o.Objectives[0], 0)));
        if (o.Objectives.Count == 2) AtomicFileWriter.Write(Path.Combine(dir, "pareto.svg"), w => w.Write(ParetoSvg(history, o.Objectives)));
        AtomicFileWriter.Write(Path.Combine(dir, "optimize.json"), w => w.Write(JsonSerializer.Serialize(Summary(history, o), new JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }

    /// <summary>Index of the best successful evaluation of objective <paramref name="k"/> (−1 when none succeeded).</summary>
    public static int BestIndex(IReadOnlyList<Evaluation> history, Objective objective, int k = 0)
    {
        int best = -1;
        for (int i = 0; i < history.Count; i++)
            if (history[i].Values is { } v && (best < 0 || (objective.Maximize ? v[k] > history[best].Values![k] : v[k] < history[best].Values![k]))) best = i;
        return best;
    }

    /// <summary>Indices of the successful evaluations on the Pareto front (objectives in their own directions).</summary>
    public static List<int> ParetoIndices(IReadOnlyList<Evaluation> history, IReadOnlyList<Objective> objectives)
    {
        var ok = history.Select((e, i) => (e, i)).Where(p => p.e.Succeeded).ToList();
        var points = ok.Select(p => p.e.Values!.Select((v, k) => objectives[k].Maximize ? -v : v).ToArray()).ToList();
        return ParetoFront.Indices(points).Select(j => ok[j].i).ToList();
    }

    private static object Summary(IReadOnlyList<Evaluation> history, OptimizationOptions o)
    {
        var s = o.Space;
        Dictionary<string, string> Design(Evaluation e) => s.ColumnNames.Select((n, c) => (n, v: s.Format(c, e.Design[c]))).ToDictionary(p => p.n, p => p.v);
        Dictionary<string, double> Values(Evaluation e) => o.Objectives.Select((ob, k) => (ob.Name, e.Values![k])).ToDictionary(p => p.Name, p => p.Item2);
        int best = BestIndex(history, o.Objectives[0]);
        return new
        {
            evaluations = history.Count,
            budget = o.Budget,
            batch = o.Batch,
            failed = history.Count(e => !e.Succeeded),
            seed = o.Optimizer.Seed,
            best = o.Objectives.Count == 1 && best >= 0 ? new { evaluation = history[best].Index, design = Design(history[best]), values = Values(history[best]) } : null,
            pareto = o.Objectives.Count > 1 ? ParetoIndices(history, o.Objectives).Select(i => new { evaluation = history[i].Index, design = Design(history[i]), values = Values(history[i]) }).ToList() : null,
        };
    }

    /// <summary>Each successful evaluation as a dot, the best value so far as a line, failures as marks on the bottom axis.</summary>
    public static string ConvergenceSvg(IReadOnlyList<Evaluation> history, Objective objective, int k)
    {
        var xs = new List<double>(); var ys = new List<double>(); var bx = new List<double>(); var by = new List<double>();
        double best = double.NaN;
        foreach (var e in history)
        {
            if (e.Values is not { } v) continue;
            double y = v[k];
            xs.Add(e.Index + 1); ys.Add(y);
            if (double.IsNaN(best) || (objective.Maximize ? y > best : y < best)) best = y;
            bx.Add(e.Index + 1); by.Add(best);
        }
        double lo = ys.Count > 0 ? ys.Min() : 0, hi = ys.Count > 0 ? ys.Max() : 1;
        double pad = 0.05 * Math.Max(hi - lo, 1e-12);
        int failed = history.Count(e => !e.Succeeded);
        var plot = new SvgPlot($"{objective.Name}: best so far", "evaluation", objective.Name,
            PlotAxis.Linear(0, Math.Max(1, history.Count), snapToTicks: false), PlotAxis.Linear(lo - pad, hi + pad, snapToTicks: false), 640, 420,
            subtitle: $"{(objective.Maximize ? "maximise" : "minimise")}; {history.Count} evaluations, {failed} failed; best {(double.IsNaN(best) ? "—" : best.ToString("G8", System.Globalization.CultureInfo.InvariantCulture))}");
        plot.AddScatter("#888", xs.ToArray(), ys.ToArray(), radius: 2.5, opacity: 0.6);
        plot.AddLine("best so far", "steelblue", bx, by);
        return plot.Render() + "\n";
    }

    /// <summary>Two objectives against each other: every successful evaluation, the non-dominated ones in red joined as a staircase.</summary>
    public static string ParetoSvg(IReadOnlyList<Evaluation> history, IReadOnlyList<Objective> objectives)
    {
        var ok = history.Where(e => e.Succeeded).ToList();
        var front = ParetoIndices(history, objectives).Select(i => history[i]).OrderBy(e => e.Values![0]).ToList();
        double[] f1 = ok.Select(e => e.Values![0]).ToArray(), f2 = ok.Select(e => e.Values![1]).ToArray();
        static PlotAxis Axis(double[] v)
        {
            double lo = v.Length > 0 ? v.Min() : 0, hi = v.Length > 0 ? v.Max() : 1, pad = 0.05 * Math.Max(hi - lo, 1e-12);
            return PlotAxis.Linear(lo - pad, hi + pad, snapToTicks: false);
        }
        var plot = new SvgPlot("Pareto front", $"{objectives[0].Name} ({(objectives[0].Maximize ? "max" : "min")})", $"{objectives[1].Name} ({(objectives[1].Maximize ? "max" : "min")})",
            Axis(f1), Axis(f2), 640, 420, subtitle: $"{ok.Count} evaluations, {front.Count} non-dominated");
        plot.AddScatter("#888", f1, f2, radius: 2.5, opacity: 0.6);
        var sx = new List<double>(); var sy = new List<double>();
        for (int i = 0; i < front.Count; i++)
        {
            if (i > 0) { sx.Add(front[i].Values![0]); sy.Add(front[i - 1].Values![1]); }
            sx.Add(front[i].Values![0]); sy.Add(front[i].Values![1]);
        }
        plot.AddLine("Pareto front", "#c0392b", sx, sy);
        plot.AddScatter("#c0392b", front.Select(e => e.Values![0]).ToArray(), front.Select(e => e.Values![1]).ToArray(), radius: 4, opacity: 1);
        return plot.Render() + "\n";
    }
}
