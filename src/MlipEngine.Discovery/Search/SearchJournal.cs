using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
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
    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

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
        long goodLength = 0;
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            var bytes = File.ReadAllBytes(path);
            int start = 0, lineNo = 0;
            while (start < bytes.Length)
            {
                int nl = Array.IndexOf(bytes, (byte)'\n', start);
                if (nl < 0) break;   // last line incomplete
                var line = Encoding.UTF8.GetString(bytes, start, nl - start);
                if (lineNo == 0)
                {
                    var header = JsonSerializer.Deserialize<Header>(line, Json);
                    if (header?.Fingerprint != fingerprint)
                        throw new UsageException($"{path} was written by a search with other settings; use another output folder or delete the journal to start again");
                }
                else
                {
                    TrialRecord? rec;
                    try { rec = JsonSerializer.Deserialize<TrialRecord>(line, Json); }
                    catch (JsonException) { break; }
                    if (rec == null) break;
                    records.Add(rec);
                }
                lineNo++;
                start = nl + 1;
                goodLength = start;
            }
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        stream.SetLength(goodLength);
        stream.Position = goodLength;
        var journal = new SearchJournal(path, stream, records) { Resumed = records.Count };
        if (goodLength == 0) journal.WriteLine(JsonSerializer.Serialize(new Header { Fingerprint = fingerprint }, Json));
        return journal;
    }

    public void Add(TrialRecord record)
    {
        Records.Add(record);
        if (_stream != null) WriteLine(JsonSerializer.Serialize(record, Json));
    }

    private void WriteLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        _stream!.Write(bytes);
        _stream.Flush(flushToDisk: false);
    }

    public void Dispose() => _stream?.Dispose();

    private sealed class Header
    {
        public string Fingerprint { get; set; } = "";
    }
}
