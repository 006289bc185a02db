using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.ForceFields;

/// <summary>
/// A force computer that can evaluate on a neighbor list someone else built and keeps up to date (a
/// committee evaluates all its members on one list per call). Implemented by <see cref="NeighborForceComputer"/>.
/// </summary>
public interface INeighborListEvaluator
{
    /// <summary>The kind of list the kernels read (half or full): a shared list must be of this kind.</summary>
    NeighborListKind ListKind { get; }

    /// <summary>
    /// What <see cref="IForceComputer.Compute"/> does after its list update: prepares <paramref name="result"/>,
    /// evaluates <paramref name="outputs"/> on <paramref name="list"/> (built for <paramref name="batch"/> with
    /// a cutoff ≥ the force field's), turns the virial into stress and sets <see cref="ForceResult.Computed"/>.
    /// <paramref name="types"/> are indices into this computer's <see cref="IForceField.Species"/>, one per atom.
    /// </summary>
    void EvaluateOn(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result);
}
