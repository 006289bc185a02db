namespace MlipEngine.Potentials;

/// <summary>A potential parameter file that cannot be used; the message names the file and, when known, the line.</summary>
public sealed class PotentialFileException : FormatException
{
    public PotentialFileException(string path, int line, string message)
        : base(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}")
    {
        FilePath = path;
        Line = line;
    }

    public static PotentialFileException At(string path, int line, string message) => new(path, line, message);

    public string FilePath { get; }
    /// <summary>1-based line number, or 0 when the problem is not tied to one line.</summary>
    public int Line { get; }
}
