using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlipEngine.Workflows;

/// <summary>
/// The append-only journal behind resumable runs (<c>mlip relax</c>, <c>mlip search</c>): a first line
/// <c>{"fingerprint": …}</c> naming the run's inputs and settings, then one JSON record per finished unit of
/// work. Reopening reads every complete record back, refuses a journal of other settings, and truncates a
/// line cut short by an interruption; each record is flushed to the OS as it is written, so a killed
/// process loses at most the unit of work in flight.
/// </summary>
public static class JsonLinesJournal
{
    /// <summary>snake_case names, NaN/∞ allowed (a failed unit may carry them).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private sealed record Header
    {
        public string Fingerprint { get; init; } = "";
    }

    /// <summary>
    /// Opens (or creates) the journal at <paramref name="path"/> for appending: each complete record of an
    /// earlier run goes to <paramref name="add"/>; a header of another fingerprint throws
    /// <see cref="UsageException"/> with <paramref name="mismatch"/>. Returns the stream positioned after the
    /// last complete line, with the header written when the journal is new.
    /// </summary>
    public static FileStream Open<TRecord>(string path, string fingerprint, string mismatch, Action<TRecord> add) where TRecord : class =>
        OpenLines(path, JsonSerializer.Serialize(new Header { Fingerprint = fingerprint }, Json),
            header => JsonSerializer.Deserialize<Header>(header, Json)?.Fingerprint == fingerprint ? null : mismatch,
            line =>
            {
                TRecord? record;
                try { record = JsonSerializer.Deserialize<TRecord>(line, Json); }
                catch (JsonException) { return false; }
                if (record == null) return false;
                add(record);
                return true;
            });

    /// <summary>
    /// The line discipline under any append-only journal (JSON lines here, <c>history.csv</c> of <c>mlip optimize</c>):
    /// reads the complete lines of <paramref name="path"/>; the first goes to <paramref name="checkHeader"/> (a
    /// non-null answer is thrown as <see cref="UsageException"/>), each later one to <paramref name="addRecord"/>
    /// until it refuses one. Returns the stream positioned after the last accepted line, the rest truncated, with
    /// <paramref name="headerLine"/> written when the journal is new.
    /// </summary>
    public static FileStream OpenLines(string path, string headerLine, Func<string, string?> checkHeader, Func<string, bool> addRecord)
    {
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
                    if (checkHeader(line) is string mismatch) throw new UsageException(mismatch);
                }
                else if (!addRecord(line)) break;
                lineNo++;
                start = nl + 1;
                goodLength = start;
            }
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        stream.SetLength(goodLength);
        stream.Position = goodLength;
        if (goodLength == 0) { stream.Write(Encoding.UTF8.GetBytes(headerLine + "\n")); stream.Flush(); }
        return stream;
    }

    /// <summary>
    /// Removes the last record line of a journal opened by <see cref="Open{TRecord}"/> (a run reopening its last unit of
    /// work); the header stays. The stream is left at the new end.
    /// </summary>
    public static void DropLast(FileStream stream)
    {
        long end = stream.Length;   // every line, the last included, ends with '\n'
        if (end == 0) return;
        var one = new byte[1];
        long start = end - 1;       // walk back from the last line's newline to the one before it
        while (start > 0)
        {
            stream.Position = start - 1;
            stream.ReadExactly(one);
            if (one[0] == (byte)'\n') break;
            start--;
        }
        if (start == 0) return;     // only the header: nothing to drop
        stream.SetLength(start);
        stream.Position = start;
        stream.Flush();
    }

    /// <summary>Writes one record as a line and flushes it to the OS (an fsync per record would cost more than small units of work).</summary>
    public static void Append<TRecord>(FileStream stream, TRecord record)
    {
        stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json) + "\n"));
        stream.Flush();
    }
}
