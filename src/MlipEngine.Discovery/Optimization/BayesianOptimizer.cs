using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace MlipEngine.Discovery.Optimization;

/// <summary>How <see cref="BayesianOptimizer"/> proposes designs.</summary>
public sealed record OptimizerSettings
{
    /// <summary>Sobol designs evaluated before the surrogate takes over (at least 2).</summary>
    public int Initial { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    public AcquisitionKind Acquisition { get; init; } = AcquisitionKind.LogEi;
    /// <summary>κ of UCB (μ − κσ for minimisation).</summary>
    public double Kappa { get; init; } = 2.0;
    public GpFitSettings Surrogate { get; init; } = new();
    /// <summary>Sobol points (plus perturbations of the best designs) on which the acquisition is screened.</summary>
    public int RawSamples { get; init; } = 1024;
    /// <summary>Best screened points polished by box-bounded quasi-Newton.</summary>
    public int Starts { get; init; } = 6;
}

/// <summary>
/// Bayesian optimisation, ask-and-tell: <see cref="Suggest"/> turns the history into the next batch of designs.
/// <list type="bullet">
/// <item>The first <c>Initial</c> designs are a (digitally shifted) Sobol design, skipping points that break a linear constraint.</item>
/// <item>Then a Gaussian process (<see cref="GpFitter"/>) on the canonical cube points models the objective
/// (negated when maximised). A failed evaluation enters the model with the worst value observed so far, so the
/// surrogate learns to avoid the region without being told a number it never saw.</item>
/// <item>With several objectives, ParEGO (Knowles 2006): each objective is scaled to [0, 1] over the history,
/// a weight vector λ is drawn uniformly on the simplex, and the surrogate models the augmented Chebyshev
/// scalarisation s = max_i λ_i f_i + 0.05 Σ_i λ_i f_i, a new λ per batch member.</item>
/// <item>The acquisition (log EI by default) is screened on <c>RawSamples</c> Sobol points and perturbations of
/// the best designs; the best <c>Starts</c> feasible ones are polished by MathNet's box-bounded BFGS on the
/// analytic gradient (the cube is small, so full BFGS costs what L-BFGS would), then snapped to canonical designs.</item>
/// <item>A batch of q &gt; 1 uses the Kriging believer (Ginsbourger et al. 2010): after each pick the surrogate
/// is conditioned on its own posterior mean there, with the same hyperparameters, which collapses the
/// variance nearby and pushes the next pick elsewhere.</item>
/// </list>
/// Every random choice is seeded from (seed, number of evaluations so far); a resumed run differs from an
/// uninterrupted one only through the warm start of the hyperparameter fit.
/// </summary>
public sealed class BayesianOptimizer
{
    private readonly DesignSpace _space;
    private readonly IReadOnlyList<Objective> _objectives;
    private GpHyperparameters? _warm;

    public BayesianOptimizer(DesignSpace space, IReadOnlyList<Objective> objectives, OptimizerSettings settings)
    {
        if (objectives.Count == 0) throw new ArgumentException("at least one objective is needed");
        _space = space; _objectives = objectives; Settings = settings;
    }

    public OptimizerSettings Settings { get; }
    /// <summary>The surrogate behind the last proposal (null during the initial design).</summary>
    public GaussianProcess? LastSurrogate { get; private set; }

