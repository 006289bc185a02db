using MlipEngine.Dynamics.Md;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// A time-stepping scheme over plain state. <see cref="Step"/> advances <see cref="MdSystem"/> by one
/// time step with exactly one force call, split around it into <see cref="BeforeForces"/> and
/// <see cref="AfterForces"/> so that many replicas can share one batched force call; on entry and on
/// exit the forces match the positions. Everything the scheme carries between steps (thermostat and barostat
/// variables, random streams) is written by <see cref="Save"/> so a run continues bit-identically.
/// </summary>
public interface IIntegrator
{
    /// <summary>Config name, e.g. "nvt-langevin".</summary>
    string Name { get; }
    /// <summary>
    /// True when <see cref="Step"/> reads the virial (barostats). Otherwise a driver may drop
    /// <see cref="MlipEngine.ForceFields.ForceOutputs.Virial"/> from force calls whose pressure nobody reads.
    /// </summary>
    bool NeedsVirial => false;
    /// <summary>
    /// One time step: <see cref="BeforeForces"/>, one <see cref="MdSystem.ComputeForces"/>, <see cref="AfterForces"/>.
    /// </summary>
    void Step(MdSystem system) => IntegratorStep.Run(this, system);
    /// <summary>
    /// The part of a step before its force call (LAMMPS' initial_integrate): thermostat/barostat half
    /// steps, the first half kick and the drift, after which positions and cell are those of t + dt.
    /// A driver of many replicas calls this on each, computes all their forces in one batched call,
    /// then calls <see cref="AfterForces"/> on each.
    /// </summary>
    void BeforeForces(MdSystem system);
    /// <summary>The part after the force call (LAMMPS' final_integrate): the second half kick and the closing thermostat/barostat half steps.</summary>
    void AfterForces(MdSystem system);
    /// <summary>
    /// Energy stored in extended variables (thermostat/barostat, eV), so that K + U + this is
    /// conserved by deterministic schemes; for stochastic ones it is the accumulated heat exchanged.
    /// </summary>
    double ExtendedEnergy(MdSystem system);
    void Save(BinaryWriter writer);
    void Load(BinaryReader reader);
}

/// <summary>The one body of <see cref="IIntegrator.Step"/>: before the forces, one force call, after the forces.</summary>
public static class IntegratorStep
{
    public static void Run(IIntegrator integrator, MdSystem system)
    {
        integrator.BeforeForces(system);
        system.ComputeForces();
        integrator.AfterForces(system);
    }
}
