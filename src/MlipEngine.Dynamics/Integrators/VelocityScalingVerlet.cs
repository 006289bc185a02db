using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Thermostats;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// The symmetric splitting shared by velocity-scaling thermostats:
/// <code>  e^{iL_T Δt/2} · (kick Δt/2, drift Δt, forces, kick Δt/2) · e^{iL_T Δt/2}  </code>
/// where e^{iL_T τ} scales every velocity by the thermostat's factor over a span τ. Time-reversible when
/// the thermostat step is; K + U + the thermostat's energy is conserved up to the Verlet error.
/// </summary>
public abstract class VelocityScalingVerlet(IVelocityScalingThermostat thermostat) : IIntegrator
{
    public abstract string Name { get; }

    public void Step(MdSystem s) => IntegratorStep.Run(this, s);

    public void BeforeForces(MdSystem s)
    {
        double dt = s.TimeStep;
        s.ScaleVelocities(thermostat.Propagate(s.KineticEnergy(), 0.5 * dt));
        s.KickDrift(0.5 * dt, dt);
    }

    public void AfterForces(MdSystem s)
    {
        double dt = s.TimeStep;
        s.Kick(0.5 * dt);
        s.ScaleVelocities(thermostat.Propagate(s.KineticEnergy(), 0.5 * dt));
    }

    public double ExtendedEnergy(MdSystem s) => thermostat.ConservedEnergy;
    public void Save(BinaryWriter w) => thermostat.Save(w);
    public void Load(BinaryReader r) => thermostat.Load(r);
}
