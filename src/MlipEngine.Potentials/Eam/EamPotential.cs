using MlipEngine.ForceFields;

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
        EamSpline.LocateRho(rho, spline.InverseDelta, spline.N, out int m, out double p);
        fPrime = spline.Derivative(m, p);
        f = spline.Value(m, p);
        if (rho > RhoMax) f += fPrime * (rho - RhoMax);
    }
}
