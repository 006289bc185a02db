using MlipEngine.Backends.OpenCl;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Eam;
using MlipEngine.State;
using MlipEngine.Tests.Conformance;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.OpenCl;

/// <summary>
/// Every OpenCL kernel against the Reference backend, on PoCL in CI. Programs are compiled once per
/// process (shared context, in-memory cache) and once per machine (disk cache).
/// </summary>
public class OpenClKernelTests
{
    internal static readonly Dictionary<string, IForceField> Potentials = new()
    {
        ["lj/cut"] = MlipEngine.Potentials.Spec.PotentialFactory.Create(LennardJonesConformance.Yaml(
            "{style: lj/cut, cutoff: 6.0, shift: true, pairs: {Cu-Cu: {epsilon: 0.0104, sigma: 2.3}, Ni-Ni: {epsilon: 0.014, sigma: 2.2}}}")),
        ["morse"] = MlipEngine.Potentials.Spec.PotentialFactory.Create(LennardJonesConformance.Yaml(
            "{style: morse, cutoff: 6.0, shift: true, pairs: {Cu-Cu: {d0: 0.3429, alpha: 1.3588, r0: 2.866}, Ni-Ni: {d0: 0.42, alpha: 1.42, r0: 2.78}, Cu-Ni: {d0: 0.38, alpha: 1.39, r0: 2.82}}}")),
        ["eam"] = EamPotential.FromFuncfl([GoldenFiles.LammpsPotential("Cu_u3.eam"), GoldenFiles.LammpsPotential("Ni_u3.eam")], ["Cu", "Ni"]),
        ["eam/alloy"] = EamPotential.FromSetfl(GoldenFiles.LammpsPotential("CuNi.eam.alloy"), ["Cu", "Ni"]),
    };

    /// <summary>Structures chosen to exercise both list paths: "device" has every face distance above r_c + skin.</summary>
    internal static AtomicStructure Structure(string name) => name switch
    {
        "triclinic-device" => Samples.Periodic(["Cu", "Ni"], 3.6, 21, repeat: 4),    // 256 atoms, skewed, faces ≈ 13 Å
        "thin-host" => Thin(),                                                        // c face 3.6 Å < r_c → host list
        "cluster-host" => Samples.Cluster(["Cu", "Ni"], 3.6, 23),
        _ => throw new ArgumentException(name),
    };

