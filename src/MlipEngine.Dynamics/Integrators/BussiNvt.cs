using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Dynamics.Thermostats;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// NVT with stochastic velocity rescaling (Bussi et al. 2007): half a step of the exact kinetic-energy
/// propagation, velocity Verlet, half a step again (symmetric splitting). K + U + heat is conserved
/// up to the Verlet error, which makes the "effective energy" a useful check.
/// </summary>
public sealed class BussiNvt(double temperature, double damping, int degreesOfFreedom, ulong seed)
    : VelocityScalingVerlet(new BussiRescaling(temperature, damping, degreesOfFreedom, Xoshiro256.Stream(seed, 2)))
{
    public override string Name => "nvt-bussi";
}
