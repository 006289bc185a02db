using MlipEngine.Backends.Ilgpu;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Ilgpu;

/// <summary>
/// The equivariant model's ILGPU kernels (<see cref="IlgpuEquivariantComputer{T, R}"/>) against <see cref="EquivariantReference"/> on
/// ILGPU's CPU accelerator in CI: the model shapes of <see cref="OpenCl.OpenClEquivariantTests"/> on small periodic (skewed, and
/// thinner than the cutoff) and open systems and on a batch of systems of different sizes, the ZBL core, determinism and weight
/// reloads. (The conformance suite runs on ILGPU through <see cref="IlgpuEquivariantL2Nu3Conformance"/> and
/// <see cref="IlgpuEquivariantCoreConformance"/>; the cutoff test through <see cref="EquivariantStageTests"/>.)
/// </summary>
public class IlgpuEquivariantTests(ITestOutputHelper output)
{
    /// <summary>The shapes of <see cref="EquivariantBackendChecks.Shapes"/> and the MACE-like model with a ZBL core (on compressed cells: pairs below, inside and above the core's windows).</summary>
    private static readonly Dictionary<string, EquivariantModel> Models =
        new(EquivariantBackendChecks.Shapes) { ["core"] = CoreModels.MaceLike() };

    private static AtomicStructure[] Systems(string name, string model)
    {
        string[] species = EquivariantBackendChecks.Species(model);
        double a = model == "core" ? 2.9 : 3.6;
        return name switch
        {
            // 32 atoms, skewed 2×2×2 fcc cell (faces ≈ 7 Å)
            "periodic" => [Samples.Periodic(species, a, 21)],
            "cluster" => [Samples.Cluster(species, a, 23)],
            "thin" => [EquivariantBackendChecks.Thin(species)],
            // a batch of three systems of different sizes: a 32-atom cell, a 14-atom cluster, the 36-atom slab thinner than r_c
            "batch" => [Samples.Periodic(species, a, 24), Samples.Cluster(species, a, 25), EquivariantBackendChecks.Thin(species)],
            _ => throw new ArgumentException(name),
        };
    }

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var m in EquivariantBackendChecks.Shapes.Keys)
            foreach (var s in new[] { "periodic", "cluster", "batch", "thin" }) d.Add(m, s);
        d.Add("core", "periodic");
        d.Add("core", "batch");
        return d;
    }

    public static TheoryData<string, string> Float32Cases() => new() { { "l2-nu3-2layers", "periodic" }, { "l2-nu3-2layers", "batch" }, { "core", "periodic" } };

    private static ComputeOptions Ilgpu(Precision p) => new() { Backend = IlgpuBackend.Name, Precision = p, Skin = 1.0 };

    /// <summary>
    /// fp64: the Reference's arithmetic in another order (gathers over full lists, per-atom instead of per-edge sums), so the
    /// differences are summation round-off, ~1e-15 relative; 1e-10 (the OpenCL kernels' bound) leaves room for cancellation.
    /// Measured on the CPU accelerator: forces ≤ 1.1e-14 of the largest force, energies ≤ 4e-14 relative.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Float64_MatchesReference(string model, string systems) => Compare(model, systems, Precision.Float64, 1e-10);

    /// <summary>
    /// fp32: features, weights, the MLP, tensor product, contraction, linear maps and their adjoints round to float (ε = 6e-8)
    /// through ~20 stages of sums of ~10–50 terms; the edge geometry, g_e, forces, energies and virials are fp64. The bound is the
    /// OpenCL kernels' and the Cpu backend's fp32 bound, 1e-5. Measured: forces 6e-7 to 3.2e-6 of the largest force.
    /// </summary>
    [Theory, MemberData(nameof(Float32Cases))]
    public void Float32_MatchesReferenceWithinSinglePrecision(string model, string systems) => Compare(model, systems, Precision.Float32, 1e-5);

    private void Compare(string model, string systems, Precision precision, double tol)
    {
        using var c = TestCatalog.Instance.Bind(Models[model], Ilgpu(precision));
        Assert.IsAssignableFrom<IlgpuForceComputer>(c);
        EquivariantBackendChecks.CompareWithReference(output, Models[model], Systems(systems, model), c, tol, $"{model} {systems} {precision}");
    }

    [Fact]
    public void Results_BitIdenticalAcrossRunsAndComputers() =>
        EquivariantBackendChecks.AssertBitIdenticalAcrossRunsAndComputers(Models["l2-nu3-2layers"], Systems("batch", "l2-nu3-2layers"), Ilgpu(Precision.Float32));

    [Fact]
    public void ParameterChange_ReuploadsWeights() =>
        EquivariantBackendChecks.AssertParameterChangeReuploadsWeights(Systems("cluster", "l1-nu2-2layers")[0], Ilgpu(Precision.Float64));

    /// <summary>
    /// Device-resident NVE (<see cref="IlgpuResidentDynamics"/>) with the shipped Cu model against the CPU backend's host loop, the
    /// bounds of <see cref="EquivariantBackendChecks.AssertNveMatchesCpuBackend"/>: 8 atoms (2×1×1 fcc, a cell thinner than the cutoff:
    /// atoms see their own images, the device list visits images −2 … 2 along b and c), skin 0.1 Å (a rebuild every ~10 steps),
    /// 60 steps — small because ILGPU's CPU accelerator is slow; the RMS displacement is then ~0.14 Å (≥ 0.05 asked). Measured: fp64
    /// positions 1.8e-15 Å apart (32 atoms, 200 steps).
    /// </summary>
    [Fact]
    public void Nve_Trajectory_MatchesCpuBackend() =>
        EquivariantBackendChecks.AssertNveMatchesCpuBackend(output, IlgpuBackend.Name, (2, 1, 1), skin: 0.1, steps: 60, minRms: 0.05, listOn: "device");

    /// <summary>
    /// The same on a slab open along c (2×2×1 fcc, 16 atoms, two free surfaces): the device list draws a box around the atoms along c;
    /// and with device list builds switched off, the host rebuild path (positions read back, list uploaded) on the same slab.
    /// </summary>
    [Theory, InlineData("device"), InlineData("host")]
    public void Nve_OpenAlongC_MatchesCpuBackend(string listOn) =>
        EquivariantBackendChecks.AssertNveMatchesCpuBackend(output, IlgpuBackend.Name, (2, 2, 1), skin: 0.1, steps: 40, minRms: 0.05, listOn: listOn, slab: true,
            configure: c => ((IlgpuForceComputer)c).DeviceListBuilds = listOn == "device");

    /// <summary>
    /// The same with the list rebuilt on the device (<see cref="IlgpuNeighborListBuilder"/>, mirrors by <see cref="NeighborKernels.Mirror"/>):
    /// 32 atoms (2×2×2 fcc, faces 7.3 Å ≥ r_c + skin, though r_c = 4.5 Å is more than half of them), skin 0.1 Å, 40 steps (RMS displacement
    /// ~0.1 Å, a rebuild every ~10 steps), the bounds of <see cref="EquivariantBackendChecks.AssertNveMatchesCpuBackend"/>.
    /// </summary>
    [Fact]
    public void Nve_WithDeviceList_Trajectory_MatchesCpuBackend() =>
        EquivariantBackendChecks.AssertNveMatchesCpuBackend(output, IlgpuBackend.Name, (2, 2, 2), skin: 0.1, steps: 40, minRms: 0.05, listOn: "device");
}

