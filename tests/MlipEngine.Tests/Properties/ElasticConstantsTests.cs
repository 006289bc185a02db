using MlipEngine.Workflows.Properties;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Properties;

public class ElasticConstantsTests(ITestOutputHelper output)
{
    /// <summary>
    /// C_ij from central differences of the stress equal (1/V₀)·∂²E/∂e_i∂e_j from central (mixed) differences
    /// of the energy, for EAM Cu at its zero-stress lattice constant (where both define the same C).
    /// Both at δ = h = 10⁻³: each has an O(δ²) truncation error; at δ = 5·10⁻³ the stress route is
    /// ≤ 0.017 GPa from LAMMPS' δ = 10⁻⁶ values (golden test), so at 10⁻³ each is within ~7·10⁻⁴ GPa of the
    /// exact C. The energy route's round-off is ~10⁻¹⁴ eV/(h²·V₀) ≈ 10⁻⁷ GPa. Tolerance 1.5·10⁻³ GPa
    /// (measured 5·10⁻⁵).
    /// </summary>
    [Fact]
    public void StressDerivatives_MatchEnergySecondDerivatives_EamCu()
    {
        using var computer = CuEam.Bind();
        var ev = new CrystalEvaluator(computer);
        var xtal = Lattices.Conventional("fcc", "Cu", CuEam.A0);
        const double h = 1e-3;
        var c = ElasticConstants.Compute(ev, xtal, h);
        double v0 = xtal.Cell.Volume;
        double E(int i, double di, int j, double dj)
        {
            var e = new double[6];
            e[i] += di; e[j] += dj;
            return ev.Evaluate(ElasticConstants.Strained(xtal, e)).Energy;
        }
        double e0 = ev.Evaluate(xtal).Energy;
        double worst = 0;
        for (int i = 0; i < 6; i++)
            for (int j = i; j < 6; j++)
            {
                double d2 = i == j
                    ? (E(i, h, i, 0) - 2 * e0 + E(i, -h, i, 0)) / (h * h)
                    : (E(i, h, j, h) - E(i, h, j, -h) - E(i, -h, j, h) + E(i, -h, j, -h)) / (4 * h * h);
                double fromEnergy = d2 / v0 * BirchMurnaghan.EvPerA3InGPa;
                output.WriteLine($"C{i + 1}{j + 1}: stress {c.Cij[i, j]:F6} energy {fromEnergy:F6} GPa");
                worst = Math.Max(worst, Math.Abs(fromEnergy - c.Cij[i, j]));
            }
        output.WriteLine($"largest difference {worst:E3} GPa");
        Assert.True(worst < 1.5e-3, $"largest |C(stress) − C(energy)| = {worst} GPa");
    }

    /// <summary>
    /// Cubic symmetry of an fcc crystal: C11 = C22 = C33, C12 = C13 = C23, C44 = C55 = C66 and the other
    /// entries zero, and the raw matrix (before symmetrising) symmetric (C_ij = ∂σ_i/∂e_j and C_ji are images
    /// of each other under a mirror of the cube), all to round-off: the stresses are sums of ~10² terms of
    /// ~1 eV over V ≈ 47 Å³, so ~10⁻¹⁶ eV/Å³ each, 10⁻¹¹ GPa after the division by 2δ; tolerance 10⁻⁶ GPa.
    /// </summary>
    [Fact]
    public void Fcc_HasCubicSymmetry_AndASymmetricMatrix()
    {
        using var computer = CuEam.Bind();
        var ev = new CrystalEvaluator(computer);
        var xtal = ev.RelaxCell(Lattices.Conventional("fcc", "Cu", 3.6)).Structure;
        var c = ElasticConstants.Compute(ev, xtal);
        var r = c.Raw;
        const double tol = 1e-6;
        Assert.Equal(r[0, 0], r[1, 1], tol); Assert.Equal(r[0, 0], r[2, 2], tol);
        Assert.Equal(r[3, 3], r[4, 4], tol); Assert.Equal(r[3, 3], r[5, 5], tol);
        double asym = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (i != j)
                {
                    Assert.Equal(r[0, 1], r[i, j], tol);
                    Assert.Equal(r[i, j], r[j, i], tol);
                    asym = Math.Max(asym, Math.Abs(r[i, j] - r[j, i]));
                }
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
            {
                bool block = (i < 3 && j < 3) || i == j;
                if (!block) Assert.True(Math.Abs(r[i, j]) < tol, $"C{i + 1}{j + 1} = {r[i, j]} GPa should vanish");
            }
        output.WriteLine($"C11 {c.C11:F4} C12 {c.C12:F4} C44 {c.C44:F4}; largest |C_ij − C_ji| {asym:E2} GPa");
        Assert.True(c.C11 > c.C12 && c.C44 > 0);
    }
}
