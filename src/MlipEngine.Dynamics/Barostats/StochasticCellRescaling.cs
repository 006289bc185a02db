using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Geometry;
using MlipEngine.Units;

namespace MlipEngine.Dynamics.Barostats;

/// <summary>
/// Stochastic cell rescaling, "C-rescale" (Bernetti &amp; Bussi 2020, J. Chem. Phys. 153, 114107;
/// anisotropic form after del Tatto et al. 2022): a first-order stochastic equation for the
/// log-volume that samples the isothermal–isobaric ensemble with Berendsen-like fast relaxation.
/// </summary>
/// <remarks>
/// <para>Isotropic, ε = ln V, over Δt (β_T compressibility, τ_p relaxation time, R ~ N(0,1)):</para>
/// <code>  dε = −(β_T/τ_p)(P₀ − P_int − k_BT/V) Δt + √(2 k_BT β_T Δt/(V τ_p)) R  </code>
/// <para>and r, H scale by μ = e^{dε/3}, velocities by 1/μ. Anisotropic: one strain εₐ = ln Lₐ per
/// axis with drift −(β_T/3τ_p)(P₀ − P_aa − k_BT/V) and noise √(2k_BTβ_TΔt/(3Vτ_p)) Rₐ; their sum
/// reproduces the isotropic volume equation (the k_BT/V terms are the Jacobian of ε). Triclinic adds
/// the symmetric shear strains ε_ab with drift (β_T/3τ_p) P_ab and noise √(k_BTβ_TΔt/(3Vτ_p)) R_ab.
/// Positions scale as r ← r·e^{ε}, H ← H·e^{ε}, v ← v·e^{−ε} (matrix exponentials of the symmetric
/// strain increment). P_int includes the kinetic term.</para>
/// </remarks>
public sealed class StochasticCellRescaling
{
    private readonly Xoshiro256 _rng;
    private readonly double[] _eps = new double[9], _q = new double[9], _lambda = new double[3], _d = new double[3];
    private readonly double[] _up = new double[9], _down = new double[9];

    /// <param name="pressure">P₀, eV/Å³.</param>
    /// <param name="compressibility">β_T, Å³/eV.</param>
    /// <param name="damping">τ_p, fs.</param>
    public StochasticCellRescaling(PressureCoupling coupling, double pressure, double temperature, double compressibility, double damping, Xoshiro256 rng)
    {
        if (!(damping > 0)) throw new ArgumentOutOfRangeException(nameof(damping), "pdamp must be > 0 fs");
        if (!(compressibility > 0)) throw new ArgumentOutOfRangeException(nameof(compressibility), "compressibility must be > 0");
        Coupling = coupling; Pressure = pressure; Compressibility = compressibility; Damping = damping;
        _kT = PhysicalConstants.Boltzmann * temperature;
        _rng = rng;
    }

    private readonly double _kT;
    public PressureCoupling Coupling { get; }
    public double Pressure { get; }
    public double Compressibility { get; }
    public double Damping { get; }

    /// <summary>Rescales cell, positions and velocities over a span Δt (fs) using the current pressure tensor.</summary>
    public void Apply(MdSystem s, double dt)
    {
        Span<double> p = stackalloc double[9];
        s.PressureTensor(p);
        double v = s.Cell.Volume, bt = Compressibility / Damping;
        Array.Clear(_eps);
        switch (Coupling)
        {
            case PressureCoupling.Isotropic:
            {
                double pint = (p[0] + p[4] + p[8]) / 3;
                double de = -bt * (Pressure - pint - _kT / v) * dt + Math.Sqrt(2 * _kT * bt * dt / v) * _rng.NextGaussian();
                _eps[0] = _eps[4] = _eps[8] = de / 3;
                break;
            }
            default:
            {
                double noise = Math.Sqrt(2 * _kT * bt * dt / (3 * v));
                for (int a = 0; a < 3; a++)
                    _eps[4 * a] = -(bt / 3) * (Pressure - p[4 * a] - _kT / v) * dt + noise * _rng.NextGaussian();
                if (Coupling == PressureCoupling.Triclinic)
                    for (int a = 0; a < 3; a++)
                        for (int b = a + 1; b < 3; b++)
                        {
                            double e = (bt / 3) * 0.5 * (p[3 * a + b] + p[3 * b + a]) * dt + noise / Math.Sqrt(2) * _rng.NextGaussian();
                            _eps[3 * a + b] = _eps[3 * b + a] = e;
                        }
                break;
            }
        }
        SymmetricMatrix3.Eigen(_eps, _lambda, _q);
        for (int k = 0; k < 3; k++) _d[k] = Math.Exp(_lambda[k]);
        SymmetricMatrix3.Compose(_q, _d, _up);
        for (int k = 0; k < 3; k++) _d[k] = Math.Exp(-_lambda[k]);
        SymmetricMatrix3.Compose(_q, _d, _down);
        SymmetricMatrix3.MultiplyRows(s.X, s.Y, s.Z, _up);
        SymmetricMatrix3.MultiplyRows(s.VX, s.VY, s.VZ, _down);
        s.Cell = s.Cell.WithMatrix(s.Cell.Matrix * Mat3.FromRowMajor(_up));
    }

    public void Save(BinaryWriter w) => _rng.Save(w);
    public void Load(BinaryReader r) => _rng.Load(r);
}
