using MlipEngine.ForceFields;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.Eam;

/// <summary>
/// Embedded-atom method, as LAMMPS' <c>eam</c>, <c>eam/alloy</c> and <c>eam/fs</c>:
/// <code>  E = Σᵢ [ F_{tᵢ}(ρᵢ) + ½ Σ_{j≠i} φ_{tᵢtⱼ}(rᵢⱼ) ],   ρᵢ = Σ_{j≠i} ρ_{tⱼ→tᵢ}(rᵢⱼ)  </code>
/// Differentiating, a pair at distance r contributes dE/dr = F′ᵢ ρ′_{j→i}(r) + F′ⱼ ρ′_{i→j}(r) + φ′(r),
/// with φ = z2r/r so φ′ = (z2r′ − φ)/r. Above the last ρ knot LAMMPS extends F linearly
/// (F(ρ) + F′(ρ)(ρ − ρ_max)); we do the same.
/// </summary>
public sealed class EamPotential : IForceField
{
    public EamPotential(EamTabulation table, EamFlavor flavor)
    {
        Table = table;
        Flavor = flavor;
        int n = table.Species.Length;
        Embedding = table.Embedding.Select(f => new EamSpline(f, table.DRho)).ToArray();
        Density = new EamSpline[n * n];
        PairZ2R = new EamSpline[n * n];
        for (int b = 0; b < n; b++)
            for (int a = 0; a < n; a++)
            {
                Density[b * n + a] = new EamSpline(table.Density[b][a], table.DR);
                PairZ2R[a * n + b] = new EamSpline(table.Z2R[a][b], table.DR);
            }
        RhoMax = (table.NRho - 1) * table.DRho;
    }

    public static EamPotential FromSetfl(string path, IReadOnlyList<string> elements) =>
        new(EamTabulation.ReadSetfl(path, elements, finnisSinclair: false), EamFlavor.Setfl);

    public static EamPotential FromFinnisSinclair(string path, IReadOnlyList<string> elements) =>
        new(EamTabulation.ReadSetfl(path, elements, finnisSinclair: true), EamFlavor.FinnisSinclair);

    public static EamPotential FromFuncfl(IReadOnlyList<string> files, IReadOnlyList<string> elements) =>
        new(EamTabulation.ReadFuncfl(files, elements), EamFlavor.Funcfl);

    public EamTabulation Table { get; }
    public EamFlavor Flavor { get; }
    /// <summary>F per type.</summary>
    public EamSpline[] Embedding { get; }
    /// <summary>Density[b·n + a]: density at a type-a atom due to a type-b neighbor.</summary>
    public EamSpline[] Density { get; }
    /// <summary>PairZ2R[a·n + b] = r·φ_ab(r).</summary>
    public EamSpline[] PairZ2R { get; }
    public double RhoMax { get; }

    public string Style => Flavor switch { EamFlavor.Funcfl => "eam", EamFlavor.Setfl => "eam/alloy", _ => "eam/fs" };
    public double Cutoff => Table.Cutoff;
    public IReadOnlyList<int> Species => Table.Species;
    public IReadOnlyList<Backend> Backends { get; } = [Backend.Reference, Backend.Cpu];
    /// <summary>Masses from the file (amu), per type; LAMMPS sets atom masses from them.</summary>
    public IReadOnlyList<double> Masses => Table.Masses;

    public IForceComputer CreateComputer(ComputeOptions options) => options.Backend.Name switch
    {
        Backend.ReferenceName => new EamReferenceComputer(this, options),
        Backend.CpuName when options.Precision == Precision.Float64 => new EamCpuComputer(this, options),
        _ => throw new NotSupportedException($"{Style} has no {options.Backend} backend in {options.Precision}"),
    };

    /// <summary>F(ρ) and F′(ρ) for type t, LAMMPS' lookup and linear extension beyond ρ_max.</summary>
    public void Embed(int t, double rho, out double f, out double fPrime)
    {
        var spline = Embedding[t];
        int m = EamFormula.LocateRho<double, F64>(rho, spline.InverseDelta, spline.N, out double p);
        var c = spline.Coefficients; int o = 7 * m;
        f = EamFormula.Embedding(c[o], c[o + 1], c[o + 2], c[o + 3], c[o + 4], c[o + 5], c[o + 6], p, rho, RhoMax, out fPrime);
    }

    /// <summary>Reals per knot of <see cref="InterleavedPairTable"/>.</summary>
    public const int PairTableStride = 12;

    /// <summary>
    /// The r-tables as the optimised backends read them: one table per ORDERED type pair (a = type of i,
    /// b = type of j), knot m (1-based) at ((a·n + b)(N_r + 1) + m)·12, holding the value cubics c₃…c₆ of
    /// ρ_{j→i}, ρ_{i→j} and z2r, so one pair's lookup touches 96 contiguous bytes (derivatives follow from
    /// the value cubic, <see cref="EamFormula.Slope{T, R}"/>).
    /// </summary>
    public double[] InterleavedPairTable()
    {
        int nt = Species.Count, nr = Table.NR, knots = nr + 1;
        var table = new double[(long)nt * nt * knots * PairTableStride];
        for (int a = 0; a < nt; a++)
            for (int b = 0; b < nt; b++)
            {
                var rhoJI = Density[b * nt + a].Coefficients;   // at i (type a) due to j (type b)
                var rhoIJ = Density[a * nt + b].Coefficients;
                var z2r = PairZ2R[a * nt + b].Coefficients;
                long baseOff = (long)(a * nt + b) * knots * PairTableStride;
                for (int m = 1; m <= nr; m++)
                {
                    long o = baseOff + m * PairTableStride;
                    for (int c = 0; c < 4; c++)
                    {
                        table[o + c] = rhoJI[7 * m + 3 + c];
                        table[o + 4 + c] = rhoIJ[7 * m + 3 + c];
                        table[o + 8 + c] = z2r[7 * m + 3 + c];
                    }
                }
            }
        return table;
    }

    /// <summary>Reals per knot of <see cref="EmbeddingTable"/>.</summary>
    public const int EmbeddingTableStride = 8;

    /// <summary>F per type for device kernels: LAMMPS' 7 coefficients c₀…c₆ and one pad per knot, knot m of type t at (t(N_ρ + 1) + m)·8.</summary>
    public double[] EmbeddingTable()
    {
        int nt = Species.Count, nrho = Table.NRho;
        var table = new double[(long)nt * (nrho + 1) * EmbeddingTableStride];
        for (int t = 0; t < nt; t++)
        {
            var f = Embedding[t].Coefficients;
            for (int m = 1; m <= nrho; m++)
                for (int c = 0; c < 7; c++) table[((long)t * (nrho + 1) + m) * EmbeddingTableStride + c] = f[7 * m + c];
        }
        return table;
    }
}
