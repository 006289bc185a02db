using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials;
using MlipEngine.Potentials.StillingerWeber;
using MlipEngine.Potentials.Tersoff;
using MlipEngine.State;
using Xunit;

namespace MlipEngine.Tests.Potentials;

/// <summary>
/// Stillinger–Weber and Tersoff, both backends: LAMMPS goldens, derivative checks, invariances,
/// batching and backend agreement. Cases are the golden structures with their potential specs.
/// </summary>
public class ManyBodyPotentialTests
{
    public static readonly string[] Cases =
    [
        "sw_si_diamond64", "sw_si_triclinic64", "sw_si_cell8", "sw_gan_wurtzite72",
        "tersoff_si_diamond64", "tersoff_si_triclinic64", "tersoff_sic_zincblende64", "tersoff_sic_cell8", "tersoff_gan_wurtzite72",
    ];

    /// <summary>Small or distinct cases for the costlier finite-difference checks.</summary>
    public static readonly string[] DerivativeCases =
        ["sw_si_cell8", "sw_si_triclinic64", "sw_gan_wurtzite72", "tersoff_sic_cell8", "tersoff_si_triclinic64", "tersoff_gan_wurtzite72"];

    public static TheoryData<string, string> CasesByBackend() => Cross(Cases);
    public static TheoryData<string, string> DerivativeCasesByBackend() => Cross(DerivativeCases);
    public static TheoryData<string> AllCases() => new(Cases);

    private static TheoryData<string, string> Cross(string[] cases)
    {
        var d = new TheoryData<string, string>();
        foreach (var c in cases) { d.Add(c, Backend.ReferenceName); d.Add(c, Backend.CpuName); }
        return d;
    }

    internal static IForceField Potential(string golden) => Support.GoldenCase.Load("manybody/" + golden).CreatePotential();

