using MlipEngine.Backends.Ilgpu;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;
using MlipEngine.Tests.Dynamics;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Ilgpu;

/// <summary>
/// The ILGPU device neighbor-list builder (<see cref="IlgpuNeighborListBuilder"/>, <see cref="NeighborKernels"/>) against the CPU Verlet
/// list (<see cref="NeighborListBuilder"/>), on ILGPU's CPU accelerator in CI: the same neighbor sets, reproducible builds, the host
/// fallback for cells it does not take, and a device-built list giving the host-built list's forces for every ILGPU potential.
/// </summary>
public class IlgpuNeighborListTests
{
    /// <summary>
    /// Positions with some atoms moved by whole lattice vectors (unwrapped coordinates, as MD produces), so the images w matter.
    /// </summary>
    private static AtomicStructure Unwrapped(AtomicStructure s, int seed)
    {
        var rng = new Random(seed);
        var h = s.Cell.Matrix;
        var pos = s.Positions.Select(r => rng.Next(3) == 0 ? r + new Vec3(rng.Next(-2, 3), rng.Next(-1, 2), rng.Next(-1, 2)) * h : r).ToArray();
        return new AtomicStructure(s.Numbers, pos, s.Cell);
    }

    /// <summary>The cases and list radii: cells at least as thick as the radius, and thinner ones (several images per axis).</summary>
    public static TheoryData<string> Cases() => ["orthorhombic", "triclinic", "half-box", "batch", "thin", "thin-batch", "thin-skewed",
        "cluster", "slab", "wire", "mixed-batch", "evaporated"];

    /// <summary><paramref name="s"/> with the periodicity of its cell axes set to <paramref name="periodic"/> (the vectors kept).</summary>
    private static AtomicStructure WithPbc(AtomicStructure s, bool a, bool b, bool c) => new(s.Numbers, s.Positions, new Cell(s.Cell.Matrix, a, b, c));

    private static (AtomicStructure[] Systems, double Radius) Case(string name) => name switch
    {
        // 4×3×3 fcc Cu (14.5 × 10.8 × 10.8 Å), r_l 5.3 Å: 2 × 2 × 2 bins
        "orthorhombic" => ([Unwrapped(TestStructures.Fcc("Cu", 3.615, 4, 3, 3, jitter: 0.1, seed: 3), 4)], 5.3),
        // the skewed 3×3×3 fcc cell of the kernel tests (faces ≈ 9.5 Å), r_l 4.7 Å: 2 bins per axis
        "triclinic" => ([Unwrapped(Samples.Periodic(["Cu", "Ni"], 3.6, 21, repeat: 3), 5)], 4.7),
        // 2×2×2 fcc (7.23 Å) with r_l 5.0 Å: the cutoff exceeds half a box length, one bin per axis, images −1, 0, 1 all visited
        "half-box" => ([Unwrapped(TestStructures.Fcc("Cu", 3.615, 2, 2, 2, jitter: 0.1, seed: 6), 7)], 5.0),
        // a batch of a skewed small cell (rc > half its faces) and an orthorhombic one: codes per system
        "batch" => ([Unwrapped(Samples.Periodic(["Cu"], 3.6, 8, repeat: 2), 9), Unwrapped(TestStructures.Fcc("Cu", 3.615, 3, 3, 3, jitter: 0.1, seed: 10), 11)], 4.5),
        // a slab one fcc cell thick along c (3.6 Å) with r_l 4.5 Å: images −2 … 2 along c
        "thin" => ([Unwrapped(EquivariantBackendChecks.Thin(["Cu"]), 13)], 4.5),
        // a thin and a thick system in one batch: each system's own reach and code range
        "thin-batch" => ([Unwrapped(TestStructures.Fcc("Cu", 3.615, 3, 3, 3, jitter: 0.1, seed: 14), 15), Unwrapped(EquivariantBackendChecks.Thin(["Cu", "Ni"]), 16)], 4.5),
        // a skewed 1×1×1 fcc cell (faces ≈ 2.9 Å) with r_l 6.5 Å: reach 3 along every axis
        "thin-skewed" => ([Unwrapped(Samples.Periodic(["Cu"], 3.6, 17, repeat: 1), 18)], 6.5),
        // open and mixed boundaries: a box drawn around the atoms along the open axes (no images along them)
        // a 256-atom fcc cube with every axis open
        "cluster" => ([WithPbc(TestStructures.Fcc("Cu", 3.615, 4, 4, 4, jitter: 0.1, seed: 19), false, false, false)], 4.5),
        // a skewed cell periodic along a and b, open along c: two surfaces, atoms unwrapped in the plane only
        "slab" => ([WithPbc(Samples.Periodic(["Cu"], 3.6, 20, repeat: 3), true, true, false)], 4.7),
        // periodic along a only, thinner than the radius along it (reach 2)
        "wire" => ([WithPbc(TestStructures.Fcc("Cu", 3.615, 1, 2, 2, jitter: 0.1, seed: 21), true, false, false)], 5.0),
        // a periodic crystal, a cluster and a slab in one batch
        "mixed-batch" => ([Unwrapped(TestStructures.Fcc("Cu", 3.615, 3, 3, 3, jitter: 0.1, seed: 22), 23), Samples.Cluster(["Cu"], 3.6, 24),
            WithPbc(TestStructures.Fcc("Cu", 3.615, 3, 3, 2, jitter: 0.1, seed: 25), true, true, false)], 4.5),
        // a 256-atom cluster and one atom 600 Å away: the box along each open axis spans ~600 Å, its bins are widened so the grid
        // stays at most 2·atoms bins (at r_l wide it would be ~110³)
        "evaporated" => ([Evaporated()], 4.5),
        _ => throw new ArgumentException(name),
    };

