using System.Diagnostics;
using MlipEngine.Discovery.Optimization;

namespace MlipEngine.Bench;

/// <summary>
/// Times the Gaussian-process surrogate on Hartmann-6 data (D = 6; other D: a sum of sines): the hyperparameter fit
/// (<see cref="GpFitter"/>, likelihood on a subset of at most 300 points, then conditioned on all N), the
/// factorisation of all N points at fixed hyperparameters, and 1000 posterior predictions with gradients.
/// </summary>
public static class GpFitTiming
{
    public static int Run(int n, int d)
    {
        var rng = new Random(1);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray()).ToList();
        var y = x.Select(p => d == 6 ? Hartmann6(p) : p.Select((v, k) => Math.Sin(3 * v + k)).Sum()).ToList();
        var clock = Stopwatch.StartNew();
        var gp = GpFitter.Fit(x, y, new GpFitSettings(), new Random(2));
        double fit = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var again = new GaussianProcess(x, y, gp.Hyper, gp.Kernel, gp.Mean);
        double factor = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var dm = new double[d]; var dv = new double[d];
        double sse = 0;
        for (int t = 0; t < 1000; t++)
        {
            var p = Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray();
            double truth = d == 6 ? Hartmann6(p) : p.Select((v, k) => Math.Sin(3 * v + k)).Sum();
            sse += Math.Pow(again.Predict(p, dm, dv).Mean - truth, 2);
        }
        double predict = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"gp n={n} d={d} threads={Environment.ProcessorCount}: fit {fit:F2} s (likelihood on {Math.Min(n, new GpFitSettings().MaxFitPoints)} points, log p = {gp.LogMarginalLikelihood:F1}), " +
            $"factorise all {factor:F2} s, 1000 predictions with gradients {predict:F2} s, test RMSE {Math.Sqrt(sse / 1000):G3} (output sd {Sd(y):G3}), jitter {again.Jitter:G2}");
        return 0;
    }

    private static double Sd(List<double> y) { double m = y.Average(); return Math.Sqrt(y.Average(v => (v - m) * (v - m))); }

    private static readonly double[,] A = { { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 } };
    private static readonly double[,] P = { { 1312, 1696, 5569, 124, 8283, 5886 }, { 2329, 4135, 8307, 3736, 1004, 9991 }, { 2348, 1451, 3522, 2883, 3047, 6650 }, { 4047, 8828, 8732, 5743, 1091, 381 } };
    private static readonly double[] Alpha = [1.0, 1.2, 3.0, 3.2];

    private static double Hartmann6(double[] x)
    {
        double f = 0;
        for (int i = 0; i < 4; i++)
        {
            double s = 0;
            for (int j = 0; j < 6; j++) s += A[i, j] * Math.Pow(x[j] - 1e-4 * P[i, j], 2);
            f -= Alpha[i] * Math.Exp(-s);
        }
        return f;
    }
}