    /// <summary>A 3×3×1 fcc slab cell (c = 3.6 Å, thinner than every cutoff here), jittered, Cu and Ni alternating.</summary>
    private static AtomicStructure Thin()
    {
        var s = TestStructures.Fcc("Cu", 3.6, 3, 3, 1, jitter: 0.2, seed: 22);
        var z = s.Numbers.Select((_, i) => i % 3 == 0 ? 28 : 29).ToArray();
        return new AtomicStructure(z, s.Positions, s.Cell);
    }

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var p in Potentials.Keys)
            foreach (var s in new[] { "triclinic-device", "thin-host", "cluster-host" }) d.Add(p, s);
        return d;
    }

    private static ComputeOptions OpenCl(Precision p, double skin = 1.0) => new() { Backend = Backend.OpenCl, Precision = p, Skin = skin };

    /// <summary>
    /// fp64: the kernels do the Reference's arithmetic in another order (gather over a full list instead of
    /// a scatter over a half list), so differences are summation round-off, ~1e-15 relative; 1e-10 leaves
    /// room for cancellation. Errors are relative to the largest force (resp. |E|, |W|) of the system,
    /// the scale a component's round-off is proportional to.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Float64_MatchesReference(string potential, string structure) => CompareWithReference(potential, structure, Precision.Float64, 1e-10);

    /// <summary>
    /// fp32 compute with fp64 displacements and accumulation: each pair term carries ~1e-7 relative
    /// error (float ε = 6e-8, a few operations; the EAM tables are rounded to float too), sums of ~50–80
    /// such terms with partial cancellation give a few 1e-6 of the largest force (measured 1.0e-6 LJ,
    /// 2.0e-6 Morse, 2.7e-6 EAM on the 256-atom cell); the bound is 1e-5. fp64 measures ~1e-14.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Float32_MatchesReferenceWithinSinglePrecision(string potential, string structure) => CompareWithReference(potential, structure, Precision.Float32, 1e-5);

    private static void CompareWithReference(string potential, string structure, Precision precision, double tol)
    {
        var ff = Potentials[potential];
        var s = Structure(structure);
        var r = Eval.One(ff, s, ComputeOptions.Reference);
        using var c = (OpenClForceComputer)TestCatalog.Instance.Bind(ff, OpenCl(precision));
        var o = Eval.One(c, s);
        bool expectDevice = structure == "triclinic-device";
        Assert.Equal(expectDevice, c.NeighborListBuiltOnDevice);
        AssertAgreesWithReference(r, o, tol, "OpenCL");
    }

    /// <summary>
    /// Forces, per-atom energies, energy and virial of <paramref name="o"/> within <paramref name="tol"/> of the
    /// Reference result <paramref name="r"/>, each relative to its own scale (largest force, |E|, largest |eᵢ|, largest |W|).
    /// </summary>
    internal static void AssertAgreesWithReference(Evaluation r, Evaluation o, double tol, string backend)
    {
        int atoms = r.Forces.Length;
        double fScale = r.Forces.Max(f => f.Norm);
        for (int i = 0; i < atoms; i++)
            Assert.True((r.Forces[i] - o.Forces[i]).Norm <= tol * fScale, $"force {i}: reference {r.Forces[i]}, {backend} {o.Forces[i]} (|Δ| = {(r.Forces[i] - o.Forces[i]).Norm:E2}, scale {fScale:E2})");
        Assert.True(Math.Abs(r.Energy - o.Energy) <= tol * Math.Abs(r.Energy), $"energy {r.Energy:R} vs {o.Energy:R}");
        double eScale = r.AtomEnergies.Max(Math.Abs);
        for (int i = 0; i < atoms; i++)
            Assert.True(Math.Abs(r.AtomEnergies[i] - o.AtomEnergies[i]) <= tol * eScale, $"atom energy {i}");
        double wScale = r.Virial.Max(Math.Abs);
        for (int k = 0; k < 9; k++)
            Assert.True(Math.Abs(r.Virial[k] - o.Virial[k]) <= tol * wScale, $"virial[{k}] {r.Virial[k]:R} vs {o.Virial[k]:R}");
    }

    [Theory]
    [InlineData("eam/alloy", Precision.Float64)]
    [InlineData("lj/cut", Precision.Float32)]
    public void Results_BitIdenticalAcrossRunsAndComputers(string potential, Precision precision) =>
        AssertBitIdenticalAcrossRunsAndComputers(Potentials[potential], OpenCl(precision));

    /// <summary>
    /// Two calls on one computer and one call on a second computer bound with <paramref name="options"/> give the
    /// same bits (energies, forces, per-atom energies, virials) for a batch of a periodic cell and a cluster.
    /// </summary>
    internal static void AssertBitIdenticalAcrossRunsAndComputers(IForceField ff, ComputeOptions options)
    {
        var batch = SystemBatch.FromStructures([Structure("triclinic-device"), Structure("cluster-host")]);
        int n = batch.AtomCount;
        var first = new ForceResult(); var second = new ForceResult(); var third = new ForceResult();
        using (var a = TestCatalog.Instance.Bind(ff, options))
        {
            a.Compute(batch, ForceOutputs.All, first);
            a.Compute(batch, ForceOutputs.All, second);
        }
        using (var b = TestCatalog.Instance.Bind(ff, options)) b.Compute(batch, ForceOutputs.All, third);
        foreach (var other in new[] { second, third })
        {
            Assert.Equal(first.Energy.AsSpan(0, 2).ToArray(), other.Energy.AsSpan(0, 2).ToArray());
            Assert.Equal(first.Fx.AsSpan(0, n).ToArray(), other.Fx.AsSpan(0, n).ToArray());
            Assert.Equal(first.Fy.AsSpan(0, n).ToArray(), other.Fy.AsSpan(0, n).ToArray());
            Assert.Equal(first.Fz.AsSpan(0, n).ToArray(), other.Fz.AsSpan(0, n).ToArray());
            Assert.Equal(first.AtomEnergies.AsSpan(0, n).ToArray(), other.AtomEnergies.AsSpan(0, n).ToArray());
            Assert.Equal(first.Virial.AsSpan(0, 18).ToArray(), other.Virial.AsSpan(0, 18).ToArray());
        }
    }

    /// <summary>Cells with 1, 2 and many bins per axis, skewed, with atoms outside the cell, and a batch of two systems.</summary>
    public static TheoryData<string> NeighborCases() => new() { "skewed-many-bins", "one-and-two-bins", "batch" };

    private static SystemBatch NeighborBatch(string name)
    {
        var rng = new Random(5);
        AtomicStructure Skewed(double a, int na, int nb, int nc, int seed)
        {
            var s = TestStructures.Lattice("Cu", a, [new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5)], na, nb, nc, 0.3, seed);
            var shear = Mat3.Identity + Mat3.FromRowMajor([0, 0, 0, 0.2, 0, 0, -0.15, 0.25, 0]);
            var cell = s.Cell.WithMatrix(s.Cell.Matrix * shear);
            // unwrap some atoms by whole lattice vectors: lists must not depend on which image is stored
            var pos = s.Positions.Select(r => r * shear + new Vec3(rng.Next(-1, 2), rng.Next(-1, 2), rng.Next(-1, 2)) * cell.Matrix).ToArray();
            return new AtomicStructure(s.Numbers, pos, cell);
        }
        return name switch
        {
            "skewed-many-bins" => SystemBatch.FromStructure(Skewed(3.6, 5, 4, 6, 1)),
            "one-and-two-bins" => SystemBatch.FromStructure(Skewed(3.6, 2, 3, 5, 2)),   // radius 5.5: faces ≈ 6, 10, 16 Å
            _ => SystemBatch.FromStructures([Skewed(3.6, 3, 3, 3, 3), Skewed(3.5, 4, 2, 3, 4)]),
        };
    }

    [Theory, MemberData(nameof(NeighborCases))]
    public void DeviceNeighborList_EqualsHostList_AsSets(string name)
    {
        const double radius = 5.5;
        var batch = NeighborBatch(name);
        var ctx = OpenClContext.ForDevice(0);
        using var queue = ctx.CreateQueue();
        var program = ctx.GetProgram(true, ["common.cl", "neighbor.cl"]);
        using var device = new DeviceNeighborList(ctx, queue, program, radius, 0, 1);
        device.Update(batch);
        Assert.True(device.BuiltOnDevice);
        var got = device.ReadEntries();
        var host = new NeighborListBuilder();
        var list = host.Create(NeighborListKind.Full);
        host.Build(batch, radius, list);
        for (int i = 0; i < batch.AtomCount; i++)
        {
            var expected = new HashSet<(int, int, int, int)>();
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                var (a, b, c) = list.LatticeShift(i, k);
                expected.Add((list.Neighbors[k], a, b, c));
            }
            Assert.Equal(got[i].Count, got[i].Distinct().Count());
            Assert.True(expected.SetEquals(got[i]), $"atom {i}: host has {expected.Count} neighbors, device {got[i].Count}; " +
                $"missing {string.Join(" ", expected.Except(got[i]).Take(4))}, extra {string.Join(" ", got[i].Except(expected).Take(4))}");
        }
    }

    [Fact]
    public void NeighborCapacityOverflow_RegrowsAndStaysExact()
    {
        // first call: dilute gas (small capacity estimate); second: the same atoms squeezed into a dense
        // fcc corner of the box, so every atom has far more neighbors than the first capacity.
        var ff = Potentials["eam/alloy"];
        var dense = TestStructures.Fcc("Cu", 3.6, 4, 4, 4, jitter: 0.05);
        var cell = new Cell(Mat3.Diagonal(40, 40, 40));
        var dilute = new AtomicStructure(dense.Numbers, dense.Positions.Select((_, i) => new Vec3(4.0 * (i % 10) + 0.5, 4.0 * (i / 10 % 10) + 0.5, 13.0 * (i / 100) + 0.5)).ToArray(), cell);
        var packed = new AtomicStructure(dense.Numbers, dense.Positions, cell);
        using var c = (OpenClForceComputer)TestCatalog.Instance.Bind(ff, OpenCl(Precision.Float64));
        Eval.One(c, dilute);
        int before = ((OpenClForceComputer)c).Neighbors.Capacity;
        var o = Eval.One(c, packed);
        Assert.True(c.Neighbors.Capacity > before, $"capacity {before} → {c.Neighbors.Capacity}");
        var r = Eval.One(ff, packed, ComputeOptions.Reference);
        double scale = r.Forces.Max(f => f.Norm);
        for (int i = 0; i < packed.AtomCount; i++) Assert.True((r.Forces[i] - o.Forces[i]).Norm <= 1e-10 * scale, $"force {i}");
        Assert.True(Math.Abs(r.Energy - o.Energy) <= 1e-10 * Math.Abs(r.Energy));
    }

    [Fact]
    public void SkinReuse_GivesReferenceResultsWithoutRebuild() => AssertSkinReuseGivesReferenceResultsWithoutRebuild(OpenCl(Precision.Float64, skin: 1.0));

    /// <summary>Moves within skin/2 keep the list (one build) and still give the Reference's result for the moved atoms (EAM, 256 atoms).</summary>
    internal static void AssertSkinReuseGivesReferenceResultsWithoutRebuild(ComputeOptions options)
    {
        var ff = Potentials["eam"];
        var s = Structure("triclinic-device");
        using var c = TestCatalog.Instance.Bind(ff, options);
        var batch = SystemBatch.FromStructure(s);
        var r1 = new ForceResult();
        c.Compute(batch, ForceOutputs.All, r1);
        batch.X[3] += 0.3; batch.Y[7] -= 0.2;   // < skin/2
        c.Compute(batch, ForceOutputs.All, r1);
        Assert.Equal(1, c.NeighborBuilds);
        var r = new ForceResult();
        using (var reference = TestCatalog.Instance.Bind(ff, ComputeOptions.Reference)) reference.Compute(batch, ForceOutputs.All, r);
        Assert.True(Math.Abs(r.Energy[0] - r1.Energy[0]) <= 1e-10 * Math.Abs(r.Energy[0]));
        for (int i = 0; i < batch.AtomCount; i++) Assert.True(Math.Abs(r.Fx[i] - r1.Fx[i]) <= 1e-10 * 10, $"fx {i}");
    }

    [Fact]
    public void CompileError_ThrowsWithTheFullBuildLog()
    {
        var ctx = OpenClContext.ForDevice(0);
        var e = Assert.Throws<OpenClBuildException>(() => ctx.GetProgramFromSource("__kernel void broken(__global int* a) { a[0] = no_such_symbol_xyz; }"));
        Assert.Contains("no_such_symbol_xyz", e.BuildLog);
        Assert.Contains("no_such_symbol_xyz", e.Message);
    }

    [Fact]
    public void CompiledBinaries_AreCachedOnDiskAndReused()
    {
        var ctx = OpenClContext.ForDevice(0);
        string source = $"// cache test {Guid.NewGuid()}\n__kernel void twice(__global int* a) {{ a[get_global_id(0)] *= 2; }}\n";
        string key = ctx.CacheKey(source, "-cl-std=CL1.2");
        string path = Path.Combine(OpenClContext.CacheDirectory, key + ".bin");
        try
        {
            var built = ctx.GetProgramFromSource(source);
            Assert.False(built.FromDiskCache);
            Assert.True(File.Exists(path), $"no cached binary at {path}");
            var reloaded = OpenClProgram.Build(ctx, source, "-cl-std=CL1.2", key);
            Assert.True(reloaded.FromDiskCache);
            using var k = reloaded.CreateKernel("twice");
            using var q = ctx.CreateQueue();
            using var buf = new DeviceBuffer<int>(ctx, 4);
            buf.Write(q, new[] { 1, 2, 3, 4 });
            k.Arg(0, buf).Launch(q, 4, 4);
            var back = new int[4];
            buf.Read(q, back);
            Assert.Equal(new[] { 2, 4, 6, 8 }, back);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Info_ListsAPoclDeviceWithFp64()
    {
        var devices = OpenClRuntime.Devices();
        Assert.NotEmpty(devices);
        Assert.Contains(devices, d => d.SupportsFp64 && d.GlobalMemoryBytes > 0 && d.ComputeUnits > 0);
    }

    [Fact]
    public void UnknownDeviceIndex_IsAClearError()
    {
        var e = Assert.Throws<OpenClUnavailableException>(() => TestCatalog.Instance.Bind(Potentials["lj/cut"], new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = 99 }));
        Assert.Contains("no OpenCL device 99", e.Message);
    }
}
