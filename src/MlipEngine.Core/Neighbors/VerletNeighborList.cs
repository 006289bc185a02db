using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Neighbors;

/// <summary>
/// A neighbor list with a Verlet skin: built with radius r_c + skin and rebuilt only when some atom
/// has moved more than skin/2 since the last build (then no pair can have crossed into r_c unseen),
/// when a cell changed, or when the batch's atoms changed.
/// </summary>
public sealed class VerletNeighborList
{
    private readonly NeighborListBuilder _builder;
    private double[] _x0 = [], _y0 = [], _z0 = [];
    private int[] _numbers = [];
    private int[] _offsets = [];
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
        for (int s = 0; s < batch.SystemCount; s++)
            if (batch.Cells[s] != List.Cells[s]) return true;
        if (Skin == 0) return true;
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
}
