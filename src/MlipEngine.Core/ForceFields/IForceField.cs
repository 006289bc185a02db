using MlipEngine.State;

namespace MlipEngine.ForceFields;

/// <summary>
/// A potential's parameters and metadata. Binding it to a backend (<see cref="CreateComputer"/>)
/// yields an <see cref="IForceComputer"/> that owns its buffers and neighbor list. This one
/// interface is what MD, relaxation, i-PI, the C ABI, training evaluation and discovery call.
/// </summary>
public interface IForceField
{
    /// <summary>Style name as in a potential spec (e.g. "eam/alloy").</summary>
    string Style { get; }
    /// <summary>Interaction cutoff, Å.</summary>
    double Cutoff { get; }
    /// <summary>Atomic numbers this force field knows, in its own type order.</summary>
    IReadOnlyList<int> Species { get; }
    /// <summary>
    /// The backends this force field's own assembly implements (Reference and Cpu for the built-in
    /// potentials). Backends in other assemblies (OpenCL) bind it through a catalogue
    /// (<c>ForceFieldCatalog.BackendsFor</c> lists them all).
    /// </summary>
    IReadOnlyList<Backend> Backends { get; }
    /// <summary>
    /// Binds to one of <see cref="Backends"/>. Throws <see cref="NotSupportedException"/> for another
    /// backend or an unsupported precision. Callers that may name any backend go through a catalogue.
    /// </summary>
    IForceComputer CreateComputer(ComputeOptions options);
    /// <summary>
    /// True when its computers fill <see cref="ForceOutputs.Uncertainty"/> (a committee). Callers ask for
    /// the spread only then; a computer that cannot leaves the bit out of <see cref="ForceResult.Computed"/>.
    /// </summary>
    bool ProvidesUncertainty => false;
}

/// <summary>A force field bound to a backend: computes what is asked for a whole batch, without allocating per call.</summary>
public interface IForceComputer : IDisposable
{
    IForceField ForceField { get; }
    ComputeOptions Options { get; }
    /// <summary>
    /// Computes <paramref name="outputs"/> for every system of <paramref name="batch"/> into
    /// <paramref name="result"/>. Units: eV, eV/Å, eV (virial), eV/Å³ (stress).
    /// </summary>
    void Compute(SystemBatch batch, ForceOutputs outputs, ForceResult result);
    /// <summary>Neighbor-list rebuilds so far (diagnostics).</summary>
    int NeighborBuilds { get; }
    /// <summary>
    /// The threads this computer runs on, or null. Callers with per-atom loops between force calls (an
    /// MD integrator) may run them on this team: sharing it keeps a second team from spinning for a core.
    /// </summary>
    Threading.ThreadTeam? Team => null;
}
