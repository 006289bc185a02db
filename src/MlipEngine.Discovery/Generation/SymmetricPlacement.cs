using MlipEngine.Chemistry;
using MlipEngine.Discovery.Search;
using MlipEngine.Discovery.Symmetry;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Generation;

/// <summary>The seven lattice systems, as far as they shape a conventional cell (trigonal groups use hexagonal axes).</summary>
public enum LatticeSystem { Triclinic, Monoclinic, Orthorhombic, Tetragonal, Hexagonal, Cubic }

/// <summary>
/// Random crystals with space-group symmetry, in the spirit of AIRSS' SYMMOPS and PyXtal, but without
/// Wyckoff tables: the operations come from spglib's database and the special positions are found from them.
///
/// Each start draws a space group G (uniformly among the allowed ones whose centring divides every species
/// count), a conventional cell of G's lattice system with volume N·V_atom, and then fills each species with
/// orbits. An orbit starts at a uniform random fractional point x and is snapped to the special position
/// nearest it: with S = {g ∈ G : |g·x − x|_min-image &lt; d_min} (the operations that would put an image of
/// the atom closer than its own minimum distance), x is replaced by the mean of those images,
///   x̄ = x + (1/|S|) Σ_{g∈S} (g·x − x)_min-image,
/// and this is repeated to a fixed point. When S is a group (the site-symmetry group G_x* of a special
/// point x* near x), h·x̄ = x̄ for every h ∈ S, because h permutes S; so x̄ is a Wyckoff position of site
/// symmetry S and its orbit G·x̄ has |G|/|S| distinct points — the Wyckoff multiplicity. A random point far
/// from every special position keeps S = {1} and the general position's |G| images. The orbit is kept
/// when it fits the atoms left of its species and every image clears the minimum distances to the atoms
/// placed so far and to the other images (which also rejects a snap that did not converge onto a group).
/// </summary>
public sealed class SymmetricPlacement
{
    /// <summary>Random orbits tried per species before the start is abandoned.</summary>
    private const int OrbitAttempts = 400;
    /// <summary>Space groups tried per call of <see cref="TryPlace"/>.</summary>
    private const int GroupsPerStart = 4;

    private readonly RandomStructureGenerator _owner;
    private readonly int[] _groups;
    private readonly int[] _species;          // per atom (settings order): species index
    private readonly int[] _counts;           // per species: atoms
    private readonly double[,] _minDistance2;

    internal SymmetricPlacement(RandomStructureGenerator owner, IReadOnlyList<int> groups, int[] species, double[,] minDistance2)
    {
        _owner = owner;
        _species = species;
        _minDistance2 = minDistance2;
        _counts = new int[minDistance2.GetLength(0)];
        foreach (int s in species) _counts[s]++;
        if (groups.Count == 0) throw new SearchSettingsException("symmetry: the list of space groups is empty");
        foreach (int g in groups)
            if (g < 1 || g > 230) throw new SearchSettingsException($"symmetry: space group numbers run 1–230, found {g}");
        if (!Spglib.IsAvailable) throw new SearchSettingsException($"symmetry: {Spglib.MissingMessage}");
        // Every orbit is a whole number of centring copies, so each species count must be a multiple of the centring.
        _groups = groups.Distinct().Where(g => _counts.All(c => c % Centring(g) == 0)).ToArray();
        if (_groups.Length == 0)
            throw new SearchSettingsException($"symmetry: no listed space group fits the composition ({string.Join(", ", owner.Settings.Numbers.GroupBy(z => z).Select(x => $"{Element.Symbol(x.Key)}{x.Count()}"))}): each species count must be a multiple of the group's centring (2 for A/B/C/I, 3 for R on hexagonal axes, 4 for F)");
    }

    /// <summary>Space groups that can be drawn (the allowed ones whose centring fits the composition).</summary>
    public IReadOnlyList<int> Groups => _groups;

    /// <summary>Number of lattice-centring translations of space group <paramref name="number"/> (1 for primitive groups).</summary>
    public static int Centring(int number) => Spglib.SpaceGroupOperations(number).Count(op => op.IsTranslation);

    /// <summary>Lattice system of space group <paramref name="number"/> by the ranges of the International Tables.</summary>
    public static LatticeSystem SystemOf(int number) => number switch
    {
        <= 2 => LatticeSystem.Triclinic,
        <= 15 => LatticeSystem.Monoclinic,
        <= 74 => LatticeSystem.Orthorhombic,
        <= 142 => LatticeSystem.Tetragonal,
        <= 194 => LatticeSystem.Hexagonal,
        _ => LatticeSystem.Cubic,
    };

    /// <summary>A symmetric candidate and the group it was built in, or null when no group drawn this time could be filled.</summary>
    public (AtomicStructure Structure, int SpaceGroup)? TryPlace(Xoshiro256 rng)
    {
        for (int attempt = 0; attempt < GroupsPerStart; attempt++)
        {
            int group = _groups[(int)Math.Min(_groups.Length - 1, Math.Floor(rng.NextDouble() * _groups.Length))];
            var placed = TryGroup(rng, group);
            if (placed != null) return (placed, group);
        }
        return null;
    }

