using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;
using MlipEngine.Workflows.ForceFields;

namespace MlipEngine.Bench;

/// <summary>The benchmark systems, identical to those bench/classical/*.lmp build in LAMMPS.</summary>
public static class Systems
{
    /// <summary>Styles and backends (Reference, Cpu, OpenCL) as the CLI composes them.</summary>
    public static ForceFieldCatalog Catalog { get; } = ForceFieldCatalog.CreateDefault();

    /// <summary>fcc lattice, a (Å), repeat³ cubic cells (4 atoms each), ordered as LAMMPS' create_atoms.</summary>
    public static AtomicStructure Fcc(int z, double a, int repeat)
    {
        var basis = new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5) };
        var pos = new List<Vec3>(4 * repeat * repeat * repeat);
        for (int k = 0; k < repeat; k++)
            for (int j = 0; j < repeat; j++)
                for (int i = 0; i < repeat; i++)
                    foreach (var b in basis) pos.Add(a * (new Vec3(i, j, k) + b));
        return new AtomicStructure(Enumerable.Repeat(z, pos.Count).ToArray(), pos.ToArray(), Cell.Orthorhombic(a * repeat, a * repeat, a * repeat));
    }

    public static (IForceField Ff, AtomicStructure S) Create(string style, int repeat)
    {
        switch (style)
        {
            case "eam":
                return (Catalog.Load($"{{style: eam, file: {GpuAgreement.PotentialFile("Cu_u3.eam")}, elements: [Cu]}}"), Fcc(29, 3.615, repeat));
            case "lj":
                return (Catalog.Load("{style: lj/cut, cutoff: 8.5, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}}}"), Fcc(18, 5.26, repeat));
            case "mlip":
                // the shipped equivariant Cu model (2 layers, 16 channels, L_sh 3, ν 3, r_c 4.5 Å) at its 0 K lattice constant
                return (Catalog.Load($"{{style: equivariant, file: {RepositoryFile("potentials/cu-mlearn.mlip")}}}"), Fcc(29, 3.643, repeat));
            default: throw new ArgumentException($"unknown benchmark style {style}");
        }
    }

    /// <summary>A file of the repository (found by walking up from the benchmark's binaries).</summary>
    public static string RepositoryFile(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, relative))) return Path.Combine(d.FullName, relative);
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Deterministic thermal-like displacements (±0.05 Å) so distances are not all lattice-exact.</summary>
    public static void Jitter(AtomicStructure s, double amplitude = 0.05, int seed = 12345)
    {
        var rng = new Random(seed);
        for (int i = 0; i < s.AtomCount; i++)
            s.Positions[i] += amplitude * new Vec3(2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1);
    }
}