    private static AtomicStructure Evaporated()
    {
        var c = WithPbc(TestStructures.Fcc("Cu", 3.615, 4, 4, 4, jitter: 0.1, seed: 26), false, false, false);
        return new AtomicStructure([.. c.Numbers, 29], [.. c.Positions, new Vec3(600, 350, -420)], c.Cell);
    }

    /// <summary>One device build of <paramref name="batch"/>: per atom the entries (j, total lattice shift for the raw positions), in list order.</summary>
    private static List<(int J, int A, int B, int C)>[] DeviceEntries(SystemBatch batch, double radius) => DeviceEntries(batch, radius, out _);

    /// <summary>The same, and the bins of the builder's grid.</summary>
    private static List<(int J, int A, int B, int C)>[] DeviceEntries(SystemBatch batch, double radius, out int bins)
    {
        var device = IlgpuDevices.Get(0).Accelerator;
        int n = batch.AtomCount, stride = (n + 63) / 64 * 64;
        var arrays = new List<IDeviceMemory>();
        DeviceArray<TT> New<TT>() where TT : unmanaged { var d = new DeviceArray<TT>(device); arrays.Add(d); return d; }
        try
        {
            var (rx, ry, rz, images, system) = (New<double>(), New<double>(), New<double>(), New<int>(), New<int>());
            var list = new DeviceListArrays(New<double>(), New<double>(), New<double>(), New<double>(), New<int>(), New<int>(), New<int>());
            rx.Write(batch.X.AsSpan(0, n)); ry.Write(batch.Y.AsSpan(0, n)); rz.Write(batch.Z.AsSpan(0, n)); system.Write(batch.SystemIndex.AsSpan(0, n));
            images.EnsureCapacity(3L * n);
            using var builder = new IlgpuNeighborListBuilder(device);
            int cap = builder.Build(batch, radius, rx.View, ry.View, rz.View, system.View, images.View, list, stride, capacity: 8);   // small: the fill must grow it
            var count = new int[n]; var j = new int[cap * stride]; var code = new int[j.Length]; var w = new int[3 * n];
            list.Count.Read(count); list.J.Read(j); list.Code.Read(code); images.Read(w);
            var ci = builder.CodeImages;
            bins = builder.BinCount;
            var result = new List<(int, int, int, int)>[n];
            for (int i = 0; i < n; i++)
            {
                result[i] = [];
                for (int k = 0; k < count[i]; k++)
                {
                    int jj = j[k * stride + i], c = code[k * stride + i];
                    result[i].Add((jj, ci[3 * c] + w[3 * i] - w[3 * jj], ci[3 * c + 1] + w[3 * i + 1] - w[3 * jj + 1], ci[3 * c + 2] + w[3 * i + 2] - w[3 * jj + 2]));
                }
            }
            return result;
        }
        finally { foreach (var a in arrays) a.Dispose(); }
    }