    private AtomicStructure? TryGroup(Xoshiro256 rng, int group)
    {
        var ops = Spglib.SpaceGroupOperations(group);
        int n = _species.Length;
        var cell = _owner.RandomCell(rng, n * _owner.VolumePerAtom, SystemOf(group));
        double shortest2 = RandomStructureGenerator.ShortestLatticeVector2(cell);
        for (int s = 0; s < _counts.Length; s++) if (_counts[s] > 0 && shortest2 < _minDistance2[s, s]) return null;
        Mat3 h = cell.Matrix, hinv = h.Inverse();

        var placed = new List<(Vec3 R, int Species)>(n);
        var bySpecies = new List<Vec3>[_counts.Length];
        for (int s = 0; s < _counts.Length; s++)
        {
            bySpecies[s] = new List<Vec3>(_counts[s]);
            double merge = Math.Sqrt(_minDistance2[s, s]);
            for (int attempt = 0; attempt < OrbitAttempts && bySpecies[s].Count < _counts[s]; attempt++)
            {
                var x = new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble());
                var orbit = SnappedOrbit(x, ops, cell, h, merge);
                if (orbit.Count > _counts[s] - bySpecies[s].Count) continue;
                if (!Clears(orbit, s, placed, cell, h, hinv)) continue;
                foreach (var r in orbit) { placed.Add((r, s)); bySpecies[s].Add(r); }
            }
            if (bySpecies[s].Count < _counts[s]) return null;
        }
        var positions = new Vec3[n];
        var next = new int[_counts.Length];
        for (int i = 0; i < n; i++) positions[i] = bySpecies[_species[i]][next[_species[i]]++];
        return new AtomicStructure((int[])_owner.Settings.Numbers.Clone(), positions, cell);
    }

    private bool Clears(List<Vec3> orbit, int s, List<(Vec3 R, int Species)> placed, Cell cell, Mat3 h, Mat3 hinv)
    {
        for (int a = 0; a < orbit.Count; a++)
        {
            for (int b = a + 1; b < orbit.Count; b++)
                if (RandomStructureGenerator.MinImageDistance2(orbit[b] - orbit[a], cell, h, hinv) < _minDistance2[s, s]) return false;
            foreach (var (r, t) in placed)
                if (RandomStructureGenerator.MinImageDistance2(orbit[a] - r, cell, h, hinv) < _minDistance2[s, t]) return false;
        }
        return true;
    }

    /// <summary>
    /// Cartesian positions of the orbit of fractional point <paramref name="x"/> after snapping it to the
    /// special position its images within <paramref name="merge"/> Å point to (see the class summary).
    /// Images closer than 10⁻⁴ Å to one already listed are the same atom.
    /// </summary>
    public static List<Vec3> SnappedOrbit(Vec3 x, IReadOnlyList<SymmetryOperation> ops, Cell cell, Mat3 h, double merge)
    {
        double merge2 = merge * merge;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var sum = Vec3.Zero;
            int near = 0;
            foreach (var op in ops)
            {
                var d = MinImageFractional(op.Apply(x) - x, cell, h);
                if ((d * h).NormSquared < merge2) { sum += d; near++; }
            }
            var shift = sum / near;   // the identity is always near, so near ≥ 1
            x += shift;
            if ((shift * h).NormSquared < 1e-20) break;
        }
        var orbit = new List<Vec3>(ops.Count);
        var fractional = new List<Vec3>(ops.Count);
        foreach (var op in ops)
        {
            var y = Wrap(op.Apply(x));
            bool seen = false;
            foreach (var f in fractional)
                if ((MinImageFractional(y - f, cell, h) * h).NormSquared < 1e-8) { seen = true; break; }
            if (seen) continue;
            fractional.Add(y);
            orbit.Add(y * h);
        }
        return orbit;
    }

    private static Vec3 Wrap(Vec3 f) => new(f.X - Math.Floor(f.X), f.Y - Math.Floor(f.Y), f.Z - Math.Floor(f.Z));

    /// <summary>The fractional displacement equal to <paramref name="d"/> modulo the lattice with the shortest Cartesian length.</summary>
    private static Vec3 MinImageFractional(Vec3 d, Cell cell, Mat3 h)
    {
        d = new Vec3(d.X - Math.Round(d.X), d.Y - Math.Round(d.Y), d.Z - Math.Round(d.Z));
        Vec3 best = d;
        double best2 = double.PositiveInfinity;
        for (int a = -1; a <= 1; a++)
            for (int b = -1; b <= 1; b++)
                for (int c = -1; c <= 1; c++)
                {
                    var f = new Vec3(d.X + a, d.Y + b, d.Z + c);
                    double d2 = (f * h).NormSquared;
                    if (d2 < best2) { best2 = d2; best = f; }
                }
        return best;
    }
}
