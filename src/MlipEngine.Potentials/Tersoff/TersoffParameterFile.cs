using MlipEngine.Potentials.ManyBody;

namespace MlipEngine.Potentials.Tersoff;

/// <summary>
/// A LAMMPS .tersoff file: entries of 17 words, <c>el1 el2 el3 m γ λ3 c d cosθ₀ n β λ2 B R D λ1 A</c>,
/// possibly spread over several lines, '#' comments (LAMMPS 29Sep2021 PairTersoff::read_file).
/// Numbers are parsed and checked only for the entries an element list selects, as LAMMPS does.
/// </summary>
public sealed class TersoffParameterFile
{
    public const int WordsPerEntry = 17;
    private static readonly string[] Names = ["el1", "el2", "el3", "m", "gamma", "lambda3", "c", "d", "costheta0", "n", "beta", "lambda2", "B", "R", "D", "lambda1", "A"];

    private TersoffParameterFile(string path, IReadOnlyList<ParameterFileEntry> entries) { Path = path; Entries = entries; }

    public string Path { get; }
    public IReadOnlyList<ParameterFileEntry> Entries { get; }

    public static TersoffParameterFile Read(string path) => Parse(File.ReadAllText(path), path);

    public static TersoffParameterFile Parse(string text, string path = "<tersoff text>") =>
        new(path, LammpsEntryReader.Read(text, path, WordsPerEntry, "Tersoff"));

    /// <summary>
    /// Parameters for every triplet of <paramref name="elements"/> (type order), flattened as
    /// [(i·n + j)·n + k]. Throws <see cref="PotentialFileException"/> for a missing or duplicate
    /// triplet or an illegal value, naming the file and line.
    /// </summary>
    public TersoffParameters[] ForElements(IReadOnlyList<string> elements)
    {
        var entries = LammpsEntryReader.SelectTriplets(Entries, elements, Path);
        var table = new TersoffParameters[entries.Length];
        for (int t = 0; t < entries.Length; t++)
        {
            var e = entries[t];
            double Num(int w) => LammpsEntryReader.Number(e, w, Names[w], Path);
            double m = Num(3);
            var p = new TersoffParameters((int)m, Num(4), Num(5), Num(6), Num(7), Num(8), Num(9), Num(10), Num(11), Num(12), Num(13), Num(14), Num(15), Num(16));
            string? bad =
                m != Math.Truncate(m) || (m != 1 && m != 3) ? $"m = {e.Words[3]} (only 1 or 3 are allowed)" :
                p.Gamma < 0 ? "gamma < 0" : p.C < 0 ? "c < 0" : p.D < 0 ? "d < 0" : p.N < 0 ? "n < 0" :
                p.Beta < 0 ? "beta < 0" : p.Lambda2 < 0 ? "lambda2 < 0" : p.B < 0 ? "B < 0" : p.R < 0 ? "R < 0" :
                p.CutoffWidth < 0 ? "D < 0" : p.CutoffWidth > p.R ? "D > R" : p.Lambda1 < 0 ? "lambda1 < 0" :
                p.A < 0 ? "A < 0" : null;
            if (bad != null)
                throw new PotentialFileException(Path, e.Line, $"illegal Tersoff parameter for {e.Words[0]} {e.Words[1]} {e.Words[2]}: {bad}");
            table[t] = p;
        }
        return table;
    }
}
