using System.Diagnostics;
using MlipEngine.Chemistry;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Dynamics.Relaxation;

/// <summary>
/// Relaxes a stream of candidates of different sizes together: one force call per step for the whole
/// <see cref="SystemBatch"/>, each system with its own filter and optimizer state. Systems that
/// converge (or fail, or run out of steps) leave the batch and new ones from the stream take their
/// place while the rest continue — TorchSim's in-flight batching. The batch is rebuilt only when its
/// membership changes; its size is bounded by <see cref="MaxBatchAtoms"/> (a candidate larger than
/// the budget runs alone).
/// </summary>
/// <remarks>
/// Per step: (1) one <see cref="IForceComputer.Compute"/> for the batch (threaded inside);
/// (2) per system, read its slice of the result, test health and convergence; (3) per system, one
/// optimizer step. (2) and (3) run in parallel across systems when the batch holds many. Each
/// system's arithmetic depends only on its own evaluations, so results do not depend on which other
/// systems share the batch beyond the force field's own summation order.
/// </remarks>
public sealed class BatchRelaxer
{
    private readonly IForceComputer _computer;
    private readonly RelaxationSettings _settings;
    private readonly bool[] _knownNumber = new bool[Element.MaxAtomicNumber + 1];
    private readonly ForceResult _result = new();

    public BatchRelaxer(IForceComputer computer, RelaxationSettings settings)
    {
        _computer = computer;
        _settings = settings;
        foreach (int z in computer.ForceField.Species) if (z >= 0 && z < _knownNumber.Length) _knownNumber[z] = true;
    }

    /// <summary>Largest number of atoms in one batch (memory budget).</summary>
    public int MaxBatchAtoms { get; init; } = 4096;
    /// <summary>Largest number of systems in one batch.</summary>
    public int MaxBatchSystems { get; init; } = 4096;
    /// <summary>
    /// Finished systems stay in the batch (their results ignored) until they hold this fraction of
    /// <see cref="MaxBatchAtoms"/>, or no system in the batch is running; then the batch is compacted and
    /// refilled. Each membership change rebuilds the neighbor list (several force calls' worth of work for
    /// small periodic cells), so swapping a few at a time costs less than recomputing a few idle systems.
    /// </summary>
    public double SwapThreshold { get; init; } = 0.1;
    /// <summary>Per-system work runs in parallel when the batch holds at least this many systems.</summary>
    public int ParallelThreshold { get; init; } = 8;
    /// <summary>Called after every evaluation of every system, before its step (e.g. trajectories). Disables parallel per-system work.</summary>
    public Action<ActiveRelaxation>? Observer { get; init; }

    /// <summary>Batched force calls so far.</summary>
    public long BatchForceCalls { get; private set; }
    /// <summary>Times the batch was rebuilt because its membership changed.</summary>
    public long BatchRebuilds { get; private set; }
    /// <summary>System evaluations so far (sum over systems of force calls).</summary>
    public long SystemEvaluations { get; private set; }
    /// <summary>Seconds spent in force calls, and in everything else (filters, optimizers, batch upkeep).</summary>
    public double ForceSeconds => Stopwatch.GetElapsedTime(0, _forceTicks).TotalSeconds;
    public double UpdateSeconds => Stopwatch.GetElapsedTime(0, _updateTicks).TotalSeconds;
    private long _forceTicks, _updateTicks;

    /// <summary>Relaxes <paramref name="jobs"/> (pulled lazily), yielding each outcome as soon as it is known (not in input order).</summary>
    public IEnumerable<RelaxationOutcome> Run(IEnumerable<RelaxationJob> jobs)
    {
        using var source = jobs.GetEnumerator();
        RelaxationJob? next = null;
        bool exhausted = false;
        var active = new List<ActiveRelaxation>();
        var finished = new List<RelaxationOutcome>();
        SystemBatch? batch = null;
        bool membershipChanged = true;
        int activeAtoms = 0, retiredAtoms = 0, running = 0;
        int threads = Math.Max(1, _computer.Options.Threads);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };

        while (true)
        {
            // Admit new candidates while the budget allows.
            while (!exhausted && active.Count < MaxBatchSystems)
            {
                if (next == null)
                {
                    if (!source.MoveNext()) { exhausted = true; break; }
                    next = source.Current;
                }
                int n = next.Structure.AtomCount;
                if (active.Count > 0 && activeAtoms + n > MaxBatchAtoms) break;
                var job = next; next = null;
                var run = Admit(job, out var rejected);
                if (rejected != null) { yield return rejected; continue; }
                active.Add(run!);
                activeAtoms += n;
                running++;
                membershipChanged = true;
            }
            if (active.Count == 0) break;

            // Each state is a view of its batch slot: filters and optimizers move the atoms and the
            // cell in the batch itself, so only a change of membership copies anything.
            if (membershipChanged)
            {
                var counts = new int[active.Count];
                for (int s = 0; s < counts.Length; s++) counts[s] = active[s].State.AtomCount;
                batch = new SystemBatch(counts);
                for (int s = 0; s < counts.Length; s++) active[s].State.MoveTo(batch, s, _result);
                membershipChanged = false;
                BatchRebuilds++;
            }

            // (1) One force call for the whole batch.
            string? batchError = null;
            long t0 = Stopwatch.GetTimestamp();
            try { _computer.Compute(batch!, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, _result); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
            { batchError = e.Message; }
            BatchForceCalls++;
            SystemEvaluations += running;
            long t1 = Stopwatch.GetTimestamp();
            _forceTicks += t1 - t0;

            // (2) Read results, decide who is done.
            if (batchError != null)
            {
                foreach (var r in active) if (r.Outcome == null) r.Fail("force evaluation failed: " + batchError);
            }
            else if (Observer == null && active.Count >= ParallelThreshold && threads > 1)
                Parallel.For(0, active.Count, parallel, s => active[s].Ingest());
            else
                for (int s = 0; s < active.Count; s++) active[s].Ingest();

            if (Observer != null) foreach (var r in active) if (!r.Reported) Observer(r);

            // (3) Step the ones still running.
            if (Observer == null && active.Count >= ParallelThreshold && threads > 1)
                Parallel.For(0, active.Count, parallel, s => active[s].StepIfRunning());
            else
                foreach (var r in active) r.StepIfRunning();

            _updateTicks += Stopwatch.GetTimestamp() - t1;

            // Report the newly finished at once; compact the batch when enough of it is idle.
            finished.Clear();
            foreach (var r in active)
                if (r.Outcome is { } o && !r.Reported) { r.Reported = true; finished.Add(o); running--; retiredAtoms += r.State.AtomCount; }
            foreach (var o in finished) yield return o;
            if (running == 0 || retiredAtoms >= SwapThreshold * MaxBatchAtoms)
            {
                active.RemoveAll(r => r.Reported);
                activeAtoms -= retiredAtoms;
                retiredAtoms = 0;
                membershipChanged = true;
            }
        }
    }

    private ActiveRelaxation? Admit(RelaxationJob job, out RelaxationOutcome? rejected)
    {
        rejected = null;
        var st = job.Structure;
        var state = new SystemState(st);
        var mode = _settings.CellMode;
        if (mode != CellMode.Fixed && !st.Cell.FullyPeriodic) mode = CellMode.Fixed;

        string? problem = null;
        if (st.AtomCount == 0) problem = "no atoms";
        else
        {
            foreach (int z in st.Numbers)
                if ((uint)z >= (uint)_knownNumber.Length || !_knownNumber[z])
                {
                    problem = $"element {(z >= 1 && z <= Element.MaxAtomicNumber ? Element.Symbol(z) : $"Z={z}")} is not described by the potential";
                    break;
                }
        }
        if (problem == null)
        {
            for (int i = 0; i < state.AtomCount; i++)
            {
                var r = state.Position(i);
                if (!double.IsFinite(r.X + r.Y + r.Z)) { problem = "non-finite positions"; break; }
            }
        }
        if (problem == null)
        {
            double dmin = StructureChecks.MinimumDistance(state);
            if (dmin < _settings.MinDistance) problem = $"overlapping atoms (minimum distance {dmin:G4} Å < {_settings.MinDistance} Å)";
        }
        if (problem != null)
        {
            rejected = new RelaxationOutcome { Job = job, Status = RelaxationStatus.Failed, Reason = problem, CellMode = mode };
            return null;
        }
        var filter = CellFilter.Create(state, mode, _settings.Pressure, _settings.ExpCellFactor);
        return new ActiveRelaxation(job, state, filter, _settings.Optimizer.Create(), _settings, mode);
    }
}