    /// <summary>
    /// Per atom the device list holds exactly the CPU full list's entries (neighbor index and total lattice shift, as sets; no
    /// duplicates), and a second build of the same positions gives the same arrays entry for entry (bins sorted by atom index: the
    /// order does not depend on how the atomics were served).
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void DeviceList_EqualsCpuVerletList(string name)
    {
        var (systems, radius) = Case(name);
        var batch = SystemBatch.FromStructures(systems);
        Assert.True(IlgpuNeighborListBuilder.Applies(batch, radius, out string why), why);
        var host = new NeighborListBuilder(1);
        var list = host.Create(NeighborListKind.Full);
        host.Build(batch, radius, list);
        var device = DeviceEntries(batch, radius, out int bins);
        if (name == "evaporated") Assert.True(bins <= 2 * batch.AtomCount, $"{bins} bins for {batch.AtomCount} atoms");
        int entries = 0;
        for (int i = 0; i < batch.AtomCount; i++)
        {
            var expected = new List<(int, int, int, int)>();
            for (int e = list.Offsets[i]; e < list.Offsets[i + 1]; e++)
            {
                var (a, b, c) = list.LatticeShift(i, e);
                expected.Add((list.Neighbors[e], a, b, c));
            }
            Assert.Equal(expected.Count, device[i].Distinct().Count());
            Assert.Equal(expected.Order(), device[i].Order());
            entries += expected.Count;
        }
        Assert.True(entries > 20 * batch.AtomCount, $"{entries} entries: too few to test anything");
        var again = DeviceEntries(batch, radius);
        for (int i = 0; i < batch.AtomCount; i++) Assert.Equal(device[i], again[i]);
    }

    /// <summary>Thin, open and mixed cells are the device's; only degenerate periodic vectors are left to the host, with a reason.</summary>
    [Fact]
    public void DegenerateCells_AreLeftToTheHostWithAReason_ThinAndOpenOnesAreNot()
    {
        var thin = SystemBatch.FromStructure(EquivariantBackendChecks.Thin(["Cu"]));   // c = 3.6 Å
        Assert.True(IlgpuNeighborListBuilder.Applies(thin, 4.5, out string why), why);
        var open = SystemBatch.FromStructure(Samples.Cluster(["Cu"], 3.6, 3));
        Assert.True(IlgpuNeighborListBuilder.Applies(open, 4.5, out why), why);
        // two periodic vectors along one line (the third axis open): no lattice to bin in
        var s = Samples.Cluster(["Cu"], 3.6, 3);
        var line = new AtomicStructure(s.Numbers, s.Positions, new Cell(Mat3.FromRows(new Vec3(5, 0, 0), new Vec3(10, 0, 0), new Vec3(0, 0, 0)), true, true, false));
        Assert.False(IlgpuNeighborListBuilder.Applies(SystemBatch.FromStructure(line), 4.5, out why));
        Assert.Contains("degenerate", why);
    }

    public static TheoryData<string> Potentials() => ["lj", "eam", "sw", "tersoff", "equivariant", "equivariant-fp32", "eam-thin", "equivariant-thin", "eam-cluster", "sw-slab", "equivariant-slab"];

