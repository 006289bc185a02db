using MlipEngine.ForceFields;

namespace MlipEngine.Dynamics;

/// <summary>Evaluates a <see cref="SystemState"/> with a force computer (its whole batch: one system for a stand-alone state).</summary>
public sealed class SystemEvaluator(IForceComputer computer)
{
    /// <summary>Fills the state's energy, forces and stress from its current positions and cell.</summary>
    public void Evaluate(SystemState state)
    {
        computer.Compute(state.Batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, state.Result);
        state.MarkEvaluated();
    }
}
