namespace MlipEngine.Discovery;

/// <summary>Writes a file under a temporary name and moves it into place, so an interruption never leaves half a file.</summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<string> write)
    {
        string tmp = path + ".tmp";
        write(tmp);
        File.Move(tmp, path, overwrite: true);
    }
}
