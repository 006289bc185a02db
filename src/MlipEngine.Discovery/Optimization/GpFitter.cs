using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace MlipEngine.Discovery.Optimization;

/// <summary>Bounds (normalised units; inputs in the unit cube) and effort of the hyperparameter fit.</summary>
public sealed record GpFitSettings
{
    public KernelKind Kernel { get; init; } = KernelKind.Matern52;
    public MeanKind Mean { get; init; } = MeanKind.Constant;
    public double MinLengthScale { get; init; } = 1e-2;
    public double MaxLengthScale { get; init; } = 20;
    public double MinSignalVariance { get; init; } = 0.05;
    public double MaxSignalVariance { get; init; } = 20;
    /// <summary>Noise variance floor (relative to the output variance): 1e-6 keeps K well conditioned for noiseless objectives.</summary>
    public double MinNoiseVariance { get; init; } = 1e-6;
    public double MaxNoiseVariance { get; init; } = 1;
    /// <summary>Random starts besides the warm start (the previous optimum) and the default start.</summary>
    public int Restarts { get; init; } = 2;
    public int MaxIterations { get; init; } = 60;
    /// <summary>
    /// Above this many observations the hyperparameters are fitted on a random subset of this size (each
    /// likelihood gradient costs O(n³)); the returned process conditions on every observation.
    /// </summary>
    public int MaxFitPoints { get; init; } = 300;
}

/// <summary>
/// Fits hyperparameters by maximising the log marginal likelihood over θ = (log σ², log ℓ, log σ_n²) with
/// MathNet's box-bounded BFGS (<see cref="BfgsBMinimizer"/>) from several starts: the previous optimum
/// (warm start), the middle of the box, and random points in it. A start whose Cholesky or line search fails
/// is skipped; the best likelihood seen in any evaluation wins.
/// </summary>
public static class GpFitter
{
    /// <summary>
    /// Maximises the likelihood from the warm start (when given) and, unless <paramref name="warmOnly"/>, from the
    /// middle of the box and <see cref="GpFitSettings.Restarts"/> random points; the warm start alone is what a
    /// Bayesian-optimisation step needs between full refits, as one new point rarely moves the optimum far.
    /// </summary>
    public static GaussianProcess Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, GpFitSettings settings, Random rng, GpHyperparameters? warmStart = null, bool warmOnly = false)
    {
        int d = x[0].Length;
        IReadOnlyList<double[]> fx = x; IReadOnlyList<double> fy = y;
        if (x.Count > settings.MaxFitPoints)
        {
            var idx = Enumerable.Range(0, x.Count).OrderBy(_ => rng.Next()).Take(settings.MaxFitPoints).ToArray();
            fx = idx.Select(i => x[i]).ToArray(); fy = idx.Select(i => y[i]).ToArray();
        }
        var lo = Vector<double>.Build.Dense(d + 2); var hi = Vector<double>.Build.Dense(d + 2);
        lo[0] = Math.Log(settings.MinSignalVariance); hi[0] = Math.Log(settings.MaxSignalVariance);
        for (int a = 1; a <= d; a++) { lo[a] = Math.Log(settings.MinLengthScale); hi[a] = Math.Log(settings.MaxLengthScale); }
        lo[d + 1] = Math.Log(settings.MinNoiseVariance); hi[d + 1] = Math.Log(settings.MaxNoiseVariance);

        var starts = new List<double[]>();
        if (warmStart != null && warmStart.LengthScales.Length == d) starts.Add(warmStart.ToLog());
        else warmOnly = false;
        var middle = new double[d + 2];
        middle[0] = 0; for (int a = 1; a <= d; a++) middle[a] = Math.Log(0.3 * Math.Sqrt(d)); middle[d + 1] = Math.Log(Math.Max(1e-4, settings.MinNoiseVariance));
        if (!warmOnly) starts.Add(middle);
        for (int s = 0; s < (warmOnly ? 0 : settings.Restarts); s++)
        {
            var t = new double[d + 2];
            for (int a = 0; a < d + 2; a++) t[a] = lo[a] + rng.NextDouble() * (hi[a] - lo[a]);
            t[d + 1] = Math.Min(t[d + 1], Math.Log(1e-2));   // random starts begin nearly noise-free
            starts.Add(t);
        }

        double bestLml = double.NegativeInfinity; double[]? bestTheta = null;
        double[]? cachedTheta = null; double cachedValue = 0; Vector<double>? cachedGrad = null;
        void Evaluate(Vector<double> theta)
        {
            if (cachedTheta != null && theta.AsArray() is { } arr && arr.AsSpan().SequenceEqual(cachedTheta)) return;
            var t = theta.ToArray();
            for (int a = 0; a < t.Length; a++) t[a] = Math.Clamp(t[a], lo[a], hi[a]);
            cachedTheta = theta.ToArray();
            try
            {
                var gp = new GaussianProcess(fx, fy, GpHyperparameters.FromLog(t), settings.Kernel, settings.Mean);
                double lml = gp.LogMarginalLikelihood;
                cachedValue = -lml;
                cachedGrad = Vector<double>.Build.Dense(gp.LogMarginalLikelihoodGradient()).Negate();
                if (lml > bestLml && double.IsFinite(lml)) { bestLml = lml; bestTheta = t; }
            }
            catch (CholeskyException)
            {
                cachedValue = 1e300; cachedGrad = Vector<double>.Build.Dense(t.Length);
            }
        }
        var objective = ObjectiveFunction.Gradient(
            th => { Evaluate(th); return cachedValue; },
            th => { Evaluate(th); return cachedGrad!; });
        var minimizer = new BfgsBMinimizer(1e-5, 1e-8, 1e-9, settings.MaxIterations);
        foreach (var s in starts)
        {
            var start = Vector<double>.Build.Dense(s);
            for (int a = 0; a < s.Length; a++) start[a] = Math.Clamp(start[a], lo[a], hi[a]);
            try { minimizer.FindMinimum(objective, lo, hi, start); }
            catch (Exception e) when (e is MaximumIterationsException or OptimizationException or ArgumentException or InvalidOperationException) { }
        }
        if (bestTheta == null)
            throw new CholeskyException($"no hyperparameters in the bounds give a positive-definite kernel matrix for {x.Count} points (duplicated points or non-finite outputs?)");
        return new GaussianProcess(x, y, GpHyperparameters.FromLog(bestTheta), settings.Kernel, settings.Mean);
    }
}
