namespace MlipEngine.IO.Text;

/// <summary>
/// A forward-only line source over a <see cref="TextReader"/> that counts lines (1-based) and knows
/// the source name and current frame, so every parser error can say where it happened.
/// </summary>
internal sealed class LineReader
{
    private readonly TextReader _reader;
    private string? _pushedBack;

    public LineReader(TextReader reader, string? sourceName)
    {
        _reader = reader;
        SourceName = sourceName;
    }

    public string? SourceName { get; }
    /// <summary>1-based number of the line most recently returned by <see cref="ReadLine"/> (0 before the first).</summary>
    public long LineNumber { get; private set; }
    /// <summary>Frame being parsed (for messages), or null for single-structure formats.</summary>
    public int? Frame { get; set; }

    public string? ReadLine()
    {
        if (_pushedBack != null) { var l = _pushedBack; _pushedBack = null; LineNumber++; return l; }
        var line = _reader.ReadLine();
        if (line != null) LineNumber++;
        return line;
    }

    /// <summary>Returns a line to the reader so the next <see cref="ReadLine"/> yields it again.</summary>
    public void PushBack(string line)
    {
        _pushedBack = line;
        LineNumber--;
    }

    /// <summary>Reads a line that must exist; a missing one is a truncated file.</summary>
    public string ReadRequiredLine(string what) =>
        ReadLine() ?? throw Error(LineNumber + 1, $"file ends early: expected {what}");

    public StructureFormatException Error(string problem) => new(SourceName, Frame, LineNumber, problem);
    public StructureFormatException Error(long line, string problem) => new(SourceName, Frame, line, problem);
}
