using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;

namespace MlipEngine.Dynamics.Relaxation;

/// <summary>What a relaxation does and when it stops.</summary>
public sealed record RelaxationSettings
{
    public OptimizerSettings Optimizer { get; init; } = new();
    public CellMode CellMode { get; init; } = CellMode.Frechet;
    /// <summary>Target pressure, eV/Å³ (positive compresses). Ignored for a fixed cell.</summary>
    public double Pressure { get; init; }
    /// <summary>Scale of the cell coordinates; null = number of atoms (ASE's default).</summary>
    public double? ExpCellFactor { get; init; }
    /// <summary>Converged when every atomic force norm is below this, eV/Å …</summary>
    public double Fmax { get; init; } = 0.02;
    /// <summary>… and every component of σ + p·I (as the cell mode projects it) is below this in magnitude, eV/Å³.</summary>
    public double Smax { get; init; } = 0.001;
    /// <summary>Optimizer steps before giving up (force calls = steps + 1).</summary>
    public int MaxSteps { get; init; } = 1000;

    // Explosion guards
    /// <summary>Two atoms closer than this (Å) mean overlapping atoms: the candidate fails.</summary>
    public double MinDistance { get; init; } = 0.5;
    /// <summary>A force larger than this (eV/Å) means the system exploded.</summary>
    public double MaxForce { get; init; } = 1e4;
    /// <summary>Volume per atom outside [MinVolumePerAtom, MaxVolumePerAtom] (Å³) means the cell collapsed or blew up.</summary>
    public double MinVolumePerAtom { get; init; } = 1.0;
    public double MaxVolumePerAtom { get; init; } = 1e4;
    /// <summary>Minimum-distance check every this many steps (it is O(N²)).</summary>
    public int DistanceCheckInterval { get; init; } = 25;
}

public enum RelaxationStatus { Converged, NotConverged, Failed }