/// <summary>One system inside a <see cref="BatchRelaxer"/>: its state, filter, optimizer and counters.</summary>
public sealed class ActiveRelaxation
{
    private readonly RelaxationSettings _settings;
    private readonly long _started = Stopwatch.GetTimestamp();

    internal ActiveRelaxation(RelaxationJob job, SystemState state, CellFilter filter, IOptimizer optimizer, RelaxationSettings settings, CellMode mode)
    {
        Job = job; State = state; Filter = filter; Optimizer = optimizer; _settings = settings; CellMode = mode;
    }

    public RelaxationJob Job { get; }
    public SystemState State { get; }
    public CellFilter Filter { get; }
    public IOptimizer Optimizer { get; }
    public CellMode CellMode { get; }
    /// <summary>Optimizer steps taken.</summary>
    public int Steps { get; private set; }
    /// <summary>Evaluations so far (steps + 1 once evaluated).</summary>
    public int ForceCalls { get; private set; }
    /// <summary>Largest atomic force norm at the last evaluation, eV/Å.</summary>
    public double Fmax { get; private set; } = double.NaN;
    /// <summary>Stress residual at the last evaluation, eV/Å³.</summary>
    public double Smax { get; private set; } = double.NaN;
    /// <summary>Set once the relaxation has ended.</summary>
    public RelaxationOutcome? Outcome { get; private set; }
    internal bool Reported { get; set; }

    internal void Ingest()
    {
        if (Outcome != null) return; // retired, waiting for the batch to be compacted
        State.MarkEvaluated();
        ForceCalls++;
        bool needStress = Filter.NeedsStress;
        if (!StructureChecks.IsFinite(State, needStress)) { Fail("exploded: non-finite energy, forces or stress"); return; }
        Fmax = State.MaxForce;
        Smax = Filter.StressResidual();
        if (Fmax > _settings.MaxForce) { Fail($"exploded: force {Fmax:G4} eV/Å (overlapping atoms?)"); return; }
        if (needStress)
        {
            double vpa = State.Cell.Volume / State.AtomCount;
            if (!(vpa >= _settings.MinVolumePerAtom && vpa <= _settings.MaxVolumePerAtom))
            { Fail($"exploded: volume {vpa:G4} Å³/atom"); return; }
        }
        bool checkDistance = Steps > 0 && _settings.DistanceCheckInterval > 0 && Steps % _settings.DistanceCheckInterval == 0;
        bool converged = Fmax < _settings.Fmax && Smax < _settings.Smax;
        if (checkDistance || converged || Steps >= _settings.MaxSteps)
        {
            double dmin = StructureChecks.MinimumDistance(State);
            if (dmin < _settings.MinDistance) { Fail($"exploded: atoms {dmin:G4} Å apart"); return; }
        }
        if (converged) Finish(RelaxationStatus.Converged, "");
        else if (Steps >= _settings.MaxSteps)
            Finish(RelaxationStatus.NotConverged, $"not converged in {_settings.MaxSteps} steps");
    }

    internal void StepIfRunning()
    {
        if (Outcome != null) return;
        try
        {
            Optimizer.Step(Filter);
            Steps++;
        }
        catch (Exception e) when (e is ArithmeticException or InvalidOperationException or ArgumentException)
        {
            Fail($"optimizer failed: {e.Message}");
        }
    }

    internal void Fail(string reason) => Finish(RelaxationStatus.Failed, reason);

    private void Finish(RelaxationStatus status, string reason)
    {
        State.Detach();   // the outcome keeps the final state after the batch moves on
        Outcome = new RelaxationOutcome
        {
            Job = Job, Status = status, Reason = reason, Final = State, CellMode = CellMode,
            Steps = Steps, ForceCalls = ForceCalls, Fmax = Fmax, Smax = Smax,
            WallSeconds = Stopwatch.GetElapsedTime(_started).TotalSeconds,
        };
    }
}
