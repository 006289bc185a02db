using MlipEngine.Workflows.Properties;
using Xunit;

namespace MlipEngine.Tests.Properties;

public class BirchMurnaghanTests
{
    /// <summary>
    /// BM3 is exactly a cubic in V^(−2/3), so the linear least-squares fit of points on a BM3 curve returns
    /// its parameters to round-off (1e-9 relative leaves room for the conditioning of the 4×4 fit).
    /// </summary>
    [Theory]
    [InlineData(-3.54, 11.81, 0.864, 4.31)]
    [InlineData(-5.42, 20.45, 0.61, 4.0)]
    [InlineData(-1.9, 40.0, 0.08, 5.7)]
    public void Fit_RecoversTheParametersOfASyntheticCurve(double e0, double v0, double b, double bp)
    {
        var v = new double[11]; var e = new double[11];
        for (int i = 0; i < 11; i++) { v[i] = v0 * (0.94 + 0.012 * i) * 1.01; e[i] = BirchMurnaghan.Energy(v[i], e0, v0, b, bp); }
        var fit = BirchMurnaghan.Fit(v, e);
        Assert.Equal(e0, fit.E0, 1e-10);
        Assert.True(Math.Abs(fit.V0 / v0 - 1) < 1e-9, $"V0 {fit.V0} vs {v0}");
        Assert.True(Math.Abs(fit.B / b - 1) < 1e-9, $"B {fit.B} vs {b}");
        Assert.True(Math.Abs(fit.BPrime - bp) < 1e-8, $"B' {fit.BPrime} vs {bp}");
        Assert.True(fit.RmsResidual < 1e-12);
    }

    [Fact]
    public void Fit_WithoutAMinimum_IsAPropertiesException()
    {
        double[] v = [10, 11, 12, 13, 14];
        double[] e = [5, 4, 3, 2, 1];   // monotonic: no minimum
        Assert.Throws<PropertiesException>(() => BirchMurnaghan.Fit(v, e));
    }
}
