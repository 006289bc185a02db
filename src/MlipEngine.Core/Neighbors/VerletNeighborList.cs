using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Neighbors;

/// <summary>
/// A neighbor list with a Verlet skin: built with radius r_c + skin and rebuilt only when some atom
/// has moved more than skin/2 since the last build (then no pair can have crossed into r_c unseen),
/// when a cell changed by more than the skin can absorb, or when the batch's atoms changed. Small
/// cell deformations (a barostat's) keep the list: its shift vectors are refreshed for the new cell.
/// </summary>
public sealed class VerletNeighborList
{
    private readonly NeighborListBuilder _builder;
    private double[] _x0 = [], _y0 = [], _z0 = [];
    private int[] _numbers = [];
    private int[] _offsets = [];
    private bool _valid;
    private Cell[] _buildCells = [];

    public VerletNeighborList(double cutoff, double skin, NeighborListKind kind, int threads = 1)
    {
        if (!(cutoff > 0)) throw new ArgumentOutOfRangeException(nameof(cutoff), "cutoff must be positive");
        if (!(skin >= 0)) throw new ArgumentOutOfRangeException(nameof(skin), "skin must be non-negative");
        Cutoff = cutoff;
        Skin = skin;
        _builder = new NeighborListBuilder(threads);
        List = _builder.Create(kind);
    }

    /// <summary>Interaction cutoff, Å.</summary>
    public double Cutoff { get; }
    /// <summary>Skin, Å.</summary>
    public double Skin { get; }
    public NeighborList List { get; }
    public int BuildCount { get; private set; }

    /// <summary>Forces the next <see cref="Update"/> to rebuild.</summary>
    public void Invalidate() => _valid = false;

    /// <summary>Rebuilds the list when needed; returns true when it did.</summary>
    public bool Update(SystemBatch batch)
    {
        if (!NeedsRebuild(batch)) return false;
        _builder.Build(batch, Cutoff + Skin, List);
        int n = batch.AtomCount;
        if (_x0.Length < n) { _x0 = new double[n]; _y0 = new double[n]; _z0 = new double[n]; }
        Array.Copy(batch.X, _x0, n); Array.Copy(batch.Y, _y0, n); Array.Copy(batch.Z, _z0, n);
        if (_buildCells.Length != batch.SystemCount) _buildCells = new Cell[batch.SystemCount];
        Array.Copy(batch.Cells, _buildCells, batch.SystemCount);
        // copies into buffers that only grow, so rebuilds during MD do not allocate
        if (_numbers.Length != batch.Numbers.Length) _numbers = new int[batch.Numbers.Length];
        if (_offsets.Length != batch.SystemOffsets.Length) _offsets = new int[batch.SystemOffsets.Length];
        Array.Copy(batch.Numbers, _numbers, _numbers.Length);
        Array.Copy(batch.SystemOffsets, _offsets, _offsets.Length);
        _valid = true;
        BuildCount++;
        return true;
    }

    private bool NeedsRebuild(SystemBatch batch)
    {
        if (!_valid || List.AtomCount != batch.AtomCount || List.SystemCount != batch.SystemCount) return true;
        if (!batch.SystemOffsets.AsSpan().SequenceEqual(_offsets)) return true;
        if (!batch.Numbers.AsSpan().SequenceEqual(_numbers)) return true;
        if (Skin == 0) return true;
        bool cellChanged = false;
        for (int s = 0; s < batch.SystemCount; s++)
            if (batch.Cells[s] != _buildCells[s]) { cellChanged = true; break; }
        if (!cellChanged)
        {
            double limit2 = 0.25 * Skin * Skin;
            var x = batch.X; var y = batch.Y; var z = batch.Z;
            for (int i = 0; i < batch.AtomCount; i++)
            {
                double dx = x[i] - _x0[i], dy = y[i] - _y0[i], dz = z[i] - _z0[i];
                double d2 = dx * dx + dy * dy + dz * dz;
                if (!(d2 <= limit2)) return true; // also true for NaN
            }
            // Back at the build cells after a deformation (e.g. a numerical stress that restores the
            // cell): the list's shift vectors may still be those of the deformed cell.
            for (int s = 0; s < batch.SystemCount; s++)
                if (List.Cells[s] != batch.Cells[s]) { List.UpdateCells(batch); break; }
            return false;
        }
        if (!CellChangeKeepsListValid(batch)) return true;
        List.UpdateCells(batch);
        return false;
    }

    /// <summary>
    /// A cell deformed from H₀ (at build) to H = H₀F, with positions r = r₀F + δ (δ the non-affine
    /// part, as a barostat scales positions with the cell). Every pair or image then has
    /// d = d₀F + δⱼ − δᵢ, so |d| ≥ |d₀|σ_min(F) − 2 max|δ|. A pair left out of the list had
    /// |d₀| ≥ r_c + skin, so it is still outside r_c while 2 max|δ| ≤ (r_c + skin)σ_min(F) − r_c.
    /// σ_min(F) ≥ 1 − ‖F − I‖_F gives a cheap conservative bound. With F = I this is the usual skin/2 rule.
    /// </summary>
    private bool CellChangeKeepsListValid(SystemBatch batch)
    {
        for (int s = 0; s < batch.SystemCount; s++)
        {
            Cell now = batch.Cells[s], then = _buildCells[s];
            if (now.PeriodicA != then.PeriodicA || now.PeriodicB != then.PeriodicB || now.PeriodicC != then.PeriodicC) return false;
            Mat3 f;
            if (now == then) f = Mat3.Identity;
            else
            {
                if (!then.IsNonSingular || !now.IsNonSingular) return false;
                f = then.Matrix.Inverse() * now.Matrix;
            }
            var e = f + (-1.0) * Mat3.Identity;
            double norm = Math.Sqrt(e.XX * e.XX + e.XY * e.XY + e.XZ * e.XZ + e.YX * e.YX + e.YY * e.YY + e.YZ * e.YZ + e.ZX * e.ZX + e.ZY * e.ZY + e.ZZ * e.ZZ);
            double sigmaMin = 1 - norm;
            double allowed = 0.5 * ((Cutoff + Skin) * sigmaMin - Cutoff);
            if (!(allowed > 0)) return false;
            double allowed2 = allowed * allowed;
            for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
            {
                double x0 = _x0[i], y0 = _y0[i], z0 = _z0[i];
                // r₀F for a row vector r₀
                double ax = x0 * f.XX + y0 * f.YX + z0 * f.ZX;
                double ay = x0 * f.XY + y0 * f.YY + z0 * f.ZY;
                double az = x0 * f.XZ + y0 * f.YZ + z0 * f.ZZ;
                double dx = batch.X[i] - ax, dy = batch.Y[i] - ay, dz = batch.Z[i] - az;
                if (!(dx * dx + dy * dy + dz * dz <= allowed2)) return false;
            }
        }
        return true;
    }
}
