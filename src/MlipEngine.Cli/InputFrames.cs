using MlipEngine.IO;

namespace MlipEngine.Cli;

/// <summary>Frames from an input argument: a file in any supported format or a directory of them.</summary>
public static class InputFrames
{
    public static IEnumerable<Frame> Read(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new UsageException($"input '{path}' not found");
        return StructureFile.ReadFrames(path);
    }
}
