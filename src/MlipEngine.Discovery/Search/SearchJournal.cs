using MlipEngine.Workflows;

namespace MlipEngine.Discovery.Search;

/// <summary>
/// Finished trials of a search, one JSON line each, appended and flushed as they finish
/// (<c>OUTPUT/journal.jsonl</c>). The first line fingerprints what determines the trials (potential,
/// composition, generator, mode, seed, relaxation, basin hopping), so a restart with other settings is
/// refused instead of mixing results; the budget (<c>trials</c>) and <c>stop_energy</c> may change, so a
/// finished search can be extended. A line cut short by an interruption is dropped and truncated away.
/// </summary>
public sealed class SearchJournal : IDisposable
{
    private readonly FileStream? _stream;

    private SearchJournal(string? path, FileStream? stream, List<TrialRecord> records)
    {
        Path = path; _stream = stream; Records = records;
    }

    public string? Path { get; }
    /// <summary>Every finished trial (from earlier runs, then this one), in completion order.</summary>
    public List<TrialRecord> Records { get; }
    /// <summary>Trials read back from an earlier run.</summary>
    public int Resumed { get; private set; }

    /// <summary>A journal that only keeps records in memory.</summary>
    public static SearchJournal InMemory() => new(null, null, new List<TrialRecord>());

    public static SearchJournal Open(string path, string fingerprint)
    {
        var records = new List<TrialRecord>();
        var stream = JsonLinesJournal.Open<TrialRecord>(path, fingerprint,
            $"{path} was written by a search with other settings; use another output folder or delete the journal to start again", records.Add);
        return new SearchJournal(path, stream, records) { Resumed = records.Count };
    }

    public void Add(TrialRecord record)
    {
        Records.Add(record);
        if (_stream != null) JsonLinesJournal.Append(_stream, record);
    }

    public void Dispose() => _stream?.Dispose();
}