    /// <summary>Value to minimise per successful evaluation: the objective (negated when maximised), or the ParEGO scalarisation.</summary>
    private double[] Targets(IReadOnlyList<Evaluation> ok, double[]? lambda)
    {
        int m = _objectives.Count;
        var f = ok.Select(e => e.Values!.Select((v, i) => _objectives[i].Maximize ? -v : v).ToArray()).ToList();
        if (m == 1) return f.Select(v => v[0]).ToArray();
        var lo = new double[m]; var hi = new double[m];
        for (int i = 0; i < m; i++) { lo[i] = f.Min(v => v[i]); hi[i] = f.Max(v => v[i]); }
        return f.Select(v =>
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < m; i++)
            {
                double scaled = hi[i] > lo[i] ? (v[i] - lo[i]) / (hi[i] - lo[i]) : 0;
                max = Math.Max(max, lambda![i] * scaled); sum += lambda[i] * scaled;
            }
            return max + 0.05 * sum;
        }).ToArray();
    }

    /// <summary>The next <paramref name="q"/> designs (value columns) given every evaluation so far.</summary>
    public List<double[]> Suggest(IReadOnlyList<Evaluation> history, int q)
    {
        int n = history.Count;
        var result = new List<double[]>();
        // Initial design: the Sobol points this history has not reached yet.
        var sobol = new SobolSequence(_space.CubeDimension, Settings.Seed);
        int skip = n, guard = 0;
        var u = new double[_space.CubeDimension];
        var ok = history.Where(e => e.Succeeded).ToList();
        while (result.Count < q && (n + result.Count < Settings.Initial || ok.Count < 2) && guard++ < 1_000_000)
        {
            sobol.Next(u);
            var design = _space.Decode(u);
            if (!_space.IsFeasible(design)) continue;
            if (skip > 0) { skip--; continue; }   // used by earlier evaluations
            result.Add(design);
        }
        if (result.Count == q) return result;

        var rng = new Random(unchecked((int)(Settings.Seed * 1_000_003UL + (ulong)n)));
        var x = history.Select(e => _space.Encode(e.Design)).ToList();
        GaussianProcess? fitted = null;
        while (result.Count < q)
        {
            double[]? lambda = null;
            if (_objectives.Count > 1)
            {
                // λ uniform on the simplex: normalised exponentials.
                lambda = Enumerable.Range(0, _objectives.Count).Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
                double s = lambda.Sum(); for (int i = 0; i < lambda.Length; i++) lambda[i] /= s;
            }
            var target = Targets(ok, lambda);
            double worst = target.Max();
            var y = new List<double>(); int k = 0;
            foreach (var e in history) y.Add(e.Succeeded ? target[k++] : worst);
            // One fit per batch with one objective (the believer re-conditions it); ParEGO's targets change with λ,
            // so each member refits, from the previous optimum after the first. All starts every fifth batch and
            // after a resume; the previous optimum alone in between.
            GaussianProcess gp;
            if (result.Count > 0 && _objectives.Count == 1 && fitted != null) gp = fitted;
            else
            {
                bool full = _warm == null || (result.Count == 0 && (n / Math.Max(1, q)) % 5 == 0);
                gp = GpFitter.Fit(x, y, Settings.Surrogate, rng, _warm, warmOnly: !full);
                _warm = gp.Hyper;
                fitted = gp;
            }
            double best = target.Min();
            // Kriging believer over the members already picked in this batch (same hyperparameters).
            if (result.Count > 0)
            {
                var xb = new List<double[]>(x); var yb = new List<double>(y);
                foreach (var picked in result) { var cu = _space.Encode(picked); xb.Add(cu); yb.Add(gp.Predict(cu).Mean); }
                gp = new GaussianProcess(xb, yb, gp.Hyper, gp.Kernel, gp.Mean);
            }
            LastSurrogate = gp;
            var taken = x.Concat(result.Select(r => _space.Encode(r))).ToList();
            result.Add(MaximizeAcquisition(gp, best, rng, taken, history, ok, target));
        }
        return result;
    }

    private double[] MaximizeAcquisition(GaussianProcess gp, double best, Random rng, List<double[]> taken,
        IReadOnlyList<Evaluation> history, List<Evaluation> ok, double[] target)
    {
        int d = _space.CubeDimension;
        var kind = Settings.Acquisition;
        double Acq(double[] p) => Acquisition.ValueAndGradient(kind, gp, p, best, default, Settings.Kappa);

        // Screening set: Sobol points and Gaussian perturbations (σ = 0.05, 0.2) of the five best designs.
        var raw = new SobolSequence(d, Settings.Seed + 7919UL * (ulong)(history.Count + taken.Count)).Take(Settings.RawSamples).ToList();
        var bestDesigns = ok.Select((e, i) => (e, t: target[i])).OrderBy(p => p.t).Take(5).Select(p => _space.Encode(p.e.Design)).ToList();
        foreach (var b in bestDesigns)
            for (int j = 0; j < 20; j++)
            {
                double scale = j < 10 ? 0.05 : 0.2;
                raw.Add(b.Select(v => Math.Clamp(v + scale * Gaussian(rng), 0, 1)).ToArray());
            }
        var screened = new double[raw.Count];
        Parallel.For(0, raw.Count, i => screened[i] = _space.IsFeasible(_space.Decode(raw[i])) ? Acq(raw[i]) : double.NaN);
        var scored = raw.Select((p, i) => (p, a: screened[i])).Where(s => double.IsFinite(s.a)).OrderByDescending(s => s.a).ToList();

        var candidates = new List<(double[] U, double A)>();
        var lo = Vector<double>.Build.Dense(d, 0); var hi = Vector<double>.Build.Dense(d, 1);
        var grad = new double[d];
        var objective = ObjectiveFunction.Gradient(
            v => -Acquisition.ValueAndGradient(kind, gp, v.AsArray() ?? v.ToArray(), best, default, Settings.Kappa),
            v => { Acquisition.ValueAndGradient(kind, gp, v.AsArray() ?? v.ToArray(), best, grad, Settings.Kappa); return Vector<double>.Build.Dense(grad).Negate(); });
        var minimizer = new BfgsBMinimizer(1e-7, 1e-9, 1e-11, 200);
        foreach (var (start, a0) in scored.Take(Settings.Starts))
        {
            candidates.Add((start, a0));
            try
            {
                var r = minimizer.FindMinimum(objective, lo, hi, Vector<double>.Build.Dense(start));
                candidates.Add((r.MinimizingPoint.ToArray(), -r.FunctionInfoAtMinimum.Value));
            }
            catch (Exception e) when (e is MaximumIterationsException or OptimizationException or ArgumentException or InvalidOperationException) { }
        }
        foreach (var s in scored.Skip(Settings.Starts).Take(50)) candidates.Add(s);

        // Snap to canonical designs, keep feasible ones not already evaluated, take the best acquisition there.
        double[]? bestU = null; double bestA = double.NegativeInfinity;
        foreach (var (cu0, _) in candidates)
        {
            var design = _space.Decode(cu0);
            if (!_space.IsFeasible(design)) continue;
            var cu = _space.Encode(design);
            if (taken.Any(t => SquaredDistance(t, cu) < MinSeparationSq)) continue;
            double a = Acq(cu);
            if (a > bestA) { bestA = a; bestU = cu; }
        }
        if (bestU == null)
        {
            // Everything screened is a duplicate (a small discrete space): the first unseen feasible random design.
            for (int t = 0; t < 10_000 && bestU == null; t++)
            {
                var p = Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray();
                var design = _space.Decode(p);
                var cu = _space.Encode(design);
                if (_space.IsFeasible(design) && !taken.Any(tk => SquaredDistance(tk, cu) < MinSeparationSq)) bestU = cu;
            }
            bestU ??= _space.Canonical(scored.Count > 0 ? scored[0].p : raw[0]);
        }
        return _space.Decode(bestU);
    }

    /// <summary>
    /// A proposal closer than 10⁻³ (unit-cube distance) to an evaluated design is a near-duplicate and is skipped: a
    /// surrogate that explains the data with noise otherwise keeps polishing the incumbent by 10⁻⁶ steps (seen on
    /// Branin, stuck at its x₁ = 10 boundary minimum for 40 calls), learning nothing a deterministic objective could
    /// not have told it already.
    /// </summary>
    private const double MinSeparationSq = 1e-6;

    private static double SquaredDistance(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
