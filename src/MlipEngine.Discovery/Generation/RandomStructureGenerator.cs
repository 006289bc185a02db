using MlipEngine.Dynamics.Randomness;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Generation;

/// <summary>A generated candidate, or why none could be placed.</summary>
public sealed record GeneratedCandidate(AtomicStructure? Structure, string? Failure)
{
    public bool Placed => Structure != null;
    /// <summary>Space group the candidate was built in (symmetric generation), else null.</summary>
    public int? SpaceGroup { get; init; }
}

/// <summary>
/// Random "sensible" candidates in the spirit of AIRSS' <c>buildcell</c>: atoms placed one at a time at
/// uniformly random points, each kept only if it is at least the pair's minimum distance from every atom
/// placed before (and their periodic images). Clusters fill a sphere of N·V_atom in an open cell; crystals
/// a random cell (lengths within <see cref="GeneratorSettings.MaxAspectRatio"/>, angles in
/// [θ_min, 180° − θ_min]) scaled to N·V_atom. Deterministic: candidate k of seed s depends only on (s, k).
/// </summary>
public sealed class RandomStructureGenerator
{
    private readonly GeneratorSettings _settings;
    private readonly double _volumePerAtom;
    private readonly double[,] _minDistance2;
    private readonly int[] _species;     // per atom: index into the distinct species
    private readonly SymmetricPlacement? _symmetric;

    public RandomStructureGenerator(GeneratorSettings settings)
    {
        settings.Validate();
        _settings = settings;
        _volumePerAtom = settings.EffectiveVolumePerAtom();
        var distinct = settings.Numbers.Distinct().ToArray();
        _species = settings.Numbers.Select(z => Array.IndexOf(distinct, z)).ToArray();
        _minDistance2 = new double[distinct.Length, distinct.Length];
        for (int a = 0; a < distinct.Length; a++)
            for (int b = 0; b < distinct.Length; b++)
            {
                double d = settings.MinDistance(distinct[a], distinct[b]);
                _minDistance2[a, b] = d * d;
            }
        if (settings.SpaceGroups is { } groups)
            _symmetric = new SymmetricPlacement(this, groups, _species, _minDistance2);
    }

    public GeneratorSettings Settings => _settings;
    /// <summary>Volume per atom in use, Å³.</summary>
    public double VolumePerAtom => _volumePerAtom;