    private static ForceResult Compute(IForceField ff, Backend backend, SystemBatch batch, int threads = 1, ForceOutputs outputs = ForceOutputs.All)
    {
        using var c = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = backend, Threads = threads });
        var r = new ForceResult();
        c.Compute(batch, outputs, r);
        return r;
    }

    private static double Energy(IForceComputer c, AtomicStructure s)
    {
        var r = new ForceResult();
        c.Compute(SystemBatch.FromStructure(s), ForceOutputs.Energy, r);
        return r.Energy[0];
    }

    /// <summary>
    /// F = −∂E/∂r by central differences with h = 1e-5 Å: the truncation error h²/6·E‴ is ~1e-9 eV/Å
    /// and the rounding error ~ε·|E|/h ≈ 3e-9 eV/Å for |E| ≈ 300 eV, so 1e-6 relative (floor 1e-7
    /// eV/Å) has a wide margin yet catches any missing term.
    /// </summary>
    [Theory, MemberData(nameof(DerivativeCasesByBackend))]
    public void Forces_MatchCentralDifferences(string golden, string backend)
    {
        var s = GoldenFrame.Read(golden).Structure;
        var ff = Potential(golden);
        var r = Compute(ff, backend, SystemBatch.FromStructure(s));
        using var c = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = backend });
        const double h = 1e-5;
        int[] atoms = s.AtomCount <= 8 ? Enumerable.Range(0, s.AtomCount).ToArray() : [0, 1, 17, s.AtomCount - 1];
        foreach (int i in atoms)
            for (int a = 0; a < 3; a++)
            {
                var p = s.Clone(); var m = s.Clone();
                p.Positions[i] = Shift(s.Positions[i], a, h);
                m.Positions[i] = Shift(s.Positions[i], a, -h);
                double fd = -(Energy(c, p) - Energy(c, m)) / (2 * h);
                double f = r.Force(i)[a];
                Assert.True(Math.Abs(fd - f) <= 1e-6 * Math.Max(Math.Abs(f), 0.1), $"atom {i} axis {a}: analytic {f:R}, central difference {fd:R}");
            }
    }

    private static Vec3 Shift(Vec3 v, int axis, double h) => axis switch
    {
        0 => v with { X = v.X + h },
        1 => v with { Y = v.Y + h },
        _ => v with { Z = v.Z + h },
    };

    /// <summary>
    /// σ_ab = (1/V) ∂E/∂ε_ab under the symmetric strain r → r(1 + ε), H → H(1 + ε), by central
    /// differences with ε = 1e-5 (off-diagonal: ε_ab = ε_ba, so dE = 2Vσ_ab dε). Same error budget as the
    /// force check: 1e-6 relative with a floor of 1e-9 eV/Å³.
    /// </summary>
    [Theory, MemberData(nameof(DerivativeCasesByBackend))]
    public void Stress_MatchesStrainDerivativeOfEnergy(string golden, string backend)
    {
        var s = GoldenFrame.Read(golden).Structure;
        var ff = Potential(golden);
        var r = Compute(ff, backend, SystemBatch.FromStructure(s));
        using var c = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = backend });
        const double h = 1e-5;
        double v = s.Cell.Volume;
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++)
            {
                double ep = Energy(c, Strained(s, a, b, h)), em = Energy(c, Strained(s, a, b, -h));
                double fd = (ep - em) / (2 * h) / v / (a == b ? 1 : 2);
                double sigma = r.Stress[3 * a + b];
                Assert.True(Math.Abs(fd - sigma) <= 1e-6 * Math.Max(Math.Abs(sigma), 1e-3), $"σ[{a},{b}]: analytic {sigma:R}, strain derivative {fd:R}");
                Assert.Equal(sigma, r.Stress[3 * b + a], 1e-12);
            }
    }

    private static AtomicStructure Strained(AtomicStructure s, int a, int b, double e)
    {
        var eps = new double[9];
        eps[3 * a + b] += e; if (a != b) eps[3 * b + a] += e;
        var f = Mat3.Identity + Mat3.FromRowMajor(eps);
        var t = s.Clone();
        for (int i = 0; i < t.AtomCount; i++) t.Positions[i] = s.Positions[i] * f;
        t.Cell = s.Cell.WithMatrix(s.Cell.Matrix * f);
        return t;
    }

    /// <summary>
    /// Rotating the whole system (cell included, giving a general non-triangular cell), translating it
    /// and permuting its atoms leaves E unchanged and carries forces and stress along (F → F R, σ → Rᵀσ R).
    /// Differences are round-off only: 1e-10 relative.
    /// </summary>
    [Theory, MemberData(nameof(DerivativeCasesByBackend))]
    public void Energy_InvariantUnderRotationTranslationAndPermutation(string golden, string backend)
    {
        var s = GoldenFrame.Read(golden).Structure;
        var ff = Potential(golden);
        var r0 = Compute(ff, backend, SystemBatch.FromStructure(s));

        var rot = Mat3.Rotation(new Vec3(0.3, -0.5, 0.8), 0.77);
        var shift = new Vec3(3.1, -7.4, 0.9);
        int n = s.AtomCount;
        var perm = Enumerable.Range(0, n).Select(i => (i * 7 + 3) % n).ToArray();
        if (perm.Distinct().Count() != n) perm = Enumerable.Range(0, n).Reverse().ToArray();
        var z = new int[n]; var pos = new Vec3[n];
        for (int i = 0; i < n; i++) { z[i] = s.Numbers[perm[i]]; pos[i] = s.Positions[perm[i]] * rot + shift; }
        var t = new AtomicStructure(z, pos, s.Cell.WithMatrix(s.Cell.Matrix * rot));
        var r1 = Compute(ff, backend, SystemBatch.FromStructure(t));

        Assert.Equal(r0.Energy[0], r1.Energy[0], 1e-10 * Math.Abs(r0.Energy[0]));
        for (int i = 0; i < n; i++)
        {
            Assert.InRange((r1.Force(i) - r0.Force(perm[i]) * rot).Norm, 0, 1e-10);
            Assert.Equal(r0.AtomEnergies[perm[i]], r1.AtomEnergies[i], 1e-10);
        }
        var s0 = Mat3.FromRowMajor(r0.Stress.AsSpan(0, 9));
        var s1 = Mat3.FromRowMajor(r1.Stress.AsSpan(0, 9));
        var expected = rot.Transpose() * s0 * rot;
        for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) Assert.Equal(expected[a, b], s1[a, b], 1e-12);
    }

    [Theory]
    [InlineData("sw_si_cell8", "sw_si_triclinic64", Backend.ReferenceName)]
    [InlineData("sw_si_cell8", "sw_si_triclinic64", Backend.CpuName)]
    [InlineData("tersoff_sic_cell8", "tersoff_sic_zincblende64", Backend.ReferenceName)]
    [InlineData("tersoff_sic_cell8", "tersoff_sic_zincblende64", Backend.CpuName)]
    public void BatchOfTwoSystems_EqualsSingles(string first, string second, string backend)
    {
        var ff = Potential(first);
        var a = GoldenFrame.Read(first).Structure; var b = GoldenFrame.Read(second).Structure;
        var batch = Compute(ff, backend, SystemBatch.FromStructures([a, b]), threads: 2);
        var ra = Compute(ff, backend, SystemBatch.FromStructure(a), threads: 2);
        var rb = Compute(ff, backend, SystemBatch.FromStructure(b), threads: 2);
        int na = a.AtomCount;
        Assert.Equal(ra.Energy[0], batch.Energy[0], 1e-10);
        Assert.Equal(rb.Energy[0], batch.Energy[1], 1e-10);
        for (int i = 0; i < na; i++) Assert.InRange((batch.Force(i) - ra.Force(i)).Norm, 0, 1e-12);
        for (int i = 0; i < b.AtomCount; i++) Assert.InRange((batch.Force(na + i) - rb.Force(i)).Norm, 0, 1e-12);
        for (int k = 0; k < 9; k++)
        {
            Assert.Equal(ra.Virial[k], batch.Virial[k], 1e-10);
            Assert.Equal(rb.Virial[k], batch.Virial[9 + k], 1e-10);
        }
    }

    /// <summary>The optimised kernel sums the same terms in another order: 1e-10 relative to the scale of each quantity.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Cpu_EqualsReference(int threads)
    {
        foreach (var golden in Cases)
        {
            var ff = Potential(golden);
            var batch = SystemBatch.FromStructure(GoldenFrame.Read(golden).Structure);
            var re = Compute(ff, Backend.Reference, batch);
            var cpu = Compute(ff, Backend.Cpu, batch, threads);
            Assert.Equal(re.Energy[0], cpu.Energy[0], 1e-10 * Math.Abs(re.Energy[0]));
            double fScale = 0, wScale = 0;
            for (int i = 0; i < batch.AtomCount; i++) fScale = Math.Max(fScale, re.Force(i).Norm);
            for (int k = 0; k < 9; k++) wScale = Math.Max(wScale, Math.Abs(re.Virial[k]));
            for (int i = 0; i < batch.AtomCount; i++)
            {
                Assert.InRange((cpu.Force(i) - re.Force(i)).Norm, 0, 1e-10 * fScale);
                Assert.Equal(re.AtomEnergies[i], cpu.AtomEnergies[i], 1e-10 * Math.Abs(re.AtomEnergies[i]));
            }
            for (int k = 0; k < 9; k++) Assert.Equal(re.Virial[k], cpu.Virial[k], 1e-10 * wScale);
        }
    }

    [Fact]
    public void Cpu_IsDeterministicForAGivenThreadCount()
    {
        var ff = Potential("tersoff_gan_wurtzite72");
        var batch = SystemBatch.FromStructure(GoldenFrame.Read("tersoff_gan_wurtzite72").Structure);
        var a = Compute(ff, Backend.Cpu, batch, threads: 2);
        var b = Compute(ff, Backend.Cpu, batch, threads: 2);
        Assert.Equal(a.Energy[0], b.Energy[0]);
        for (int i = 0; i < batch.AtomCount; i++) Assert.Equal(a.Force(i), b.Force(i));
    }

    [Theory]
    [InlineData(Backend.ReferenceName)]
    [InlineData(Backend.CpuName)]
    public void EnergyOnlyCall_GivesTheSameEnergy(string backend)
    {
        foreach (var golden in new[] { "sw_gan_wurtzite72", "tersoff_sic_zincblende64" })
        {
            var ff = Potential(golden);
            var batch = SystemBatch.FromStructure(GoldenFrame.Read(golden).Structure);
            Assert.Equal(Compute(ff, backend, batch).Energy[0], Compute(ff, backend, batch, outputs: ForceOutputs.Energy).Energy[0], 1e-12);
        }
    }

    [Theory]
    [InlineData("sw", "Si.sw")]
    [InlineData("tersoff", "SiC.tersoff")]
    public void ElementNotInFile_ErrorNamesFileAndTriplet(string style, string file)
    {
        string path = Path.Combine("/usr/share/lammps/potentials", file);
        var ex = Assert.Throws<PotentialFileException>(() => style == "sw"
            ? (IForceField)StillingerWeberPotential.FromFile(path, ["Si", "Ge"])
            : TersoffPotential.FromFile(path, ["Si", "Ge"]));
        Assert.Contains(file, ex.Message);
        Assert.Contains("Ge", ex.Message);
    }

    [Fact]
    public void AtomOfAnElementTheModelDoesNotKnow_IsAClearError()
    {
        var ff = Potential("sw_si_cell8");
        var s = GoldenFrame.Read("sw_si_cell8").Structure.Clone();
        s.Numbers[3] = 32;
        var ex = Assert.Throws<ArgumentException>(() => Compute(ff, Backend.Cpu, SystemBatch.FromStructure(s)));
        Assert.Contains("Ge", ex.Message);
    }
}
