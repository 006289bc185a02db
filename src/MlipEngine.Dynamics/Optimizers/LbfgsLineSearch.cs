namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// Limited-memory BFGS with a backtracking (Armijo) line search and a curvature guard, taking one
/// evaluation per <see cref="Step"/> as the batched relaxer requires. Unlike <see cref="Lbfgs"/> (ASE's,
/// no line search), it never accepts an uphill step, so it does not stall far from a minimum on rugged
/// landscapes (random Lennard-Jones clusters: ASE's L-BFGS ends 2,000 steps later with |F| ≈ 60 eV/Å).
/// </summary>
/// <remarks>
/// Nocedal &amp; Wright, Numerical Optimization, Alg. 7.4 and 3.1. From an accepted point x₀ with gradient
/// g₀ = −f₀, the direction p = −H g₀ comes from the two-loop recursion with H₀ = (s·y)/(y·y)·I
/// (1/α before any history); pairs with y·s ≤ 10⁻¹²|s||y| are not stored (curvature guard). If p is not a
/// descent direction (g₀·p ≥ 0) the history is dropped and p = −g₀/α. The trial x = x₀ + t·p starts at
/// t = 1, scaled so no row moves more than maxstep. At the next evaluation the Armijo condition
/// E(x) ≤ E₀ + 10⁻⁴·t·g₀·p accepts the point (the pair s = x − x₀, y = g − g₀ joins the history);
/// otherwise t is replaced by the minimiser of the quadratic through E₀, g₀·p and E(x) (clamped to
/// [0.1 t, 0.5 t]) and x₀ + t·p is tried next. After 30 rejections the history is dropped.
/// </remarks>
public sealed class LbfgsLineSearch : IOptimizer
{
    private readonly OptimizerSettings _s;
    private readonly LbfgsHistory _history = new();
    private double[] _x = [], _f = [], _x0 = [], _g0 = [], _p = [];
    private int _rejections;
    private bool _pending;
    private double _e0, _t, _slope;

    public LbfgsLineSearch(OptimizerSettings settings)
    {
        if (settings.Memory < 1) throw new ArgumentException("L-BFGS memory must be at least 1");
        _s = settings;
    }

    public void Reset() { _history.Clear(); _pending = false; _rejections = 0; }

    public void Step(IOptimizable target)
    {
        int n = target.Length, m = _s.Memory;
        if (_x.Length != n)
        {
            _x = new double[n]; _f = new double[n]; _x0 = new double[n]; _g0 = new double[n]; _p = new double[n];
            _history.Allocate(m);
            Reset();
        }
        target.GetCoordinates(_x);
        target.GetForces(_f);
        double e = target.Energy;

        if (_pending)
        {
            if (!(e <= _e0 + 1e-4 * _t * _slope))
            {
                // Rejected: backtrack along p from x₀ (quadratic interpolation, safeguarded).
                if (++_rejections > 30) { Reset(); RestartFrom(target, _x0, _g0, _e0); return; }
                double denom = 2 * (e - _e0 - _slope * _t);
                double tq = denom > 0 ? -_slope * _t * _t / denom : 0.5 * _t;
                _t = Math.Clamp(tq, 0.1 * _t, 0.5 * _t);
                for (int i = 0; i < n; i++) _x[i] = _x0[i] + _t * _p[i];
                target.SetCoordinates(_x);
                return;
            }
            // Accepted: store the pair when its curvature is positive.
            var (s, y) = _history.NextSlot(n);
            double sy = 0, ss = 0, yy = 0;
            for (int i = 0; i < n; i++)
            {
                s[i] = _x[i] - _x0[i]; y[i] = -_f[i] - _g0[i];
                sy += s[i] * y[i]; ss += s[i] * s[i]; yy += y[i] * y[i];
            }
            if (sy > 1e-12 * Math.Sqrt(ss * yy)) _history.Commit(1.0 / sy);
            _pending = false;
            _rejections = 0;
        }
        for (int i = 0; i < n; i++) _g0[i] = -_f[i];
        RestartFrom(target, _x, _g0, e);
    }

    /// <summary>New direction from the accepted point (x, g, E) and the first trial along it.</summary>
    private void RestartFrom(IOptimizable target, double[] x, double[] g, double e)
    {
        int n = x.Length;
        if (!ReferenceEquals(x, _x0)) x.AsSpan().CopyTo(_x0);
        if (!ReferenceEquals(g, _g0)) g.AsSpan().CopyTo(_g0);
        _e0 = e;
        var q = _p.AsSpan();
        for (int i = 0; i < n; i++) q[i] = _g0[i];
        _history.Apply(q, _history.Count > 0 ? _history.NewestScale() : 1.0 / _s.Alpha);
        for (int i = 0; i < n; i++) q[i] = -q[i];   // p = −H g
        _slope = Fire.Dot(_g0, _p);
        if (!(_slope < 0))
        {
            Reset();
            for (int i = 0; i < n; i++) _p[i] = -_g0[i] / _s.Alpha;
            _slope = Fire.Dot(_g0, _p);
        }
        _t = StepLimit.RowScale(_p, _s.MaxStep);
        for (int i = 0; i < n; i++) _x[i] = _x0[i] + _t * _p[i];
        _pending = true;
        target.SetCoordinates(_x);
    }
}
