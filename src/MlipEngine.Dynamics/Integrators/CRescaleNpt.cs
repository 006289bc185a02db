using MlipEngine.Dynamics.Barostats;
using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Dynamics.Thermostats;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// NPT with stochastic cell rescaling (C-rescale) and stochastic velocity rescaling (Bussi), the
/// pairing GROMACS recommends. One step: Bussi(Δt/2) · C-rescale(Δt) · velocity Verlet · Bussi(Δt/2).
/// The cell update uses the pressure of the last force evaluation (as GROMACS does), so the first
/// half-kick uses forces from just before the (tiny, O(Δt/τ_p)) rescaling.
/// </summary>
public sealed class CRescaleNpt : IIntegrator
{
    private readonly BussiRescaling _thermostat;

    public CRescaleNpt(double temperature, double tdamp, double pressure, double compressibility, double pdamp, PressureCoupling coupling, MdSystem system, ulong seed)
    {
        if (!system.Cell.FullyPeriodic) throw new ArgumentException("NPT needs a cell periodic along a, b and c");
        _thermostat = new BussiRescaling(temperature, tdamp, system.DegreesOfFreedom, Xoshiro256.Stream(seed, 2));
        Barostat = new StochasticCellRescaling(coupling, pressure, temperature, compressibility, pdamp, Xoshiro256.Stream(seed, 3));
    }

    public string Name => "npt-crescale";
    public bool NeedsVirial => true;
    public StochasticCellRescaling Barostat { get; }

    public void Step(MdSystem s) => IntegratorStep.Run(this, s);

    public void BeforeForces(MdSystem s)
    {
        double dt = s.TimeStep;
        s.ScaleVelocities(_thermostat.Propagate(s.KineticEnergy(), 0.5 * dt));
        Barostat.Apply(s, dt);
        s.KickDrift(0.5 * dt, dt);
    }

    public void AfterForces(MdSystem s)
    {
        double dt = s.TimeStep;
        s.Kick(0.5 * dt);
        s.ScaleVelocities(_thermostat.Propagate(s.KineticEnergy(), 0.5 * dt));
    }

    public double ExtendedEnergy(MdSystem s) => _thermostat.Heat + Barostat.Pressure * s.Cell.Volume;
    public void Save(BinaryWriter w) { _thermostat.Save(w); Barostat.Save(w); }
    public void Load(BinaryReader r) { _thermostat.Load(r); Barostat.Load(r); }
}
