using MlipEngine.Dynamics.Randomness;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Generation;

/// <summary>
/// The variation operators of an evolutionary search (USPEX, Oganov &amp; Glass 2006; ASE's GA; Deaven &amp; Ho
/// 1995 for clusters). Each makes a child from one or two relaxed parents of the same composition, keeps the
/// parents' atom order per species, and returns null when it cannot (the caller tries again or falls back to a
/// fresh random candidate). None of them checks minimum distances: the caller does, with the generator's.
/// </summary>
public static class VariationOperators
{
    /// <summary>
    /// Cut-and-splice heredity. Crystals: both parents are shifted by random fractions along a random lattice
    /// axis k and cut at a random fraction c ∈ [¼, ¾] of it; the child takes parent A's atoms with f_k &lt; c and
    /// B's with f_k ≥ c, on the lattice H = w·H_A + (1 − w)·H_B (w ∈ [¼, ¾]) scaled to the volume
    /// w·V_A + (1 − w)·V_B, at the atoms' fractional coordinates. Clusters (Deaven–Ho): both parents are
    /// rotated at random about their centres and the child takes A's atoms above and B's below a plane. Per
    /// species, surplus atoms farthest from the cut are dropped and missing ones are taken from the other
    /// parent's side, nearest to the cut first, so the composition is the parents'.
    /// </summary>
    public static AtomicStructure? Heredity(AtomicStructure a, AtomicStructure b, Xoshiro256 rng)
    {
        if (a.AtomCount != b.AtomCount) return null;
        bool periodic = a.Cell.FullyPeriodic;
        double w = 0.25 + 0.5 * rng.NextDouble();
        Vec3[] pa, pb;            // fractional (crystals) or rotated Cartesian (clusters) coordinates
        int axis;
        double cut;
        if (periodic)
        {
            axis = (int)Math.Min(2, Math.Floor(3 * rng.NextDouble()));
            cut = 0.25 + 0.5 * rng.NextDouble();
            pa = Shifted(Fractional(a), axis, rng.NextDouble());
            pb = Shifted(Fractional(b), axis, rng.NextDouble());
        }
        else
        {
            axis = 2;
            cut = 0;
            pa = Centred(a, RandomRotation(rng));
            pb = Centred(b, RandomRotation(rng));
        }
        int n = a.AtomCount;
        var positions = new Vec3[n];
        foreach (int z in a.Numbers.Distinct())
        {
            var slots = Enumerable.Range(0, n).Where(i => a.Numbers[i] == z).ToList();
            var fromB = Enumerable.Range(0, n).Where(i => b.Numbers[i] == z).ToList();
            if (fromB.Count != slots.Count) return null;
            // A's side is below the cut (crystals) or above the plane (clusters). An atom's depth is how far inside
            // its own parent's side it lies (negative on the other side); the deepest atoms of either parent are kept.
            double DepthA(Vec3 p) => periodic ? cut - p[axis] : p[axis] - cut;
            var chosen = slots.Select(i => (P: pa[i], Depth: DepthA(pa[i])))
                .Concat(fromB.Select(i => (P: pb[i], Depth: -DepthA(pb[i]))))
                .OrderByDescending(c => c.Depth).Take(slots.Count).Select(c => c.P).ToList();
            for (int k = 0; k < slots.Count; k++) positions[slots[k]] = chosen[k];
        }
        if (!periodic) return new AtomicStructure((int[])a.Numbers.Clone(), positions, Cell.Open);
        var h = w * a.Cell.Matrix + (1 - w) * b.Cell.Matrix;
        double volume = w * a.Cell.Volume + (1 - w) * b.Cell.Volume;
        double det = Math.Abs(h.Determinant);
        if (!(det > 1e-6 * volume)) return null;
        h = Math.Cbrt(volume / det) * h;
        return new AtomicStructure((int[])a.Numbers.Clone(), positions.Select(f => f * h).ToArray(), new Cell(h, true));
    }

