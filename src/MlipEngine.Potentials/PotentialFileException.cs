namespace MlipEngine.Potentials;

/// <summary>A potential file or spec is malformed; the message names the file, the line and the problem.</summary>
public sealed class PotentialFileException(string message) : Exception(message)
{
    public static PotentialFileException At(string file, int line, string problem) => new($"{file}:{line}: {problem}");
}
