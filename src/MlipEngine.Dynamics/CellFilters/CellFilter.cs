using MlipEngine.Dynamics.Optimizers;

namespace MlipEngine.Dynamics.CellFilters;

/// <summary>How the cell may change during a relaxation.</summary>
public enum CellMode
{
    /// <summary>The cell is fixed; only atoms move.</summary>
    Fixed,
    /// <summary>All nine cell degrees of freedom, as the log of the deformation gradient (ASE's FrechetCellFilter).</summary>
    Frechet,
    /// <summary>Only uniform scaling of the cell (ASE's hydrostatic_strain).</summary>
    Hydrostatic,
    /// <summary>Shape changes at (approximately) constant volume (ASE's constant_volume).</summary>
    ConstantVolume,
}

/// <summary>
/// Adapts a <see cref="SystemState"/> into an <see cref="IOptimizable"/>, possibly with cell degrees
/// of freedom, and says how far from the target stress the system is.
/// </summary>
public abstract class CellFilter : IOptimizable
{
    protected CellFilter(SystemState system) { System = system; }

    public SystemState System { get; }
    public abstract int Length { get; }
    public abstract double Energy { get; }
    /// <summary>True when evaluations must include the virial/stress.</summary>
    public abstract bool NeedsStress { get; }
    public abstract void GetCoordinates(Span<double> x);
    public abstract void SetCoordinates(ReadOnlySpan<double> x);
    public abstract void GetForces(Span<double> f);

    /// <summary>
    /// Largest |component| of the stress the cell degrees of freedom act on, relative to the target
    /// (σ + p·I, projected as the mode allows), eV/Å³; 0 for a fixed cell.
    /// </summary>
    public abstract double StressResidual();

    /// <summary>Creates the filter for a mode; <paramref name="pressure"/> in eV/Å³ (positive compresses).</summary>
    public static CellFilter Create(SystemState system, CellMode mode, double pressure = 0, double? expCellFactor = null) => mode switch
    {
        CellMode.Fixed => new FixedCellFilter(system),
        _ => new FrechetCellFilter(system, mode, pressure, expCellFactor),
    };
}

/// <summary>Atoms move in a fixed cell: coordinates are the Cartesian positions (Å), forces the atomic forces (eV/Å).</summary>
public sealed class FixedCellFilter(SystemState system) : CellFilter(system)
{
    public override int Length => 3 * System.AtomCount;
    public override double Energy => System.Energy;
    public override bool NeedsStress => false;

    public override void GetCoordinates(Span<double> x)
    {
        for (int i = 0; i < System.AtomCount; i++) { var r = System.Position(i); x[3 * i] = r.X; x[3 * i + 1] = r.Y; x[3 * i + 2] = r.Z; }
    }

    public override void SetCoordinates(ReadOnlySpan<double> x)
    {
        for (int i = 0; i < System.AtomCount; i++) System.SetPosition(i, new Geometry.Vec3(x[3 * i], x[3 * i + 1], x[3 * i + 2]));
    }

    public override void GetForces(Span<double> f)
    {
        for (int i = 0; i < System.AtomCount; i++) { var g = System.Force(i); f[3 * i] = g.X; f[3 * i + 1] = g.Y; f[3 * i + 2] = g.Z; }
    }
    public override double StressResidual() => 0;
}
