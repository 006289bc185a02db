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
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

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
        long goodLength = 0;
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists)
        {
            var bytes = File.ReadAllBytes(path);
            int start = 0, lineNo = 0;
            while (start < bytes.Length)
            {
                int nl = Array.IndexOf(bytes, (byte)'\n', start);
                if (nl < 0) break; // last line incomplete
                var line = Encoding.UTF8.GetString(bytes, start, nl - start);
                if (lineNo == 0)
                {
                    var header = JsonSerializer.Deserialize<Header>(line, Json);
                    if (header?.Fingerprint != fingerprint)
                        throw new UsageException($"journal '{path}' was written by a different relax command (other input, potential or options); delete it to start over");
                }
                else
                {
                    RelaxRecord? r;
                    try { r = JsonSerializer.Deserialize<RelaxRecord>(line, Json); }
                    catch (JsonException) { break; }
                    if (r == null) break;
                    done[r.Index] = r;
                }
                lineNo++;
                start = nl + 1;
                goodLength = start;
            }
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        stream.SetLength(goodLength);
        stream.Seek(0, SeekOrigin.End);
        var journal = new RelaxJournal(path, stream, done) { Resumed = done.Count };
        if (goodLength == 0) journal.WriteLine(JsonSerializer.Serialize(new Header { Fingerprint = fingerprint }, Json));
        return journal;
    }

    public void Append(RelaxRecord record)
    {
        Finished[record.Index] = record;
        WriteLine(JsonSerializer.Serialize(record, Json));
    }

    private void WriteLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        _stream.Write(bytes);
        _stream.Flush(); // to the OS: survives a killed process (fsync per candidate would cost more than small relaxations)
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Closes and deletes the journal (after the final outputs are committed).</summary>
    public void Delete()
    {
        _stream.Dispose();
        File.Delete(Path);
    }

    private sealed record Header
    {
        public string Fingerprint { get; init; } = "";
    }
}
