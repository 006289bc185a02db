using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Neighbors;

/// <summary>
/// A neighbor list with a Verlet skin: built with radius r_c + skin and rebuilt only when atoms
/// moved (or cells deformed) enough since the last build that a pair could have crossed into r_c
/// unseen, or when the batch's atoms changed.
/// </summary>
/// <remarks>
/// Fixed cell: rebuild when some atom moved more than skin/2. Deformed cell H₀ → H (variable-cell
/// relaxation, barostats): with M = H₀⁻¹H, every pair vector maps as d' = d·M + uⱼ − uᵢ where
/// uᵢ = rᵢ − r⁰ᵢ·M is the non-affine part of the motion. Since |d·M| ≥ |d|(1 − ‖M − I‖_F), a pair
/// outside the list (|d| > r_c + skin) stays outside r_c while
/// (r_c + skin)(1 − ‖M − I‖_F) − 2·max|u| ≥ r_c — the fixed-cell rule when M = I. While it holds the
/// list is kept and only its cell-dependent parts (cells, image shift vectors) are updated.
/// </remarks>
public sealed class VerletNeighborList
{
    private readonly NeighborListBuilder _builder;
    private double[] _x0 = [], _y0 = [], _z0 = [];
    private int[] _numbers = [];
    private int[] _offsets = [];
    private Mat3[] _h0 = [];
    private bool _valid;

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
        _numbers = (int[])batch.Numbers.Clone();
        _offsets = (int[])batch.SystemOffsets.Clone();
        _h0 = new Mat3[batch.SystemCount];
        for (int s = 0; s < batch.SystemCount; s++) _h0[s] = batch.Cells[s].Matrix;
        _valid = true;
        BuildCount++;
        return true;
    }

    private bool NeedsRebuild(SystemBatch batch)
    {
        if (!_valid || List.AtomCount != batch.AtomCount || List.SystemCount != batch.SystemCount) return true;
        if (!batch.SystemOffsets.AsSpan().SequenceEqual(_offsets)) return true;
        if (!batch.Numbers.AsSpan().SequenceEqual(_numbers)) return true;
        bool deformed = false;
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var now = batch.Cells[s]; var then = List.Cells[s];
            if (now == then) continue;
            if (now.PeriodicA != then.PeriodicA || now.PeriodicB != then.PeriodicB || now.PeriodicC != then.PeriodicC) return true;
            deformed = true;
        }
        if (Skin == 0) return true;
        if (deformed) return !AcceptDeformation(batch);
        double limit2 = 0.25 * Skin * Skin;
        var x = batch.X; var y = batch.Y; var z = batch.Z;
        for (int i = 0; i < batch.AtomCount; i++)
        {
            double dx = x[i] - _x0[i], dy = y[i] - _y0[i], dz = z[i] - _z0[i];
            double d2 = dx * dx + dy * dy + dz * dz;
            if (!(d2 <= limit2)) return true; // also true for NaN
        }
        return false;
    }

    /// <summary>Tests the deformed-cell criterion for every system; when it holds, updates the list's cells and shift vectors.</summary>
    private bool AcceptDeformation(SystemBatch batch)
    {
        double outer = Cutoff + Skin;
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var h0 = _h0[s];
            var m = Mat3.Identity;
            double e = 0;
            if (batch.Cells[s].Matrix != h0)
            {
                if (h0.Determinant == 0) return false; // open axes with zero vectors: no affine map
                m = h0.Inverse() * batch.Cells[s].Matrix;
                var d = m + (-1.0) * Mat3.Identity;
                e = Math.Sqrt(d.XX * d.XX + d.XY * d.XY + d.XZ * d.XZ + d.YX * d.YX + d.YY * d.YY + d.YZ * d.YZ + d.ZX * d.ZX + d.ZY * d.ZY + d.ZZ * d.ZZ);
            }
            double room = outer * (1 - e) - Cutoff; // ≥ 2·max|u| required
            if (!(room > 0)) return false;
            double limit2 = 0.25 * room * room;
            for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
            {
                var affine = new Vec3(_x0[i], _y0[i], _z0[i]) * m;
                double ux = batch.X[i] - affine.X, uy = batch.Y[i] - affine.Y, uz = batch.Z[i] - affine.Z;
                if (!(ux * ux + uy * uy + uz * uz <= limit2)) return false;
            }
        }
        // Keep the pairs; refresh what depends on the cells.
        for (int s = 0; s < batch.SystemCount; s++) List.Cells[s] = batch.Cells[s];
        var sv = List.ShiftVectors; var si = List.ShiftImages;
        for (int code = 0; code < List.ShiftCount; code++)
        {
            var v = new Vec3(si[3 * code], si[3 * code + 1], si[3 * code + 2]) * List.Cells[List.ShiftSystem[code]].Matrix;
            sv[3 * code] = v.X; sv[3 * code + 1] = v.Y; sv[3 * code + 2] = v.Z;
        }
        return true;
    }
}
