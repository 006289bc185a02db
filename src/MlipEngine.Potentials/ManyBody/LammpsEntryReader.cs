using System.Globalization;
using MlipEngine.Chemistry;

namespace MlipEngine.Potentials.ManyBody;

/// <summary>One entry of a LAMMPS many-body parameter file: its words and the line it starts on.</summary>
public sealed record ParameterFileEntry(string[] Words, int Line);

/// <summary>
/// Reads the entry format shared by LAMMPS' three-body parameter files (.sw, .tersoff), as its
/// <c>PotentialFileReader::next_line(n)</c> does (LAMMPS 29Sep2021): '#' starts a comment, blank
/// lines are skipped, and an entry continues over following lines until it has n words.
/// </summary>
/// <remarks>
/// One deliberate difference: a line group with more than n words is an error here, where LAMMPS
/// silently ignores the extra words (it would hide a second entry written on the same line).
/// </remarks>
internal static class LammpsEntryReader
{
    public static List<ParameterFileEntry> Read(string text, string path, int wordsPerEntry, string kind)
    {
        var entries = new List<ParameterFileEntry>();
        var lines = text.Split('\n');
        var words = new List<string>();
        int start = 0;
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            var w = line.Split((char[]?)[' ', '\t', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries);
            if (w.Length == 0) continue;
            if (words.Count == 0) start = n + 1;
            words.AddRange(w);
            if (words.Count < wordsPerEntry) continue;
            if (words.Count > wordsPerEntry)
                throw new PotentialFileException(path, start,
                    $"{kind} entry has {words.Count} words, expected {wordsPerEntry} (3 elements and {wordsPerEntry - 3} parameters)");
            entries.Add(new ParameterFileEntry(words.ToArray(), start));
            words.Clear();
        }
        if (words.Count > 0)
            throw new PotentialFileException(path, start,
                $"incomplete {kind} entry at end of file: {words.Count} of {wordsPerEntry} words");
        return entries;
    }

    /// <summary>Parses word <paramref name="index"/> of an entry as a number (LAMMPS: utils::numeric).</summary>
    public static double Number(ParameterFileEntry entry, int index, string name, string path)
    {
        string w = entry.Words[index];
        if (!double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new PotentialFileException(path, entry.Line, $"parameter {name} = '{w}' is not a number");
        return v;
    }

    /// <summary>Atomic numbers of the user's element list (type order); rejects unknown symbols and repeats.</summary>
    public static int[] AtomicNumbers(IReadOnlyList<string> elements, string path)
    {
        if (elements.Count == 0) throw new ArgumentException($"{path}: the element list is empty");
        var z = new int[elements.Count];
        for (int t = 0; t < z.Length; t++)
        {
            if (!Element.TryAtomicNumber(elements[t], out z[t]))
                throw new ArgumentException($"{path}: '{elements[t]}' in the element list is not a chemical element symbol");
            for (int u = 0; u < t; u++)
                if (z[u] == z[t]) throw new ArgumentException($"{path}: element {elements[t]} appears twice in the element list");
        }
        return z;
    }

    /// <summary>
    /// For every triplet (i, j, k) of the user's elements, the one file entry naming exactly those
    /// three elements in that order (LAMMPS' elem3param: ACB does not stand in for ABC). Entries
    /// naming any other element are skipped. Errors name the file and line.
    /// </summary>
    public static ParameterFileEntry[] SelectTriplets(IReadOnlyList<ParameterFileEntry> entries, IReadOnlyList<string> elements, string path)
    {
        int n = elements.Count;
        var table = new ParameterFileEntry?[n * n * n];
        foreach (var e in entries)
        {
            int a = IndexOf(elements, e.Words[0]), b = IndexOf(elements, e.Words[1]), c = IndexOf(elements, e.Words[2]);
            if (a < 0 || b < 0 || c < 0) continue;
            int slot = (a * n + b) * n + c;
            if (table[slot] is { } first)
                throw new PotentialFileException(path, e.Line,
                    $"duplicate entry for {e.Words[0]} {e.Words[1]} {e.Words[2]} (first at line {first.Line})");
            table[slot] = e;
        }
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                for (int c = 0; c < n; c++)
                    if (table[(a * n + b) * n + c] == null)
                    {
                        var known = entries.SelectMany(e => e.Words.Take(3)).Distinct().OrderBy(s => s, StringComparer.Ordinal);
                        throw new PotentialFileException(path, 0,
                            $"no entry for {elements[a]} {elements[b]} {elements[c]}; the file needs one for every triplet of " +
                            $"[{string.Join(", ", elements)}] and names the elements [{string.Join(", ", known)}]");
                    }
        return table!;
    }

    private static int IndexOf(IReadOnlyList<string> elements, string name)
    {
        for (int t = 0; t < elements.Count; t++) if (elements[t] == name) return t;
        return -1;
    }
}
