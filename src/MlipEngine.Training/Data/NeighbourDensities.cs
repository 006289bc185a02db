using MlipEngine.ForceFields;
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
    /// Per species of <paramref name="model"/> (which must have a ZBL core; its fade, if any, is ignored) the largest n_i in the data
    /// (as <see cref="Max"/>) and the learned energy of that densest atom, L_i = E_i − E0 − ½ Σ_j E_core(r_ij) from the fused CPU
    /// backend: the energy the fade tends to (<see cref="CoreRepulsionSpec.DensityEnergy"/>), 0 for a species absent from the data.
    /// Every atom of the data must be of the model's species (the model is evaluated on it).
    /// </summary>
    public static (double[] Max, double[] EdgeEnergy) Densest(IEnumerable<AtomicStructure> structures, EquivariantModel model)
    {
        var spec = model.Hyper.Repulsion ?? throw new ArgumentException("a density fade needs the model's ZBL core");
        var plain = new EquivariantModel(model.Hyper with { Repulsion = spec with { DensityMax = null, DensityWidth = 0, DensityEnergy = null } }, model.E0, model.Parameters);
        var core = plain.Core!;
        int ns = plain.SpeciesNumbers.Length;
        var max = new double[ns];
        var edge = new double[ns];
        using var computer = plain.CreateComputer(new ComputeOptions { Backend = Backend.Cpu, Precision = Precision.Float64 });
        var result = new ForceResult();
        var builder = new NeighborListBuilder();
        var list = builder.Create(NeighborListKind.Full);
        int frame = 0;
        foreach (var s in structures)
        {
            var batch = SystemBatch.FromStructure(s);
            var types = new int[batch.AtomCount];
            for (int i = 0; i < types.Length; i++)
                if ((types[i] = SpeciesNeighbours.TypeOf(plain.SpeciesNumbers, batch.Numbers[i])) < 0)
                    throw new ArgumentException($"frame {frame}, atom {i}: element {batch.Numbers[i]} is not one of the model's species");
            computer.Compute(batch, ForceOutputs.Energy | ForceOutputs.AtomEnergies, result);
            builder.Build(batch, plain.Cutoff, list);
            for (int i = 0; i < batch.AtomCount; i++)
            {
                double n = 0, coreEnergy = 0;
                for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                {
                    double r = list.Displacement(batch, i, k).Norm;
                    if (r >= plain.Cutoff) continue;
                    int tj = types[list.Neighbors[k]];
                    n += core.NeighbourWeight(types[i], tj, r, out _);
                    coreEnergy += 0.5 * core.PairEnergy(types[i], tj, r, out _);
                }
                if (n > max[types[i]]) { max[types[i]] = n; edge[types[i]] = result.AtomEnergies[i] - plain.E0[types[i]] - coreEnergy; }
            }
            frame++;
        }
        return (max, edge);
    }

    /// <summary>
    /// The density fade for data whose largest densities are <paramref name="densityMax"/>: N_s = that maximum (a species
    /// absent from the data takes the largest N of the others), relative width <paramref name="width"/>, and the learned energies
    /// <paramref name="edgeEnergy"/> the fade tends to (null: 0, the learned energy fades to nothing).
    /// </summary>
    public static CoreRepulsionSpec WithFade(CoreRepulsionSpec spec, double[] densityMax, double width, double[]? edgeEnergy = null)
    {
        if (!(width > 0 && double.IsFinite(width))) throw new ArgumentException($"the density fade's width must be positive, not {width}");
        double fallback = densityMax.Max();
        if (!(fallback > 0)) throw new ArgumentException("no atom of the model's species has a neighbour within the cutoff in the data");
        return spec with { DensityMax = densityMax.Select(x => x > 0 ? x : fallback).ToArray(), DensityWidth = width, DensityEnergy = edgeEnergy?.ToArray() };
    }
}
