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
    private readonly bool _cluster;

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
        _cluster = owner.Settings.Cell == CandidateCell.Cluster;
        // Every orbit of a crystal is a whole number of centring copies, so each species count must be a multiple
        // of the centring; a cluster uses only the group's rotations.
        _groups = groups.Distinct().Where(g => _cluster || _counts.All(c => c % Centring(g) == 0)).ToArray();
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
            var placed = _cluster ? TryPointGroup(rng, group) : TryGroup(rng, group);
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

        var space = new CrystalSpace(ops, h);
        var bySpecies = Fill(() => new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble()), space,
            d => RandomStructureGenerator.MinImageDistance2(d, cell, h, hinv));
        return bySpecies == null ? null : Assemble(bySpecies, cell);
    }

    /// <summary>
    /// The 32 crystallographic point groups (Hermann–Mauguin symbols), each with a symmorphic primitive space
    /// group whose rotations are that point group (trigonal and hexagonal ones on hexagonal axes).
    /// </summary>
    public static readonly IReadOnlyList<(string Symbol, int SpaceGroup)> PointGroups =
    [
        ("1", 1), ("-1", 2), ("2", 3), ("m", 6), ("2/m", 10), ("222", 16), ("mm2", 25), ("mmm", 47),
        ("4", 75), ("-4", 81), ("4/m", 83), ("422", 89), ("4mm", 99), ("-42m", 111), ("4/mmm", 123),
        ("3", 143), ("-3", 147), ("32", 149), ("3m", 156), ("-3m", 162),
        ("6", 168), ("-6", 174), ("6/m", 175), ("622", 177), ("6mm", 183), ("-6m2", 187), ("6/mmm", 191),
        ("23", 195), ("m-3", 200), ("432", 207), ("-43m", 215), ("m-3m", 221),
    ];

    /// <summary>
    /// The point group of space group <paramref name="number"/> as Cartesian rotation matrices (column vectors)
    /// about the origin: the distinct rotation parts R of its operations, taken from the lattice basis of a unit
    /// cell of its system to Cartesian axes, R_cart = Hᵀ·R·H⁻ᵀ (H's rows the cell vectors; hexagonal axes
    /// a = (1, 0, 0), b = (−½, √3/2, 0), c = (0, 0, 1), otherwise the unit cube, on which R is orthogonal).
    /// </summary>
    public static Mat3[] PointGroupRotations(int number)
    {
        var h = SystemOf(number) == LatticeSystem.Hexagonal
            ? Mat3.FromRows(new Vec3(1, 0, 0), new Vec3(-0.5, Math.Sqrt(3) / 2, 0), new Vec3(0, 0, 1))
            : Mat3.Identity;
        Mat3 ht = h.Transpose(), htInv = ht.Inverse();
        var rotations = new List<Mat3>();
        foreach (var op in Spglib.SpaceGroupOperations(number))
        {
            var r = Mat3.FromRowMajor(op.Rotation.Select(v => (double)v).ToArray());
            var cart = ht * r * htInv;
            if (!rotations.Any(q => Same(q, cart))) rotations.Add(cart);
        }
        return rotations.ToArray();

        static bool Same(Mat3 a, Mat3 b)
        {
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    if (Math.Abs(a[i, j] - b[i, j]) > 1e-9) return false;
            return true;
        }
    }

    /// <summary>
    /// A cluster with the point group of <paramref name="group"/>: orbits of random points in the sphere of
    /// N·V_atom, snapped as for crystals (a point near the centre collapses onto it: an atom on every element).
    /// </summary>
    private AtomicStructure? TryPointGroup(Xoshiro256 rng, int group)
    {
        var rotations = PointGroupRotations(group);
        int n = _species.Length;
        double radius = Math.Cbrt(3 * n * _owner.VolumePerAtom / (4 * Math.PI));
        var bySpecies = Fill(() => RandomStructureGenerator.RandomInBall(rng) * radius, new ClusterSpace(rotations), d => d.NormSquared);
        return bySpecies == null ? null : Assemble(bySpecies, Cell.Open);
    }

    /// <summary>
    /// Each species filled with snapped orbits of random points from <paramref name="draw"/> that fit its atoms left
    /// and clear the minimum distances (<paramref name="distance2"/>: squared length of a Cartesian difference);
    /// null when a species cannot be filled in <see cref="OrbitAttempts"/> points.
    /// </summary>
    private List<Vec3>[]? Fill(Func<Vec3> draw, IOrbitSpace space, Func<Vec3, double> distance2)
    {
        var placed = new List<(Vec3 R, int Species)>(_species.Length);
        var bySpecies = new List<Vec3>[_counts.Length];
        for (int s = 0; s < _counts.Length; s++)
        {
            bySpecies[s] = new List<Vec3>(_counts[s]);
            double merge = Math.Sqrt(_minDistance2[s, s]);
            for (int attempt = 0; attempt < OrbitAttempts && bySpecies[s].Count < _counts[s]; attempt++)
            {
                var orbit = SnappedOrbit(space, draw(), merge);
                if (orbit.Count > _counts[s] - bySpecies[s].Count) continue;
                if (!Clears(orbit, s, placed, distance2)) continue;
                foreach (var r in orbit) { placed.Add((r, s)); bySpecies[s].Add(r); }
            }
            if (bySpecies[s].Count < _counts[s]) return null;
        }
        return bySpecies;
    }

    private AtomicStructure Assemble(List<Vec3>[] bySpecies, Cell cell)
    {
        var positions = new Vec3[_species.Length];
        var next = new int[_counts.Length];
        for (int i = 0; i < positions.Length; i++) positions[i] = bySpecies[_species[i]][next[_species[i]]++];
        return new AtomicStructure((int[])_owner.Settings.Numbers.Clone(), positions, cell);
    }

    /// <summary>True when every orbit point is at least its minimum distance from the others and from the atoms placed so far.</summary>
    private bool Clears(List<Vec3> orbit, int s, List<(Vec3 R, int Species)> placed, Func<Vec3, double> distance2)
    {
        for (int a = 0; a < orbit.Count; a++)
        {
            for (int b = a + 1; b < orbit.Count; b++)
                if (distance2(orbit[b] - orbit[a]) < _minDistance2[s, s]) return false;
            foreach (var (r, t) in placed)
                if (distance2(orbit[a] - r) < _minDistance2[s, t]) return false;
        }
        return true;
    }

    /// <summary>
    /// Cartesian positions of the orbit of fractional point <paramref name="x"/> under space-group operations
    /// <paramref name="ops"/> in the cell <paramref name="h"/>, after snapping it to the special position its
    /// images within <paramref name="merge"/> Å point to (see the class summary).
    /// </summary>
    public static List<Vec3> SnappedOrbit(Vec3 x, IReadOnlyList<SymmetryOperation> ops, Cell cell, Mat3 h, double merge) =>
        SnappedOrbit(new CrystalSpace(ops, h), x, merge);

    /// <summary>The same for a cluster: Cartesian point <paramref name="x"/> under point-group rotations about the origin.</summary>
    public static List<Vec3> SnappedOrbit(Vec3 x, IReadOnlyList<Mat3> rotations, double merge) =>
        SnappedOrbit(new ClusterSpace(rotations), x, merge);

    /// <summary>Where orbits live: fractional coordinates modulo the lattice (crystals) or Cartesian space (clusters).</summary>
    private interface IOrbitSpace
    {
        int Operations { get; }
        /// <summary>Image of <paramref name="x"/> under operation <paramref name="k"/>.</summary>
        Vec3 Image(int k, Vec3 x);
        /// <summary>The shortest displacement equivalent to <paramref name="d"/> (modulo the lattice for crystals).</summary>
        Vec3 Shortest(Vec3 d);
        Vec3 Cartesian(Vec3 x);
        /// <summary>The representative written out: wrapped into the cell [0, 1)³ for crystals.</summary>
        Vec3 Canonical(Vec3 x);
    }

    private sealed class CrystalSpace(IReadOnlyList<SymmetryOperation> ops, Mat3 h) : IOrbitSpace
    {
        public int Operations => ops.Count;
        public Vec3 Image(int k, Vec3 x) => ops[k].Apply(x);
        public Vec3 Cartesian(Vec3 x) => x * h;
        public Vec3 Canonical(Vec3 f) => new(f.X - Math.Floor(f.X), f.Y - Math.Floor(f.Y), f.Z - Math.Floor(f.Z));

        /// <summary>Fractional parts reduced to [−½, ½], then the 27 neighbouring images tried for the shortest Cartesian length.</summary>
        public Vec3 Shortest(Vec3 d)
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

    private sealed class ClusterSpace(IReadOnlyList<Mat3> rotations) : IOrbitSpace
    {
        public int Operations => rotations.Count;
        public Vec3 Image(int k, Vec3 x) => rotations[k] * x;
        public Vec3 Shortest(Vec3 d) => d;
        public Vec3 Cartesian(Vec3 x) => x;
        public Vec3 Canonical(Vec3 x) => x;
    }

    /// <summary>
    /// Snap (x ← x + mean of the displacements to the images closer than <paramref name="merge"/>, to a fixed
    /// point), then list the distinct images (closer than 10⁻⁴ Å: the same atom) in Cartesian coordinates.
    /// </summary>
    private static List<Vec3> SnappedOrbit(IOrbitSpace space, Vec3 x, double merge)
    {
        double merge2 = merge * merge;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var sum = Vec3.Zero;
            int near = 0;
            for (int k = 0; k < space.Operations; k++)
            {
                var d = space.Shortest(space.Image(k, x) - x);
                if (space.Cartesian(d).NormSquared < merge2) { sum += d; near++; }
            }
            var shift = sum / near;   // the identity is always near, so near ≥ 1
            x += shift;
            if (space.Cartesian(shift).NormSquared < 1e-20) break;
        }
        var orbit = new List<Vec3>(space.Operations);
        var images = new List<Vec3>(space.Operations);
        for (int k = 0; k < space.Operations; k++)
        {
            var y = space.Image(k, x);
            bool seen = false;
            foreach (var f in images)
                if (space.Cartesian(space.Shortest(y - f)).NormSquared < 1e-8) { seen = true; break; }
            if (seen) continue;
            images.Add(y);
            orbit.Add(space.Cartesian(space.Canonical(y)));
        }
        return orbit;
    }
}
