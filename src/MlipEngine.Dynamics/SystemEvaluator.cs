using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Dynamics;

/// <summary>Evaluates one <see cref="SystemState"/> with a force computer (a batch of one, reused between calls).</summary>
public sealed class SystemEvaluator(IForceComputer computer)
{
    private readonly ForceResult _result = new();
    private SystemBatch? _batch;

    /// <summary>Fills the state's energy, forces and stress from its current positions and cell.</summary>
    public void Evaluate(SystemState state)
    {
        if (_batch == null || _batch.AtomCount != state.AtomCount || !_batch.Numbers.AsSpan().SequenceEqual(state.Numbers))
        {
            _batch = new SystemBatch([state.AtomCount]);
            state.InitializeSlot(_batch, 0);
        }
        else state.CopyTo(_batch, 0);
        computer.Compute(_batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, _result);
        state.ReadResult(_result, _batch, 0, withStress: true);
    }
}