    /// <summary>The potential and structure of a <see cref="Potentials"/> case (periodic ones with unwrapped positions) and its precision.</summary>
    private static (IForceField ForceField, AtomicStructure Structure, Precision Precision) PotentialCase(string potential)
    {
        IForceField ff = potential switch
        {
            "lj" => PotentialFactory.Create(PotentialSpecLoader.Resolve(MdTestSystems.ArgonSpec)),
            "eam" or "eam-thin" or "eam-cluster" => PotentialFactory.Create(PotentialSpecLoader.Resolve(MdTestSystems.CopperSpec)),
            "sw" or "sw-slab" => MlipEngine.Potentials.StillingerWeber.StillingerWeberPotential.FromFile(GoldenFiles.LammpsPotential("Si.sw"), ["Si"]),
            "tersoff" => MlipEngine.Potentials.Tersoff.TersoffPotential.FromFile(GoldenFiles.LammpsPotential("SiC.tersoff"), ["Si", "C"]),
            _ => EquivariantBackendChecks.Shapes["l2-nu3-2layers"],
        };
        AtomicStructure s = potential switch
        {
            "lj" => TestStructures.Fcc("Ar", 5.26, 4, 4, 4, jitter: 0.2, seed: 2),
            "eam" => TestStructures.Fcc("Cu", 3.615, 3, 3, 3, jitter: 0.15, seed: 2),
            // one cell thick along c (3.6 Å), thinner than the list radius: several images per axis
            "eam-thin" => TestStructures.Fcc("Cu", 3.615, 3, 3, 1, jitter: 0.15, seed: 2),
            "equivariant-thin" => EquivariantBackendChecks.Thin(["Cu", "Ni"]),
            // open boundaries: the device list draws a box around the atoms along the open axes
            "eam-cluster" => WithPbc(TestStructures.Fcc("Cu", 3.615, 3, 3, 3, jitter: 0.15, seed: 2), false, false, false),
            "sw-slab" => WithPbc(TestStructures.Diamond("Si", 5.431, 2, 2, 2, jitter: 0.15, seed: 2), true, true, false),
            "equivariant-slab" => WithPbc(Samples.Periodic(["Cu", "Ni"], 3.6, 21, repeat: 3), true, true, false),
            "sw" or "tersoff" => TestStructures.Diamond("Si", 5.431, 2, 2, 2, jitter: 0.15, seed: 2),
            _ => Samples.Periodic(["Cu", "Ni"], 3.6, 21, repeat: 3),
        };
        if (potential == "tersoff")
        {
            var z = s.Numbers.Select((v, i) => i % 2 == 0 ? v : 6).ToArray();   // SiC on the diamond sites
            s = new AtomicStructure(z, s.Positions, s.Cell);
        }
        if (s.Cell.FullyPeriodic) s = Unwrapped(s, 12);
        var precision = potential == "equivariant-fp32" ? Precision.Float32 : Precision.Float64;
        return (ff, s, precision);
    }

