using System.Globalization;
using MlipEngine.IO.Svg;
using MlipEngine.Workflows;

namespace MlipEngine.Discovery.Active;

/// <summary>The per-iteration table (<c>iterations.csv</c>) and the learning curve (<c>learning-curve.svg</c>) of an active-learning run.</summary>
public static class ActiveLearningOutputs
{
    public const string CsvHeader =
        "iteration,labels,train_min,test_energy_rmse_meV_atom,test_force_rmse_meV_A,test_spread_meV_A,spearman,coverage_1sigma,coverage_2sigma,calibration_set," +
        "explored,spread_mean_meV_A,spread_max_meV_A,in_band,above_band,replicas,halted_replicas,selected,filtered,label_failures,labelled,stop";

    /// <summary>The finished iterations of a run folder (its <c>iterations.jsonl</c>, header skipped).</summary>
    public static List<IterationRecord> ReadRecords(string runDirectory)
    {
        string path = Path.Combine(runDirectory, "iterations.jsonl");
        if (!File.Exists(path)) throw new UsageException($"{path} not found (not an active-learn output folder?)");
        return File.ReadLines(path).Skip(1).Where(l => l.Length > 0)
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<IterationRecord>(l, JsonLinesJournal.Json)!).ToList();
    }

    public static void WriteCsv(string path, IReadOnlyList<IterationRecord> records)
    {
        using var sink = new AtomicFileWriter(path);
        sink.Writer.WriteLine(CsvHeader);
        static string G(double v) => double.IsFinite(v) ? v.ToString("G5", CultureInfo.InvariantCulture) : "";
        foreach (var r in records)
            sink.Writer.WriteLine(string.Join(",", r.Iteration, r.Labels, G(r.TrainMinutes), G(r.TestEnergyRmse), G(r.TestForceRmse), G(r.TestSpread), G(r.Spearman),
                G(r.Coverage1), G(r.Coverage2), r.CalibrationSet, r.Explored, G(r.SpreadMean), G(r.SpreadMax), r.InBand, r.AboveBand, r.Replicas, r.HaltedReplicas,
                r.Selected, r.Filtered, r.LabelFailures, r.Labelled, r.Stop.Contains(',') ? $"\"{r.Stop}\"" : r.Stop));
        sink.Commit();
    }

    /// <summary>One run's learning curve (test force RMSE and the committee's mean spread against labelled frames).</summary>
    public static void WriteLearningCurve(string path, IReadOnlyList<IterationRecord> records, string name) =>
        WriteLearningCurves(path, [(name, records)], "active learning: error against labels");

    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

    /// <summary>
    /// Several runs on one chart (e.g. committee against random selection): for each, the test force RMSE of the
    /// committee mean (solid) and the mean largest force spread on the test set (dashed; the spread on explored
    /// frames where there is no test set), meV/Å on a log axis, against the number of labelled frames.
    /// </summary>
    public static void WriteLearningCurves(string path, IReadOnlyList<(string Name, IReadOnlyList<IterationRecord> Records)> runs, string title)
    {
        var all = runs.SelectMany(r => r.Records).ToList();
        double Spread(IterationRecord r) => double.IsFinite(r.TestSpread) ? r.TestSpread : r.SpreadMean;
        var ys = all.SelectMany(r => new[] { r.TestForceRmse, Spread(r) }).Where(v => v > 0 && double.IsFinite(v)).ToList();
        var x = PlotAxis.Linear(0, Math.Max(1, all.Count > 0 ? all.Max(r => r.Labels) : 1));
        var y = ys.Count > 0 ? PlotAxis.Log(ys.Min(), ys.Max()) : PlotAxis.Log(1, 100);
        var plot = new SvgPlot(title, "labelled frames", "force (meV/Å)", x, y, 560, 380, "solid: test RMSE of the committee mean; dashed: committee spread");
        for (int k = 0; k < runs.Count; k++)
        {
            var (name, records) = runs[k];
            string color = Colors[k % Colors.Length];
            var xs = records.Select(r => (double)r.Labels).ToList();
            if (records.Any(r => double.IsFinite(r.TestForceRmse))) plot.AddLine($"{name}: RMSE", color, xs, records.Select(r => r.TestForceRmse).ToList(), markers: true);
            plot.AddLine($"{name}: spread", color, xs, records.Select(Spread).ToList(), markers: true, dashed: true);
        }
        using var sink = new AtomicFileWriter(path);
        sink.Writer.Write(plot.Render());
        sink.Commit();
    }
}
