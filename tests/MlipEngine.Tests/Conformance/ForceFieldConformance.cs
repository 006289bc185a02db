using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using System.Reflection;
using Xunit;
using Xunit.Sdk;

namespace MlipEngine.Tests.Conformance;

/// <summary>
/// The conformance suite every potential and backend passes, written once and instantiated per
/// potential by a few-line subclass (as OpenMM's platform tests are): finite-difference forces and
/// stress, invariance and equivariance, batching, additivity of far-apart systems, per-atom energy
/// sums, and agreement of optimised backends with Reference.
/// </summary>
public abstract class ForceFieldConformance
{
    /// <summary>The potential under test.</summary>
    protected abstract IForceField ForceField { get; }

    /// <summary>A small perturbed periodic structure (skewed cell, all species), ~20–60 atoms.</summary>
    protected abstract AtomicStructure PeriodicSample(int seed);

    /// <summary>A small open-boundary cluster (all species), ~10–30 atoms.</summary>
    protected abstract AtomicStructure ClusterSample(int seed);

    /// <summary>
    /// Absolute tolerance (eV/Å) for central differences with step 1e-5 Å. Analytic potentials: 1e-6
    /// (truncation h²f‴/6 ≈ 1e-10, round-off ε|E|/h ≈ 1e-8). Cubic-spline tables are only C¹: when a
    /// pair distance crosses a knot within ±h the difference is off by up to ~|Δf″|·h, so 1e-5.
    /// </summary>
    protected virtual double FiniteDifferenceTolerance => 1e-6;

    /// <summary>Reference and Cpu; drivers marked <see cref="AlsoOnAttribute"/> add accelerator backends (see <see cref="BackendsAttribute"/>).</summary>
    public static TheoryData<string> AllBackends => new() { Backend.ReferenceName, Backend.CpuName };

    private static ComputeOptions Options(Backend b, int threads = 1) => new() { Backend = b, Threads = threads };

    [Theory, Backends]
    public void Forces_MatchCentralDifferences_Periodic(string backend) => CheckForcesByFiniteDifferences(PeriodicSample(1), backend);

    [Theory, Backends]
    public void Forces_MatchCentralDifferences_Cluster(string backend) => CheckForcesByFiniteDifferences(ClusterSample(2), backend);

    private void CheckForcesByFiniteDifferences(AtomicStructure s, Backend backend)
    {
        using var c = TestCatalog.Instance.Bind(ForceField, Options(backend));
        AssertForcesMatchCentralDifferences(c, s, FiniteDifferenceTolerance);
    }

    /// <summary>F_i,a = −(E(r + h e_ia) − E(r − h e_ia)) / 2h with h = 1e-5 Å, within <paramref name="tolerance"/> (eV/Å) for every atom and axis.</summary>
    internal static void AssertForcesMatchCentralDifferences(IForceComputer c, AtomicStructure s, double tolerance)
    {
        var ev = Eval.One(c, s);
        const double h = 1e-5;
        double worst = 0;
        for (int i = 0; i < s.AtomCount; i++)
            for (int a = 0; a < 3; a++)
            {
                var plus = s.Clone(); plus.Positions[i] += h * Unit(a);
                var minus = s.Clone(); minus.Positions[i] -= h * Unit(a);
                double fd = -(Eval.Energy(c, plus) - Eval.Energy(c, minus)) / (2 * h);
                double err = Math.Abs(fd - ev.Forces[i][a]);
                worst = Math.Max(worst, err);
                Assert.True(err <= tolerance, $"atom {i} axis {a}: analytic {ev.Forces[i][a]:R}, finite difference {fd:R}");
            }
        Assert.True(ev.Forces.Any(f => f.Norm > 1e-3), "sample has no forces to check; perturb it");
    }

