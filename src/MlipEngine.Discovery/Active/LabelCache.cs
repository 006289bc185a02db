using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Workflows;

namespace MlipEngine.Discovery.Active;

/// <summary>One label as the cache keeps it: the structure's key, the label (or the failure) and its cost.</summary>
public sealed record LabelRecord
{
    public string Key { get; init; } = "";
    public int Iteration { get; init; }
    public double Energy { get; init; } = double.NaN;
    /// <summary>x, y, z per atom, eV/Å; null for a failure.</summary>
    public double[]? Forces { get; init; }
    /// <summary>9 components, eV/Å³; null when the oracle gave none.</summary>
    public double[]? Stress { get; init; }
    public string? Error { get; init; }
    public double Seconds { get; init; }

    public LabelOutcome ToOutcome()
    {
        if (Error is not null || Forces is null) return LabelOutcome.Failure(Error ?? "no forces", Seconds);
        var f = new Vec3[Forces.Length / 3];
        for (int i = 0; i < f.Length; i++) f[i] = new Vec3(Forces[3 * i], Forces[3 * i + 1], Forces[3 * i + 2]);
        return new LabelOutcome(Energy, f, Stress, null, Seconds);
    }
}

/// <summary>
/// Every label asked of the oracle, successful or failed, one JSON line each (<c>labels.jsonl</c>), keyed by
/// the structure: a resumed run (or a later iteration meeting the same geometry) reads the label back instead
/// of recomputing it, and a failed geometry is not retried. The journal's fingerprint is the labeller's
/// identity, so labels of another oracle are refused rather than mixed in.
/// </summary>
public sealed class LabelCache : IDisposable
{
    private readonly FileStream? _stream;
    private readonly Dictionary<string, LabelRecord> _records = new(StringComparer.Ordinal);

    private LabelCache(FileStream? stream) { _stream = stream; }

    public int Count => _records.Count;
    public IEnumerable<LabelRecord> Records => _records.Values;

    public static LabelCache InMemory() => new(null);

    public static LabelCache Open(string path, string labellerIdentity)
    {
        LabelCache? cache = null;
        var records = new List<LabelRecord>();
        var stream = JsonLinesJournal.Open<LabelRecord>(path, Fingerprint(labellerIdentity),
            $"{path} holds labels of another labeller; use another output folder or delete it to relabel", records.Add);
        cache = new LabelCache(stream);
        foreach (var r in records) cache._records[r.Key] = r;
        return cache;
    }

    public bool TryGet(AtomicStructure s, out LabelRecord record) => _records.TryGetValue(Key(s), out record!);

    /// <summary>Labels <paramref name="s"/> with <paramref name="labeller"/> unless the cache has it; records the outcome either way.</summary>
    public (LabelOutcome Outcome, bool Cached) GetOrLabel(AtomicStructure s, ILabeller labeller, int iteration, CancellationToken cancel = default)
    {
        string key = Key(s);
        if (_records.TryGetValue(key, out var known)) return (known.ToOutcome(), true);
        var outcome = labeller.Label(s, cancel);
        if (cancel.IsCancellationRequested && outcome.Failed) return (outcome, false);   // not a property of the geometry: not recorded
        var record = new LabelRecord
        {
            Key = key, Iteration = iteration, Energy = outcome.Energy, Error = outcome.Error, Seconds = outcome.Seconds, Stress = outcome.Stress,
            Forces = outcome.Forces?.SelectMany(f => new[] { f.X, f.Y, f.Z }).ToArray(),
        };
        _records[key] = record;
        if (_stream != null) JsonLinesJournal.Append(_stream, record);
        return (outcome, false);
    }

    /// <summary>
    /// SHA-256 (first 24 hex digits) of species, positions and cell rounded to 10⁻⁶ Å (so a frame read back from
    /// an extxyz file has the key it had in memory) and periodicity.
    /// </summary>
    public static string Key(AtomicStructure s)
    {
        var text = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        for (int i = 0; i < s.AtomCount; i++)
            text.Append(s.Numbers[i]).Append(' ').Append(s.Positions[i].X.ToString("F6", ci)).Append(' ').Append(s.Positions[i].Y.ToString("F6", ci)).Append(' ').Append(s.Positions[i].Z.ToString("F6", ci)).Append('\n');
        var m = s.Cell.Matrix;
        foreach (var row in new[] { m.Row(0), m.Row(1), m.Row(2) }) text.Append(row.X.ToString("F6", ci)).Append(' ').Append(row.Y.ToString("F6", ci)).Append(' ').Append(row.Z.ToString("F6", ci)).Append('\n');
        text.Append(s.Cell.PeriodicA).Append(s.Cell.PeriodicB).Append(s.Cell.PeriodicC);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24];
    }

    private static string Fingerprint(string identity) => "labeller:" + identity;

    public void Dispose() => _stream?.Dispose();
}