    /// <summary>Candidate number <paramref name="index"/> of the stream <paramref name="seed"/>.</summary>
    public GeneratedCandidate Generate(ulong seed, long index)
    {
        var rng = Xoshiro256.Stream(seed, (ulong)index);
        int n = _settings.Numbers.Length;
        for (int restart = 0; restart < _settings.Restarts; restart++)
        {
            Cell cell;
            if (_symmetric is { } symmetric)
            {
                var placed = symmetric.TryPlace(rng);
                if (placed != null) return new GeneratedCandidate(placed.Value.Structure, null) { SpaceGroup = placed.Value.SpaceGroup };
            }
            else if (_settings.Cell == CandidateCell.Cluster)
            {
                cell = Cell.Open;
                double radius = Math.Cbrt(3 * n * _volumePerAtom / (4 * Math.PI));
                var positions = PlaceAll(rng, () => RandomInBall(rng) * radius, cell, periodic: false);
                if (positions != null) return new GeneratedCandidate(new AtomicStructure((int[])_settings.Numbers.Clone(), positions, cell), null);
            }
            else
            {
                cell = RandomCell(rng, n * _volumePerAtom);
                var h = cell.Matrix;
                var positions = PlaceAll(rng, () => new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble()) * h, cell, periodic: true);
                if (positions != null) return new GeneratedCandidate(new AtomicStructure((int[])_settings.Numbers.Clone(), positions, cell), null);
            }
        }
        if (_symmetric != null)
            return new GeneratedCandidate(null, $"could not place {n} atoms at the minimum distances in {_volumePerAtom:G4} Å³/atom in any of {_settings.Restarts} random {(_settings.Cell == CandidateCell.Cluster ? "point" : "space")} groups");
        return new GeneratedCandidate(null,
            $"could not place {n} atoms at the minimum distances in {_volumePerAtom:G4} Å³/atom after {_settings.Restarts} starts × {_settings.AttemptsPerAtom} tries per atom");
    }

    /// <summary>True when every pair of atoms of <paramref name="s"/> (periodic images included) is at least its minimum distance apart.</summary>
    public bool HonoursMinDistances(AtomicStructure s) => ShortestRelativeDistance(s) >= 1;

    /// <summary>True when atom <paramref name="i"/> of <paramref name="s"/> is at least its minimum distance from every other atom (and, periodic, its own images).</summary>
    public bool AtomClears(AtomicStructure s, int i)
    {
        bool periodic = s.Cell.FullyPeriodic;
        Mat3 h = s.Cell.Matrix, hinv = periodic ? h.Inverse() : Mat3.Identity;
        int si = SpeciesIndex(s.Numbers[i]);
        for (int j = 0; j < s.AtomCount; j++)
        {
            if (j == i) continue;
            var d = s.Positions[j] - s.Positions[i];
            double d2 = periodic ? MinImageDistance2(d, s.Cell, h, hinv) : d.NormSquared;
            if (d2 < _minDistance2[si, SpeciesIndex(s.Numbers[j])]) return false;
        }
        return true;
    }

    private int SpeciesIndex(int z)
    {
        for (int k = 0; k < _settings.Numbers.Length; k++) if (_settings.Numbers[k] == z) return _species[k];
        throw new ArgumentException($"element Z={z} is not in the composition");
    }

    /// <summary>
    /// Smallest ratio d_ij / d_min(Z_i, Z_j) over pairs (and, in periodic cells, an atom and its own images);
    /// +∞ for one atom in an open cell.
    /// </summary>
    public double ShortestRelativeDistance(AtomicStructure s)
    {
        var distinct = _settings.Numbers.Distinct().ToArray();
        bool periodic = s.Cell.FullyPeriodic;
        Mat3 h = s.Cell.Matrix, hinv = periodic ? h.Inverse() : Mat3.Identity;
        double worst = double.PositiveInfinity;
        for (int i = 0; i < s.AtomCount; i++)
        {
            int si = Array.IndexOf(distinct, s.Numbers[i]);
            if (periodic) worst = Math.Min(worst, Math.Sqrt(ShortestLatticeVector2(s.Cell) / _minDistance2[si, si]));
            for (int j = i + 1; j < s.AtomCount; j++)
            {
                int sj = Array.IndexOf(distinct, s.Numbers[j]);
                var d = s.Positions[j] - s.Positions[i];
                double d2 = periodic ? MinImageDistance2(d, s.Cell, h, hinv) : d.NormSquared;
                worst = Math.Min(worst, Math.Sqrt(d2 / _minDistance2[si, sj]));
            }
        }
        return worst;
    }

    private Vec3[]? PlaceAll(Xoshiro256 rng, Func<Vec3> draw, Cell cell, bool periodic)
    {
        int n = _settings.Numbers.Length;
        var r = new Vec3[n];
        Mat3 h = cell.Matrix, hinv = periodic ? h.Inverse() : Mat3.Identity;
        if (periodic)
        {
            // An atom must also clear its own images: the shortest lattice vector bounds every like pair.
            double shortest2 = ShortestLatticeVector2(cell);
            for (int s = 0; s < _minDistance2.GetLength(0); s++) if (shortest2 < _minDistance2[s, s]) return null;
        }
        for (int i = 0; i < n; i++)
        {
            bool placed = false;
            for (int attempt = 0; attempt < _settings.AttemptsPerAtom && !placed; attempt++)
            {
                var trial = draw();
                placed = true;
                for (int j = 0; j < i && placed; j++)
                {
                    double d2 = periodic ? MinImageDistance2(trial - r[j], cell, h, hinv) : (trial - r[j]).NormSquared;
                    if (d2 < _minDistance2[_species[i], _species[j]]) placed = false;
                }
                if (placed) r[i] = trial;
            }
            if (!placed) return null;
        }
        return r;
    }

    internal static Vec3 RandomInBall(Xoshiro256 rng)
    {
        while (true)
        {
            var v = new Vec3(2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1);
            if (v.NormSquared <= 1) return v;
        }
    }

    /// <summary>
    /// Lengths a, b, c ∈ [1, ρ] and angles α, β, γ ∈ [θ_min, 180° − θ_min] (redrawn until the cell's
    /// volume is at least half that of a box with the same lengths, so it is not nearly flat), scaled to
    /// <paramref name="volume"/>. Lower-triangular H: a along x, b in the xy plane. A
    /// <paramref name="system"/> other than triclinic ties lengths and angles as its conventional cell does
    /// (monoclinic with b unique, the trigonal groups on hexagonal axes).
    /// </summary>
    internal Cell RandomCell(Xoshiro256 rng, double volume, LatticeSystem system = LatticeSystem.Triclinic)
    {
        double lo = _settings.MinCellAngle * Math.PI / 180, hi = Math.PI - lo;
        const double right = Math.PI / 2;
        while (true)
        {
            double a = 1 + (_settings.MaxAspectRatio - 1) * rng.NextDouble();
            double b = 1 + (_settings.MaxAspectRatio - 1) * rng.NextDouble();
            double c = 1 + (_settings.MaxAspectRatio - 1) * rng.NextDouble();
            double al = lo + (hi - lo) * rng.NextDouble(), be = lo + (hi - lo) * rng.NextDouble(), ga = lo + (hi - lo) * rng.NextDouble();
            switch (system)
            {
                case LatticeSystem.Monoclinic: al = ga = right; break;
                case LatticeSystem.Orthorhombic: al = be = ga = right; break;
                case LatticeSystem.Tetragonal: b = a; al = be = ga = right; break;
                case LatticeSystem.Hexagonal: b = a; al = be = right; ga = 2 * Math.PI / 3; break;
                case LatticeSystem.Cubic: b = c = a; al = be = ga = right; break;
            }
            double ca = Math.Cos(al), cb = Math.Cos(be), cg = Math.Cos(ga), sg = Math.Sin(ga);
            double f = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
            if (f < 0.25) continue;   // √f < ½
            var va = new Vec3(a, 0, 0);
            var vb = new Vec3(b * cg, b * sg, 0);
            double cx = c * cb, cy = c * (ca - cb * cg) / sg;
            var vc = new Vec3(cx, cy, Math.Sqrt(Math.Max(0, c * c - cx * cx - cy * cy)));
            var h = Mat3.FromRows(va, vb, vc);
            double scale = Math.Cbrt(volume / Math.Abs(h.Determinant));
            return new Cell(scale * h, true);
        }
    }

    /// <summary>Squared length of the shortest non-zero lattice vector among n·H, n ∈ {−2..2}³.</summary>
    public static double ShortestLatticeVector2(Cell cell)
    {
        double best = double.PositiveInfinity;
        for (int i = -2; i <= 2; i++)
            for (int j = -2; j <= 2; j++)
                for (int k = -2; k <= 2; k++)
                {
                    if (i == 0 && j == 0 && k == 0) continue;
                    double d2 = (i * cell.A + j * cell.B + k * cell.C).NormSquared;
                    if (d2 < best) best = d2;
                }
        return best;
    }

    /// <summary>Squared minimum-image length of <paramref name="d"/>: fractional parts reduced to [−½, ½), then the 27 nearest images tried.</summary>
    internal static double MinImageDistance2(Vec3 d, Cell cell, Mat3 h, Mat3 hinv)
    {
        var f = d * hinv;
        f = new Vec3(f.X - Math.Round(f.X), f.Y - Math.Round(f.Y), f.Z - Math.Round(f.Z));
        var e0 = f * h;
        double best = double.PositiveInfinity;
        for (int a = -1; a <= 1; a++)
            for (int b = -1; b <= 1; b++)
                for (int c = -1; c <= 1; c++)
                {
                    double d2 = (e0 + a * cell.A + b * cell.B + c * cell.C).NormSquared;
                    if (d2 < best) best = d2;
                }
        return best;
    }
}