    [Theory, Backends]
    public void Stress_MatchesStrainDerivative(string backend)
    {
        var s = PeriodicSample(3);
        using var c = TestCatalog.Instance.Bind(ForceField, Options(backend));
        var ev = Eval.One(c, s);
        double v = s.Cell.Volume;
        const double d = 1e-6;
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++)
            {
                // symmetric strain ε = δ(e_a e_bᵀ + e_b e_aᵀ)/2; dE/dδ = V σ_ab
                double fd = (Eval.Energy(c, Strain(s, a, b, d)) - Eval.Energy(c, Strain(s, a, b, -d))) / (2 * d) / v;
                Assert.True(Math.Abs(fd - ev.Stress[3 * a + b]) <= 1e-6 + 1e-6 * Math.Abs(fd),
                    $"σ[{a},{b}]: analytic {ev.Stress[3 * a + b]:R}, finite difference {fd:R}");
                Assert.Equal(ev.Stress[3 * a + b], ev.Stress[3 * b + a], 12);
            }
    }

    /// <summary>
    /// As <see cref="Stress_MatchesStrainDerivative"/>, but every strained energy comes from one
    /// computer with a Verlet skin, which keeps its neighbor list across the small cell changes (as
    /// ASE's numerical stress, a barostat or a cell filter would drive it).
    /// </summary>
    [Fact]
    public void Stress_MatchesStrainDerivative_WithNeighborListKeptAcrossCellChanges()
    {
        var s = PeriodicSample(3);
        using var c = TestCatalog.Instance.Bind(ForceField, new ComputeOptions { Backend = Backend.Cpu, Threads = 2, Skin = 0.5 });
        var ev = Eval.One(c, s);
        var batch = SystemBatch.FromStructure(s);
        var r = new ForceResult();
        double Energy(AtomicStructure t) { batch.SetSystem(0, t); c.Compute(batch, ForceOutputs.Energy, r); return r.Energy[0]; }
        double v = s.Cell.Volume;
        const double d = 1e-6;
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++)
            {
                double fd = (Energy(Strain(s, a, b, d)) - Energy(Strain(s, a, b, -d))) / (2 * d) / v;
                Assert.True(Math.Abs(fd - ev.Stress[3 * a + b]) <= 1e-6 + 1e-6 * Math.Abs(fd),
                    $"σ[{a},{b}]: analytic {ev.Stress[3 * a + b]:R}, finite difference {fd:R}");
            }
        Assert.True(c.NeighborBuilds <= 2, $"{c.NeighborBuilds} rebuilds for strains of 1e-6");
        // back to the original cell (a regression: the list kept the last strained cell's shifts)
        batch.SetSystem(0, s);
        c.Compute(batch, ForceOutputs.All, r);
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(r.Stress[k] - ev.Stress[k]) <= 1e-12 + 1e-10 * Math.Abs(ev.Stress[k]), $"stress[{k}] after restoring the cell");
    }

    [Theory, Backends]
    public void Energy_InvariantAndForcesStressEquivariant_UnderRotation(string backend)
    {
        var s = PeriodicSample(4);
        var rot = TestStructures.RandomRotation(17);
        var ev = Eval.One(ForceField, s, Options(backend));
        var er = Eval.One(ForceField, TestStructures.Transform(s, rot, new Vec3(0.3, -1.1, 2.0)), Options(backend));
        AssertClose(ev.Energy, er.Energy, 1e-10, "energy");
        for (int i = 0; i < s.AtomCount; i++) AssertClose(rot * ev.Forces[i], er.Forces[i], 1e-9, $"force {i}");
        // σ' = R σ Rᵀ
        var sig = Mat3.FromRowMajor(ev.Stress);
        var rotated = rot * sig * rot.Transpose();
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(rotated[k / 3, k % 3] - er.Stress[k]) <= 1e-10 + 1e-9 * Math.Abs(er.Stress[k]), $"stress {k}");
        // reflection (improper rotation)
        var mirror = Mat3.Diagonal(1, -1, 1) * rot;
        var em = Eval.One(ForceField, TestStructures.Transform(s, mirror, Vec3.Zero), Options(backend));
        AssertClose(ev.Energy, em.Energy, 1e-10, "energy under reflection");
        for (int i = 0; i < s.AtomCount; i++) AssertClose(mirror * ev.Forces[i], em.Forces[i], 1e-9, $"force {i} under reflection");
    }

    [Theory, Backends]
    public void Energy_InvariantUnderPermutation(string backend)
    {
        var s = PeriodicSample(5);
        var perm = Enumerable.Range(0, s.AtomCount).OrderBy(i => (i * 7919) % 101).ToArray();
        var p = new AtomicStructure(perm.Select(i => s.Numbers[i]).ToArray(), perm.Select(i => s.Positions[i]).ToArray(), s.Cell);
        var ev = Eval.One(ForceField, s, Options(backend));
        var ep = Eval.One(ForceField, p, Options(backend));
        AssertClose(ev.Energy, ep.Energy, 1e-10, "energy");
        for (int k = 0; k < perm.Length; k++) AssertClose(ev.Forces[perm[k]], ep.Forces[k], 1e-9, $"force {k}");
    }

    [Theory, Backends]
    public void Results_InvariantUnderRewrappingIntoOtherImages(string backend)
    {
        var s = PeriodicSample(6);
        var w = s.Clone();
        var rng = new Random(3);
        for (int i = 0; i < w.AtomCount; i++)
            w.Positions[i] += new Vec3(rng.Next(-2, 3), rng.Next(-2, 3), rng.Next(-2, 3)) * s.Cell.Matrix;
        var ev = Eval.One(ForceField, s, Options(backend));
        var ew = Eval.One(ForceField, w, Options(backend));
        AssertClose(ev.Energy, ew.Energy, 1e-10, "energy");
        for (int i = 0; i < s.AtomCount; i++) AssertClose(ev.Forces[i], ew.Forces[i], 1e-9, $"force {i}");
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(ev.Stress[k] - ew.Stress[k]) <= 1e-12 + 1e-9 * Math.Abs(ev.Stress[k]));
    }

    [Theory, Backends]
    public void BatchOfSystems_EqualsSingleEvaluations(string backend)
    {
        var systems = new[] { PeriodicSample(7), ClusterSample(8), PeriodicSample(9) };
        using var c = TestCatalog.Instance.Bind(ForceField, Options(backend, threads: 2));
        var batched = Eval.Batch(c, systems);
        for (int s = 0; s < systems.Length; s++)
        {
            var single = Eval.One(ForceField, systems[s], Options(backend));
            AssertClose(single.Energy, batched[s].Energy, 1e-12, $"energy of system {s}");
            for (int i = 0; i < systems[s].AtomCount; i++) AssertClose(single.Forces[i], batched[s].Forces[i], 1e-11, $"system {s} force {i}");
            for (int k = 0; k < 9; k++) Assert.True(Math.Abs(single.Virial[k] - batched[s].Virial[k]) <= 1e-10 * (1 + Math.Abs(single.Virial[k])));
        }
    }

    [Theory, Backends]
    public void FarApartClusters_EnergiesAdd(string backend)
    {
        var a = ClusterSample(10); var b = ClusterSample(11);
        var far = new Vec3(3 * ForceField.Cutoff + 50, 0, 0);
        var union = new AtomicStructure(a.Numbers.Concat(b.Numbers).ToArray(), a.Positions.Concat(b.Positions.Select(r => r + far)).ToArray(), Cell.Open);
        double ea = Eval.One(ForceField, a, Options(backend)).Energy, eb = Eval.One(ForceField, b, Options(backend)).Energy;
        double eu = Eval.One(ForceField, union, Options(backend)).Energy;
        AssertClose(ea + eb, eu, 1e-12, "E(A ∪ B) vs E(A) + E(B)");
    }

    [Theory, Backends]
    public void AtomEnergies_SumToEnergy(string backend)
    {
        var ev = Eval.One(ForceField, PeriodicSample(12), Options(backend));
        AssertClose(ev.Energy, ev.AtomEnergies.Sum(), 1e-11, "Σ per-atom energies");
        Assert.True(ev.Forces.Select(f => f).Aggregate(Vec3.Zero, (x, y) => x + y).Norm < 1e-9, "net force on a periodic system");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Cpu_AgreesWithReference(int threads)
    {
        foreach (var s in new[] { PeriodicSample(13), ClusterSample(14) })
        {
            var r = Eval.One(ForceField, s, Options(Backend.Reference));
            var c = Eval.One(ForceField, s, Options(Backend.Cpu, threads));
            AssertClose(r.Energy, c.Energy, 1e-12, "energy");
            for (int i = 0; i < s.AtomCount; i++)
            {
                AssertClose(r.Forces[i], c.Forces[i], 1e-10, $"force {i}");
                AssertClose(r.AtomEnergies[i], c.AtomEnergies[i], 1e-10, $"atom energy {i}");
            }
            for (int k = 0; k < 9; k++) Assert.True(Math.Abs(r.Virial[k] - c.Virial[k]) <= 1e-10 * (1 + Math.Abs(r.Virial[k])), $"virial {k}");
        }
    }

    [Fact]
    public void Cpu_RepeatedCallsWithSkin_GiveIdenticalResultsAndDoNotRebuild()
    {
        var s = PeriodicSample(15);
        using var c = TestCatalog.Instance.Bind(ForceField, new ComputeOptions { Backend = Backend.Cpu, Threads = 2, Skin = 0.5 });
        var batch = SystemBatch.FromStructure(s);
        var r1 = new ForceResult(); var r2 = new ForceResult();
        c.Compute(batch, ForceOutputs.All, r1);
        batch.X[0] += 0.1;  // within skin/2: no rebuild, list still valid
        c.Compute(batch, ForceOutputs.All, r2);
        Assert.Equal(1, c.NeighborBuilds);
        using var fresh = TestCatalog.Instance.Bind(ForceField, new ComputeOptions { Backend = Backend.Reference });
        var r3 = new ForceResult();
        fresh.Compute(batch, ForceOutputs.All, r3);
        AssertClose(r3.Energy[0], r2.Energy[0], 1e-12, "energy after a small move without rebuild");
    }

    protected static Vec3 Unit(int a) => a switch { 0 => new Vec3(1, 0, 0), 1 => new Vec3(0, 1, 0), _ => new Vec3(0, 0, 1) };

    protected static AtomicStructure Strain(AtomicStructure s, int a, int b, double delta)
    {
        var eps = new double[9];
        eps[3 * a + b] += delta / 2; eps[3 * b + a] += delta / 2;
        var f = Mat3.Identity + Mat3.FromRowMajor(eps);
        var t = s.Clone();
        for (int i = 0; i < t.AtomCount; i++) t.Positions[i] = t.Positions[i] * f;
        t.Cell = s.Cell.WithMatrix(s.Cell.Matrix * f);
        return t;
    }

    protected static void AssertClose(double expected, double actual, double relTol, string what)
    {
        Assert.True(Math.Abs(expected - actual) <= relTol * Math.Max(1.0, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");
    }

    protected static void AssertClose(Vec3 expected, Vec3 actual, double tol, string what)
    {
        Assert.True((expected - actual).Norm <= tol * Math.Max(1.0, expected.Norm), $"{what}: expected {expected}, got {actual} (|Δ| = {(expected - actual).Norm:E2})");
    }
}

/// <summary>Marks a conformance driver whose potential also runs on the named accelerator backend: its suite then runs there too.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public class AlsoOnAttribute(string backend) : Attribute
{
    public string BackendName { get; } = backend;
}

/// <summary>The suite also runs on OpenCL (PoCL in CI).</summary>
public sealed class AlsoOnOpenClAttribute() : AlsoOnAttribute(Backend.OpenClName);

/// <summary>The suite also runs on ILGPU (its CPU accelerator in CI).</summary>
public sealed class AlsoOnIlgpuAttribute() : AlsoOnAttribute(MlipEngine.Backends.Ilgpu.IlgpuBackend.Name);

/// <summary>
/// The backends a conformance test runs on: Reference and Cpu, plus each backend the driver class names
/// with an <see cref="AlsoOnAttribute"/> (<see cref="AlsoOnOpenClAttribute"/>, <see cref="AlsoOnIlgpuAttribute"/>).
/// (A data attribute rather than MemberData, because xunit resolves MemberData on the declaring base
/// class, so drivers could not choose.)
/// </summary>
public sealed class BackendsAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        yield return [Backend.ReferenceName];
        yield return [Backend.CpuName];
        foreach (var also in testMethod.ReflectedType?.GetCustomAttributes<AlsoOnAttribute>() ?? []) yield return [also.BackendName];
    }
}
