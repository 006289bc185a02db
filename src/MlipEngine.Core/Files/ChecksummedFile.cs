using System.Security.Cryptography;

namespace MlipEngine.Files;

/// <summary>
/// A binary file that cannot be half-written or silently corrupted: the body is followed by its
/// SHA-256 (32 bytes), the file is written to a temporary name beside the target, flushed to disk and
/// renamed over it. Reading recomputes the hash, so a truncated file or a few overwritten bytes are
/// refused with a message naming the file instead of loading wrong numbers. Checkpoints of MD and
/// training use it (as <c>.mlip</c> model files use their own SHA-256).
/// </summary>
public static class ChecksummedFile
{
    private const int HashBytes = 32;

    /// <summary>Writes <paramref name="body"/>'s output and its checksum to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<BinaryWriter> body)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) body(w);
        byte[] hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            fs.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            fs.Write(hash);
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// The body of a file written by <see cref="Write"/>, after checking its checksum; <paramref name="what"/>
    /// names the kind of file in messages ("md checkpoint").
    /// </summary>
    public static BinaryReader Open(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} '{path}' not found", path);
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < HashBytes) throw new InvalidDataException($"{path}: {what} is truncated ({all.Length} bytes)");
        var body = all.AsSpan(0, all.Length - HashBytes);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - HashBytes)))
            throw new InvalidDataException($"{path}: checksum mismatch: the {what} is corrupt or truncated (delete it to start over, or restart from an older copy)");
        return new BinaryReader(new MemoryStream(all, 0, all.Length - HashBytes, writable: false), System.Text.Encoding.UTF8);
    }
}
