using System.Globalization;
using System.Text;
using MlipEngine.IO.Svg;

namespace MlipEngine.Training.Reports;

/// <summary>What goes into a <see cref="TrainingReport"/>.</summary>
public sealed record TrainingReportContent
{
    /// <summary>Heading of the page (e.g. the run name).</summary>
    public required string Title { get; init; }

    /// <summary>Per-epoch log, in epoch order (may include epochs from before a resume, see <see cref="EpochTable.Read"/>).</summary>
    public required IReadOnlyList<EpochRecord> Epochs { get; init; }

    /// <summary>Parity plots, one section per data set (validation, test).</summary>
    public IReadOnlyList<ParitySection> Parity { get; init; } = [];

    /// <summary>Free-form facts listed at the top (model, data files, parameter count, wall time…).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Summary { get; init; } = [];

    /// <summary>Most points drawn per parity plot (the statistics always use every point). Keeps the file a few MB at most.</summary>
    public int MaxParityPoints { get; init; } = 5000;

    /// <summary>Seed of the subsample choice, so the same run gives the same file.</summary>
    public int SubsampleSeed { get; init; }
}

/// <summary>
/// Writes the end-of-training report: one self-contained HTML file (inline SVG, no scripts, no network) with
/// learning curves — energy, force (and stress) RMSE on training and validation sets, loss, learning rate,
/// all on log axes versus epoch — and parity plots (predicted vs reference, with the diagonal and MAE/RMSE).
/// </summary>
public static class TrainingReport
{
    private const string TrainColor = "#1f77b4", ValidColor = "#d62728", RateColor = "#2ca02c", PointColor = "#1f4e9a";
    /// <summary>The largest-error points always drawn, so outliers stay visible after subsampling.</summary>
    private const int WorstPointsKept = 50;

