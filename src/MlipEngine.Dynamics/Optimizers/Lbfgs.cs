namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// Limited-memory BFGS without line search, as ase.optimize.LBFGS in ASE 3.22.
/// </summary>
/// <remarks>
/// History pairs s_k = x_{k+1} − x_k, y_k = g_{k+1} − g_k (g = −f), ρ_k = 1/(y_k·s_k), at most
/// <c>memory</c> of them. The two-loop recursion applies the inverse-Hessian estimate to g with
/// H₀⁻¹ = I/α:
/// <code>
///   q = g;  for k newest→oldest: a_k = ρ_k s_k·q;  q −= a_k y_k
///   z = q/α; for k oldest→newest: b = ρ_k y_k·z;   z += s_k (a_k − b)
///   Δx = −z · damping, scaled so that the longest row (atom) moves at most maxstep
/// </code>
/// </remarks>
public sealed class Lbfgs : IOptimizer
{
    private readonly OptimizerSettings _s;
    private readonly LbfgsHistory _history = new();
    private double[] _x = [], _f = [], _x0 = [], _f0 = [], _q = [];
    private int _iteration;

    public Lbfgs(OptimizerSettings settings)
    {
        if (settings.MaxStep > 1.0) throw new ArgumentException($"maxstep {settings.MaxStep} Å is too large for L-BFGS (ASE refuses > 1 Å)");
        if (settings.Memory < 1) throw new ArgumentException("L-BFGS memory must be at least 1");
        _s = settings;
    }

    public void Reset() { _iteration = 0; _history.Clear(); }

    public void Step(IOptimizable target)
    {
        int n = target.Length, m = _s.Memory;
        if (_x.Length != n)
        {
            _x = new double[n]; _f = new double[n]; _x0 = new double[n]; _f0 = new double[n]; _q = new double[n];
            _history.Allocate(m);
            Reset();
        }
        target.GetCoordinates(_x);
        target.GetForces(_f);

        // Update: append (s, y, ρ) from the previous step; the ring drops the oldest beyond memory.
        if (_iteration > 0)
        {
            var (s, y) = _history.NextSlot(n);
            for (int i = 0; i < n; i++) { s[i] = _x[i] - _x0[i]; y[i] = _f0[i] - _f[i]; }
            _history.Commit(1.0 / Fire.Dot(y, s));
        }

        // Two-loop recursion on q = g = −f.
        var q = _q.AsSpan();
        for (int i = 0; i < n; i++) q[i] = -_f[i];
        _history.Apply(q, 1.0 / _s.Alpha);

        // Step p = −z, limited by the longest row.
        double scale = StepLimit.RowScale(q, _s.MaxStep) * _s.Damping;
        _x.AsSpan().CopyTo(_x0);
        _f.AsSpan().CopyTo(_f0);
        for (int i = 0; i < n; i++) _x[i] -= scale * q[i];
        target.SetCoordinates(_x);
        _iteration++;
    }
}

/// <summary>ASE's determine_step: scale a step so its longest 3-row has length ≤ maxstep.</summary>
internal static class StepLimit
{
    public static double RowScale(ReadOnlySpan<double> dr, double maxStep)
    {
        double longest2 = 0;
        for (int i = 0; i + 2 < dr.Length; i += 3)
        {
            double l2 = dr[i] * dr[i] + dr[i + 1] * dr[i + 1] + dr[i + 2] * dr[i + 2];
            if (l2 > longest2) longest2 = l2;
        }
        double longest = Math.Sqrt(longest2);
        return longest >= maxStep ? maxStep / longest : 1.0;
    }
}
