using MlipEngine.Backends.Ilgpu;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Tests.Potentials;
using MlipEngine.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Ilgpu;

/// <summary>
/// sw and tersoff on ILGPU in fp32 (bond geometry and every term in float, ζ, energies, gradients, forces and virials summed in
/// double; <see cref="IlgpuStillingerWeberComputer{T, R}"/>, <see cref="IlgpuTersoffComputer{T, R}"/>) on the LAMMPS golden cells of
/// <see cref="ManyBodyPotentialTests"/> and by central differences of their own energy (ILGPU's CPU accelerator in CI). The fp64
/// kernels are held to LAMMPS at 1e-9 by <see cref="Conformance.LammpsGoldenTests"/> and to the Reference at 1e-10 by
/// <see cref="IlgpuKernelTests"/>; the tolerances here are those of single precision, measured below.
/// </summary>
public class IlgpuManyBodyFloat32Tests(ITestOutputHelper output)
{
    private static readonly ComputeOptions Fp32 = new() { Backend = IlgpuBackend.Name, Precision = Precision.Float32 };

    public static TheoryData<string> Cases() => new(ManyBodyPotentialTests.Cases);
    public static TheoryData<string> DerivativeCases() => new(ManyBodyPotentialTests.DerivativeCases);

    /// <summary>
    /// LAMMPS' energy, per-atom energies, forces and stress (computed in fp64) within single precision: each bond and angle term
    /// carries a few ulp of float (ε = 6e-8) of its size; sw's terms are a few eV, tersoff's repulsive and attractive terms up to a
    /// few hundred eV that cancel to the bond energy, so tersoff's errors are ~10× sw's. Largest errors measured over the cells
    /// (CPU accelerator): sw energy 4.2e-7 eV/atom, per-atom energy 7.7e-7 eV, force 5.4e-6 eV/Å, stress 7.5e-8 eV/Å³; tersoff
    /// 8.3e-6 eV/atom, 2.1e-5 eV, 7.1e-5 eV/Å, 1.2e-6 eV/Å³ (GaN and SiC; Si ~10× less). Bounds ~3–4× those (the fp64 bounds
    /// of <see cref="Conformance.LammpsGoldenTests"/> are 1e-9, 1e-9, 1e-7 and 1e-9). Tersoff's angular function is evaluated
    /// without LAMMPS' cancellation of c²/d² (<see cref="MlipEngine.Potentials.Tersoff.TersoffFunctions{T, R}.G"/>), which took
    /// the SiC errors from 3e-5 eV/atom and 5e-4 eV/Å to the figures above.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Float32_MatchesLammpsGolden_WithinSinglePrecision(string golden)
    {
        var g = GoldenCase.Load("manybody/" + golden);
        var ev = Eval.One(g.CreatePotential(), g.Structure, Fp32);
        int n = g.Structure.AtomCount;
        double de = Math.Abs(ev.Energy - g.Energy) / n, df = 0, dea = 0, ds = 0;
        for (int i = 0; i < n; i++)
        {
            df = Math.Max(df, (ev.Forces[i] - g.Forces[i]).Norm);
            dea = Math.Max(dea, Math.Abs(ev.AtomEnergies[i] - g.AtomEnergies[i]));
        }
        for (int k = 0; k < 9; k++) ds = Math.Max(ds, Math.Abs(ev.Stress[k] - g.Stress[k]));
        output.WriteLine($"{golden} fp32 vs LAMMPS: energy {de:E2} eV/atom, atom energy {dea:E2} eV, force {df:E2} eV/A, stress {ds:E2} eV/A^3");
        // bounds per style, ~3× the largest error measured (see the summary)
        bool sw = golden.StartsWith("sw_", StringComparison.Ordinal);
        Assert.True(de <= (sw ? 2e-6 : 3e-5), $"energy {ev.Energy:R} vs LAMMPS {g.Energy:R}");
        Assert.True(dea <= (sw ? 4e-6 : 6e-5), $"per-atom energy off by {dea:E2} eV");
        Assert.True(df <= (sw ? 2e-5 : 2e-4), $"force off by {df:E2} eV/A");
        Assert.True(ds <= (sw ? 3e-7 : 4e-6), $"stress off by {ds:E2} eV/A^3");
    }

    /// <summary>
    /// F = −∂E/∂r of the fp32 kernels' own energy, by central differences with h = 3e-3 Å (the atoms that
    /// <see cref="ManyBodyPotentialTests.Forces_MatchCentralDifferences"/> checks in fp64): the truncation error h²/6·E‴ is ≲ 1e-4
    /// eV/Å; the rounding error is the float noise of the terms that move with the atom, δE/h. That noise is ~1e-6 eV for sw and
    /// ~1e-5 eV for tersoff, whose repulsive and attractive terms (up to a few hundred eV for GaN.tersoff's N–N) cancel to the bond
    /// energy, so fp32 carries ε·|f_R| of each. Measured (CPU accelerator): sw ≤ 2.6e-4 eV/Å, tersoff ≤ 4.0e-3 eV/Å (GaN; SiC 1.7e-3,
    /// Si 6.5e-4). Bounds ~2.5–4× that: 1e-3 (sw) and 1e-2 eV/Å (tersoff) plus 1e-3 relative; a missing or mis-signed term is ≳ 1e-1.
    /// </summary>
    [Theory, MemberData(nameof(DerivativeCases))]
    public void Float32_Forces_MatchCentralDifferencesOfItsEnergy(string golden)
    {
        var s = GoldenFrame.Read(golden).Structure;
        var ff = ManyBodyPotentialTests.Potential(golden);
        using var c = TestCatalog.Instance.Bind(ff, Fp32);
        var forces = Eval.One(c, s).Forces;
        const double h = 3e-3;
        int[] atoms = s.AtomCount <= 8 ? Enumerable.Range(0, s.AtomCount).ToArray() : [0, 1, 17, s.AtomCount - 1];
        double worst = 0, bound = golden.StartsWith("sw_", StringComparison.Ordinal) ? 1e-3 : 1e-2;
        foreach (int i in atoms)
            for (int a = 0; a < 3; a++)
            {
                var p = s.Clone(); var m = s.Clone();
                p.Positions[i] = Shift(s.Positions[i], a, h);
                m.Positions[i] = Shift(s.Positions[i], a, -h);
                double fd = -(Eval.Energy(c, p) - Eval.Energy(c, m)) / (2 * h);
                double f = Component(forces[i], a);
                worst = Math.Max(worst, Math.Abs(fd - f));
                Assert.True(Math.Abs(fd - f) <= bound + 1e-3 * Math.Abs(f), $"atom {i} axis {a}: analytic {f:R}, central difference {fd:R}");
            }
        output.WriteLine($"{golden} fp32: largest |F − central difference| {worst:E2} eV/A");
    }

    private static Vec3 Shift(Vec3 v, int axis, double h) => axis switch
    {
        0 => v with { X = v.X + h },
        1 => v with { Y = v.Y + h },
        _ => v with { Z = v.Z + h },
    };

    private static double Component(Vec3 v, int axis) => axis switch { 0 => v.X, 1 => v.Y, _ => v.Z };
}
