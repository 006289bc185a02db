using System.Diagnostics;
using MlipEngine.Backends.OpenCl;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.OpenCl;

/// <summary>
/// The equivariant model's OpenCL kernels (kernels/equivariant.cl) against <see cref="EquivariantReference"/>
/// on PoCL in CI, for several model shapes, periodic (triclinic, and thinner than the cutoff) and open systems, and batches.
/// </summary>
public class OpenClEquivariantTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, EquivariantModel> Models = EquivariantBackendChecks.Shapes;

    private static AtomicStructure[] Systems(string name, string model)
    {
        string[] species = EquivariantBackendChecks.Species(model);
        return name switch
        {
            // 108 atoms, skewed cell with faces ≈ 9.5 Å ≥ r_c + skin = 5 Å: list built on the device
            "triclinic" => [Samples.Periodic(species, 3.6, 21, repeat: 3)],
            "cluster" => [Samples.Cluster(species, 3.6, 23)],
            // 3×3×1 fcc slab cell, c = 3.6 Å < r_c = 4 Å: atoms see their own periodic images (host-built list)
            "thin" => [EquivariantBackendChecks.Thin(species)],
            // a batch: small skewed cell (32 atoms, host-built list), a cluster and a larger cell
            "batch" => [Samples.Periodic(species, 3.6, 24), Samples.Cluster(species, 3.6, 25), Samples.Periodic(species, 3.6, 26, repeat: 3)],
            _ => throw new ArgumentException(name),
        };
    }

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var m in Models.Keys)
            foreach (var s in new[] { "triclinic", "cluster", "batch", "thin" }) d.Add(m, s);
        return d;
    }

    /// <summary>fp32 on the largest shape only (each shape and precision is one more PoCL compile, ~5 s in CI).</summary>
    public static TheoryData<string, string> Float32Cases() => new() { { "l2-nu3-2layers", "triclinic" }, { "l2-nu3-2layers", "cluster" }, { "l2-nu3-2layers", "batch" } };

    private static ComputeOptions OpenCl(Precision p) => new() { Backend = Backend.OpenCl, Precision = p, Skin = 1.0 };

    /// <summary>
    /// fp64: the kernels do the Reference's arithmetic in another order (gathers over full lists, per-atom
    /// instead of per-edge scatters), so the differences are summation round-off, ~1e-15 relative; 1e-10
    /// leaves room for cancellation. Errors are relative to the largest force (|E|, the largest |W| component).
    /// Measured on PoCL: forces ≤ 1.1e-14, energies ≤ 6e-16.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Float64_MatchesReference(string model, string systems) => Compare(model, systems, Precision.Float64, 1e-10);

    /// <summary>
    /// fp32: every stage (harmonics, Bessel, MLP, tensor product, contraction, linear maps, adjoints) rounds
    /// to float, ε = 6e-8, and the chain is ~20 stages deep with sums of ~10–50 terms, so the forces carry a
    /// few 1e-7 to 1e-6 of the largest force; accumulation of g_e, forces, energies and virials is in fp64.
    /// The bound is 1e-5 (the single-precision bound). Measured on PoCL: forces 1.4e-6 to 2.6e-6 of
    /// the largest force, energies ≤ 4e-7 relative.
    /// </summary>
    [Theory, MemberData(nameof(Float32Cases))]
    public void Float32_MatchesReferenceWithinSinglePrecision(string model, string systems) => Compare(model, systems, Precision.Float32, 1e-5);

    private void Compare(string model, string systems, Precision precision, double tol, int chunkAtoms = 0)
    {
        using var c = (OpenClEquivariantComputer)TestCatalog.Instance.Bind(Models[model], OpenCl(precision));
        c.ChunkAtomsOverride = chunkAtoms;
        EquivariantBackendChecks.CompareWithReference(output, Models[model], Systems(systems, model), c, tol, $"{model} {systems} {precision}");
        if (chunkAtoms > 0) Assert.Equal(chunkAtoms, c.ChunkAtoms);
    }

    /// <summary>The density fade of the core (eq_fade, and the readout adjoints scaled by h_i in eq_add_scalars) against the Reference.</summary>
    [Theory, InlineData(Precision.Float64, 1e-10), InlineData(Precision.Float32, 1e-5)]
    public void DensityFade_MatchesReference(Precision precision, double tol) =>
        EquivariantBackendChecks.AssertDensityFadeMatchesReference(output, OpenCl(precision), tol);

    /// <summary>
    /// The chunk scratch is sized by the most edges (r &lt; r_c) of any atom, not by the list's capacity (the skin shell and padding):
    /// with a 1 Å skin the list holds far more entries than edges, and the results still match the Reference.
    /// </summary>
    [Fact]
    public void ChunkScratch_IsSizedByEdgesNotListCapacity()
    {
        using var c = (OpenClEquivariantComputer)TestCatalog.Instance.Bind(Models["l2-nu3-2layers"], OpenCl(Precision.Float64));
        var systems = Systems("triclinic", "l2-nu3-2layers");
        EquivariantBackendChecks.CompareWithReference(output, Models["l2-nu3-2layers"], systems, c, 1e-10, "scratch by edges");
        int capacity = c.Neighbors.Capacity;
        output.WriteLine($"list capacity {capacity} entries per atom, most edges {c.MaxEdgesPerAtom}, scratch slots {c.EdgeSlotCapacity}");
        Assert.True(c.MaxEdgesPerAtom < capacity, $"{c.MaxEdgesPerAtom} edges vs capacity {capacity}");
        Assert.Equal((long)c.MaxEdgesPerAtom * ((c.ChunkAtoms + 63) / 64 * 64), c.EdgeSlotCapacity);
    }

    /// <summary>The edge stages split over several atom chunks (here 40 atoms each) give the one-chunk results.</summary>
    [Fact]
    public void ChunkedEdgeStages_MatchReference() => Compare("l2-nu3-2layers", "batch", Precision.Float64, 1e-10, chunkAtoms: 40);

    /// <summary>Gathers in a fixed order, no atomics: repeated calls and separate computers agree bit for bit.</summary>
    [Fact]
    public void Results_BitIdenticalAcrossRunsAndComputers() =>
        EquivariantBackendChecks.AssertBitIdenticalAcrossRunsAndComputers(Models["l2-nu3-2layers"], Systems("batch", "l2-nu3-2layers"), OpenCl(Precision.Float32));

    /// <summary>Weights edited in place (training) reach the device after <see cref="EquivariantModel.ParametersChanged"/>.</summary>
    [Fact]
    public void ParameterChange_ReuploadsWeights() =>
        EquivariantBackendChecks.AssertParameterChangeReuploadsWeights(Systems("cluster", "l1-nu2-2layers")[0], OpenCl(Precision.Float64));
}

/// <summary>
/// MD with the shipped equivariant Cu model on OpenCL (device-resident velocity Verlet: the model's kernels
/// are the force call of kernels/md.cl's loop) against host velocity Verlet on the CPU backend.
/// </summary>
public class OpenClEquivariantMdTests(ITestOutputHelper output)
{
    /// <summary>
    /// 200 NVE steps on 32 Cu atoms (2×2×2 fcc, faces 7.3 Å: device-built lists), skin 0.3 Å; bounds and reasoning in
    /// <see cref="EquivariantBackendChecks.AssertNveMatchesCpuBackend"/>. Measured on PoCL: fp64 positions 1.2e-14 of the RMS
    /// displacement (0.15 Å), fp32 2.2e-6 of it, fp32 energy 7e-9 relative.
    /// </summary>
    [Fact]
    public void Nve_Trajectory_MatchesCpuBackend() =>
        EquivariantBackendChecks.AssertNveMatchesCpuBackend(output, Backend.OpenCl, (2, 2, 2), skin: 0.3, steps: 200, minRms: 0.1);
}
