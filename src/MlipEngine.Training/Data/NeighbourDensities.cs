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
        int ns = species.Count;
        var max = new double[ns];
        var builder = new NeighborListBuilder();
        var list = builder.Create(NeighborListKind.Full);
        foreach (var s in structures)
        {
            var batch = SystemBatch.FromStructure(s);
            builder.Build(batch, cutoff, list);
            for (int i = 0; i < batch.AtomCount; i++)
            {
                int ti = IndexOf(species, batch.Numbers[i]);
                if (ti < 0) continue;
                double n = 0;
                for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                {
                    int tj = IndexOf(species, batch.Numbers[list.Neighbors[k]]);
                    if (tj < 0) continue;
                    double r = list.Displacement(batch, i, k).Norm;
                    if (r < cutoff) n += core.NeighbourWeight(ti, tj, r, out _);
                }
                if (n > max[ti]) max[ti] = n;
            }
        }
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

    private static int IndexOf(IReadOnlyList<int> species, int z)
    {
        for (int k = 0; k < species.Count; k++) if (species[k] == z) return k;
        return -1;
    }
}
