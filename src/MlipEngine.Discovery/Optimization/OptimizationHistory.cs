using System.Globalization;
using System.Text;
using MlipEngine.Workflows;

namespace MlipEngine.Discovery.Optimization;

/// <summary>
/// <c>history.csv</c>, the journal of an optimisation: a header naming the design's value columns and the
/// objectives, then one row per finished evaluation, appended and flushed as it finishes:
/// <c>evaluation,batch,status,&lt;design columns&gt;,&lt;objectives&gt;,best,seconds,message</c>
/// (status <c>ok</c> or <c>failed</c>; <c>best</c> is the best value so far of a single objective). Reopening
/// reads every complete row back, so a run continues where it stopped; a header of another space or other
/// objectives is refused, and a row cut short by an interruption is dropped and truncated away.
/// </summary>
public sealed class OptimizationHistory : IDisposable
{
    private readonly FileStream? _stream;
    private readonly DesignSpace _space;
    private readonly IReadOnlyList<Objective> _objectives;

    private OptimizationHistory(string? path, FileStream? stream, DesignSpace space, IReadOnlyList<Objective> objectives, List<Evaluation> records)
    {
        Path = path; _stream = stream; _space = space; _objectives = objectives; Evaluations = records;
    }

    public string? Path { get; }
    public List<Evaluation> Evaluations { get; }
    public int Resumed { get; private set; }

    public static string Header(DesignSpace space, IReadOnlyList<Objective> objectives) =>
        string.Join(",", ["evaluation", "batch", "status", .. space.ColumnNames, .. objectives.Select(o => o.Name), "best", "seconds", "message"]);

    public static OptimizationHistory InMemory(DesignSpace space, IReadOnlyList<Objective> objectives) => new(null, null, space, objectives, []);

    public static OptimizationHistory Open(string path, DesignSpace space, IReadOnlyList<Objective> objectives)
    {
        string header = Header(space, objectives);
        var records = new List<Evaluation>();
        var stream = JsonLinesJournal.OpenLines(path, header,
            h => h == header ? null : $"{path} was written by an optimisation of another design space or other objectives; use another output folder or delete it to start again",
            line => Parse(line, space, objectives.Count) is { } e && Add(records, e));
        return new OptimizationHistory(path, stream, space, objectives, records) { Resumed = records.Count };
    }

    private static bool Add(List<Evaluation> records, Evaluation e) { records.Add(e); return true; }

    private static Evaluation? Parse(string line, DesignSpace space, int objectives)
    {
        var f = line.Split(',');
        int cols = space.ColumnNames.Count;
        if (f.Length != 3 + cols + objectives + 3) return null;
        var ci = CultureInfo.InvariantCulture;
        if (!int.TryParse(f[0], ci, out int index) || !int.TryParse(f[1], ci, out int batch)) return null;
        var design = new double[cols];
        for (int c = 0; c < cols; c++) if (!space.TryParse(c, f[3 + c], out design[c])) return null;
        double[]? values = null;
        if (f[2] == "ok")
        {
            values = new double[objectives];
            for (int o = 0; o < objectives; o++) if (!double.TryParse(f[3 + cols + o], NumberStyles.Float, ci, out values[o])) return null;
        }
        else if (f[2] != "failed") return null;
        double.TryParse(f[^2], NumberStyles.Float, ci, out double seconds);
        return new Evaluation(index, batch, design, values, seconds, f[^1].Length > 0 ? f[^1] : null);
    }

    /// <summary>Best value so far of objective 0 in its own direction (NaN before the first success).</summary>
    public double BestSoFar(int objective = 0)
    {
        bool max = _objectives[objective].Maximize;
        double best = double.NaN;
        foreach (var e in Evaluations)
            if (e.Values is { } v && (double.IsNaN(best) || (max ? v[objective] > best : v[objective] < best))) best = v[objective];
        return best;
    }

    public void Add(Evaluation e)
    {
        Evaluations.Add(e);
        if (_stream == null) return;
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(e.Index.ToString(ci)).Append(',').Append(e.Batch.ToString(ci)).Append(',').Append(e.Succeeded ? "ok" : "failed");
        for (int c = 0; c < e.Design.Length; c++) sb.Append(',').Append(_space.Format(c, e.Design[c]));
        for (int o = 0; o < _objectives.Count; o++) sb.Append(',').Append(e.Values is { } v ? v[o].ToString("R", ci) : "");
        string best = _objectives.Count == 1 && !double.IsNaN(BestSoFar()) ? BestSoFar().ToString("R", ci) : "";
        sb.Append(',').Append(best).Append(',').Append(e.Seconds.ToString("F3", ci)).Append(',');
        // The message is free text from the objective: no separators or line breaks in a CSV field.
        if (e.Message != null) sb.Append(e.Message.Replace(',', ';').Replace('\n', ' ').Replace('\r', ' ').Replace('"', '\''));
        sb.Append('\n');
        _stream.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        _stream.Flush();
    }

    public void Dispose() => _stream?.Dispose();
}
