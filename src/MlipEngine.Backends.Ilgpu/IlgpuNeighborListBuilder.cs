using ILGPU;
using ILGPU.Runtime;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The device arrays of a neighbor list in the layout of <see cref="DeviceGeometry"/>: r̃, shift vectors, counts, entries and codes.
/// The builder grows them as needed.
/// </summary>
internal sealed record DeviceListArrays(DeviceArray<double> X, DeviceArray<double> Y, DeviceArray<double> Z, DeviceArray<double> Shifts,
    DeviceArray<int> Count, DeviceArray<int> J, DeviceArray<int> Code);

/// <summary>
/// Builds FULL neighbor lists on an ILGPU device from raw positions already there (<see cref="NeighborKernels"/>, the OpenCL backend's
/// DeviceNeighborList algorithm), for batches whose systems are all fully periodic with every face distance at least the list radius
/// (<see cref="Applies"/>; otherwise the caller builds on the host). The list's entries are the CPU Verlet list's (tested), in another
/// order: per atom the 27 bins in a fixed order, each bin's atoms by index, so two builds of the same positions are identical.
/// </summary>
/// <remarks>
/// Capacities. Bins hold 2·(atoms per bin) + 8 and atoms <see cref="Capacity"/> entries (at first what the caller passes, the host
/// list's); a pass that overflows reports the true maximum (integer atomic max, a 4-byte read) and runs again with more room, so
/// the kernels loop to known bounds. Shift codes are 27 per system: code 27·s + 9(n_a+1) + 3(n_b+1) + (n_c+1) is image n of system s.
/// </remarks>
internal sealed class IlgpuNeighborListBuilder : IDisposable
{
    private readonly DeviceArray<double> _cells, _inverse;
    private readonly DeviceArray<int> _dims, _binCount, _binAtoms, _atomBin, _overflow;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, BinGrid, ArrayView<int>, DeviceGeometry> _bin;
    private readonly Action<Index1D, BinGrid> _sort;
    private readonly Action<Index1D, ArrayView<int>, BinGrid, DeviceGeometry, double, int> _fill;
    private readonly int[] _overflowHost = new int[2];
    private Cell[] _gridCells = [];
    private double[] _shiftHost = [];
    private double _gridRadius;
    private int _bins, _binCapacity = 16;

    public IlgpuNeighborListBuilder(Accelerator accelerator)
    {
        var a = accelerator;
        _cells = new(a); _inverse = new(a); _dims = new(a); _binCount = new(a); _binAtoms = new(a); _atomBin = new(a); _overflow = new(a, 2);
        _bin = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, BinGrid, ArrayView<int>, DeviceGeometry>(NeighborKernels.Bin);
        _sort = a.LoadAutoGroupedStreamKernel<Index1D, BinGrid>(NeighborKernels.SortBins);
        _fill = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, BinGrid, DeviceGeometry, double, int>(NeighborKernels.Fill);
    }

    /// <summary>Entries per atom the last build left room for (the list's capacity).</summary>
    public int Capacity { get; private set; }

    /// <summary>The integer image n of each shift code (3 per code) of the last build, host copy (tests, diagnostics).</summary>
    public int[] CodeImages { get; private set; } = [];

