namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// What a minimiser sees (ASE's <c>Optimizable</c>): generalized coordinates x, the objective
/// E(x) and the generalized forces −∂E/∂x at the current x, as flat spans. Coordinates come in rows
/// of three ("atoms"; a cell filter appends three rows for the cell), because ASE's step-length
/// limits act per row.
/// </summary>
/// <remarks>
/// The objective and forces are those of the last evaluation: a driver sets coordinates, evaluates
/// the force field (for many systems at once), then asks for forces. <see cref="SetCoordinates"/>
/// therefore only moves the system; it never evaluates.
/// </remarks>
public interface IOptimizable
{
    /// <summary>Number of generalized coordinates (a multiple of 3).</summary>
    int Length { get; }
    /// <summary>Copies the current coordinates into <paramref name="x"/> (Å for atoms; filter units for the cell).</summary>
    void GetCoordinates(Span<double> x);
    /// <summary>Moves the system to coordinates <paramref name="x"/>.</summary>
    void SetCoordinates(ReadOnlySpan<double> x);
    /// <summary>Objective at the last evaluation, eV (a filter adds p·V for a target pressure).</summary>
    double Energy { get; }
    /// <summary>Generalized forces −∂E/∂x at the last evaluation (eV/Å for atoms).</summary>
    void GetForces(Span<double> f);
}
