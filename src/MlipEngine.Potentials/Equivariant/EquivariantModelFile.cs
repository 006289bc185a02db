using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// The .mlip model file: self-describing, versioned, checksummed.
/// <code>
///   bytes 0–7    magic "MLIPMDL\0"
///   bytes 8–11   format version (uint32 LE): 1, 2 when the header carries a "repulsion" core, 3 when the core has a density fade,
///                4 when the fade has edge energies
///   bytes 12–15  header length H (uint32 LE)
///   H bytes      UTF-8 JSON header: kind, hyperparameters, species, e0, units, cutoff, tensors [{name, shape}],
///                optionally repulsion {type: "zbl", inner: [ns×ns Å], outer: [ns×ns Å]} (version 2),
///                with density_max: [ns] and density_width: w (version 3), and density_energy: [ns eV] (version 4)
///   bytes        payload length P (uint64 LE) = 8 × parameter count
///   P bytes      every parameter as IEEE-754 float64 little-endian, tensors in header order
///   32 bytes     SHA-256 over (header ‖ payload)
/// </code>
/// Reading checks magic, version, lengths, checksum and that the header's architecture has exactly the
/// listed tensors; every failure is a <see cref="PotentialFileException"/> naming the file.
/// </summary>
public static class EquivariantModelFile
{
    /// <summary>The newest version this build reads; files without a repulsion core are written as version 1
    /// so that older builds keep reading them, and a core forces version 2 so that no older build can read
    /// the model while silently dropping its repulsion; a core with a density fade forces version 3, and a fade with edge energies
    /// version 4, for the same reason.</summary>
    public const int Version = 4;
    private static readonly byte[] Magic = "MLIPMDL\0"u8.ToArray();

