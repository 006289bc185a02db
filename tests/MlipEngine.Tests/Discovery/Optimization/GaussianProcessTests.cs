using Xunit;
using System.Text.Json;
using MlipEngine.Discovery.Optimization;

namespace MlipEngine.Tests.Discovery.Optimization;

public class GaussianProcessTests
{
    private sealed record Case(string Kernel, double SignalVariance, double[] LengthScales, double NoiseVariance, double[] Mean, double[] Std,
        double LogMarginalLikelihood, double FittedLogMarginalLikelihood);
    private sealed record Golden(double[][] X, double[] Y, double[][] XTest, Case[] Cases);

    private static Golden Load() => JsonSerializer.Deserialize<Golden>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "gp_sklearn", "golden.json")),
        new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;

    private static KernelKind Kind(string name) => name == "rbf" ? KernelKind.Rbf : KernelKind.Matern52;

    /// <summary>
    /// scikit-learn 1.2 (tests/golden/make_gp_golden.py), fixed hyperparameters, normalize_y: both compute the
    /// same Cholesky-based formulas in double precision on 30 points, so 1e-8 relative leaves ample room for
    /// rounding differences (condition number of K ≈ 10⁵ at noise 10⁻³).
    /// </summary>
    [Fact]
    public void PosteriorAndLikelihood_MatchScikitLearn()
    {
        var g = Load();
        foreach (var c in g.Cases)
        {
            var gp = new GaussianProcess(g.X, g.Y, new GpHyperparameters(c.SignalVariance, c.LengthScales, c.NoiseVariance), Kind(c.Kernel), MeanKind.Empirical);
            Assert.Equal(c.LogMarginalLikelihood, gp.LogMarginalLikelihood, Math.Abs(c.LogMarginalLikelihood) * 1e-8);
            for (int i = 0; i < g.XTest.Length; i++)
            {
                var (mu, variance) = gp.Predict(g.XTest[i]);
                Assert.Equal(c.Mean[i], mu, Math.Abs(c.Mean[i]) * 1e-8);
                Assert.Equal(c.Std[i], Math.Sqrt(variance), Math.Abs(c.Std[i]) * 1e-8);
            }
        }
    }

    /// <summary>The restarts of the box-bounded BFGS reach the likelihood scikit-learn's L-BFGS-B found with 10 restarts (same bounds), to 1e-3.</summary>
    [Fact]
    public void HyperparameterFit_ReachesScikitLearnOptimum()
    {
        var g = Load();
        foreach (var c in g.Cases)
        {
            var gp = GpFitter.Fit(g.X, g.Y, new GpFitSettings { Kernel = Kind(c.Kernel), Mean = MeanKind.Empirical, Restarts = 6 }, new Random(3));
            Assert.True(gp.LogMarginalLikelihood >= c.FittedLogMarginalLikelihood - 1e-3,
                $"{c.Kernel}: {gp.LogMarginalLikelihood} < scikit-learn {c.FittedLogMarginalLikelihood}");
        }
    }

    [Theory]
    [InlineData(KernelKind.Matern52, MeanKind.Constant)]
    [InlineData(KernelKind.Rbf, MeanKind.Linear)]
    public void LikelihoodGradient_MatchesCentralDifferences(KernelKind kernel, MeanKind mean)
    {
        var g = Load();
        var theta = new GpHyperparameters(1.3, [0.4, 0.9, 1.5], 2e-3).ToLog();
        var grad = new GaussianProcess(g.X, g.Y, GpHyperparameters.FromLog(theta), kernel, mean).LogMarginalLikelihoodGradient();
        const double h = 1e-5;
        for (int a = 0; a < theta.Length; a++)
        {
            var p = (double[])theta.Clone(); p[a] += h;
            var m = (double[])theta.Clone(); m[a] -= h;
            double fd = (new GaussianProcess(g.X, g.Y, GpHyperparameters.FromLog(p), kernel, mean).LogMarginalLikelihood
                       - new GaussianProcess(g.X, g.Y, GpHyperparameters.FromLog(m), kernel, mean).LogMarginalLikelihood) / (2 * h);
            Assert.Equal(fd, grad[a], 1e-5 * Math.Max(1, Math.Abs(fd)));
        }
    }

    [Theory]
    [InlineData(KernelKind.Matern52, MeanKind.Linear)]
    [InlineData(KernelKind.Rbf, MeanKind.Constant)]
    public void PosteriorGradients_MatchCentralDifferences(KernelKind kernel, MeanKind mean)
    {
        var g = Load();
        var gp = new GaussianProcess(g.X, g.Y, new GpHyperparameters(1.3, [0.4, 0.9, 1.5], 2e-3), kernel, mean);
        foreach (var x in g.XTest.Take(4))
        {
            var dm = new double[3]; var dv = new double[3];
            gp.Predict(x, dm, dv);
            const double h = 1e-6;
            for (int d = 0; d < 3; d++)
            {
                var p = (double[])x.Clone(); p[d] += h;
                var m = (double[])x.Clone(); m[d] -= h;
                var (mp, vp) = gp.Predict(p); var (mm, vm) = gp.Predict(m);
                Assert.Equal((mp - mm) / (2 * h), dm[d], 1e-6 * Math.Max(1, Math.Abs(dm[d])));
                Assert.Equal((vp - vm) / (2 * h), dv[d], 1e-6 * Math.Max(1, Math.Abs(dv[d])));
            }
        }
    }

    [Fact]
    public void LinearMean_ExtrapolatesALinearFunction()
    {
        var rng = new Random(1);
        var x = Enumerable.Range(0, 12).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(p => 2 + 3 * p[0] - p[1]).ToArray();
        var gp = new GaussianProcess(x, y, new GpHyperparameters(1, [0.3, 0.3], 1e-6), KernelKind.Matern52, MeanKind.Linear);
        Assert.Equal(2 + 3 * 3.0 - 2.0, gp.Predict([3.0, 2.0]).Mean, 1e-4);
    }

    [Fact]
    public void DuplicatedPoints_FactoriseWithJitter_AndNaNGivesClearError()
    {
        var x = new[] { new[] { 0.5 }, new[] { 0.5 }, new[] { 0.2 } };
        var gp = new GaussianProcess(x, [1.0, 1.0, 2.0], new GpHyperparameters(1, [0.3], 0), KernelKind.Rbf);
        Assert.True(gp.Jitter > 0);
        var e = Assert.Throws<CholeskyException>(() => new GaussianProcess(x, [1.0, 1.0, 2.0], new GpHyperparameters(double.NaN, [0.3], 0), KernelKind.Rbf));
        Assert.Contains("not positive definite", e.Message);
    }
}
