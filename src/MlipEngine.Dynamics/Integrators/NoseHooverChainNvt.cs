using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Thermostats;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// NVT with a Nosé–Hoover chain: e^{iL_NHC Δt/2} · velocity Verlet · e^{iL_NHC Δt/2} (the Trotter
/// splitting of Martyna et al. 1996, as LAMMPS' fix nvt). Deterministic and time-reversible;
/// K + U + chain energy is conserved.
/// </summary>
/// <param name="temperature">Target, K.</param>
/// <param name="damping">Chain period τ, fs (LAMMPS Tdamp; ~100 Δt is typical).</param>
/// <param name="chainLength">M (LAMMPS tchain, default 3).</param>
/// <param name="degreesOfFreedom">N_f of the thermostatted system (<see cref="MdSystem.DegreesOfFreedom"/>).</param>
public sealed class NoseHooverChainNvt(double temperature, double damping, int chainLength, int degreesOfFreedom)
    : VelocityScalingVerlet(new NoseHooverChain(chainLength, temperature, damping, degreesOfFreedom))
{
    public override string Name => "nvt-nhc";
}
