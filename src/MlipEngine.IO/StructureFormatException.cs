namespace MlipEngine.IO;

/// <summary>
/// Malformed structure-file input. The message is one line:
/// <c>data.xyz, frame 3 (line 17): expected 12 columns per atom from Properties, found 9</c> —
/// the source name, the 0-based frame index (the <see cref="Frame.Index"/> the frame would have had)
/// and/or the 1-based line number, then what is wrong.
/// </summary>
public sealed class StructureFormatException : Exception
{
    public StructureFormatException(string? source, int? frameIndex, long? lineNumber, string problem, Exception? inner = null)
        : base(Compose(source, frameIndex, lineNumber, problem), inner)
    {
        SourceName = source;
        FrameIndex = frameIndex;
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>File name or other source label given to the reader.</summary>
    public string? SourceName { get; }
    /// <summary>0-based index of the frame in its file, when known.</summary>
    public int? FrameIndex { get; }
    /// <summary>1-based line number, when known.</summary>
    public long? LineNumber { get; }
    /// <summary>What is wrong, without the position prefix.</summary>
    public string Problem { get; }

    /// <summary>The error for an input (file or folder) that holds no frame at all.</summary>
    public static StructureFormatException NoFrames(string path) => new(path, null, null, "no frames");

    private static string Compose(string? source, int? frame, long? line, string problem)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(string.IsNullOrEmpty(source) ? "<input>" : source);
        if (frame.HasValue) sb.Append(", frame ").Append(frame.Value);
        if (line.HasValue) sb.Append(frame.HasValue ? " (line " : ", line ").Append(line.Value).Append(frame.HasValue ? ")" : "");
        sb.Append(": ");
        // One line, always: newlines in a problem text (e.g. a quoted file line) are flattened.
        foreach (char ch in problem) sb.Append(ch is '\r' or '\n' ? ' ' : ch);
        return sb.ToString();
    }
}
