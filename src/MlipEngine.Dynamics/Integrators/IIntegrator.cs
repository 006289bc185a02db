using MlipEngine.Dynamics.Md;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// A time-stepping scheme over plain state. <see cref="Step"/> advances <see cref="MdSystem"/> by one
/// time step and calls <see cref="MdSystem.ComputeForces"/> exactly once; on entry and on exit the
/// forces match the positions. Everything the scheme carries between steps (thermostat and barostat
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
    void Step(MdSystem system);
    /// <summary>
    /// Energy stored in extended variables (thermostat/barostat, eV), so that K + U + this is
    /// conserved by deterministic schemes; for stochastic ones it is the accumulated heat exchanged.
    /// </summary>
    double ExtendedEnergy(MdSystem system);
    void Save(BinaryWriter writer);
    void Load(BinaryReader reader);
}
