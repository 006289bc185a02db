using MlipEngine.Neighbors;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;

namespace MlipEngine.Training.Data;

/// <summary>
/// The largest neighbour density n_i = Σ_j u(ρ(r_ij)) per species over a set of structures (periodic images included):
/// where a model's training data ends in density, and so where the density fade of its core
/// (<see cref="CoreRepulsion"/>, "Density fade") begins. The same n_i as every backend computes, through
/// <see cref="CoreRepulsion.NeighbourWeight"/>.
/// </summary>
public static class NeighbourDensities
{
    /// <summary>
    /// max n_i over the atoms of each species of <paramref name="species"/> (atomic numbers, type order), 0 for a species
    /// absent from the data; neighbours of other elements do not count. <paramref name="core"/> sets ρ and u.
    /// </summary>
    public static double[] Max(IEnumerable<AtomicStructure> structures, IReadOnlyList<int> species, CoreRepulsion core, double cutoff)
    {
        var max = new double[species.Count];
        double n = 0;
        SpeciesNeighbours.ForEach(structures, species, cutoff, NeighborListKind.Full,
            (ti, tj, r) => { if (r < cutoff) n += core.NeighbourWeight(ti, tj, r, out _); },
            ti => { if (n > max[ti]) max[ti] = n; n = 0; });
        return max;
    }

    /// <summary>
    /// The density fade for data whose largest densities are <paramref name="densityMax"/>: N_s = that maximum (a species
    /// absent from the data takes the largest N of the others), relative width <paramref name="width"/>.
    /// </summary>
    public static CoreRepulsionSpec WithFade(CoreRepulsionSpec spec, double[] densityMax, double width)
    {
        if (!(width > 0 && double.IsFinite(width))) throw new ArgumentException($"the density fade's width must be positive, not {width}");
        double fallback = densityMax.Max();
        if (!(fallback > 0)) throw new ArgumentException("no atom of the model's species has a neighbour within the cutoff in the data");
        return spec with { DensityMax = densityMax.Select(x => x > 0 ? x : fallback).ToArray(), DensityWidth = width };
    }
}
