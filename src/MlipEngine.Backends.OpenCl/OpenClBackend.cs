using MlipEngine.ForceFields;
using MlipEngine.Potentials.Eam;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Potentials.Pair;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// Entry point of the OpenCL backend. <see cref="Register"/> plugs the OpenCL computers into
/// <see cref="BackendRegistry"/>, so <c>potential.CreateComputer(new ComputeOptions { Backend = Backend.OpenCl })</c>
/// works for lj/cut, morse, the EAM family and the equivariant model. Call it once at start-up (the CLI does); it is idempotent.
/// Registration does not touch the OpenCL runtime: a machine without one fails only when a computer is created,
/// with <see cref="OpenClRuntime.NoRuntimeMessage"/>.
/// </summary>
public static class OpenClBackend
{
    public static void Register()
    {
        BackendRegistry.Register<LennardJonesPotential>(Backend.OpenCl, OpenClPairComputer.Create);
        BackendRegistry.Register<MorsePotential>(Backend.OpenCl, OpenClPairComputer.Create);
        BackendRegistry.Register<EamPotential>(Backend.OpenCl, (eam, o) => new OpenClEamComputer(eam, o));
        BackendRegistry.Register<EquivariantModel>(Backend.OpenCl, (model, o) => new OpenClEquivariantComputer(model, o));
    }
}