    public static void Write(EquivariantModel model, string path)
    {
        var h = model.Hyper;
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("kind", "equivariant");
            w.WriteStartObject("units"); w.WriteString("energy", "eV"); w.WriteString("length", "Angstrom"); w.WriteEndObject();
            w.WriteStartArray("species"); foreach (var s in h.Species) w.WriteStringValue(s); w.WriteEndArray();
            w.WriteStartArray("e0"); foreach (var e in model.E0) w.WriteNumberValue(e); w.WriteEndArray();
            w.WriteNumber("cutoff", h.Cutoff);
            w.WriteNumber("num_bessel", h.NumBessel);
            w.WriteNumber("envelope_p", h.EnvelopeExponent);
            w.WriteStartArray("radial_hidden"); foreach (var x in h.RadialHidden) w.WriteNumberValue(x); w.WriteEndArray();
            w.WriteNumber("channels", h.Channels);
            w.WriteNumber("hidden_lmax", h.HiddenLMax);
            w.WriteNumber("sh_lmax", h.ShLMax);
            w.WriteNumber("correlation", h.Correlation);
            w.WriteNumber("layers", h.Layers);
            w.WriteNumber("readout_hidden", h.ReadoutHidden);
            w.WriteNumber("avg_neighbors", h.AvgNeighbors);
            w.WriteBoolean("residual", h.Residual);
            if (h.Repulsion is { } rep)
            {
                w.WriteStartObject("repulsion");
                w.WriteString("type", "zbl");
                w.WriteStartArray("inner"); foreach (var x in rep.Inner) w.WriteNumberValue(x); w.WriteEndArray();
                w.WriteStartArray("outer"); foreach (var x in rep.Outer) w.WriteNumberValue(x); w.WriteEndArray();
                if (rep.DensityMax is { } nmax)
                {
                    w.WriteStartArray("density_max"); foreach (var x in nmax) w.WriteNumberValue(x); w.WriteEndArray();
                    w.WriteNumber("density_width", rep.DensityWidth);
                    if (rep.DensityEnergy is { } c) { w.WriteStartArray("density_energy"); foreach (var x in c) w.WriteNumberValue(x); w.WriteEndArray(); }
                }
                w.WriteEndObject();
            }
            w.WriteStartArray("tensors");
            foreach (var t in model.Tensors)
            {
                w.WriteStartObject(); w.WriteString("name", t.Name);
                w.WriteStartArray("shape"); foreach (int d in t.Shape) w.WriteNumberValue(d); w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        byte[] header = json.ToArray();
        byte[] payload = new byte[8L * model.Parameters.Length];
        for (int k = 0; k < model.Parameters.Length; k++) BinaryPrimitives.WriteDoubleLittleEndian(payload.AsSpan(8 * k), model.Parameters[k]);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(header); sha.AppendData(payload);
        byte[] digest = sha.GetHashAndReset();

        string full = Path.GetFullPath(path);
        string temp = full + $".{Environment.ProcessId}.tmp";
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> word = stackalloc byte[8];
            f.Write(Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(word, h.Repulsion is null ? 1u : h.Repulsion.DensityMax is null ? 2u : h.Repulsion.DensityEnergy is null ? 3u : 4u); f.Write(word[..4]);
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)header.Length); f.Write(word[..4]);
            f.Write(header);
            BinaryPrimitives.WriteUInt64LittleEndian(word, (ulong)payload.Length); f.Write(word);
            f.Write(payload);
            f.Write(digest);
        }
        File.Move(temp, full, overwrite: true);
    }

    public static EquivariantModel Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' not found", path);
        byte[] all = File.ReadAllBytes(path);
        PotentialFileException Bad(string why) => PotentialFileException.At(path, 0, why);
        if (all.Length < 16 || !all.AsSpan(0, 8).SequenceEqual(Magic)) throw Bad("not an mlip model file (bad magic bytes)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(all.AsSpan(8));
        if (version is < 1 or > Version) throw Bad($"model file format version {version} is not supported (this build reads version {Version})");
        long hlen = BinaryPrimitives.ReadUInt32LittleEndian(all.AsSpan(12));
        if (16 + hlen + 8 > all.Length) throw Bad("truncated (header runs past the end of the file)");
        long plen = (long)BinaryPrimitives.ReadUInt64LittleEndian(all.AsSpan((int)(16 + hlen)));
        long expected = 16 + hlen + 8 + plen + 32;
        if (plen % 8 != 0 || plen < 0 || expected != all.Length) throw Bad($"truncated or padded: {all.Length} bytes, the header and payload lengths say {expected}");
        var header = all.AsSpan(16, (int)hlen);
        var payload = all.AsSpan((int)(16 + hlen + 8), (int)plen);
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            sha.AppendData(header); sha.AppendData(payload);
            if (!sha.GetHashAndReset().AsSpan().SequenceEqual(all.AsSpan((int)(expected - 32), 32)))
                throw Bad("checksum mismatch: the file is corrupt");
        }
        EquivariantHyperparameters hyper; double[] e0; List<(string, int[])> tensors = new();
        try
        {
            using var doc = JsonDocument.Parse(header.ToArray());
            var r = doc.RootElement;
            string kind = r.GetProperty("kind").GetString() ?? "";
            if (kind != "equivariant") throw Bad($"model kind '{kind}' is not 'equivariant'");
            var units = r.GetProperty("units");
            if (units.GetProperty("energy").GetString() != "eV" || units.GetProperty("length").GetString() != "Angstrom")
                throw Bad("units must be eV and Angstrom");
            hyper = new EquivariantHyperparameters
            {
                Species = r.GetProperty("species").EnumerateArray().Select(x => x.GetString()!).ToArray(),
                Cutoff = r.GetProperty("cutoff").GetDouble(),
                NumBessel = r.GetProperty("num_bessel").GetInt32(),
                EnvelopeExponent = r.GetProperty("envelope_p").GetInt32(),
                RadialHidden = r.GetProperty("radial_hidden").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                Channels = r.GetProperty("channels").GetInt32(),
                HiddenLMax = r.GetProperty("hidden_lmax").GetInt32(),
                ShLMax = r.GetProperty("sh_lmax").GetInt32(),
                Correlation = r.GetProperty("correlation").GetInt32(),
                Layers = r.GetProperty("layers").GetInt32(),
                ReadoutHidden = r.GetProperty("readout_hidden").GetInt32(),
                AvgNeighbors = r.GetProperty("avg_neighbors").GetDouble(),
                Residual = r.GetProperty("residual").GetBoolean(),
                Repulsion = r.TryGetProperty("repulsion", out var rep) ? ReadRepulsion(rep, Bad) : null,
            };
            e0 = r.GetProperty("e0").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            foreach (var t in r.GetProperty("tensors").EnumerateArray())
                tensors.Add((t.GetProperty("name").GetString()!, t.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException and not PotentialFileException)
        {
            throw Bad($"bad header: {e.Message}");
        }
        if (hyper.Repulsion is not null && version < 2) throw Bad("a repulsion core in a version-1 file: the file was edited by hand");
        if (hyper.Repulsion?.DensityMax is not null && version < 3) throw Bad($"a density fade in a version-{version} file: the file was edited by hand");
        if (hyper.Repulsion?.DensityEnergy is not null && version < 4) throw Bad($"density fade edge energies in a version-{version} file: the file was edited by hand");
        var parameters = new double[plen / 8];
        for (int k = 0; k < parameters.Length; k++) parameters[k] = BinaryPrimitives.ReadDoubleLittleEndian(payload.Slice(8 * k));
        EquivariantModel model;
        try { model = new EquivariantModel(hyper, e0, parameters) { SourcePath = path }; }
        catch (ArgumentException e) { throw Bad(e.Message); }
        if (model.Tensors.Count != tensors.Count) throw Bad($"the header lists {tensors.Count} tensors, the architecture has {model.Tensors.Count}");
        for (int k = 0; k < tensors.Count; k++)
            if (model.Tensors[k].Name != tensors[k].Item1 || !model.Tensors[k].Shape.SequenceEqual(tensors[k].Item2))
                throw Bad($"tensor {k} is '{tensors[k].Item1}' [{string.Join(",", tensors[k].Item2)}], the architecture expects '{model.Tensors[k].Name}' [{string.Join(",", model.Tensors[k].Shape)}]");
        return model;
    }

    private static CoreRepulsionSpec ReadRepulsion(JsonElement rep, Func<string, PotentialFileException> bad)
    {
        string type = rep.GetProperty("type").GetString() ?? "";
        if (type != "zbl") throw bad($"repulsion type '{type}' is not supported (only 'zbl')");
        return new CoreRepulsionSpec(rep.GetProperty("inner").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
                                     rep.GetProperty("outer").EnumerateArray().Select(x => x.GetDouble()).ToArray())
        {
            DensityMax = rep.TryGetProperty("density_max", out var nmax) ? nmax.EnumerateArray().Select(x => x.GetDouble()).ToArray() : null,
            DensityWidth = rep.TryGetProperty("density_width", out var width) ? width.GetDouble() : 0,
            DensityEnergy = rep.TryGetProperty("density_energy", out var c) ? c.EnumerateArray().Select(x => x.GetDouble()).ToArray() : null,
        };
    }
}