/// <summary>
/// The equivariant model's edge stages over chunks of atoms (<see cref="IEdgeChunkedComputer"/>): the per-edge scratch is sized per
/// chunk, and the results are the one-chunk results bit for bit and the Reference's within the kernel bound.
/// </summary>
public class IlgpuEquivariantChunkTests(ITestOutputHelper output)
{
    public static TheoryData<string, Precision> Cases() => new()
    {
        { "l2-nu3-2layers", Precision.Float64 }, { "l2-nu3-2layers", Precision.Float32 }, { "core", Precision.Float64 },
    };

    /// <summary>
    /// A batch of a 108-atom skewed cell, a cluster and the slab thinner than the cutoff (~160 atoms, ~7,000 edges) in chunks of
    /// 40 atoms (~1,700 edges each; the geometry and MLP are then recomputed per chunk in the adjoint) against one chunk: energies,
    /// forces and virials bit-identical (each edge and atom does the same arithmetic in the same order), and within the fp64 kernel
    /// bound (1e-10) or the fp32 one (1e-5) of the Reference, as <see cref="IlgpuEquivariantTests"/> holds the unchunked path.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void ChunkedEdgeStages_MatchOneChunkBitForBitAndReference(string model, Precision precision) =>
        AssertChunksMatch(model, precision, skin: 1.0);

