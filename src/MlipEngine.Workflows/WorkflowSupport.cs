namespace MlipEngine.Workflows;

/// <summary>
/// A mistake the user can fix in what they asked for (a missing input, an output folder that does not
/// exist, a journal from other options): the CLI reports it as one line with exit code 2.
/// </summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Progress of long work, reported by the workflows and drawn by their host (the CLI draws a bar with
/// ETA and throughput on stderr). <see cref="Report"/> may be called often; implementations throttle.
/// </summary>
public interface IWorkProgress : IDisposable
{
    /// <summary><paramref name="done"/> units of <paramref name="total"/> (null when unknown).</summary>
    void Report(long done, long? total);

    /// <summary>Removes a live display before other output is written to the same terminal.</summary>
    void Clear() { }
}

/// <summary>Makes an <see cref="IWorkProgress"/> for a phase of work, e.g. ("epoch 3/100", "frames").</summary>
public delegate IWorkProgress ProgressFactory(string label, string unit);

/// <summary>
/// Writes a file atomically: everything goes to a temporary file beside the target, renamed over it
/// on <see cref="Commit"/>; disposing without commit deletes the temporary file, so a failed run
/// never leaves a truncated output that looks complete.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _target, _temp;
    private bool _committed;

    public AtomicFileWriter(string path)
    {
        _target = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(_target)!;
        if (!Directory.Exists(dir)) throw new UsageException($"output folder '{dir}' does not exist");
        _temp = Path.Combine(dir, $".{Path.GetFileName(_target)}.{Environment.ProcessId}.tmp");
        Writer = new StreamWriter(_temp, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
    }

    public StreamWriter Writer { get; }

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> and commits it (or leaves no trace if it throws).</summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        using var file = new AtomicFileWriter(path);
        write(file.Writer);
        file.Commit();
    }

    public void Commit()
    {
        Writer.Flush();
        Writer.BaseStream.Flush();
        Writer.Dispose();
        File.Move(_temp, _target, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Writer.Dispose();
        try { File.Delete(_temp); } catch (IOException) { }
    }
}

