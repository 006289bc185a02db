using MathNet.Numerics.LinearAlgebra;

namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// Quasi-Newton BFGS with a dense Hessian, as ase.optimize.BFGS in ASE 3.22 — for small systems
/// (O(n²) memory, O(n³) per step for the eigendecomposition).
/// </summary>
/// <remarks>
/// H starts as α·I. After a move Δx with force change Δf (skipped when max|Δx| &lt; 1e-7):
/// <code>
///   H ← H − Δf Δfᵀ/(Δx·Δf) − (HΔx)(HΔx)ᵀ/(Δx·HΔx)
/// </code>
/// The step is Δx = V |Ω|⁻¹ Vᵀ f from H = V Ω Vᵀ (absolute eigenvalues keep it downhill), scaled so
/// that the longest row moves at most maxstep.
/// </remarks>
public sealed class Bfgs : IOptimizer
{
    private readonly OptimizerSettings _s;
    private Matrix<double>? _h;
    private double[] _x = [], _f = [], _x0 = [], _f0 = [], _dx = [], _df = [], _hdx = [];
    private bool _haveHessian;

    public Bfgs(OptimizerSettings settings) { _s = settings; }

    public void Reset() { _haveHessian = false; }

    public void Step(IOptimizable target)
    {
        int n = target.Length;
        if (_x.Length != n)
        {
            _x = new double[n]; _f = new double[n]; _x0 = new double[n]; _f0 = new double[n];
            _dx = new double[n]; _df = new double[n]; _hdx = new double[n];
            _h = Matrix<double>.Build.Dense(n, n);
            _haveHessian = false;
        }
        var h = _h!;
        target.GetCoordinates(_x);
        target.GetForces(_f);
        Update(h, n);

        var evd = h.Evd(Symmetricity.Symmetric);
        var omega = evd.EigenValues;
        var v = evd.EigenVectors;
        var fv = Vector<double>.Build.Dense(_f) * v;           // (fᵀV)_k
        for (int k = 0; k < n; k++) fv[k] /= Math.Abs(omega[k].Real);
        var dr = v * fv;
        for (int i = 0; i < n; i++) _dx[i] = dr[i];
        double scale = StepLimit.RowScale(_dx, _s.MaxStep);
        _x.AsSpan().CopyTo(_x0);
        _f.AsSpan().CopyTo(_f0);
        for (int i = 0; i < n; i++) _x[i] += scale * _dx[i];
        target.SetCoordinates(_x);
    }

    private void Update(Matrix<double> h, int n)
    {
        if (!_haveHessian)
        {
            h.Clear();
            for (int i = 0; i < n; i++) h[i, i] = _s.Alpha;
            _haveHessian = true;
            return;
        }
        double maxAbs = 0;
        for (int i = 0; i < n; i++) { _dx[i] = _x[i] - _x0[i]; maxAbs = Math.Max(maxAbs, Math.Abs(_dx[i])); }
        if (maxAbs < 1e-7) return;
        for (int i = 0; i < n; i++) _df[i] = _f[i] - _f0[i];
        double a = Fire.Dot(_dx, _df);
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += h[i, j] * _dx[j];
            _hdx[i] = sum;
        }
        double b = Fire.Dot(_dx, _hdx);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                h[i, j] -= _df[i] * _df[j] / a + _hdx[i] * _hdx[j] / b;
    }
}
