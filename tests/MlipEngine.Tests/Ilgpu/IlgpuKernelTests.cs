using MlipEngine.Backends.Ilgpu;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Tests.OpenCl;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Ilgpu;

/// <summary>
/// The ILGPU kernels against the Reference backend, on ILGPU's CPU accelerator in CI (the conformance
/// suite and the LAMMPS golden cells run on ILGPU too, through <see cref="Conformance.AlsoOnIlgpuAttribute"/>).
/// Potentials and structures are those of <see cref="OpenClKernelTests"/>, so both accelerator backends
/// are held to the same cases and tolerances.
/// </summary>
public class IlgpuKernelTests
{
    private static ComputeOptions Ilgpu(Precision p, double skin = 1.0) => new() { Backend = IlgpuBackend.Name, Precision = p, Skin = skin };

    /// <summary>fp64: the Reference's arithmetic in another order (gather over a full list), so summation round-off only; see <see cref="OpenClKernelTests.Float64_MatchesReference"/>.</summary>
    [Theory, MemberData(nameof(OpenClKernelTests.Cases), MemberType = typeof(OpenClKernelTests))]
    public void Float64_MatchesReference(string potential, string structure) => CompareWithReference(potential, structure, Precision.Float64, 1e-10);

    /// <summary>
    /// fp32 pair terms and tables with fp64 displacements and sums: ~1e-7 per term, a few 1e-6 of the
    /// largest force after ~50–80 terms (the same arithmetic and bound as <see cref="OpenClKernelTests.Float32_MatchesReferenceWithinSinglePrecision"/>).
    /// </summary>
    [Theory, MemberData(nameof(OpenClKernelTests.Cases), MemberType = typeof(OpenClKernelTests))]
    public void Float32_MatchesReferenceWithinSinglePrecision(string potential, string structure) => CompareWithReference(potential, structure, Precision.Float32, 1e-5);

    private static void CompareWithReference(string potential, string structure, Precision precision, double tol)
    {
        var ff = OpenClKernelTests.Potentials[potential];
        var s = OpenClKernelTests.Structure(structure);
        var r = Eval.One(ff, s, ComputeOptions.Reference);
        using var c = TestCatalog.Instance.Bind(ff, Ilgpu(precision));
        Assert.IsAssignableFrom<IlgpuForceComputer>(c);
        OpenClKernelTests.AssertAgreesWithReference(r, Eval.One(c, s), tol, "ILGPU");
    }

    /// <summary>
    /// <summary>
    /// sw (three-body; OpenCL has no kernels for it) on jittered diamond Si (64 atoms, Si.sw) and a compressed
    /// Si cluster: fp64 to summation round-off; fp32 within single precision (each bond and angle term carries
    /// ~1e-7 relative error, exp and pow of the radial functions included; sums over ~4–12 bonds and their
    /// pairs: 1e-5 of the largest force, as for the pair potentials).
    /// </summary>
    [Theory]
    [InlineData(Precision.Float64, 1e-10)]
    [InlineData(Precision.Float32, 1e-5)]
    public void StillingerWeber_MatchesReference(Precision precision, double tol)
    {
        var sw = MlipEngine.Potentials.StillingerWeber.StillingerWeberPotential.FromFile(GoldenFiles.LammpsPotential("Si.sw"), ["Si"]);
        foreach (var s in new[] { TestStructures.Diamond("Si", 5.431, 2, 2, 2, 0.15, 31), Samples.Cluster(["Si"], 3.9, 32) })
        {
            using var c = TestCatalog.Instance.Bind(sw, Ilgpu(precision));
            OpenClKernelTests.AssertAgreesWithReference(Eval.One(sw, s, ComputeOptions.Reference), Eval.One(c, s), tol, "ILGPU");
        }
    }

    [Theory]
    [InlineData("eam/alloy", Precision.Float64)]
    [InlineData("lj/cut", Precision.Float32)]
    public void Results_BitIdenticalAcrossRunsAndComputers(string potential, Precision precision) =>
        OpenClKernelTests.AssertBitIdenticalAcrossRunsAndComputers(OpenClKernelTests.Potentials[potential], Ilgpu(precision));

    [Fact]
    public void SkinReuse_GivesReferenceResultsWithoutRebuild() => OpenClKernelTests.AssertSkinReuseGivesReferenceResultsWithoutRebuild(Ilgpu(Precision.Float64, skin: 1.0));

    [Fact]
    public void Info_ListsTheCpuAccelerator()
    {
        var lines = TestCatalog.Instance.Backend(IlgpuBackend.Name).DescribeDevices();
        Assert.StartsWith("ilgpu accelerators (", lines[0]);
        Assert.Contains(lines, l => l.Contains("CPU", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownDeviceIndex_IsAClearError()
    {
        var e = Assert.Throws<ComputeBackendException>(() => TestCatalog.Instance.Bind(OpenClKernelTests.Potentials["lj/cut"], new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = 99 }));
        Assert.Contains("no ILGPU device 99", e.Message);
    }

    /// <summary>
    /// tersoff (OpenCL has no kernels for it) on jittered diamond Si (64 atoms, SiC.tersoff with Si and C on alternate sites) and
    /// a compressed SiC cluster: fp64 to summation round-off; fp32 within single precision (float bond geometry and terms, the
    /// bond order's pow and the exponentials included; ζ and every sum in double): measured up to 1.7e-5 of the largest force
    /// (the repulsive and attractive terms cancel, so errors are a few times sw's), bound 5e-5.
    /// </summary>
    [Theory]
    [InlineData(Precision.Float64, 1e-10)]
    [InlineData(Precision.Float32, 5e-5)]
    public void Tersoff_MatchesReference(Precision precision, double tol)
    {
        var tersoff = MlipEngine.Potentials.Tersoff.TersoffPotential.FromFile(GoldenFiles.LammpsPotential("SiC.tersoff"), ["Si", "C"]);
        var diamond = TestStructures.Diamond("Si", 5.431, 2, 2, 2, 0.15, 33);
        for (int i = 1; i < diamond.AtomCount; i += 2) diamond.Numbers[i] = 6;   // C
        foreach (var s in new[] { diamond, Samples.Cluster(["Si", "C"], 3.6, 34) })
        {
            using var c = TestCatalog.Instance.Bind(tersoff, Ilgpu(precision));
            OpenClKernelTests.AssertAgreesWithReference(Eval.One(tersoff, s, ComputeOptions.Reference), Eval.One(c, s), tol, "ILGPU");
        }
    }
}