    /// <summary>
    /// The edges compacted to r &lt; r_c (<see cref="EquivariantKernels.CompactEdges{T}"/>) with a 3 Å skin, so that most list
    /// entries lie in the skin shell: the chunk scratch is sized by the largest edge count of an atom, well under the list's
    /// capacity, and the results are as with the 1 Å skin — chunked equal to one chunk bit for bit and within the kernel bound
    /// of the Reference (an entry outside r_c must add nothing: were one counted as an edge, the sums would take its terms).
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void CompactedEdges_WideSkin_MatchOneChunkBitForBitAndReference(string model, Precision precision)
    {
        var one = AssertChunksMatch(model, precision, skin: 3.0);
        output.WriteLine($"list capacity {one.ListCapacity} entries per atom, at most {one.MaxEdgesPerAtom} edges per atom inside r_c");
        Assert.True(one.MaxEdgesPerAtom > 0 && 2 * one.MaxEdgesPerAtom < one.ListCapacity, $"{one.MaxEdgesPerAtom} edges of {one.ListCapacity} slots");
        // scratch per chunk slot × the compacted slots (max edges × the chunk's atoms padded to 64), with DeviceArray's 1/8 growth slack
        long atoms = (one.ChunkAtoms + 63) / 64 * 64;
        Assert.InRange(one.EdgeScratchBytes, one.EdgeBytesPerSlot * one.MaxEdgesPerAtom * atoms,
            one.EdgeBytesPerSlot * one.MaxEdgesPerAtom * atoms * 9 / 8 + 1024);
    }

