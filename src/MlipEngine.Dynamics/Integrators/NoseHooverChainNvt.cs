using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Thermostats;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// NVT with a Nosé–Hoover chain: e^{iL_NHC Δt/2} · velocity Verlet · e^{iL_NHC Δt/2} (the Trotter
/// splitting of Martyna et al. 1996, as LAMMPS' fix nvt). Deterministic and time-reversible;
/// K + U + chain energy is conserved.
/// </summary>
public sealed class NoseHooverChainNvt : IIntegrator
{
    private readonly NoseHooverChain _chain;

    /// <param name="temperature">Target, K.</param>
    /// <param name="damping">Chain period τ, fs (LAMMPS Tdamp; ~100 Δt is typical).</param>
    /// <param name="chainLength">M (LAMMPS tchain, default 3).</param>
    /// <param name="degreesOfFreedom">N_f of the thermostatted system (<see cref="MdSystem.DegreesOfFreedom"/>).</param>
    public NoseHooverChainNvt(double temperature, double damping, int chainLength, int degreesOfFreedom)
    {
        _chain = new NoseHooverChain(chainLength, temperature, damping, degreesOfFreedom);
    }

    public string Name => "nvt-nhc";

    public void Step(MdSystem s)
    {
        double dt = s.TimeStep;
        s.ScaleVelocities(_chain.Propagate(s.KineticEnergy(), 0.5 * dt));
        s.Kick(0.5 * dt);
        s.Drift(dt);
        s.ComputeForces();
        s.Kick(0.5 * dt);
        s.ScaleVelocities(_chain.Propagate(s.KineticEnergy(), 0.5 * dt));
    }

    public double ExtendedEnergy(MdSystem s) => _chain.Energy;
    public void Save(BinaryWriter w) => _chain.Save(w);
    public void Load(BinaryReader r) => _chain.Load(r);
}
