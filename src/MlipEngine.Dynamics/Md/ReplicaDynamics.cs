using System.Diagnostics;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Dynamics.Md;

/// <summary>
/// Independent MD systems (replicas: other temperatures, pressures, seeds or starting structures) held
/// in one <see cref="SystemBatch"/> and stepped together: per step, every replica's integrator runs its
/// <see cref="IIntegrator.BeforeForces"/> on its own slice, one force call evaluates the whole batch,
/// then every <see cref="IIntegrator.AfterForces"/> runs. Each replica's arithmetic reads only its own
/// atoms, so its trajectory is the one a separate run with the same settings gives, up to the force
/// field's summation order over the shared neighbour list (round-off).
/// </summary>
/// <remarks>
/// The replicas are <see cref="MdSystem"/> views of the batch (no copies), all writing their forces into
/// the one shared <see cref="Forces"/>. A batch of one replica is a stand-alone <see cref="MdSystem"/>
/// instead (use it directly: it can also run device-resident).
/// </remarks>
public sealed class ReplicaDynamics
{
    private readonly MdSystem[] _systems;

    /// <param name="batch">One system per replica.</param>
    /// <param name="computer">Bound to the force field all replicas share.</param>
    /// <param name="timeStep">fs, the same for all (they advance in lock step).</param>
    /// <param name="frozen">Per replica, its frozen-atom mask by its own atom index (null entries: none).</param>
    public ReplicaDynamics(SystemBatch batch, IForceComputer computer, double timeStep, IReadOnlyList<bool[]?>? frozen = null)
    {
        if (frozen != null && frozen.Count != batch.SystemCount) throw new ArgumentException($"{frozen.Count} frozen masks for {batch.SystemCount} replicas");
        Batch = batch;
        Computer = computer;
        _systems = new MdSystem[batch.SystemCount];
        for (int r = 0; r < _systems.Length; r++)
            _systems[r] = new MdSystem(batch, r, computer, Forces, timeStep, frozen?[r]);
    }

    public SystemBatch Batch { get; }
    public IForceComputer Computer { get; }
    /// <summary>The result every replica reads its forces, energy and virial from.</summary>
    public ForceResult Forces { get; } = new();
    public IReadOnlyList<MdSystem> Systems => _systems;
    /// <summary>Batched force calls so far.</summary>
    public int ForceCalls { get; private set; }

    /// <summary>
    /// Evaluates every replica in one call. It computes what any replica asks for
    /// (<see cref="MdSystem.Outputs"/>: the virial when one of them needs it).
    /// </summary>
    public void ComputeForces()
    {
        var outputs = ForceOutputs.None;
        foreach (var s in _systems) outputs |= s.Outputs;
        long t0 = Stopwatch.GetTimestamp();
        Computer.Compute(Batch, outputs, Forces);
        long ticks = Stopwatch.GetTimestamp() - t0;
        ForceCalls++;
        foreach (var s in _systems) s.RecordForceCall(ticks / _systems.Length);
    }

    /// <summary>One time step of every replica, <paramref name="integrators"/>[r] stepping replica r.</summary>
    public void Step(IReadOnlyList<IIntegrator> integrators)
    {
        if (integrators.Count != _systems.Length) throw new ArgumentException($"{integrators.Count} integrators for {_systems.Length} replicas");
        for (int r = 0; r < _systems.Length; r++) if (!_systems[r].Halted) integrators[r].BeforeForces(_systems[r]);
        ComputeForces();
        for (int r = 0; r < _systems.Length; r++) if (!_systems[r].Halted) integrators[r].AfterForces(_systems[r]);
    }
}
