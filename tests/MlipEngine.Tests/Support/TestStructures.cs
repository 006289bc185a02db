using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Tests.Support;

/// <summary>Structures shared by tests: lattices, random perturbations, rotations.</summary>
public static class TestStructures
{
    public static AtomicStructure Fcc(string element, double a, int nx, int ny, int nz, double jitter = 0, int seed = 1)
    {
        var basis = new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5) };
        return Lattice(element, a, basis, nx, ny, nz, jitter, seed);
    }

    public static AtomicStructure Bcc(string element, double a, int nx, int ny, int nz, double jitter = 0, int seed = 1)
    {
        var basis = new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0.5) };
        return Lattice(element, a, basis, nx, ny, nz, jitter, seed);
    }

    /// <summary>Diamond: the fcc basis and the same four sites shifted by (¼, ¼, ¼), in that order (8 atoms per cube).</summary>
    public static AtomicStructure Diamond(string element, double a, int nx, int ny, int nz, double jitter = 0, int seed = 1)
    {
        Vec3[] fcc = [new(0, 0, 0), new(0.5, 0.5, 0), new(0.5, 0, 0.5), new(0, 0.5, 0.5)];
        return Lattice(element, a, [.. fcc, .. fcc.Select(f => f + new Vec3(0.25, 0.25, 0.25))], nx, ny, nz, jitter, seed);
    }

    public static AtomicStructure Lattice(string element, double a, Vec3[] basis, int nx, int ny, int nz, double jitter, int seed)
    {
        var rng = new Random(seed);
        int z = Element.AtomicNumber(element);
        var pos = new List<Vec3>();
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++)
                for (int k = 0; k < nz; k++)
                    foreach (var b in basis)
                        pos.Add(a * (new Vec3(i, j, k) + b) + jitter * new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5));
        var numbers = Enumerable.Repeat(z, pos.Count).ToArray();
        return new AtomicStructure(numbers, pos.ToArray(), new Cell(Mat3.Diagonal(a * nx, a * ny, a * nz)));
    }

    /// <summary>Random atoms in a cell with a minimum separation (rejection sampling).</summary>
    public static AtomicStructure RandomInCell(Cell cell, int n, int[] numbers, double minDistance, int seed, Vec3? openSpan = null)
    {
        var rng = new Random(seed);
        var pos = new List<Vec3>();
        int guard = 0;
        while (pos.Count < n && guard++ < 200000)
        {
            Vec3 r;
            if (cell.AnyPeriodic && cell.IsNonSingular)
                r = cell.ToCartesian(new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble()));
            else
            {
                var span = openSpan ?? new Vec3(8, 8, 8);
                r = new Vec3(span.X * rng.NextDouble(), span.Y * rng.NextDouble(), span.Z * rng.NextDouble());
            }
            bool ok = true;
            foreach (var q in pos)
                if (MinImageDistance(cell, r, q) < minDistance) { ok = false; break; }
            if (ok) pos.Add(r);
        }
        if (pos.Count < n) throw new InvalidOperationException("could not place atoms");
        var z = new int[n];
        for (int i = 0; i < n; i++) z[i] = numbers[i % numbers.Length];
        return new AtomicStructure(z, pos.ToArray(), cell);
    }

    /// <summary>Smallest distance over images within ±2 cells along periodic axes.</summary>
    public static double MinImageDistance(Cell cell, Vec3 a, Vec3 b)
    {
        double best = double.PositiveInfinity;
        int ra = cell.PeriodicA ? 2 : 0, rb = cell.PeriodicB ? 2 : 0, rc = cell.PeriodicC ? 2 : 0;
        for (int i = -ra; i <= ra; i++)
            for (int j = -rb; j <= rb; j++)
                for (int k = -rc; k <= rc; k++)
                {
                    var d = b - a + new Vec3(i, j, k) * cell.Matrix;
                    best = Math.Min(best, d.Norm);
                }
        return best;
    }

    public static AtomicStructure Transform(AtomicStructure s, Mat3 rotation, Vec3 translation)
    {
        // rows transform as r' = R r  →  row vector r·Rᵀ
        var rt = rotation.Transpose();
        var pos = s.Positions.Select(r => r * rt + translation).ToArray();
        var cell = new Cell(Mat3.FromRows(s.Cell.A * rt, s.Cell.B * rt, s.Cell.C * rt), s.Cell.PeriodicA, s.Cell.PeriodicB, s.Cell.PeriodicC);
        return new AtomicStructure((int[])s.Numbers.Clone(), pos, cell, (double[]?)s.Masses?.Clone());
    }

    public static Mat3 RandomRotation(int seed)
    {
        var rng = new Random(seed);
        var axis = new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5);
        return Mat3.Rotation(axis, 2 * Math.PI * rng.NextDouble());
    }
}

public static class Samples
{
    /// <summary>A 2×2×2 fcc (or bcc) supercell, skewed, jittered by ~0.1 Å, species assigned at random.</summary>
    public static AtomicStructure Periodic(string[] elements, double a, int seed, bool bcc = false, int repeat = 2)
    {
        var s = bcc ? TestStructures.Bcc(elements[0], a, repeat, repeat, repeat) : TestStructures.Fcc(elements[0], a, repeat, repeat, repeat);
        var rng = new Random(seed);
        var shear = Mat3.Identity + Mat3.FromRowMajor([0, 0, 0, 0.12, 0, 0, -0.08, 0.1, 0]);
        var pos = s.Positions.Select(r => r * shear + 0.1 * new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5)).ToArray();
        var z = s.Numbers.Select(_ => Chemistry.Element.AtomicNumber(elements[rng.Next(elements.Length)])).ToArray();
        return new AtomicStructure(z, pos, s.Cell.WithMatrix(s.Cell.Matrix * shear));
    }

    /// <summary>An fcc cluster of the atoms within ~1.1 lattice constants of a site, jittered, open boundaries.</summary>
    public static AtomicStructure Cluster(string[] elements, double a, int seed)
    {
        var s = TestStructures.Fcc(elements[0], a, 3, 3, 3);
        var center = new Vec3(1.5 * a, 1.5 * a, 1.5 * a) + new Vec3(0.01, 0.02, 0.03);
        var rng = new Random(seed);
        var pos = s.Positions.Where(r => (r - center).Norm < 1.05 * a)
            .Select(r => r + 0.1 * new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5)).ToArray();
        var z = pos.Select(_ => Chemistry.Element.AtomicNumber(elements[rng.Next(elements.Length)])).ToArray();
        return new AtomicStructure(z, pos, Cell.Open);
    }
}
