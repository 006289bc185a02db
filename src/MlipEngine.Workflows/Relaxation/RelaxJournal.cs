using MlipEngine.Workflows;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlipEngine.Workflows.Relaxation;

/// <summary>What `mlip relax` knows about one finished candidate: a summary row and its output frame.</summary>
public sealed record RelaxRecord
{
    public long Index { get; init; }
    public string Id { get; init; } = "";
    public string Source { get; init; } = "";
    public int Frame { get; init; }
    public string Formula { get; init; } = "";
    public int Atoms { get; init; }
    /// <summary>Potential energy, eV.</summary>
    public double Energy { get; init; } = double.NaN;
    public double EnergyPerAtom { get; init; } = double.NaN;
    /// <summary>Å³.</summary>
    public double Volume { get; init; } = double.NaN;
    public int Steps { get; init; }
    public int ForceCalls { get; init; }
    public bool Converged { get; init; }
    /// <summary>eV/Å.</summary>
    public double Fmax { get; init; } = double.NaN;
    /// <summary>eV/Å³ (stress residual relative to the target pressure).</summary>
    public double Smax { get; init; } = double.NaN;
    public double WallTime { get; init; }
    /// <summary>converged, not_converged, failed or unreadable.</summary>
    public string Status { get; init; } = "";
    public string Reason { get; init; } = "";
    /// <summary>The output frame as extxyz text, or null when there is no structure to write.</summary>
    public string? Xyz { get; init; }
}

/// <summary>
/// Finished candidates of an interrupted run, one JSON line each, appended and flushed as they finish,
/// beside the output (<c>OUTPUT.journal</c>). The first line fingerprints the command so a restart with
/// different options is refused instead of mixing results. A line cut short by an interruption is
/// dropped (and truncated away) when the journal is reopened.
/// </summary>
public sealed class RelaxJournal : IDisposable
{
    private readonly FileStream _stream;

    private RelaxJournal(string path, FileStream stream, Dictionary<long, RelaxRecord> done)
    {
        Path = path; _stream = stream; Finished = done;
    }

    public string Path { get; }
    /// <summary>Records from previous runs (and this one), by input index.</summary>
    public Dictionary<long, RelaxRecord> Finished { get; }
    public int Resumed { get; private set; }

    public static RelaxJournal Open(string path, string fingerprint)
    {
        var done = new Dictionary<long, RelaxRecord>();
        var stream = JsonLinesJournal.Open<RelaxRecord>(path, fingerprint,
            $"journal '{path}' was written by a different relax command (other input, potential or options); delete it to start over", r => done[r.Index] = r);
        return new RelaxJournal(path, stream, done) { Resumed = done.Count };
    }

    public void Append(RelaxRecord record)
    {
        Finished[record.Index] = record;
        JsonLinesJournal.Append(_stream, record);
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Closes and deletes the journal (after the final outputs are committed).</summary>
    public void Delete()
    {
        _stream.Dispose();
        File.Delete(Path);
    }
}
