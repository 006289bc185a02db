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
/// DeviceNeighborList algorithm), for batches whose systems are all fully periodic (<see cref="Applies"/>; open or mixed boundaries are
/// built on the host by the caller), thin cells included. The list's entries are the CPU Verlet list's (tested), in another order: per
/// atom the bins around its own in a fixed order, each bin's atoms by index, so two builds of the same positions are identical.
/// </summary>
/// <remarks>
/// Capacities. Bins hold 2·(atoms per bin) + 8 and atoms <see cref="Capacity"/> entries (at first what the caller passes, the host
/// list's); a pass that overflows reports the true maximum (integer atomic max, a 4-byte read) and runs again with more room, so
/// the kernels loop to known bounds. Shift codes: (2K_a + 1)(2K_b + 1)(2K_c + 1) per system, K the image reach along each axis (1 for a
/// face distance ≥ r_l, ⌈r_l/d⌉ below), consecutive per system (<see cref="NeighborKernels"/>); 27·s + 9(n_a+1) + 3(n_b+1) + (n_c+1) when
/// every cell is at least r_l thick.
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
    /// periodic and non-singular (cells thinner than the radius too: an atom then sees several images of a neighbor along an axis, and
    /// the fill visits them). Open or mixed boundaries are the host list's.
    /// </summary>
    public static bool Applies(SystemBatch batch, double radius, out string reason)
    {
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var c = batch.Cells[s];
            if (!c.FullyPeriodic || !c.IsNonSingular) { reason = $"system {s} is not fully periodic: its list is built on the host"; return false; }
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

    /// <summary>Cells, inverses, bins and image reach per axis (uploaded) and each system's shift vectors, when the cells or the radius change.</summary>
    private void PrepareGrid(SystemBatch batch, double radius)
    {
        int ns = batch.SystemCount;
        if (radius == _gridRadius && batch.Cells.AsSpan(0, ns).SequenceEqual(_gridCells)) return;
        var cells = new double[9 * ns]; var inverse = new double[9 * ns]; var dims = new int[BinGrid.Stride * ns];
        var shift = new List<double>(3 * 27 * ns);
        var codeImages = new List<int>(3 * 27 * ns);
        int bins = 0;
        for (int s = 0; s < ns; s++)
        {
            var cell = batch.Cells[s];
            var h = cell.Matrix; var inv = h.Inverse();
            for (int k = 0; k < 9; k++) { cells[9 * s + k] = h[k / 3, k % 3]; inverse[9 * s + k] = inv[k / 3, k % 3]; }
            var d = cell.FaceDistances;
            Span<int> n = [Math.Max(1, (int)(d.X / radius)), Math.Max(1, (int)(d.Y / radius)), Math.Max(1, (int)(d.Z / radius))];
            Span<int> reach = [Reach(d.X, radius), Reach(d.Y, radius), Reach(d.Z, radius)];
            int o = BinGrid.Stride * s;
            dims[o] = n[0]; dims[o + 1] = n[1]; dims[o + 2] = n[2]; dims[o + 3] = bins;
            dims[o + 4] = reach[0]; dims[o + 5] = reach[1]; dims[o + 6] = reach[2]; dims[o + 7] = codeImages.Count / 3;
            bins += n[0] * n[1] * n[2];
            for (int ia = -reach[0]; ia <= reach[0]; ia++)   // code order: the kernel's ((n_a + K_a)(2K_b + 1) + n_b + K_b)(2K_c + 1) + n_c + K_c
                for (int ib = -reach[1]; ib <= reach[1]; ib++)
                    for (int ic = -reach[2]; ic <= reach[2]; ic++)
                    {
                        var v = new Vec3(ia, ib, ic) * h;
                        shift.Add(v.X); shift.Add(v.Y); shift.Add(v.Z);
                        codeImages.Add(ia); codeImages.Add(ib); codeImages.Add(ic);
                    }
        }
        _cells.Write(cells); _inverse.Write(inverse); _dims.Write(dims);
        _shiftHost = [.. shift];
        _binCount.EnsureCapacity(bins);
        _bins = bins;
        CodeImages = [.. codeImages];
        _gridCells = batch.Cells.AsSpan(0, ns).ToArray();
        _gridRadius = radius;
    }

    /// <summary>Images either side needed along an axis of face distance <paramref name="d"/>: 1 from r_l on, ⌈r_l/d⌉ below.</summary>
    private static int Reach(double d, double radius) => d >= radius ? 1 : (int)Math.Ceiling(radius / d);

    private static int RoundUp8(int v) => (v + 7) / 8 * 8;

    public void Dispose()
    {
        foreach (var b in new IDeviceMemory[] { _cells, _inverse, _dims, _binCount, _binAtoms, _atomBin, _overflow }) b.Dispose();
    }
}
