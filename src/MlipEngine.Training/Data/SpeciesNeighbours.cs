using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Training.Data;

/// <summary>
/// The neighbour pairs of a set of structures (periodic images included) between atoms of a model's species, as the data scans
/// (<see cref="ShortestDistances"/>, <see cref="NeighbourDensities"/>) walk them; atoms of other elements are skipped.
/// </summary>
internal static class SpeciesNeighbours
{
    /// <summary>
    /// For each atom i of the species (atomic numbers, type order) in each structure, <paramref name="pair"/>(t_i, t_j, r) for each
    /// of its neighbours j within <paramref name="reach"/> (list order; a half list gives each pair once), then
    /// <paramref name="atomDone"/>(t_i).
    /// </summary>
    public static void ForEach(IEnumerable<AtomicStructure> structures, IReadOnlyList<int> species, double reach, NeighborListKind kind,
        Action<int, int, double> pair, Action<int>? atomDone = null)
    {
        var builder = new NeighborListBuilder();
        var list = builder.Create(kind);
        foreach (var s in structures)
        {
            var batch = SystemBatch.FromStructure(s);
            builder.Build(batch, reach, list);
            for (int i = 0; i < batch.AtomCount; i++)
            {
                int ti = TypeOf(species, batch.Numbers[i]);
                if (ti < 0) continue;
                for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                {
                    int tj = TypeOf(species, batch.Numbers[list.Neighbors[k]]);
                    if (tj >= 0) pair(ti, tj, list.Displacement(batch, i, k).Norm);
                }
                atomDone?.Invoke(ti);
            }
        }
    }

    /// <summary>The type index of atomic number <paramref name="z"/> among <paramref name="species"/>, −1 if absent.</summary>
    public static int TypeOf(IReadOnlyList<int> species, int z)
    {
        for (int k = 0; k < species.Count; k++) if (species[k] == z) return k;
        return -1;
    }
}
