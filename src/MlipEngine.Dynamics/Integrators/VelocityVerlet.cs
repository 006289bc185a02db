using MlipEngine.Dynamics.Md;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// Velocity Verlet (NVE). From the Trotter splitting e^{iLΔt} ≈ e^{iL_v Δt/2} e^{iL_r Δt} e^{iL_v Δt/2}:
/// <code>
///   v(t+Δt/2) = v(t) + (Δt/2)·F(t)/m
///   r(t+Δt)   = r(t) + Δt·v(t+Δt/2)
///   v(t+Δt)   = v(t+Δt/2) + (Δt/2)·F(t+Δt)/m
/// </code>
/// symplectic and time-reversible; energy error O(Δt²) without drift.
/// </summary>
public sealed class VelocityVerlet : IIntegrator
{
    public string Name => "nve";

    public void Step(MdSystem s) => IntegratorStep.Run(this, s);

    public void BeforeForces(MdSystem s)
    {
        double dt = s.TimeStep;
        s.KickDrift(0.5 * dt, dt);
    }

    public void AfterForces(MdSystem s) => s.Kick(0.5 * s.TimeStep);

    public double ExtendedEnergy(MdSystem s) => 0;
    public void Save(BinaryWriter writer) { }
    public void Load(BinaryReader reader) { }
}
