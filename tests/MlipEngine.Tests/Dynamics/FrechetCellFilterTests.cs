using MlipEngine.Dynamics;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials.Spec;
using MlipEngine.IO.Yaml;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Dynamics;

public sealed class FrechetCellFilterTests
{
    private static IForceComputer CuNi() => PotentialFactory.Create(PotentialSpecLoader.Resolve(
        $"{{style: eam/alloy, file: {GoldenFiles.LammpsPotential("CuNi.eam.alloy")}, elements: [Cu, Ni]}}"))
        .CreateComputer(ComputeOptions.Reference);

    /// <summary>
    /// Central differences of the filter's objective E(z, cU) + pV against its generalized forces, at a
    /// point with a non-symmetric, non-commuting log-deformation (so the Fréchet derivative of exp matters).
    /// h = 1e-5 in coordinates: truncation ~h²·E‴ ≈ 1e-9 and rounding ~1e-16·|E|/h ≈ 1e-9 eV per unit
    /// coordinate, so 2e-7 absolute is a safe bound that still catches a wrong term (which shows at ≥1e-3).
    /// </summary>
    [Theory]
    [InlineData(CellMode.Frechet, 0.0)]
    [InlineData(CellMode.Frechet, 0.02)]
    [InlineData(CellMode.Hydrostatic, 0.0)]
    [InlineData(CellMode.Hydrostatic, 0.01)]
    public void GeneralizedForces_MatchCentralDifferences(CellMode mode, double pressure)
    {
        using var computer = CuNi();
        var eval = new SystemEvaluator(computer);
        var structure = Samples.Periodic(["Cu", "Ni"], 3.55, seed: 7);
        var state = new SystemState(structure);
        var filter = new FrechetCellFilter(state, mode, pressure);
        int n = filter.Length;
        var x = new double[n];
        filter.GetCoordinates(x);
        int cell = n - 9;
        double c = filter.ExpCellFactor;
        if (mode == CellMode.Hydrostatic) { x[cell] += 0.03 * c; x[cell + 4] += 0.03 * c; x[cell + 8] += 0.03 * c; }
        else
        {
            double[] u = [0.02, 0.015, -0.01, -0.012, -0.025, 0.03, 0.008, -0.02, 0.01];
            for (int k = 0; k < 9; k++) x[cell + k] += u[k] * c;
        }
        filter.SetCoordinates(x);
        eval.Evaluate(state);
        var f = new double[n];
        filter.GetForces(f);

        double h = 1e-5;
        var xp = (double[])x.Clone();
        double worst = 0;
        // All cell coordinates and a sample of atomic ones.
        var indices = Enumerable.Range(cell, 9).Concat([0, 1, 2, 5, 13, 3 * (state.AtomCount - 1) + 2]);
        foreach (int i in indices)
        {
            xp[i] = x[i] + h; filter.SetCoordinates(xp); eval.Evaluate(state); double ep = filter.Energy;
            xp[i] = x[i] - h; filter.SetCoordinates(xp); eval.Evaluate(state); double em = filter.Energy;
            xp[i] = x[i];
            double fd = -(ep - em) / (2 * h);
            if (mode == CellMode.Hydrostatic && i >= cell)
                continue; // the hydrostatic force is the isotropic projection, checked below
            worst = Math.Max(worst, Math.Abs(fd - f[i]));
            Assert.True(Math.Abs(fd - f[i]) < 2e-7, $"coordinate {i}: finite difference {fd:R}, filter {f[i]:R}");
        }
        if (mode == CellMode.Hydrostatic)
        {
            // Along the uniform-scaling direction (δU ∝ I) the projected force is exact.
            double ep, em;
            for (int k = 0; k < 9; k += 4) xp[cell + k] = x[cell + k] + h; filter.SetCoordinates(xp); eval.Evaluate(state); ep = filter.Energy;
            for (int k = 0; k < 9; k += 4) xp[cell + k] = x[cell + k] - h; filter.SetCoordinates(xp); eval.Evaluate(state); em = filter.Energy;
            double fd = -(ep - em) / (2 * h);
            double analytic = f[cell] + f[cell + 4] + f[cell + 8];
            Assert.True(Math.Abs(fd - analytic) < 2e-7, $"uniform scaling: finite difference {fd:R}, filter {analytic:R}");
            Assert.Equal(0, f[cell + 1]); Assert.Equal(0, f[cell + 3]);
        }
    }

    /// <summary>exp and its Fréchet derivative against a central difference of exp (h = 1e-6: error ~1e-12).</summary>
    [Fact]
    public void ExpFrechetDerivative_MatchesCentralDifference()
    {
        var a = Mat3.FromRowMajor([0.3, -1.2, 0.4, 0.7, 0.1, -0.5, 0.2, 0.9, -0.6]);
        var e = Mat3.FromRowMajor([0.1, 0.4, -0.3, 0.2, -0.7, 0.5, 0.6, 0.1, 0.2]);
        var (ex, l) = MatrixExponential.ExpWithDerivative(a, e);
        double h = 1e-6;
        var fd = (1 / (2 * h)) * (MatrixExponential.Exp(a + h * e) + (-1.0) * MatrixExponential.Exp(a + (-h) * e));
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.Equal(fd[i, j], l[i, j], 1e-8);
        // exp(A)·exp(−A) = I
        var id = ex * MatrixExponential.Exp(-1.0 * a);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.Equal(i == j ? 1.0 : 0.0, id[i, j], 1e-13);
    }

    /// <summary>Constant volume: the cell force has no trace, so a first-order step keeps det F = 1.</summary>
    [Fact]
    public void ConstantVolume_CellForceIsTraceless()
    {
        using var computer = CuNi();
        var state = new SystemState(Samples.Periodic(["Cu", "Ni"], 3.7, seed: 3));
        var filter = new FrechetCellFilter(state, CellMode.ConstantVolume);
        new SystemEvaluator(computer).Evaluate(state);
        var f = new double[filter.Length];
        filter.GetForces(f);
        int c = filter.Length - 9;
        Assert.True(Math.Abs(f[c] + f[c + 4] + f[c + 8]) < 1e-12);
        Assert.True(Math.Abs(f[c]) > 1e-4);
    }
}
