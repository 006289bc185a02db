using MlipEngine.Chemistry;
using MlipEngine.Neighbors;
using MlipEngine.State;
using MlipEngine.Threading;

namespace MlipEngine.ForceFields;

/// <summary>
/// Glue shared by potentials that work from a neighbor list: keeps a Verlet list, maps atomic
/// numbers to the potential's type indices, prepares the result and turns the virial into stress.
/// Subclasses implement only <see cref="Evaluate"/>. <see cref="EvaluateOn"/> runs the same evaluation on a
/// list built elsewhere (a committee shares one list among its members).
/// </summary>
public abstract class NeighborForceComputer : IForceComputer, INeighborListEvaluator
{
    private readonly VerletNeighborList _neighbors;
    private readonly bool _ownsTeam;
    private readonly int[] _typeOfNumber;
    private int[] _types = [];

    protected NeighborForceComputer(IForceField forceField, ComputeOptions options, NeighborListKind kind)
    {
        ForceField = forceField;
        Options = options;
        ListKind = kind;
        _ownsTeam = options.Team is null;
        Team = options.Team ?? new ThreadTeam(Math.Max(1, options.Threads));
        _neighbors = new VerletNeighborList(forceField.Cutoff, options.Skin, kind, Team);
        _typeOfNumber = new int[Element.MaxAtomicNumber + 1];
        Array.Fill(_typeOfNumber, -1);
        for (int t = 0; t < forceField.Species.Count; t++) _typeOfNumber[forceField.Species[t]] = t;
    }

    public IForceField ForceField { get; }
    public ComputeOptions Options { get; }
    /// <summary>Neighbor-list builds so far (a backend that also builds lists elsewhere, on a device, counts those too).</summary>
    public virtual int NeighborBuilds => _neighbors.BuildCount;
    public NeighborListKind ListKind { get; }
    /// <summary>Wall time spent checking and rebuilding the neighbor list so far, s (for timing breakdowns).</summary>
    public double NeighborSeconds => _neighborTicks / (double)System.Diagnostics.Stopwatch.Frequency;
    private long _neighborTicks;
    /// <summary>Adds time spent building a list elsewhere (a device build within <see cref="Evaluate"/>) to <see cref="NeighborSeconds"/>.</summary>
    protected void AddNeighborTime(long stopwatchTicks) => _neighborTicks += stopwatchTicks;
    protected int Threads => Math.Max(1, Options.Threads);
    /// <summary>The threads this computer (its kernels and its neighbor-list builds) runs on; size <see cref="Threads"/>.</summary>
    public ThreadTeam Team { get; }
    /// <summary>This computer's own Verlet list (its <see cref="VerletNeighborList.List"/> is what <see cref="Compute"/> passes to <see cref="Evaluate"/>; <see cref="EvaluateOn"/> may pass another).</summary>
    protected VerletNeighborList OwnNeighbors => _neighbors;

    public void Compute(SystemBatch batch, ForceOutputs outputs, ForceResult result)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        bool rebuilt = UpdateNeighbors(batch);
        _neighborTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        if (rebuilt || _types.Length < batch.AtomCount) MapTypes(batch);
        EvaluateOn(batch, _neighbors.List, _types, outputs, result);
    }

    /// <summary>
    /// The skin test of <see cref="Compute"/> and, when it asks, a new list; true when rebuilt. Here on the host; a device backend may
    /// only take the test here (<see cref="VerletNeighborList.UpdateBuiltElsewhere"/>) and build the list itself in <see cref="Evaluate"/>.
    /// </summary>
    protected virtual bool UpdateNeighbors(SystemBatch batch) => _neighbors.Update(batch);

    public void EvaluateOn(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        result.Prepare(batch, outputs);
        Evaluate(batch, list, types, outputs, result);
        if ((outputs & ForceOutputs.Virial) != 0) result.StressFromVirial(batch);
        result.Computed = (outputs & SupportedOutputs) | ForceOutputs.Energy;
    }

    /// <summary>What <see cref="Evaluate"/> can fill; asked-for bits outside it are left out of <see cref="ForceResult.Computed"/>.</summary>
    protected virtual ForceOutputs SupportedOutputs => ForceOutputs.All;

    private void MapTypes(SystemBatch batch)
    {
        if (_types.Length < batch.AtomCount) _types = new int[batch.AtomCount];
        for (int i = 0; i < batch.AtomCount; i++)
        {
            int z = batch.Numbers[i];
            int t = (uint)z < (uint)_typeOfNumber.Length ? _typeOfNumber[z] : -1;
            if (t < 0)
            {
                int s = batch.SystemIndex[i];
                throw new ArgumentException(
                    $"{ForceField.Style}: atom {i - batch.SystemOffsets[s]} of system {s} is {SymbolOrNumber(z)}, " +
                    $"which this potential does not describe (it knows {string.Join(", ", ForceField.Species.Select(SymbolOrNumber))})");
            }
            _types[i] = t;
        }
    }

    private static string SymbolOrNumber(int z) => z >= 1 && z <= Element.MaxAtomicNumber ? Element.Symbol(z) : $"Z={z}";

    /// <summary>
    /// Computes into <paramref name="result"/> (already zeroed). Must always fill per-system
    /// <see cref="ForceResult.Energy"/>; the rest as asked. <paramref name="types"/> are type
    /// indices into <see cref="IForceField.Species"/>.
    /// </summary>
    protected abstract void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result);

    public virtual void Dispose()
    {
        if (_ownsTeam) Team.Dispose();
        GC.SuppressFinalize(this);
    }
}