    /// <summary>
    /// Whether <paramref name="batch"/> can be listed on the device with list radius <paramref name="radius"/> (Å): every system fully
    /// periodic and non-singular, every face distance ≥ the radius (then one image per axis either side covers every neighbor). Thinner
    /// cells (an atom seeing several images of one neighbor along an axis) and open or mixed boundaries are the host list's.
    /// </summary>
    public static bool Applies(SystemBatch batch, double radius, out string reason)
    {
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var c = batch.Cells[s];
            if (!c.FullyPeriodic || !c.IsNonSingular) { reason = $"system {s} is not fully periodic: its list is built on the host"; return false; }
            var d = c.FaceDistances;
            double thinnest = Math.Min(d.X, Math.Min(d.Y, d.Z));
            if (thinnest < radius)
            {
                reason = $"system {s}'s cell is {thinnest:F2} Å thick, less than the list radius {radius:F2} Å (several images per axis): its list is built on the host";
                return false;
            }
        }
        reason = "";
        return true;
    }

    /// <summary>
    /// Builds the list of radius <paramref name="radius"/> for <paramref name="batch"/>'s atoms, systems and cells from the raw positions
    /// <paramref name="rx"/>, <paramref name="ry"/>, <paramref name="rz"/> on the device (system index per atom in <paramref name="system"/>):
    /// writes the images w (3 per atom) into <paramref name="images"/> and r̃, shifts, counts, entries and codes into <paramref name="list"/>
    /// with slot stride <paramref name="stride"/>, starting from <paramref name="capacity"/> entries per atom. Returns the capacity used.
    /// Only <see cref="Applies"/> batches.
    /// </summary>
    public int Build(SystemBatch batch, double radius, ArrayView<double> rx, ArrayView<double> ry, ArrayView<double> rz, ArrayView<int> system,
        ArrayView<int> images, DeviceListArrays list, int stride, int capacity)
    {
        int n = batch.AtomCount;
        PrepareGrid(batch, radius);
        list.Shifts.Write(_shiftHost);   // every build: the host path writes its own shift vectors there
        foreach (var b in new[] { list.X, list.Y, list.Z }) b.EnsureCapacity(n);
        list.Count.EnsureCapacity(n);
        _atomBin.EnsureCapacity(3L * n);
        _binCapacity = Math.Max(_binCapacity, 2 * (n + _bins - 1) / _bins + 8);
        Capacity = Math.Max(Capacity, Math.Max(8, capacity));
        while (true)   // bin (again with more room if a bin overflowed)
        {
            _binAtoms.EnsureCapacity((long)_bins * _binCapacity);
            _binCount.View.SubView(0, _bins).MemSetToZero();
            _overflow.View.MemSetToZero();
            _bin(n, rx, ry, rz, system, Grid, images, Geometry(list, stride));
            _overflow.Read(_overflowHost);
            if (_overflowHost[0] <= _binCapacity) break;
            _binCapacity = RoundUp8(_overflowHost[0] + _overflowHost[0] / 4);
        }
        _sort(_bins, Grid);
        while (true)   // fill (again with more room if an atom overflowed)
        {
            list.J.EnsureCapacity((long)Capacity * stride);
            list.Code.EnsureCapacity((long)Capacity * stride);
            _overflow.View.MemSetToZero();
            _fill(n, system, Grid, Geometry(list, stride), radius * radius, Capacity);
            _overflow.Read(_overflowHost);
            if (_overflowHost[1] <= Capacity) break;
            Capacity = RoundUp8(_overflowHost[1] + _overflowHost[1] / 8);
        }
        return Capacity;
    }

    private BinGrid Grid => new()
    {
        Cells = _cells.View, Inverse = _inverse.View, Dims = _dims.View, Count = _binCount.View, Atoms = _binAtoms.View,
        AtomBin = _atomBin.View, Overflow = _overflow.View, Capacity = _binCapacity,
    };

    private static DeviceGeometry Geometry(DeviceListArrays l, int stride) => new()
    {
        X = l.X.View, Y = l.Y.View, Z = l.Z.View, Shifts = l.Shifts.View, Count = l.Count.View, J = l.J.View, Code = l.Code.View, Stride = stride,
    };

    /// <summary>Cells, inverses and bins per axis (uploaded) and the 27 shift vectors per system, when the cells or the radius change.</summary>
    private void PrepareGrid(SystemBatch batch, double radius)
    {
        int ns = batch.SystemCount;
        if (radius == _gridRadius && batch.Cells.AsSpan(0, ns).SequenceEqual(_gridCells)) return;
        var cells = new double[9 * ns]; var inverse = new double[9 * ns]; var dims = new int[4 * ns]; var shift = new double[3 * 27 * ns];
        var codeImages = new int[3 * 27 * ns];
        int bins = 0;
        for (int s = 0; s < ns; s++)
        {
            var cell = batch.Cells[s];
            var h = cell.Matrix; var inv = h.Inverse();
            for (int k = 0; k < 9; k++) { cells[9 * s + k] = h[k / 3, k % 3]; inverse[9 * s + k] = inv[k / 3, k % 3]; }
            var d = cell.FaceDistances;
            int na = Math.Max(1, (int)(d.X / radius)), nb = Math.Max(1, (int)(d.Y / radius)), nc = Math.Max(1, (int)(d.Z / radius));
            dims[4 * s] = na; dims[4 * s + 1] = nb; dims[4 * s + 2] = nc; dims[4 * s + 3] = bins;
            bins += na * nb * nc;
            for (int c = 0; c < 27; c++)
            {
                int code = 27 * s + c;
                var img = new Vec3(c / 9 - 1, c / 3 % 3 - 1, c % 3 - 1);
                var v = img * h;
                shift[3 * code] = v.X; shift[3 * code + 1] = v.Y; shift[3 * code + 2] = v.Z;
                codeImages[3 * code] = (int)img.X; codeImages[3 * code + 1] = (int)img.Y; codeImages[3 * code + 2] = (int)img.Z;
            }
        }
        _cells.Write(cells); _inverse.Write(inverse); _dims.Write(dims);
        _shiftHost = shift;
        _binCount.EnsureCapacity(bins);
        _bins = bins;
        CodeImages = codeImages;
        _gridCells = batch.Cells.AsSpan(0, ns).ToArray();
        _gridRadius = radius;
    }

    private static int RoundUp8(int v) => (v + 7) / 8 * 8;

    public void Dispose()
    {
        foreach (var b in new IDeviceMemory[] { _cells, _inverse, _dims, _binCount, _binAtoms, _atomBin, _overflow }) b.Dispose();
    }
}
