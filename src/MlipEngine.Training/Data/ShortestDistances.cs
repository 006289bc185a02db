using MlipEngine.Neighbors;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;

namespace MlipEngine.Training.Data;

/// <summary>
/// The shortest interatomic distance per species pair over a set of structures (periodic images
/// included): where a model's training data ends at short range, and so where its ZBL core
/// (<see cref="CoreRepulsion"/>) should take over.
/// </summary>
public static class ShortestDistances
{
    /// <summary>
    /// d_min[ti·ns + tj] (Å, symmetric) for the species of <paramref name="species"/> (atomic numbers, type
    /// order); +∞ for a pair that never comes closer than <paramref name="reach"/>. Atoms of other elements are ignored.
    /// </summary>
    public static double[] PerPair(IEnumerable<AtomicStructure> structures, IReadOnlyList<int> species, double reach = 4.0)
    {
        int ns = species.Count;
        var d = Enumerable.Repeat(double.PositiveInfinity, ns * ns).ToArray();
        SpeciesNeighbours.ForEach(structures, species, reach, NeighborListKind.Half, (ti, tj, r) =>
        {
            if (r < d[ti * ns + tj]) d[ti * ns + tj] = d[tj * ns + ti] = r;
        });
        return d;
    }

    /// <summary>
    /// Core radii from the data: r_out = the pair's shortest distance (rounded down to 0.01 Å) so the
    /// learned model is untouched on every training pair, r_in = r_out − <paramref name="width"/>. A pair
    /// absent from the data takes the smallest r_out of the pairs present.
    /// </summary>
    public static CoreRepulsionSpec CoreRadii(double[] shortest, int species, double width)
    {
        if (!(width > 0)) throw new ArgumentException($"the core's switching width must be positive, not {width}");
        var seen = shortest.Where(double.IsFinite).ToArray();
        if (seen.Length == 0) throw new ArgumentException("no pair of atoms of the model's species lies within reach in the data");
        double fallback = seen.Min();
        var outer = new double[species * species]; var inner = new double[species * species];
        for (int p = 0; p < outer.Length; p++)
        {
            outer[p] = Math.Floor(100 * (double.IsFinite(shortest[p]) ? shortest[p] : fallback)) / 100;
            inner[p] = outer[p] - width;
            if (inner[p] <= 0) throw new ArgumentException($"the shortest distance {outer[p]} Å leaves no room for a switching width of {width} Å");
        }
        return new CoreRepulsionSpec(inner, outer);
    }
}
