using MlipEngine.Workflows;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;

namespace MlipEngine.Workflows.Relaxation;

/// <summary>
/// One input candidate: a parsed frame, or the reason it could not be read. <see cref="Cut"/>: the
/// frame boundaries of its file were lost here, so the file's later frames (if any) were not read.
/// </summary>
public sealed record Candidate(long Index, string Id, string Source, int FrameIndex, Frame? Frame, string? Error, bool Cut = false);

/// <summary>
/// Reads candidates lazily from a file or a directory of structure files, isolating failures: a file
/// that cannot be read (or parsed) becomes one failed candidate and the next file is read. In a
/// multi-frame extxyz a frame with bad values (a NaN coordinate, an unknown element) is one failed
/// candidate and the frames after it are read; only a frame whose atom-count line is unreadable cuts
/// the file there (its later frames cannot be located), as one failed candidate with <see cref="Candidate.Cut"/>.
/// A file without frames is one failed candidate ("no frames").
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
            IEnumerator<FrameRead>? frames = null;
            string? openError = null;
            try { frames = (multi ? new ExtxyzReader().ReadEachFrame(file) : Single(file)).GetEnumerator(); }
            catch (Exception e) when (IsInputError(e)) { openError = e.Message; }
            if (frames == null) { yield return new Candidate(index++, name, file, 0, null, openError); continue; }
            using (frames)
            {
                int k = 0;
                bool any = false;
                while (true)
                {
                    FrameRead? read = null; string? error = null;
                    try
                    {
                        if (!frames.MoveNext()) break;
                        read = frames.Current;
                        error = read.Error?.Message;
                    }
                    catch (Exception e) when (IsInputError(e)) { error = e.Message; }
                    bool cut = read?.RestUnread ?? false;
                    if (cut) error = $"{name} cut at frame {k}: its later frames cannot be located and were not read ({error})";
                    var frame = read?.Frame;
                    string id = frame != null ? IdOf(frame, name, multi, k) : (multi ? $"{name}#{k}" : name);
                    yield return new Candidate(index++, id, file, k, frame, error, cut);
                    any = true;
                    if (read == null || cut) break;
                    k++;
                }
                if (!any) yield return new Candidate(index++, name, file, 0, null, StructureFormatException.NoFrames(file).Message);
            }
        }
    }

    private static IEnumerable<FrameRead> Single(string file)
    {
        foreach (var f in StructureFile.ReadFrames(file)) yield return new FrameRead(0, f, null, false);
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
