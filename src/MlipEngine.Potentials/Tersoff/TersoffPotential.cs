using MlipEngine.ForceFields;
using MlipEngine.Potentials.ManyBody;

namespace MlipEngine.Potentials.Tersoff;

/// <summary>
/// The Tersoff bond-order potential (LAMMPS <c>pair_style tersoff</c>, without the <c>shift</c>
/// keyword). See <see cref="TersoffFunctions"/> for the energy expression.
/// </summary>
/// <remarks>
/// Per-atom energies follow LAMMPS' <c>compute pe/atom</c>: every term ½ f_c(f_R + bᵢⱼ f_A) of the
/// ordered bond i→j is split equally between i and j. LAMMPS evaluates the repulsive term once per
/// unordered pair with the (i, j, j) entry of whichever atom it visits first; we take ½ of the
/// (i, j, j) and ½ of the (j, i, i) entry, identical for every file whose pair parameters are
/// symmetric (all files shipped with LAMMPS) and independent of atom order otherwise.
/// </remarks>
public sealed class TersoffPotential : IForceField
{
    private readonly TersoffParameters[] _table;

    public TersoffPotential(TersoffParameterFile file, IReadOnlyList<string> elements)
    {
        Species = LammpsEntryReader.AtomicNumbers(elements, file.Path);
        Elements = elements.ToArray();
        File = file;
        _table = file.ForElements(elements);
        double cut = 0;
        foreach (var p in _table) cut = Math.Max(cut, p.Cut);
        Cutoff = cut;
    }

    public static TersoffPotential FromFile(string path, IReadOnlyList<string> elements) => new(TersoffParameterFile.Read(path), elements);

    public string Style => "tersoff";
    /// <summary>Largest R + D over the selected entries (LAMMPS cutmax), Å.</summary>
    public double Cutoff { get; }
    public IReadOnlyList<int> Species { get; }
    /// <summary>Element names as given, in type order.</summary>
    public IReadOnlyList<string> Elements { get; }
    public TersoffParameterFile File { get; }
    public IReadOnlyList<Backend> Backends { get; } = [Backend.Reference, Backend.Cpu];
    public int TypeCount => Species.Count;

    /// <summary>Parameters of the triplet of types (i, j, k).</summary>
    public ref readonly TersoffParameters Parameters(int i, int j, int k) => ref _table[(i * TypeCount + j) * TypeCount + k];

    public IForceComputer CreateComputer(ComputeOptions options)
    {
        if (options.Precision != Precision.Float64) throw new NotSupportedException("tersoff: only Float64 is implemented");
        return options.Backend.Name switch
        {
            Backend.ReferenceName => new TersoffReference(this, options),
            Backend.CpuName => new TersoffCpu(this, options),
            _ => throw new NotSupportedException($"tersoff: backend {options.Backend} is not implemented"),
        };
    }
}
