using MlipEngine.Dynamics.Randomness;
using MlipEngine.Units;

namespace MlipEngine.Dynamics.Thermostats;

/// <summary>
/// Stochastic velocity rescaling (Bussi, Donadio &amp; Parrinello 2007): the kinetic energy follows
/// dK = (K̄ − K) dt/τ + 2√(K K̄/N_f) dW/√τ, whose stationary law is the canonical one, with K̄ = N_f k_BT/2.
/// </summary>
/// <remarks>
/// Exact propagation over a span Δt (their eq. A7), c = e^{−Δt/τ}, R ~ N(0,1), S ~ χ²(N_f − 1):
/// <code>  K' = cK + (1 − c) K̄ (R² + S)/N_f + 2R √(c(1 − c) K K̄ / N_f)  </code>
/// and velocities are scaled by α = ±√(K'/K), with the sign of R + √(c N_f K/((1 − c) K̄)).
/// </remarks>
public sealed class BussiRescaling : IVelocityScalingThermostat
{
    private readonly Xoshiro256 _rng;
    private readonly double _kT;

    public BussiRescaling(double temperature, double damping, int degreesOfFreedom, Xoshiro256 rng)
    {
        if (!(temperature >= 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be ≥ 0 K");
        if (!(damping > 0)) throw new ArgumentOutOfRangeException(nameof(damping), "damping must be > 0 fs");
        _kT = PhysicalConstants.Boltzmann * temperature;
        Damping = damping;
        DegreesOfFreedom = degreesOfFreedom;
        _rng = rng;
    }

    public double Damping { get; }
    public int DegreesOfFreedom { get; }
    /// <summary>Heat given to the bath so far, eV (−ΣΔK).</summary>
    public double Heat { get; set; }

    /// <summary>Returns the factor α for the velocities over a span Δt (fs), given K (eV).</summary>
    public double Propagate(double kinetic, double span)
    {
        if (!(kinetic > 0)) return 1.0;
        int nf = DegreesOfFreedom;
        double target = 0.5 * nf * _kT;
        double c = Math.Exp(-span / Damping);
        double r = _rng.NextGaussian();
        double s = _rng.NextChiSquared(nf - 1);
        double k1 = c * kinetic + (1 - c) * target * (r * r + s) / nf + 2 * r * Math.Sqrt(c * (1 - c) * kinetic * target / nf);
        double alpha = Math.Sqrt(Math.Max(k1, 0) / kinetic);
        if (r + Math.Sqrt(c * nf * kinetic / ((1 - c) * target)) < 0) alpha = -alpha;
        Heat -= k1 - kinetic;
        return alpha;
    }

    /// <inheritdoc/>
    public double ConservedEnergy => Heat;

    public void Save(BinaryWriter w) { _rng.Save(w); w.Write(Heat); }
    public void Load(BinaryReader r) { _rng.Load(r); Heat = r.ReadDouble(); }
}
