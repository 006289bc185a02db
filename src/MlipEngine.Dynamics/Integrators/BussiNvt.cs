using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Dynamics.Thermostats;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// NVT with stochastic velocity rescaling (Bussi et al. 2007): half a step of the exact kinetic-energy
/// propagation, velocity Verlet, half a step again (symmetric splitting). K + U + heat is conserved
/// up to the Verlet error, which makes the "effective energy" a useful check.
/// </summary>
public sealed class BussiNvt : IIntegrator
{
    private readonly BussiRescaling _thermostat;

    public BussiNvt(double temperature, double damping, int degreesOfFreedom, ulong seed)
    {
        _thermostat = new BussiRescaling(temperature, damping, degreesOfFreedom, Xoshiro256.Stream(seed, 2));
    }

    public string Name => "nvt-bussi";

    public void Step(MdSystem s)
    {
        double dt = s.TimeStep;
        s.ScaleVelocities(_thermostat.Propagate(s.KineticEnergy(), 0.5 * dt));
        s.Kick(0.5 * dt);
        s.Drift(dt);
        s.ComputeForces();
        s.Kick(0.5 * dt);
        s.ScaleVelocities(_thermostat.Propagate(s.KineticEnergy(), 0.5 * dt));
    }

    public double ExtendedEnergy(MdSystem s) => _thermostat.Heat;
    public void Save(BinaryWriter w) => _thermostat.Save(w);
    public void Load(BinaryReader r) => _thermostat.Load(r);
}