    /// <summary>
    /// Lattice strain: H' = H·(I + ε) with ε symmetric, each independent component normal with standard
    /// deviation <paramref name="sigma"/>, then scaled back to the parent's volume; atoms keep their fractional
    /// coordinates. Clusters have no lattice: null.
    /// </summary>
    public static AtomicStructure? LatticeStrain(AtomicStructure a, Xoshiro256 rng, double sigma)
    {
        if (!a.Cell.FullyPeriodic) return null;
        double xx = sigma * rng.NextGaussian(), yy = sigma * rng.NextGaussian(), zz = sigma * rng.NextGaussian();
        double xy = sigma * rng.NextGaussian(), xz = sigma * rng.NextGaussian(), yz = sigma * rng.NextGaussian();
        var strain = new Mat3(1 + xx, xy, xz, xy, 1 + yy, yz, xz, yz, 1 + zz);
        var h = a.Cell.Matrix * strain;
        double det = Math.Abs(h.Determinant);
        if (!(det > 1e-6 * a.Cell.Volume)) return null;
        h = Math.Cbrt(a.Cell.Volume / det) * h;
        var f = Fractional(a);
        return new AtomicStructure((int[])a.Numbers.Clone(), f.Select(p => p * h).ToArray(), new Cell(h, true));
    }

    /// <summary>Permutation: the species of <paramref name="swaps"/> random pairs of unlike atoms exchanged (composition kept); null with one species.</summary>
    public static AtomicStructure? Permutation(AtomicStructure a, Xoshiro256 rng, int swaps)
    {
        if (a.Numbers.Distinct().Count() < 2) return null;
        var r = (Vec3[])a.Positions.Clone();
        int n = a.AtomCount;
        for (int s = 0; s < swaps; s++)
        {
            for (int attempt = 0; attempt < 100; attempt++)
            {
                int i = (int)Math.Min(n - 1, Math.Floor(n * rng.NextDouble())), j = (int)Math.Min(n - 1, Math.Floor(n * rng.NextDouble()));
                if (a.Numbers[i] == a.Numbers[j]) continue;
                (r[i], r[j]) = (r[j], r[i]);   // swapping positions of unlike atoms = swapping their species
                break;
            }
        }
        return new AtomicStructure((int[])a.Numbers.Clone(), r, a.Cell);
    }

    private static Vec3[] Fractional(AtomicStructure s)
    {
        var hinv = s.Cell.Matrix.Inverse();
        return s.Positions.Select(r => r * hinv).ToArray();
    }

    /// <summary>Fractional coordinates moved by <paramref name="shift"/> along <paramref name="axis"/> and wrapped into [0, 1).</summary>
    private static Vec3[] Shifted(Vec3[] f, int axis, double shift) => f.Select(p =>
    {
        double x = p.X - Math.Floor(p.X), y = p.Y - Math.Floor(p.Y), z = p.Z - Math.Floor(p.Z);
        switch (axis)
        {
            case 0: x = (x + shift) % 1.0; break;
            case 1: y = (y + shift) % 1.0; break;
            default: z = (z + shift) % 1.0; break;
        }
        return new Vec3(x, y, z);
    }).ToArray();

    private static Vec3[] Centred(AtomicStructure s, Mat3 rotation)
    {
        var centre = Vec3.Zero;
        foreach (var r in s.Positions) centre += r;
        centre /= s.AtomCount;
        return s.Positions.Select(r => rotation * (r - centre)).ToArray();
    }

    /// <summary>A uniformly random rotation (Shoemake's quaternion method).</summary>
    private static Mat3 RandomRotation(Xoshiro256 rng)
    {
        double u1 = rng.NextDouble(), u2 = 2 * Math.PI * rng.NextDouble(), u3 = 2 * Math.PI * rng.NextDouble();
        double a = Math.Sqrt(1 - u1), b = Math.Sqrt(u1);
        double qw = a * Math.Sin(u2), qx = a * Math.Cos(u2), qy = b * Math.Sin(u3), qz = b * Math.Cos(u3);
        return new Mat3(
            1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qz * qw), 2 * (qx * qz + qy * qw),
            2 * (qx * qy + qz * qw), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qx * qw),
            2 * (qx * qz - qy * qw), 2 * (qy * qz + qx * qw), 1 - 2 * (qx * qx + qy * qy));
    }
}
