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
/// DeviceNeighborList algorithm), for every cell shape: periodic (thin cells included), open and mixed boundaries (a box drawn around
/// the atoms along open axes, <see cref="NeighborKernels"/>); <see cref="Applies"/> refuses only degenerate periodic vectors. The
/// list's entries are the CPU Verlet list's (tested), in another order: per atom the bins around its own in a fixed order, each
/// bin's atoms by index, so two builds of the same positions are identical.
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
    private readonly DeviceArray<double> _cells, _inverse, _origin, _dirs, _extent;
    private readonly DeviceArray<int> _offsets;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<double>, ArrayView<double>> _extentKernel;
    private double[] _extentHost = [];
    /// <summary>Margin (Å) between the atoms and the box drawn along open axes.</summary>
    private const double OpenMargin = 1.0;
    private readonly DeviceArray<int> _dims, _binCount, _binAtoms, _atomBin, _overflow;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, BinGrid, ArrayView<int>, DeviceGeometry> _bin;
    private readonly Action<Index1D, BinGrid> _sort;
    private readonly Action<Index1D, ArrayView<int>, BinGrid, DeviceGeometry, double, int> _fill;
    private readonly int[] _overflowHost = new int[2];
    private Cell[] _gridCells = [];
    private double[] _shiftHost = [];
    private Vec3[] _boxRows = [];     // the binning box of each system at the grid's preparation (3 rows per system)
    private bool[] _openAxes = [];    // and which of its axes are open (3 per system)
    private int[] _codeFirst = [];    // each system's first shift code, and the total at the end
    private double _gridRadius;
    private int _bins, _binCapacity = 16;

    public IlgpuNeighborListBuilder(Accelerator accelerator)
    {
        var a = accelerator;
        _cells = new(a); _inverse = new(a); _origin = new(a); _dirs = new(a); _extent = new(a); _offsets = new(a); _dims = new(a);
        _binCount = new(a); _binAtoms = new(a); _atomBin = new(a); _overflow = new(a, 2);
        _extentKernel = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<double>, ArrayView<double>>(NeighborKernels.Extent);
        _bin = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, BinGrid, ArrayView<int>, DeviceGeometry>(NeighborKernels.Bin);
        _sort = a.LoadAutoGroupedStreamKernel<Index1D, BinGrid>(NeighborKernels.SortBins);
        _fill = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, BinGrid, DeviceGeometry, double, int>(NeighborKernels.Fill);
    }

    /// <summary>Entries per atom the last build left room for (the list's capacity).</summary>
    public int Capacity { get; private set; }

    /// <summary>The integer image n of each shift code (3 per code) of the last build, host copy (tests, diagnostics).</summary>
    public int[] CodeImages { get; private set; } = [];
    /// <summary>Bins of the current grid, all systems together.</summary>
    public int BinCount => _bins;

    /// <summary>
    /// Whether <paramref name="batch"/> can be listed on the device with list radius <paramref name="radius"/> (Å): every system's
    /// periodic lattice vectors independent (cells thinner than the radius too: an atom then sees several images of a neighbor along
    /// an axis, and the fill visits them; open axes get a box around the atoms). Degenerate periodic vectors are the host list's.
    /// </summary>
    public static bool Applies(SystemBatch batch, double radius, out string reason)
    {
        for (int s = 0; s < batch.SystemCount; s++)
            if (Frame(batch.Cells[s]) is null) { reason = $"system {s}'s periodic lattice vectors are degenerate: its list is built on the host"; return false; }
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
        var frames = Frames(batch, openOnly: true);   // null for a fully periodic batch: its grid is cached by cells and radius
        PrepareGrid(batch, radius, frames, frames is null ? null : OpenExtents(batch, frames, rx, ry, rz));
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
        Cells = _cells.View, Inverse = _inverse.View, Origin = _origin.View, Dims = _dims.View, Count = _binCount.View, Atoms = _binAtoms.View,
        AtomBin = _atomBin.View, Overflow = _overflow.View, Capacity = _binCapacity,
    };

    private static DeviceGeometry Geometry(DeviceListArrays l, int stride) => new()
    {
        X = l.X.View, Y = l.Y.View, Z = l.Z.View, Shifts = l.Shifts.View, Count = l.Count.View, J = l.J.View, Code = l.Code.View, Stride = stride,
    };

    /// <summary>
    /// Per system the lattice rows the builder bins in: a periodic axis keeps its lattice vector; an open axis gets a unit vector d̂
    /// normal to the periodic ones (and to the other open ones), to be scaled to the atoms' extent. Null when the periodic vectors are
    /// degenerate. Fully periodic cells: the cell's rows (null when singular).
    /// </summary>
    private static (Vec3[] Rows, bool[] Open)? Frame(Cell cell)
    {
        var h = cell.Matrix;
        var rows = new Vec3[3];
        var open = new bool[3];
        var basis = new List<Vec3>();   // orthonormal basis of the periodic rows' span, then of the open directions
        for (int a = 0; a < 3; a++)
        {
            if (!cell.IsPeriodic(a)) { open[a] = true; continue; }
            rows[a] = h.Row(a);
            var r = rows[a];
            foreach (var e in basis) r -= Vec3.Dot(r, e) * e;
            if (r.Norm <= 1e-8 * Math.Max(1, rows[a].Norm)) return null;
            basis.Add(r / r.Norm);
        }
        for (int a = 0; a < 3; a++)
        {
            if (!open[a]) continue;
            Vec3 best = default;
            foreach (var t in new[] { new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1) })
            {
                var r = t;
                foreach (var e in basis) r -= Vec3.Dot(r, e) * e;
                if (r.Norm > best.Norm + 1e-12) best = r;
            }
            rows[a] = best / best.Norm;
            basis.Add(rows[a]);
        }
        return (rows, open);
    }

    /// <summary>Each system's <see cref="Frame"/>; with <paramref name="openOnly"/>, null when every system is fully periodic.</summary>
    private static (Vec3[] Rows, bool[] Open)[]? Frames(SystemBatch batch, bool openOnly)
    {
        int ns = batch.SystemCount;
        bool anyOpen = false;
        for (int s = 0; s < ns; s++) anyOpen |= !batch.Cells[s].FullyPeriodic;
        if (openOnly && !anyOpen) return null;
        var frames = new (Vec3[] Rows, bool[] Open)[ns];
        for (int s = 0; s < ns; s++) frames[s] = Frame(batch.Cells[s])!.Value;
        return frames;
    }

    /// <summary>
    /// For batches with open axes: the lowest and highest r·d̂ of each system's atoms along its open directions (6 per system), measured
    /// on the device (<see cref="NeighborKernels.Extent"/>) and read back (48 bytes per system).
    /// </summary>
    private double[] OpenExtents(SystemBatch batch, (Vec3[] Rows, bool[] Open)[] frames, ArrayView<double> rx, ArrayView<double> ry, ArrayView<double> rz)
    {
        int ns = batch.SystemCount;
        var dirs = new double[9 * ns];
        for (int s = 0; s < ns; s++)
        {
            var (rows, open) = frames[s];
            for (int a = 0; a < 3; a++)
                if (open[a]) { dirs[9 * s + 3 * a] = rows[a].X; dirs[9 * s + 3 * a + 1] = rows[a].Y; dirs[9 * s + 3 * a + 2] = rows[a].Z; }
        }
        _dirs.Write(dirs);
        _offsets.Write(batch.SystemOffsets.AsSpan(0, ns + 1));
        _extent.EnsureCapacity(6L * ns);
        _extentKernel(3 * ns, rx, ry, rz, _offsets.View, _dirs.View, _extent.View);
        if (_extentHost.Length < 6 * ns) _extentHost = new double[6 * ns];
        _extent.View.SubView(0, 6 * ns).CopyToCPU(_extentHost.AsSpan(0, 6 * ns));
        return _extentHost;
    }

    /// <summary>
    /// Cells, origins, inverses, bins and image reach per axis (uploaded) and each system's shift vectors: when the cells or the radius
    /// change, and at every build of a batch with open axes (the box around the atoms follows them; <paramref name="extent"/>).
    /// </summary>
    private void PrepareGrid(SystemBatch batch, double radius, (Vec3[] Rows, bool[] Open)[]? frames, double[]? extent)
    {
        int ns = batch.SystemCount;
        if (extent is null && radius == _gridRadius && batch.Cells.AsSpan(0, ns).SequenceEqual(_gridCells)) return;
        frames ??= Frames(batch, openOnly: false)!;
        var cells = new double[9 * ns]; var inverse = new double[9 * ns]; var origin = new double[3 * ns]; var dims = new int[BinGrid.Stride * ns];
        var codeImages = new List<int>(3 * 27 * ns);
        var boxRows = new Vec3[3 * ns]; var openAxes = new bool[3 * ns]; var codeFirst = new int[ns + 1];
        int bins = 0;
        for (int s = 0; s < ns; s++)
        {
            var (rows, open) = (frames[s].Rows.ToArray(), frames[s].Open);   // a copy: the open rows are scaled below
            var o = new Vec3(0, 0, 0);
            for (int a = 0; a < 3; a++)
            {
                if (!open[a]) continue;
                double lo = extent![6 * s + 2 * a], hi = extent[6 * s + 2 * a + 1];
                if (!(lo <= hi)) lo = hi = 0;   // a system without atoms (the extents stay ±∞): a box of r_l + 2 margins
                o += (lo - OpenMargin) * rows[a];
                rows[a] *= hi - lo + radius + 2 * OpenMargin;
            }
            var box = new Cell(Mat3.FromRows(rows[0], rows[1], rows[2]));
            for (int a = 0; a < 3; a++) { boxRows[3 * s + a] = rows[a]; openAxes[3 * s + a] = open[a]; }
            codeFirst[s] = codeImages.Count / 3;
            var h = box.Matrix; var inv = h.Inverse();
            for (int k = 0; k < 9; k++) { cells[9 * s + k] = h[k / 3, k % 3]; inverse[9 * s + k] = inv[k / 3, k % 3]; }
            origin[3 * s] = o.X; origin[3 * s + 1] = o.Y; origin[3 * s + 2] = o.Z;
            var d = box.FaceDistances;
            Span<int> n = [Bins(d.X, radius), Bins(d.Y, radius), Bins(d.Z, radius)];
            // Along open axes the box follows the atoms' spread (an atom that left a cluster stretches it): fewer, wider bins there
            // (each still ≥ r_l, reach 1) keep the grid at most max(64, 2·atoms) bins, as the CPU builder caps its own.
            long cap = Math.Max(64, 2L * batch.AtomCountOf(s));
            while ((long)n[0] * n[1] * n[2] > cap)
            {
                int widest = -1;
                for (int a = 0; a < 3; a++) if (open[a] && n[a] > 1 && (widest < 0 || n[a] > n[widest])) widest = a;
                if (widest < 0) break;   // periodic axes keep theirs: their bins are the cell's
                n[widest] = (n[widest] + 1) / 2;
            }
            Span<int> reach = [Reach(d.X, radius), Reach(d.Y, radius), Reach(d.Z, radius)];
            int q = BinGrid.Stride * s;
            dims[q] = n[0]; dims[q + 1] = n[1]; dims[q + 2] = n[2]; dims[q + 3] = bins;
            dims[q + 4] = reach[0]; dims[q + 5] = reach[1]; dims[q + 6] = reach[2]; dims[q + 7] = codeImages.Count / 3;
            bins += n[0] * n[1] * n[2];
            for (int ia = -reach[0]; ia <= reach[0]; ia++)   // code order: the kernel's ((n_a + K_a)(2K_b + 1) + n_b + K_b)(2K_c + 1) + n_c + K_c
                for (int ib = -reach[1]; ib <= reach[1]; ib++)
                    for (int ic = -reach[2]; ic <= reach[2]; ic++) { codeImages.Add(ia); codeImages.Add(ib); codeImages.Add(ic); }
        }
        _cells.Write(cells); _inverse.Write(inverse); _origin.Write(origin); _dims.Write(dims);
        codeFirst[ns] = codeImages.Count / 3;
        (_boxRows, _openAxes, _codeFirst) = (boxRows, openAxes, codeFirst);
        CodeImages = [.. codeImages];
        _shiftHost = ShiftVectors(boxRows);
        _binCount.EnsureCapacity(bins);
        _bins = bins;
        _gridCells = batch.Cells.AsSpan(0, ns).ToArray();
        _gridRadius = radius;
    }

    /// <summary>
    /// The last build's shift vectors for the batch's current cells, into <paramref name="shifts"/>: for a list kept while a cell
    /// deforms (the skin rule of a deforming cell, <see cref="MlipEngine.Neighbors.VerletNeighborList"/>), as the CPU list refreshes its
    /// own. Code n of system s shifts by n·H', H' the build's box with the periodic rows of the current cell (an open axis keeps
    /// the box's row: no listed entry shifts along it).
    /// </summary>
    public void FollowCells(SystemBatch batch, DeviceArray<double> shifts)
    {
        int ns = batch.SystemCount;
        if (_codeFirst.Length != ns + 1) throw new InvalidOperationException("the cells of another batch than the last build's");
        var rows = new Vec3[3 * ns];
        for (int s = 0; s < ns; s++)
            for (int a = 0; a < 3; a++) rows[3 * s + a] = _openAxes[3 * s + a] ? _boxRows[3 * s + a] : batch.Cells[s].Matrix.Row(a);
        shifts.Write(ShiftVectors(rows));
    }

    /// <summary>The shift vector n·H_s of every code n of system s (3 doubles per code), H_s's rows <paramref name="rows"/>[3s … 3s + 2].</summary>
    private double[] ShiftVectors(ReadOnlySpan<Vec3> rows)
    {
        int ns = _codeFirst.Length - 1;
        var shift = new double[3 * _codeFirst[ns]];
        for (int s = 0; s < ns; s++)
        {
            var h = Mat3.FromRows(rows[3 * s], rows[3 * s + 1], rows[3 * s + 2]);
            for (int c = _codeFirst[s]; c < _codeFirst[s + 1]; c++)
            {
                var v = new Vec3(CodeImages[3 * c], CodeImages[3 * c + 1], CodeImages[3 * c + 2]) * h;
                shift[3 * c] = v.X; shift[3 * c + 1] = v.Y; shift[3 * c + 2] = v.Z;
            }
        }
        return shift;
    }

    /// <summary>Bins of width ≥ r_l along an axis of face distance <paramref name="d"/>: ⌊d/r_l⌋, at least 1 (capped: an open box may be huge).</summary>
    private static int Bins(double d, double radius) => (int)Math.Clamp(Math.Floor(d / radius), 1, 1 << 20);

    /// <summary>Images either side needed along an axis of face distance <paramref name="d"/>: 1 from r_l on, ⌈r_l/d⌉ below.</summary>
    private static int Reach(double d, double radius) => d >= radius ? 1 : (int)Math.Ceiling(radius / d);

    private static int RoundUp8(int v) => (v + 7) / 8 * 8;

    public void Dispose()
    {
        foreach (var b in new IDeviceMemory[] { _cells, _inverse, _origin, _dirs, _extent, _offsets, _dims, _binCount, _binAtoms, _atomBin, _overflow }) b.Dispose();
    }
}
