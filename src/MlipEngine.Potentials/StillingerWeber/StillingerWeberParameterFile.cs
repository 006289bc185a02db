using MlipEngine.Potentials.ManyBody;

namespace MlipEngine.Potentials.StillingerWeber;

/// <summary>
/// A LAMMPS .sw file: entries of 14 words, <c>el1 el2 el3 ε σ a λ γ cosθ₀ A B p q tol</c>, possibly
/// spread over several lines, '#' comments (LAMMPS 29Sep2021 PairSW::read_file). Numbers are parsed
/// and checked only for the entries an element list selects, as LAMMPS does.
/// </summary>
public sealed class StillingerWeberParameterFile
{
    public const int WordsPerEntry = 14;
    private static readonly string[] Names = ["el1", "el2", "el3", "epsilon", "sigma", "a", "lambda", "gamma", "costheta0", "A", "B", "p", "q", "tol"];

    private StillingerWeberParameterFile(string path, IReadOnlyList<ParameterFileEntry> entries) { Path = path; Entries = entries; }

    public string Path { get; }
    public IReadOnlyList<ParameterFileEntry> Entries { get; }

    public static StillingerWeberParameterFile Read(string path) => Parse(File.ReadAllText(path), path);

    public static StillingerWeberParameterFile Parse(string text, string path = "<sw text>") =>
        new(path, LammpsEntryReader.Read(text, path, WordsPerEntry, "Stillinger-Weber"));

    /// <summary>
    /// Parameters for every triplet of <paramref name="elements"/> (type order), flattened as
    /// [(i·n + j)·n + k]. Throws <see cref="PotentialFileException"/> for a missing or duplicate
    /// triplet or a negative value, naming the file and line.
    /// </summary>
    public StillingerWeberParameters[] ForElements(IReadOnlyList<string> elements)
    {
        var entries = LammpsEntryReader.SelectTriplets(Entries, elements, Path);
        var table = new StillingerWeberParameters[entries.Length];
        for (int t = 0; t < entries.Length; t++)
        {
            var e = entries[t];
            var v = new double[11];
            for (int w = 0; w < 11; w++)
            {
                v[w] = LammpsEntryReader.Number(e, w + 3, Names[w + 3], Path);
                if (v[w] < 0 && w != 5) // every parameter but cos θ₀ must be ≥ 0 (LAMMPS)
                    throw new PotentialFileException(Path, e.Line,
                        $"illegal Stillinger-Weber parameter for {e.Words[0]} {e.Words[1]} {e.Words[2]}: {Names[w + 3]} = {e.Words[w + 3]} < 0");
            }
            table[t] = new StillingerWeberParameters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
        }
        return table;
    }
}