    /// <summary>Writes the report to <paramref name="path"/> (through a temporary file and a rename).</summary>
    public static void Write(string path, TrainingReportContent content)
    {
        string html = ToHtml(content);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        File.WriteAllText(temp, html, new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The report as an HTML string.</summary>
    public static string ToHtml(TrainingReportContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>").Append(Esc(content.Title)).Append("</title>\n")
            .Append("<style>\nbody{font-family:sans-serif;margin:24px;color:#222}\n.plots{display:flex;flex-wrap:wrap;gap:12px}\n")
            .Append("table{border-collapse:collapse;margin:8px 0}\ntd,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\nth:first-child,td:first-child{text-align:left}\n</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Esc(content.Title)).Append("</h1>\n");

        AppendSummary(html, content);
        if (content.Epochs.Count > 0)
        {
            html.Append("<h2>Learning curves</h2>\n<div class=\"plots\">\n");
            foreach (string svg in LearningCurves(content.Epochs)) html.Append(svg).Append('\n');
            html.Append("</div>\n");
        }
        foreach (var section in content.Parity)
        {
            html.Append("<h2>Parity: ").Append(Esc(section.SetName)).Append(" set</h2>\n<div class=\"plots\">\n");
            foreach (var quantity in section.Quantities)
                html.Append(ParityPlot(quantity, section.SetName, content.MaxParityPoints, content.SubsampleSeed)).Append('\n');
            html.Append("</div>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendSummary(StringBuilder html, TrainingReportContent content)
    {
        var epochs = content.Epochs;
        html.Append("<table class=\"summary\">\n");
        foreach (var (key, value) in content.Summary)
            html.Append("<tr><th>").Append(Esc(key)).Append("</th><td>").Append(Esc(value)).Append("</td></tr>\n");
        if (epochs.Count > 0)
        {
            var best = epochs[0];
            double seconds = 0;
            foreach (var e in epochs)
            {
                if (e.ValidationLoss < best.ValidationLoss || double.IsNaN(best.ValidationLoss)) best = e;
                seconds += e.Seconds;
            }
            html.Append("<tr><th>Epochs</th><td>").Append(epochs.Count).Append("</td></tr>\n")
                .Append("<tr><th>Best validation loss</th><td>").Append(G(best.ValidationLoss)).Append(" (epoch ").Append(best.Epoch).Append(")</td></tr>\n")
                .Append("<tr><th>Training time</th><td>").Append(G(seconds / 60)).Append(" min</td></tr>\n");
        }
        html.Append("</table>\n");
        if (epochs.Count == 0) return;

        var last = epochs[^1];
        html.Append("<table class=\"errors\">\n<tr><th>epoch ").Append(last.Epoch).Append("</th><th>E MAE (meV/atom)</th><th>E RMSE (meV/atom)</th><th>F MAE (meV/Å)</th><th>F RMSE (meV/Å)</th><th>S MAE (meV/Å³)</th><th>S RMSE (meV/Å³)</th></tr>\n");
        foreach (var (name, e) in new[] { ("training", last.Train), ("validation", last.Validation) })
            html.Append("<tr><td>").Append(name).Append("</td><td>").Append(G(e.EnergyMae)).Append("</td><td>").Append(G(e.EnergyRmse))
                .Append("</td><td>").Append(G(e.ForceMae)).Append("</td><td>").Append(G(e.ForceRmse))
                .Append("</td><td>").Append(e.StressMae is { } sm ? G(sm) : "–").Append("</td><td>").Append(e.StressRmse is { } sr ? G(sr) : "–").Append("</td></tr>\n");
        html.Append("</table>\n");
    }

    /// <summary>Energy, force (and stress) RMSE, loss and learning rate versus epoch, each on a log y axis.</summary>
    internal static List<string> LearningCurves(IReadOnlyList<EpochRecord> epochs)
    {
        int n = epochs.Count;
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = epochs[i].Epoch;
        double[] Select(Func<EpochRecord, double> f) { var y = new double[n]; for (int i = 0; i < n; i++) y[i] = f(epochs[i]); return y; }
        bool hasStress = false;
        foreach (var e in epochs) hasStress |= e.Train.StressRmse.HasValue || e.Validation.StressRmse.HasValue;

        var plots = new List<string>
        {
            TrainValidPlot("Energy RMSE", "RMSE (meV/atom)", x, Select(e => e.Train.EnergyRmse), Select(e => e.Validation.EnergyRmse)),
            TrainValidPlot("Force RMSE", "RMSE (meV/Å)", x, Select(e => e.Train.ForceRmse), Select(e => e.Validation.ForceRmse)),
        };
        if (hasStress)
            plots.Add(TrainValidPlot("Stress RMSE", "RMSE (meV/Å³)", x, Select(e => e.Train.StressRmse ?? double.NaN), Select(e => e.Validation.StressRmse ?? double.NaN)));
        plots.Add(TrainValidPlot("Loss", "loss", x, Select(e => e.TrainLoss), Select(e => e.ValidationLoss)));

        var rate = Select(e => e.LearningRate);
        var (lo, hi) = PositiveRange(rate, rate);
        var lr = new SvgPlot("Learning rate", "epoch", "learning rate", EpochAxis(x), PlotAxis.Log(lo, hi));
        lr.AddLine("learning rate", RateColor, x, rate, markers: n <= 40);
        plots.Add(lr.Render());
        return plots;
    }

    private static string TrainValidPlot(string title, string yLabel, double[] x, double[] train, double[] valid)
    {
        var (lo, hi) = PositiveRange(train, valid);
        var plot = new SvgPlot(title, "epoch", yLabel, EpochAxis(x), PlotAxis.Log(lo, hi));
        plot.AddLine("training", TrainColor, x, train, markers: x.Length <= 40);
        plot.AddLine("validation", ValidColor, x, valid, markers: x.Length <= 40);
        return plot.Render();
    }

    private static PlotAxis EpochAxis(double[] x) => PlotAxis.Linear(x.Length > 0 ? x[0] : 0, x.Length > 0 ? Math.Max(x[^1], x[0] + 1) : 1, snapToTicks: false);

    private static (double Lo, double Hi) PositiveRange(double[] a, double[] b)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var arr in (ReadOnlySpan<double[]>)[a, b])
            foreach (double v in arr)
                if (v > 0 && double.IsFinite(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        return double.IsFinite(lo) ? (lo, hi) : (0.1, 1);
    }

    /// <summary>
    /// Predicted vs reference with equal axes and the diagonal; MAE and RMSE over all finite pairs in the title.
    /// When there are more than <paramref name="maxPoints"/> pairs, the drawn points are the
    /// <see cref="WorstPointsKept"/> largest errors plus a seeded uniform sample of the rest (uniform, not a
    /// stride: a stride through x, y, z force components would alias onto one component).
    /// </summary>
    internal static string ParityPlot(ParityData data, string setName, int maxPoints, int seed)
    {
        var stats = ParityStatistics.Of(data);
        int[] drawn = ChoosePoints(data, Math.Max(1, maxPoints), seed);

        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = 0; i < data.Reference.Length; i++)
        {
            double r = data.Reference[i], p = data.Predicted[i];
            if (!double.IsFinite(r) || !double.IsFinite(p)) continue;
            lo = Math.Min(lo, Math.Min(r, p));
            hi = Math.Max(hi, Math.Max(r, p));
        }
        if (!double.IsFinite(lo)) (lo, hi) = (0, 1);
        var axis = PlotAxis.Linear(lo, hi);

        string title = $"{data.Quantity} ({setName})";
        string subtitle = $"MAE {G(stats.Mae)}, RMSE {G(stats.Rmse)} {data.ErrorUnit} · n = {stats.Count}"
            + (drawn.Length < stats.Count ? $" ({drawn.Length} drawn)" : "") + (stats.Skipped > 0 ? $" · {stats.Skipped} non-finite skipped" : "");
        var plot = new SvgPlot(title, $"reference ({data.Unit})", $"predicted ({data.Unit})", axis, axis, width: 460, height: 460, subtitle: subtitle);
        plot.AddDiagonal();
        var xs = new double[drawn.Length];
        var ys = new double[drawn.Length];
        for (int k = 0; k < drawn.Length; k++) { xs[k] = data.Reference[drawn[k]]; ys[k] = data.Predicted[drawn[k]]; }
        plot.AddScatter(PointColor, xs, ys);
        return plot.Render();
    }

    /// <summary>Indices (ascending) of the finite pairs to draw: all of them, or at most <paramref name="maxPoints"/>.</summary>
    internal static int[] ChoosePoints(ParityData data, int maxPoints, int seed)
    {
        var finite = new List<int>(data.Reference.Length);
        for (int i = 0; i < data.Reference.Length; i++)
            if (double.IsFinite(data.Reference[i]) && double.IsFinite(data.Predicted[i])) finite.Add(i);
        if (finite.Count <= maxPoints) return finite.ToArray();

        // Largest |error| first, then a partial Fisher–Yates shuffle of the remainder.
        var order = finite.ToArray();
        var error = new double[order.Length];
        for (int k = 0; k < order.Length; k++) error[k] = -Math.Abs(data.Predicted[order[k]] - data.Reference[order[k]]);
        Array.Sort(error, order);
        int worst = Math.Min(WorstPointsKept, maxPoints / 10);
        var rng = new Random(seed);
        for (int k = worst; k < maxPoints; k++)
        {
            int j = rng.Next(k, order.Length);
            (order[k], order[j]) = (order[j], order[k]);
        }
        var chosen = order[..maxPoints];
        Array.Sort(chosen);
        return chosen;
    }

    private static string G(double v) => double.IsNaN(v) ? "–" : v.ToString("G4", CultureInfo.InvariantCulture);
    private static string Esc(string s) => SvgPlot.Escape(s);
}
