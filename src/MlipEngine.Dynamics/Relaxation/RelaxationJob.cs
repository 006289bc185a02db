using MlipEngine.Dynamics.CellFilters;
using MlipEngine.State;

namespace MlipEngine.Dynamics.Relaxation;

/// <summary>One candidate to relax; <see cref="Id"/> is the caller's key (e.g. position in the input).</summary>
public sealed record RelaxationJob(long Id, AtomicStructure Structure, object? Tag = null);

/// <summary>How a candidate's relaxation ended.</summary>
public sealed class RelaxationOutcome
{
    public required RelaxationJob Job { get; init; }
    public required RelaxationStatus Status { get; init; }
    /// <summary>Why it failed or stopped; empty when converged.</summary>
    public string Reason { get; init; } = "";
    /// <summary>Final state (positions, cell, energy, forces, stress at the last evaluation); null when never evaluated.</summary>
    public SystemState? Final { get; init; }
    public CellMode CellMode { get; init; }
    public int Steps { get; init; }
    public int ForceCalls { get; init; }
    /// <summary>Largest atomic force norm at the end, eV/Å.</summary>
    public double Fmax { get; init; } = double.NaN;
    /// <summary>Stress residual at the end, eV/Å³ (0 for a fixed cell).</summary>
    public double Smax { get; init; } = double.NaN;
    /// <summary>Seconds from entering the batch to leaving it.</summary>
    public double WallSeconds { get; init; }
}