    /// <summary>
    /// A list built on the device (as device-resident MD does) gives the forces, energies and virials of the host-uploaded list for
    /// every ILGPU potential, the mirrors of sw, tersoff and the equivariant model found on the device too: the same pairs summed in
    /// another order, so to round-off (1e-12 relative in fp64, 1e-6 in fp32).
    /// </summary>
    [Theory, MemberData(nameof(Potentials))]
    public void DeviceBuiltList_GivesTheHostListResults(string potential)
    {
        var (ff, s, precision) = PotentialCase(potential);
        using var c = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = IlgpuBackend.Name, Precision = precision, Skin = 0.5 });
        c.DeviceListBuilds = false;   // the host-built list (host calls build theirs on the device by default)
        var batch = SystemBatch.FromStructure(s);
        int n = batch.AtomCount;
        var host = new ForceResult(); var device = new ForceResult();
        c.Compute(batch, ForceOutputs.All, host);
        Assert.False(c.LastListOnDevice);
        int builds = c.NeighborBuilds;
        using var rx = new DeviceArray<double>(c.Accelerator); using var ry = new DeviceArray<double>(c.Accelerator); using var rz = new DeviceArray<double>(c.Accelerator);
        using var system = new DeviceArray<int>(c.Accelerator); using var images = new DeviceArray<int>(c.Accelerator, 3L * n);
        rx.Write(batch.X.AsSpan(0, n)); ry.Write(batch.Y.AsSpan(0, n)); rz.Write(batch.Z.AsSpan(0, n)); system.Write(batch.SystemIndex.AsSpan(0, n));
        lock (c.DeviceLock)
        {
            Assert.True(c.RebuildOnDevice(batch, rx.View, ry.View, rz.View, system.View, images.View));
            c.EvaluateResident(n);
            device.Prepare(batch, ForceOutputs.All);
            c.ReadResults(batch, ForceOutputs.All, device);
        }
        Assert.Equal(builds + 1, c.NeighborBuilds);
        AssertSameResults(host, device, n, precision, "device-built");

        // the next call from the host uploads its own list again (the device list, its codes and images, are not reused)
        var again = new ForceResult();
        c.Compute(batch, ForceOutputs.All, again);
        Assert.Equal(host.Fx.AsSpan(0, n).ToArray(), again.Fx.AsSpan(0, n).ToArray());
        Assert.Equal(host.Energy[0], again.Energy[0]);
    }

    /// <summary>Forces, energy and virial of <paramref name="got"/> against <paramref name="host"/>'s (one system): 1e-12 relative in fp64, 1e-6 in fp32.</summary>
    private static void AssertSameResults(ForceResult host, ForceResult got, int n, Precision precision, string label)
    {
        double tol = precision == Precision.Float64 ? 1e-12 : 1e-6;
        double fScale = 0;
        for (int i = 0; i < n; i++) fScale = Math.Max(fScale, Math.Abs(host.Fx[i]) + Math.Abs(host.Fy[i]) + Math.Abs(host.Fz[i]));
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(host.Fx[i] - got.Fx[i]) + Math.Abs(host.Fy[i] - got.Fy[i]) + Math.Abs(host.Fz[i] - got.Fz[i]) <= tol * fScale,
                $"atom {i}: host ({host.Fx[i]}, {host.Fy[i]}, {host.Fz[i]}), {label} ({got.Fx[i]}, {got.Fy[i]}, {got.Fz[i]})");
        }
        double eScale = host.AtomEnergies.AsSpan(0, n).ToArray().Sum(Math.Abs);
        Assert.True(Math.Abs(host.Energy[0] - got.Energy[0]) <= tol * eScale, $"{label}: E {got.Energy[0]:R} vs host {host.Energy[0]:R}");
        double wScale = host.Virial.AsSpan(0, 9).ToArray().Max(Math.Abs);
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(host.Virial[k] - got.Virial[k]) <= tol * wScale, $"{label}: virial[{k}] {got.Virial[k]:R} vs host {host.Virial[k]:R}");
    }

    /// <summary>
    /// Host calls on the device path refuse a non-finite position as the host builder does (an error naming the atom, so a batch
    /// relaxation fails that candidate only), and the next call at finite positions builds again and gives the host list's results.
    /// </summary>
    [Fact]
    public void HostCalls_RefuseNonFinitePositions_ThenBuildAgain()
    {
        var (ff, s, precision) = PotentialCase("eam");
        var options = new ComputeOptions { Backend = IlgpuBackend.Name, Precision = precision, Skin = 0.5 };
        using var hostList = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, options);
        hostList.DeviceListBuilds = false;
        using var c = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, options);
        c.Compute(SystemBatch.FromStructure(s), ForceOutputs.All, new ForceResult());
        var bad = new AtomicStructure(s.Numbers, s.Positions.Select((r, i) => i == 7 ? new Vec3(double.NaN, r.Y, r.Z) : r).ToArray(), s.Cell);
        var e = Assert.Throws<ArgumentException>(() => c.Compute(SystemBatch.FromStructure(bad), ForceOutputs.All, new ForceResult()));
        Assert.Contains("atom 7 of system 0 has a non-finite position", e.Message);
        Assert.Throws<ArgumentException>(() => hostList.Compute(SystemBatch.FromStructure(bad), ForceOutputs.All, new ForceResult()));
        var good = SystemBatch.FromStructure(s);
        var want = new ForceResult(); var got = new ForceResult();
        hostList.Compute(good, ForceOutputs.All, want);
        c.Compute(good, ForceOutputs.All, got);
        Assert.True(c.LastListOnDevice);
        AssertSameResults(want, got, good.AtomCount, precision, "after a refused call");
    }

    /// <summary>
    /// A batch with a system of no atoms among open and periodic ones (a candidate emptied by a filter): the device builds the
    /// others' lists (the empty system's box is a margin around nothing), with the host list's results.
    /// </summary>
    [Fact]
    public void HostCalls_TakeAnEmptySystemInAMixedBatch()
    {
        var ff = PotentialFactory.Create(PotentialSpecLoader.Resolve(MdTestSystems.CopperSpec));
        var systems = new[]
        {
            Unwrapped(TestStructures.Fcc("Cu", 3.615, 3, 3, 3, jitter: 0.1, seed: 27), 28),
            new AtomicStructure([], [], new Cell(Mat3.FromRows(new Vec3(10, 0, 0), new Vec3(0, 10, 0), new Vec3(0, 0, 10)), false, false, false)),
            Samples.Cluster(["Cu"], 3.6, 29),
        };
        var batch = SystemBatch.FromStructures(systems);
        var options = new ComputeOptions { Backend = IlgpuBackend.Name, Skin = 0.5 };
        using var hostList = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, options);
        hostList.DeviceListBuilds = false;
        using var c = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, options);
        var want = new ForceResult(); var got = new ForceResult();
        hostList.Compute(batch, ForceOutputs.All, want);
        c.Compute(batch, ForceOutputs.All, got);
        Assert.True(c.LastListOnDevice);
        for (int i = 0; i < batch.AtomCount; i++)
            Assert.True(Math.Abs(want.Fx[i] - got.Fx[i]) + Math.Abs(want.Fy[i] - got.Fy[i]) + Math.Abs(want.Fz[i] - got.Fz[i]) <= 1e-12, $"atom {i}");
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(want.Energy[k] - got.Energy[k]) <= 1e-12 * Math.Max(1, Math.Abs(want.Energy[k])), $"system {k}");
        Assert.Equal(0.0, got.Energy[1]);
    }

    /// <summary>
    /// Force calls from the host build their lists on the device (the default): through a sequence of calls — the first (a build),
    /// atoms moved less than skin/2 (the list kept: r̃ from the build's images), moved more (a rebuild), the cell strained by ~0.5 %
    /// (kept by the deforming-cell rule: the shift vectors follow the cell), by ~15 % (a rebuild), and the same positions again after a
    /// list from the host went up (a rebuild) — every result is the host-built list's to round-off, with the host list's builds.
    /// </summary>
    [Theory, MemberData(nameof(Potentials))]
    public void HostCalls_BuildTheirListsOnTheDevice_AndGiveTheHostListResults(string potential)
    {
        var (ff, s0, precision) = PotentialCase(potential);
        var options = new ComputeOptions { Backend = IlgpuBackend.Name, Precision = precision, Skin = 0.5 };
        using var hostList = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, options);
        hostList.DeviceListBuilds = false;
        using var c = (IlgpuForceComputer)TestCatalog.Instance.Bind(ff, options);
        var rng = new Random(31);
        AtomicStructure Moved(AtomicStructure s, double by) =>
            new(s.Numbers, s.Positions.Select(r => r + by / Math.Sqrt(3) * new Vec3(rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1)).ToArray(), s.Cell);
        var s1 = Moved(s0, 0.2);   // |δ| ≤ 0.2 Å < skin/2 = 0.25 Å: kept
        var s2 = Moved(s1, 0.6);   // up to 0.6 Å: rebuilt
        static AtomicStructure Strained(AtomicStructure s, Mat3 f) => new(s.Numbers, s.Positions.Select(r => r * f).ToArray(),
            new Cell(s.Cell.Matrix * f, s.Cell.PeriodicA, s.Cell.PeriodicB, s.Cell.PeriodicC));
        var s3 = Strained(s2, new Mat3(1.004, 0.002, 0, 0.002, 0.997, 0, 0, 0, 1.003));   // ‖F − I‖ 0.6 %: kept with skin 0.5 Å
        var s4 = Strained(s2, new Mat3(1.15, 0.03, 0, 0.03, 0.92, 0, 0, 0, 1.08));          // ‖F − I‖ 19 %: rebuilt
        var steps = new (string Label, AtomicStructure S, bool Rebuilds)[]
            { ("first", s0, true), ("moved < skin/2", s1, false), ("moved > skin/2", s2, true), ("strained 0.5 %", s3, false), ("strained 15 %", s4, true) };
        int builds = 0;
        foreach (var (label, s, rebuilds) in steps)
        {
            var batch = SystemBatch.FromStructure(s);
            var want = new ForceResult(); var got = new ForceResult();
            hostList.Compute(batch, ForceOutputs.All, want);
            c.Compute(batch, ForceOutputs.All, got);
            Assert.True(c.LastListOnDevice, label);
            if (rebuilds) builds++;
            Assert.Equal(builds, c.NeighborBuilds);
            Assert.Equal(hostList.NeighborBuilds, c.NeighborBuilds);
            AssertSameResults(want, got, batch.AtomCount, precision, label);
        }
        // a host list goes up over the device's; the next call at the same positions builds on the device again
        var last = SystemBatch.FromStructure(s4);
        c.DeviceListBuilds = false;
        var viaHost = new ForceResult(); var again = new ForceResult();
        c.Compute(last, ForceOutputs.All, viaHost);
        Assert.False(c.LastListOnDevice);
        c.DeviceListBuilds = true;
        c.Compute(last, ForceOutputs.All, again);
        Assert.True(c.LastListOnDevice);
        AssertSameResults(viaHost, again, last.AtomCount, precision, "device list after a host list");
    }
}
