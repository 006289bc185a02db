using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Fingerprints;

/// <summary>
/// A rotation-, translation- and permutation-invariant fingerprint: for every pair of species (A, B),
/// the sorted distances from each A atom to its nearest B neighbours. Clusters use every pair (all N−1
/// neighbours of each atom, so the fingerprint determines the distance multiset); periodic cells use each
/// atom's <see cref="PeriodicNeighbours"/> nearest neighbours over all periodic images (a sorted
/// coordination-shell fingerprint). Two structures are the same when their compositions agree, every
/// sorted distance agrees within a tolerance (Å) and their energies per atom agree within a tolerance.
/// </summary>
public sealed class StructureFingerprint
{
    /// <summary>Neighbours per atom in a periodic fingerprint.</summary>
    public const int PeriodicNeighbours = 12;

    private readonly (int A, int B, double[] Distances)[] _pairs;

    private StructureFingerprint((int, int, double[])[] pairs, double energyPerAtom, int atoms)
    {
        _pairs = pairs; EnergyPerAtom = energyPerAtom; Atoms = atoms;
    }

    public double EnergyPerAtom { get; }
    public int Atoms { get; }

    /// <summary>Fingerprint of <paramref name="s"/> with energy per atom <paramref name="energyPerAtom"/> (eV; NaN to compare geometry only).</summary>
    public static StructureFingerprint Create(AtomicStructure s, double energyPerAtom)
    {
        int n = s.AtomCount;
        var lists = new SortedDictionary<(int, int), List<double>>();
        void Add(int za, int zb, double d)
        {
            var key = za <= zb ? (za, zb) : (zb, za);
            if (!lists.TryGetValue(key, out var l)) lists[key] = l = new List<double>();
            l.Add(d);
        }
        if (!s.Cell.AnyPeriodic)
        {
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                    Add(s.Numbers[i], s.Numbers[j], (s.Positions[j] - s.Positions[i]).Norm);
        }
        else
        {
            var cell = s.Cell;
            // Images n·H with |n_k| ≤ m_k, m_k = ⌈R / face distance k⌉ on periodic axes, R = 3·(V/N)^⅓
            // (a sphere of R holds ~113 atoms on average, well over the 12 neighbours kept).
            double radius = 3 * Math.Cbrt(cell.Volume / n);
            var faces = cell.FaceDistances;
            int ma = cell.PeriodicA ? (int)Math.Ceiling(radius / faces.X) : 0;
            int mb = cell.PeriodicB ? (int)Math.Ceiling(radius / faces.Y) : 0;
            int mc = cell.PeriodicC ? (int)Math.Ceiling(radius / faces.Z) : 0;
            var hinv = cell.Matrix.Inverse();
            var near = new List<(double D, int Z)>();
            for (int i = 0; i < n; i++)
            {
                near.Clear();
                for (int j = 0; j < n; j++)
                {
                    var f = (s.Positions[j] - s.Positions[i]) * hinv;
                    f = new Vec3(cell.PeriodicA ? f.X - Math.Round(f.X) : f.X, cell.PeriodicB ? f.Y - Math.Round(f.Y) : f.Y, cell.PeriodicC ? f.Z - Math.Round(f.Z) : f.Z);
                    var d0 = f * cell.Matrix;
                    for (int a = -ma; a <= ma; a++)
                        for (int b = -mb; b <= mb; b++)
                            for (int c = -mc; c <= mc; c++)
                            {
                                if (i == j && a == 0 && b == 0 && c == 0) continue;
                                double d = (d0 + a * cell.A + b * cell.B + c * cell.C).Norm;
                                if (d <= radius) near.Add((d, s.Numbers[j]));
                            }
                }
                near.Sort((x, y) => x.D.CompareTo(y.D));
                for (int k = 0; k < Math.Min(PeriodicNeighbours, near.Count); k++) Add(s.Numbers[i], near[k].Z, near[k].D);
            }
        }
        var pairs = lists.Select(kv => { var a = kv.Value.ToArray(); Array.Sort(a); return (kv.Key.Item1, kv.Key.Item2, a); }).ToArray();
        return new StructureFingerprint(pairs, energyPerAtom, n);
    }

    /// <summary>Largest difference of corresponding sorted distances, Å (+∞ when compositions or list lengths differ).</summary>
    public double Distance(StructureFingerprint other)
    {
        if (Atoms != other.Atoms || _pairs.Length != other._pairs.Length) return double.PositiveInfinity;
        double worst = 0;
        for (int p = 0; p < _pairs.Length; p++)
        {
            var (a, b, x) = _pairs[p];
            var (oa, ob, y) = other._pairs[p];
            if (a != oa || b != ob || x.Length != y.Length) return double.PositiveInfinity;
            for (int k = 0; k < x.Length; k++) worst = Math.Max(worst, Math.Abs(x[k] - y[k]));
        }
        return worst;
    }

    /// <summary>Same structure: distances within <paramref name="distanceTolerance"/> Å and energies per atom within <paramref name="energyTolerance"/> eV (ignored when either is NaN).</summary>
    public bool Matches(StructureFingerprint other, double distanceTolerance, double energyTolerance)
    {
        if (double.IsFinite(EnergyPerAtom) && double.IsFinite(other.EnergyPerAtom) && Math.Abs(EnergyPerAtom - other.EnergyPerAtom) > energyTolerance) return false;
        return Distance(other) <= distanceTolerance;
    }
}
