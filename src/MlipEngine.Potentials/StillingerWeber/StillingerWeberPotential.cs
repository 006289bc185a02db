using MlipEngine.ForceFields;
using MlipEngine.Potentials.ManyBody;

namespace MlipEngine.Potentials.StillingerWeber;

/// <summary>
/// The Stillinger–Weber potential (LAMMPS <c>pair_style sw</c>):
/// <code>
/// E = ½ Σᵢ Σ_{j≠i} φ₂(rᵢⱼ) + Σᵢ Σ_{j&lt;k} φ₃(rᵢⱼ, rᵢₖ, θⱼᵢₖ)
/// φ₂(r) = A ε [B (σ/r)^p − (σ/r)^q] exp(σ/(r − aσ))                       (entry (i,j,j), r &lt; aσ)
/// φ₃ = λε (cos θⱼᵢₖ − cos θ₀)² exp(γσ/(rᵢⱼ − aσ)) exp(γσ/(rᵢₖ − aσ))   (λε, cos θ₀ from (i,j,k); γ, σ, a from (i,j,j) and (i,k,k))
/// </code>
/// </summary>
/// <remarks>
/// Per-atom energies follow LAMMPS' <c>compute pe/atom</c>: a pair term is split ½–½, a three-body
/// term ⅓ to each of i, j, k. Where LAMMPS picks one of two entries by atom or neighbor order (the
/// (i,j,j) vs (j,i,i) pair entries; (i,j,k) vs (i,k,j) for the unordered pair j, k) we average
/// both, which equals LAMMPS for every file with symmetric entries (all files shipped with LAMMPS)
/// and does not depend on atom order otherwise.
/// </remarks>
public sealed class StillingerWeberPotential : IForceField
{
    private readonly StillingerWeberParameters[] _table;

    public StillingerWeberPotential(StillingerWeberParameterFile file, IReadOnlyList<string> elements)
    {
        Species = LammpsEntryReader.AtomicNumbers(elements, file.Path);
        Elements = elements.ToArray();
        File = file;
        _table = file.ForElements(elements);
        double cut = 0;
        foreach (var p in _table) cut = Math.Max(cut, Math.Sqrt(p.CutSquared));
        Cutoff = cut;
    }

    public static StillingerWeberPotential FromFile(string path, IReadOnlyList<string> elements) => new(StillingerWeberParameterFile.Read(path), elements);

    public string Style => "sw";
    /// <summary>Largest neighbor cutoff over the selected entries (LAMMPS cutmax), Å.</summary>
    public double Cutoff { get; }
    public IReadOnlyList<int> Species { get; }
    public IReadOnlyList<string> Elements { get; }
    public StillingerWeberParameterFile File { get; }
    public IReadOnlyList<Backend> Backends { get; } = [Backend.Reference, Backend.Cpu];
    public int TypeCount => Species.Count;

    /// <summary>Parameters of the triplet of types (i, j, k).</summary>
    public ref readonly StillingerWeberParameters Parameters(int i, int j, int k) => ref _table[(i * TypeCount + j) * TypeCount + k];

    /// <summary>
    /// Per ordered type pair t = tᵢ·n + tⱼ (entry (i, j, j)), eight reals: r_c² (the neighbor cutoff, Å²),
    /// aσ (Å), σ (Å), γσ (Å), c₅ = AεBσᵖ, c₆ = Aεσ^q, p, q — what <see cref="StillingerWeberFormula.Pair{T}"/> takes.
    /// </summary>
    public double[] PackedPairs()
    {
        int n = TypeCount;
        var packed = new double[8 * n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var p = Parameters(i, j, j);
                double ae = p.BigA * p.Epsilon;
                int o = 8 * (i * n + j);
                packed[o] = p.CutSquared; packed[o + 1] = p.Cut; packed[o + 2] = p.Sigma; packed[o + 3] = p.Gamma * p.Sigma;
                packed[o + 4] = ae * p.BigB * Math.Pow(p.Sigma, p.P); packed[o + 5] = ae * Math.Pow(p.Sigma, p.Q); packed[o + 6] = p.P; packed[o + 7] = p.Q;
            }
        return packed;
    }

    /// <summary>
    /// Per triplet (tᵢ·n + tⱼ)·n + tₖ, four reals: λε and cos θ₀ of entry (i, j, k), then of (i, k, j) — what
    /// <see cref="StillingerWeberFormula.Triplet{T, R}"/> takes (the two entries are symmetric when both pairs agree).
    /// </summary>
    public double[] PackedTriplets()
    {
        int n = TypeCount;
        var packed = new double[4 * n * n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    var t = Parameters(i, j, k);
                    var u = Parameters(i, k, j);
                    int o = 4 * ((i * n + j) * n + k);
                    packed[o] = t.Lambda * t.Epsilon; packed[o + 1] = t.CosTheta0; packed[o + 2] = u.Lambda * u.Epsilon; packed[o + 3] = u.CosTheta0;
                }
        return packed;
    }

    public IForceComputer CreateComputer(ComputeOptions options)
    {
        if (options.Precision != Precision.Float64) throw new NotSupportedException("sw: only Float64 is implemented");
        return options.Backend.Name switch
        {
            Backend.ReferenceName => new StillingerWeberReference(this, options),
            Backend.CpuName => new StillingerWeberCpu(this, options),
            _ => throw new NotSupportedException($"sw: backend {options.Backend} is not implemented"),
        };
    }
}
