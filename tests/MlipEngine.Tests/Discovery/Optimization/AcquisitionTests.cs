using Xunit;
using MlipEngine.Discovery.Optimization;

namespace MlipEngine.Tests.Discovery.Optimization;

public class AcquisitionTests
{
    private static GaussianProcess Surrogate()
    {
        var rng = new Random(5);
        var x = Enumerable.Range(0, 15).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(p => Math.Sin(5 * p[0]) + p[1] * p[1]).ToArray();
        return new GaussianProcess(x, y, new GpHyperparameters(1.1, [0.25, 0.4], 1e-4), KernelKind.Matern52, MeanKind.Constant);
    }

    [Theory]
    [InlineData(AcquisitionKind.Ei)]
    [InlineData(AcquisitionKind.LogEi)]
    [InlineData(AcquisitionKind.Ucb)]
    public void Gradient_MatchesCentralDifferences(AcquisitionKind kind)
    {
        var gp = Surrogate();
        double best = -0.6;
        var rng = new Random(9);
        for (int t = 0; t < 6; t++)
        {
            double[] x = [rng.NextDouble(), rng.NextDouble()];
            var g = new double[2];
            double a = Acquisition.ValueAndGradient(kind, gp, x, best, g);
            const double h = 1e-6;
            for (int d = 0; d < 2; d++)
            {
                var p = (double[])x.Clone(); p[d] += h;
                var m = (double[])x.Clone(); m[d] -= h;
                double fd = (Acquisition.ValueAndGradient(kind, gp, p, best, default) - Acquisition.ValueAndGradient(kind, gp, m, best, default)) / (2 * h);
                Assert.True(Math.Abs(fd - g[d]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"{kind} at ({x[0]}, {x[1]}): d{d} analytic {g[d]}, central difference {fd} (a = {a})");
            }
        }
    }

    [Fact]
    public void LogEi_EqualsLogOfEi_AndStaysFiniteFarBelowTheIncumbent()
    {
        foreach (double z in new[] { 3.0, 0.5, -1.0, -1.99, -2.01, -5.0, -10.0 })
        {
            double ei = Acquisition.Evaluate(AcquisitionKind.Ei, 0, 1, z).Value;
            Assert.Equal(Math.Log(ei), Acquisition.Evaluate(AcquisitionKind.LogEi, 0, 1, z).Value, 1e-9 * Math.Max(1, Math.Abs(Math.Log(ei))));
        }
        // z = −40: EI underflows to 0, log EI ≈ log φ(40) − 2 log 40 (h(z) ~ φ(z)/z² as z → −∞).
        Assert.Equal(0.0, Acquisition.Evaluate(AcquisitionKind.Ei, 0, 1, -40).Value);
        double logEi = Acquisition.Evaluate(AcquisitionKind.LogEi, 0, 1, -40).Value;
        double asymptotic = -800 - 0.5 * Math.Log(2 * Math.PI) - 2 * Math.Log(40);
        Assert.Equal(asymptotic, logEi, 2e-3);
        var (_, dmu, dsigma) = Acquisition.Evaluate(AcquisitionKind.LogEi, 0, 1, -40);
        Assert.True(double.IsFinite(dmu) && double.IsFinite(dsigma) && dmu < 0 && dsigma > 0);
    }
}
