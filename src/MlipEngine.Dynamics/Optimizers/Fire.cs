namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// FIRE, the fast inertial relaxation engine (Bitzek et al., PRL 97, 170201 (2006)), step for step
/// as ase.optimize.FIRE in ASE 3.22 (unit masses, Euler integration, no downhill check).
/// </summary>
/// <remarks>
/// With f the forces and v the velocity, each step:
/// <code>
///   if v·f > 0:  v ← (1−a)·v + a·|v|·f/|f|;  after N_min such steps dt ← min(dt·f_inc, dt_max), a ← a·f_a
///   else:        v ← 0, a ← a_start, dt ← dt·f_dec, counter ← 0
///   v ← v + dt·f;  Δx = dt·v, scaled down to |Δx| = maxstep if longer (norm over all coordinates)
/// </code>
/// The first step starts from v = 0 without the mixing test, as ASE does.
/// </remarks>
public sealed class Fire : IOptimizer
{
    private readonly OptimizerSettings _s;
    private double[] _v = [], _x = [], _f = [];
    private bool _started;
    private double _dt, _a;
    private int _nPositive;

    public Fire(OptimizerSettings settings) { _s = settings; Reset(); }

    /// <summary>Current time step (ASE units).</summary>
    public double TimeStep => _dt;

    public void Reset()
    {
        _started = false;
        _dt = _s.Dt;
        _a = _s.AStart;
        _nPositive = 0;
    }

    public void Step(IOptimizable target)
    {
        int n = target.Length;
        if (_x.Length != n) { _x = new double[n]; _f = new double[n]; _v = new double[n]; _started = false; }
        var x = _x.AsSpan(); var f = _f.AsSpan(); var v = _v.AsSpan();
        target.GetCoordinates(x);
        target.GetForces(f);

        if (!_started)
        {
            v.Clear();
            _started = true;
        }
        else
        {
            double vf = Dot(f, v);
            if (vf > 0.0)
            {
                double scale = _a * Math.Sqrt(Dot(v, v)) / Math.Sqrt(Dot(f, f));
                for (int i = 0; i < n; i++) v[i] = (1.0 - _a) * v[i] + scale * f[i];
                if (_nPositive > _s.NMin)
                {
                    _dt = Math.Min(_dt * _s.FInc, _s.DtMax);
                    _a *= _s.FA;
                }
                _nPositive++;
            }
            else
            {
                v.Clear();
                _a = _s.AStart;
                _dt *= _s.FDec;
                _nPositive = 0;
            }
        }

        double norm2 = 0;
        for (int i = 0; i < n; i++)
        {
            v[i] += _dt * f[i];
            double dr = _dt * v[i];
            norm2 += dr * dr;
        }
        double norm = Math.Sqrt(norm2);
        double limit = norm > _s.MaxStep ? _s.MaxStep / norm : 1.0;
        for (int i = 0; i < n; i++) x[i] += limit * _dt * v[i];
        target.SetCoordinates(x);
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
