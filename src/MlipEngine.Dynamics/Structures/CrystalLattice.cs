using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Dynamics.Structures;

/// <summary>Periodic crystals built from a lattice name, element, lattice constant(s) and repeats.</summary>
public static class CrystalLattice
{
    public static readonly string[] Names = ["fcc", "bcc", "hcp", "diamond", "sc"];

    /// <summary>
    /// Conventional cells (orthorhombic; hcp uses the orthohexagonal 4-atom cell a × √3a × c) repeated
    /// nx × ny × nz times. <paramref name="c"/> is hcp's c (default the ideal √(8/3)·a).
    /// </summary>
    public static AtomicStructure Build(string lattice, string element, double a, int nx, int ny, int nz, double? c = null)
    {
        if (!(a > 0)) throw new ArgumentException($"lattice constant must be positive, found {a}");
        if (nx < 1 || ny < 1 || nz < 1) throw new ArgumentException("repeat must be three positive integers");
        if (!Element.TryAtomicNumber(element, out int z)) throw new ArgumentException($"unknown element '{element}'");
        (double lx, double ly, double lz, double[] basis) = lattice switch
        {
            "sc" => (a, a, a, new double[] { 0, 0, 0 }),
            "bcc" => (a, a, a, new double[] { 0, 0, 0, 0.5, 0.5, 0.5 }),
            "fcc" => (a, a, a, new double[] { 0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0 }),
            "diamond" => (a, a, a, new double[] { 0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0,
                                                     0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75, 0.25 }),
            "hcp" => (a, Math.Sqrt(3) * a, c ?? Math.Sqrt(8.0 / 3.0) * a,
                      new double[] { 0, 0, 0, 0.5, 0.5, 0, 0.5, 5.0 / 6.0, 0.5, 0, 1.0 / 3.0, 0.5 }),
            _ => throw new ArgumentException($"unknown lattice '{lattice}' (known: {string.Join(", ", Names)})"),
        };
        int nb = basis.Length / 3;
        long count = (long)nb * nx * ny * nz;
        if (count > int.MaxValue / 4) throw new ArgumentException($"{count} atoms is too many");
        var pos = new Vec3[count];
        int k = 0;
        for (int ix = 0; ix < nx; ix++)
            for (int iy = 0; iy < ny; iy++)
                for (int iz = 0; iz < nz; iz++)
                    for (int bi = 0; bi < nb; bi++)
                        pos[k++] = new Vec3((ix + basis[3 * bi]) * lx, (iy + basis[3 * bi + 1]) * ly, (iz + basis[3 * bi + 2]) * lz);
        var numbers = new int[count];
        Array.Fill(numbers, z);
        return new AtomicStructure(numbers, pos, Cell.Orthorhombic(nx * lx, ny * ly, nz * lz));
    }
}