    /// <summary>
    /// One chunk against chunks of 40 atoms on the batch (skewed cell, cluster, thin slab) with <paramref name="skin"/>: bit-identical
    /// energies, per-atom energies, forces and virials, and the Reference's within the kernel bound; returns the one-chunk computer's figures.
    /// </summary>
    private ChunkFigures AssertChunksMatch(string model, Precision precision, double skin)
    {
        var ff = model == "core" ? CoreModels.MaceLike() : EquivariantBackendChecks.Shapes[model];
        string[] species = EquivariantBackendChecks.Species(model);
        double a = model == "core" ? 2.9 : 3.6;
        AtomicStructure[] systems = [Samples.Periodic(species, a, 21, repeat: 3), Samples.Cluster(species, a, 23), EquivariantBackendChecks.Thin(species)];
        var options = new ComputeOptions { Backend = IlgpuBackend.Name, Precision = precision, Skin = skin };
        var batch = SystemBatch.FromStructures(systems);
        var whole = new ForceResult(); var chunked = new ForceResult();
        using var one = TestCatalog.Instance.Bind(ff, options);
        using var many = TestCatalog.Instance.Bind(ff, options);
        ((IEdgeChunkedComputer)many).ChunkAtomsOverride = 40;
        one.Compute(batch, ForceOutputs.All, whole);
        many.Compute(batch, ForceOutputs.All, chunked);
        var o = (IEdgeChunkedComputer)one; var m = (IEdgeChunkedComputer)many;
        output.WriteLine($"{batch.AtomCount} atoms, skin {skin} A: one chunk {o.EdgeScratchBytes / 1e6:F2} MB edge scratch, {o.DeviceBytes / 1e6:F2} MB in all; " +
            $"{m.Chunks} chunks of {m.ChunkAtoms} atoms {m.EdgeScratchBytes / 1e6:F2} MB edge scratch, {m.DeviceBytes / 1e6:F2} MB in all");
        Assert.Equal(1, o.Chunks);
        Assert.Equal(40, m.ChunkAtoms);
        Assert.True(m.Chunks >= 4, $"{m.Chunks} chunks");
        Assert.True(m.EdgeScratchBytes < o.EdgeScratchBytes / 2, $"chunked scratch {m.EdgeScratchBytes} vs whole {o.EdgeScratchBytes}");
        int n = batch.AtomCount, ns = systems.Length;
        Assert.Equal(whole.Energy.AsSpan(0, ns).ToArray(), chunked.Energy.AsSpan(0, ns).ToArray());
        Assert.Equal(whole.AtomEnergies.AsSpan(0, n).ToArray(), chunked.AtomEnergies.AsSpan(0, n).ToArray());
        Assert.Equal(whole.Fx.AsSpan(0, n).ToArray(), chunked.Fx.AsSpan(0, n).ToArray());
        Assert.Equal(whole.Fy.AsSpan(0, n).ToArray(), chunked.Fy.AsSpan(0, n).ToArray());
        Assert.Equal(whole.Fz.AsSpan(0, n).ToArray(), chunked.Fz.AsSpan(0, n).ToArray());
        Assert.Equal(whole.Virial.AsSpan(0, 9 * ns).ToArray(), chunked.Virial.AsSpan(0, 9 * ns).ToArray());
        EquivariantBackendChecks.CompareWithReference(output, ff, systems, many, precision == Precision.Float64 ? 1e-10 : 1e-5, $"{model} chunked {precision} skin {skin}");
        return new ChunkFigures(o.ListCapacity, o.MaxEdgesPerAtom, o.ChunkAtoms, o.EdgeScratchBytes, o.EdgeBytesPerSlot);
    }

    private sealed record ChunkFigures(int ListCapacity, int MaxEdgesPerAtom, int ChunkAtoms, long EdgeScratchBytes, long EdgeBytesPerSlot);

    /// <summary>The density fade of the core (<see cref="EquivariantKernels.Fade{T}"/>, readout adjoints × h_i) against the Reference.</summary>
    [Theory, InlineData(Precision.Float64, 1e-10), InlineData(Precision.Float32, 1e-5)]
    public void DensityFade_MatchesReference(Precision precision, double tol) =>
        EquivariantBackendChecks.AssertDensityFadeMatchesReference(output, new ComputeOptions { Backend = IlgpuBackend.Name, Precision = precision, Skin = 1.0 }, tol);

    /// <summary>Energies alone (no adjoint) in chunks equal the one-chunk energies bit for bit (the core's energy is added once per atom).</summary>
    [Fact]
    public void ChunkedEnergyOnly_MatchesOneChunk()
    {
        var ff = CoreModels.MaceLike();
        string[] species = EquivariantBackendChecks.Species("core");
        var batch = SystemBatch.FromStructures([Samples.Periodic(species, 2.9, 21, repeat: 3)]);
        var options = new ComputeOptions { Backend = IlgpuBackend.Name, Precision = Precision.Float64, Skin = 1.0 };
        var whole = new ForceResult(); var chunked = new ForceResult();
        using var one = TestCatalog.Instance.Bind(ff, options);
        using var many = TestCatalog.Instance.Bind(ff, options);
        ((IEdgeChunkedComputer)many).ChunkAtomsOverride = 30;
        one.Compute(batch, ForceOutputs.Energy | ForceOutputs.AtomEnergies, whole);
        many.Compute(batch, ForceOutputs.Energy | ForceOutputs.AtomEnergies, chunked);
        Assert.Equal(4, ((IEdgeChunkedComputer)many).Chunks);
        Assert.Equal(whole.Energy[0], chunked.Energy[0]);
        Assert.Equal(whole.AtomEnergies.AsSpan(0, batch.AtomCount).ToArray(), chunked.AtomEnergies.AsSpan(0, batch.AtomCount).ToArray());
    }
}
