using MlipEngine.Workflows;
using MlipEngine.IO;

namespace MlipEngine.Workflows.Relaxation;

/// <summary>One input candidate: a parsed frame, or the reason it could not be read.</summary>
public sealed record Candidate(long Index, string Id, string Source, int FrameIndex, Frame? Frame, string? Error);

/// <summary>
/// Reads candidates lazily from a file or a directory of structure files, isolating failures: a file
/// that cannot be read (or parsed) becomes one failed candidate and the next file is read; in a
/// multi-frame extxyz a corrupt frame ends that file (its frames after the corruption cannot be
/// located reliably) and is reported as one failed candidate.
/// </summary>
public static class CandidateReader
{
    public static IReadOnlyList<string> Files(string path)
    {
        if (Directory.Exists(path))
            return Directory.GetFiles(path).Where(StructureFile.IsStructureFileName)
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (File.Exists(path))
        {
            StructureFile.DetectFormat(path); // a clear error for an unknown extension
            return [path];
        }
        throw new UsageException($"input '{path}' not found");
    }

    public static IEnumerable<Candidate> Read(IReadOnlyList<string> files)
    {
        long index = 0;
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            bool multi = StructureFile.DetectFormat(file) == StructureFormat.Extxyz;
            IEnumerator<Frame>? frames = null;
            string? openError = null;
            try { frames = StructureFile.ReadFrames(file).GetEnumerator(); }
            catch (Exception e) when (IsInputError(e)) { openError = e.Message; }
            if (frames == null) { yield return new Candidate(index++, name, file, 0, null, openError); continue; }
            using (frames)
            {
                int k = 0;
                while (true)
                {
                    Frame? frame = null; string? error = null;
                    try
                    {
                        if (!frames.MoveNext()) break;
                        frame = frames.Current;
                    }
                    catch (Exception e) when (IsInputError(e)) { error = e.Message; }
                    string id = frame != null ? IdOf(frame, name, multi, k) : (multi ? $"{name}#{k}" : name);
                    yield return new Candidate(index++, id, file, k, frame, error);
                    if (error != null) break;
                    k++;
                }
            }
        }
    }

    /// <summary>Frames in the input (fast scan of extxyz atom-count lines); null when unknown.</summary>
    public static long? Count(IReadOnlyList<string> files)
    {
        long total = 0;
        foreach (var f in files)
        {
            if (StructureFile.DetectFormat(f) != StructureFormat.Extxyz) { total++; continue; }
            try
            {
                using var r = new StreamReader(f);
                string? line;
                while ((line = r.ReadLine()) != null)
                {
                    if (line.Trim().Length == 0) continue;
                    if (!int.TryParse(line.Trim(), out int n) || n < 0) { total++; break; }
                    total++;
                    for (int i = 0; i <= n && r.ReadLine() != null; i++) { }
                }
            }
            catch (IOException) { total++; }
        }
        return total;
    }

    private static string IdOf(Frame f, string fileName, bool multi, int k)
    {
        foreach (var key in new[] { "id", "name", "label" })
            if (f.GetInfo(key) is { } v && v is string or long) return Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!;
        return multi ? $"{fileName}#{k}" : fileName;
    }

    private static bool IsInputError(Exception e) =>
        e is StructureFormatException or IOException or UnauthorizedAccessException or FormatException or ArgumentException;
}
