using MlipEngine.Units;

namespace MlipEngine.Dynamics.Thermostats;

/// <summary>
/// A Nosé–Hoover chain of length M (Martyna, Klein &amp; Tuckerman 1992) coupled to a kinetic energy
/// K with N_f degrees of freedom; the state (ξⱼ in fs⁻¹, ηⱼ dimensionless) is plain data.
/// </summary>
/// <remarks>
/// Masses Q₁ = N_f k_BT τ², Qⱼ = k_BT τ² (eV·fs²), τ the damping time. Equations of motion:
/// <code>
///   v̇ = … − ξ₁ v,   η̇ⱼ = ξⱼ,
///   ξ̇₁ = (2K − N_f k_BT)/Q₁ − ξ₁ξ₂,   ξ̇ⱼ = (Qⱼ₋₁ξⱼ₋₁² − k_BT)/Qⱼ − ξⱼξⱼ₊₁
/// </code>
/// <see cref="Propagate"/> applies e^{iL_NHC τ} for a span τ (half a time step in the Trotter
/// splitting), as in Martyna, Tuckerman, Tobias &amp; Klein (1996): the chain velocities are updated
/// from the end inwards over τ/2, each bracketed by e^{−ξⱼ₊₁τ/4} factors; the particle velocities are
/// scaled by e^{−ξ₁τ} (K by its square); then the chain is updated outwards again. The conserved
/// extended energy is Σ ½Qⱼξⱼ² + N_f k_BT η₁ + k_BT Σ_{j≥2} ηⱼ.
/// </remarks>
public sealed class NoseHooverChain : IVelocityScalingThermostat
{
    private readonly double[] _xi, _eta, _q;
    private readonly double _kT;

    public NoseHooverChain(int length, double temperature, double damping, int degreesOfFreedom)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), "chain length must be ≥ 1");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be > 0 K");
        if (!(damping > 0)) throw new ArgumentOutOfRangeException(nameof(damping), "damping must be > 0 fs");
        Length = length;
        DegreesOfFreedom = degreesOfFreedom;
        _kT = PhysicalConstants.Boltzmann * temperature;
        _xi = new double[length]; _eta = new double[length]; _q = new double[length];
        _q[0] = degreesOfFreedom * _kT * damping * damping;
        for (int j = 1; j < length; j++) _q[j] = _kT * damping * damping;
    }

    public int Length { get; }
    public int DegreesOfFreedom { get; }

    /// <summary>
    /// Propagates the chain over τ (fs) given the coupled kinetic energy K (eV, with the N_f of the
    /// constructor); returns the factor by which the coupled velocities must be scaled.
    /// </summary>
    public double Propagate(double kinetic, double tau)
    {
        int m = Length;
        double h2 = 0.5 * tau, h4 = 0.25 * tau;
        // inwards: ξ_M … ξ₁
        for (int j = m - 1; j >= 0; j--) UpdateXi(j, kinetic, h2, h4);
        // particles and positions of the chain
        double scale = Math.Exp(-_xi[0] * tau);
        kinetic *= scale * scale;
        for (int j = 0; j < m; j++) _eta[j] += _xi[j] * tau;
        // outwards: ξ₁ … ξ_M
        for (int j = 0; j < m; j++) UpdateXi(j, kinetic, h2, h4);
        return scale;
    }

    private void UpdateXi(int j, double kinetic, double h2, double h4)
    {
        double g = j == 0 ? (2 * kinetic - DegreesOfFreedom * _kT) / _q[0] : (_q[j - 1] * _xi[j - 1] * _xi[j - 1] - _kT) / _q[j];
        if (j + 1 < Length)
        {
            double f = Math.Exp(-h4 * _xi[j + 1]);
            _xi[j] = (_xi[j] * f + h2 * g) * f;
        }
        else _xi[j] += h2 * g;
    }

    /// <summary>Σ ½Qⱼξⱼ² + N_f k_BT η₁ + k_BT Σ_{j≥2} ηⱼ, eV.</summary>
    public double Energy
    {
        get
        {
            double e = DegreesOfFreedom * _kT * _eta[0];
            for (int j = 0; j < Length; j++) e += 0.5 * _q[j] * _xi[j] * _xi[j] + (j > 0 ? _kT * _eta[j] : 0);
            return e;
        }
    }

    /// <inheritdoc/>
    public double ConservedEnergy => Energy;

    public void Save(BinaryWriter w) { for (int j = 0; j < Length; j++) { w.Write(_xi[j]); w.Write(_eta[j]); } }
    public void Load(BinaryReader r) { for (int j = 0; j < Length; j++) { _xi[j] = r.ReadDouble(); _eta[j] = r.ReadDouble(); } }
}
