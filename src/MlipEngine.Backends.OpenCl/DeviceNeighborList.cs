using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// The geometry a force kernel needs, on the device: image-corrected positions r̃ = r − w·H, and a
/// FULL neighbor list with a fixed capacity per atom in neighbor-major layout (entry k of atom i at
/// k·<see cref="Stride"/> + i; see kernels/common.cl), with a Verlet skin.
/// </summary>
/// <remarks>
/// <para>Where the list is built. When every system of the batch is fully periodic and all its face
/// distances are at least the list radius, the list is built on the device by the cell-list kernels
/// of kernels/neighbor.cl (general triclinic cells). Otherwise — an open or mixed-periodic system,
/// or a cell thinner than the radius, which needs more than one periodic image per axis — it is built
/// on the host by <see cref="NeighborListBuilder"/> (which handles those cases) and uploaded in the
/// same padded layout. Both paths produce the same set of pairs; <see cref="BuiltOnDevice"/> says which
/// one ran last.</para>
/// <para>Capacity. The capacity per atom starts from the density estimate ρ·4πr³/3 (+30 %, +8) and
/// grows on overflow: the fill kernel always stores the true count and reports the maximum, and the
/// host re-runs the fill with that capacity (rounded up to a multiple of 8). Bins have a capacity too,
/// handled the same way. Kernels therefore loop to min(count, capacity), a known bound.</para>
/// <para>Rebuilds. Like <see cref="VerletNeighborList"/>: on the first call, when atoms, systems or
/// cells change, and when an atom moved more than skin/2 since the last build. <see cref="Update"/>
/// checks on the host, which holds the positions there; device-resident MD
/// (<see cref="OpenClResidentDynamics"/>) checks in its drift kernel and calls <see cref="RebuildResident"/>.</para>
/// </remarks>
internal sealed class DeviceNeighborList : IDisposable
{
    private readonly OpenClQueue _queue;
    private readonly bool _acc64;
    private readonly OpenClKernel _applyImages, _bin, _sortBins, _fill;
    private readonly NeighborListBuilder _hostBuilder;
    private readonly NeighborList _hostList;
    private readonly double _cutoff, _skin;

    // raw positions and per-system data
    private readonly FloatingBuffer _rx, _ry, _rz, _cell, _cellInv, _shifts;
    private readonly DeviceBuffer<int> _sys, _images, _atomBin, _binDims, _binCount, _binAtoms, _overflow, _offsets;
    private double[] _cellHost = [], _cellInvHost = [], _shiftHost = [];
    private int[] _binDimsHost = [];
    private int _binCap = 16;

    // Verlet bookkeeping (host)
    private double[] _x0 = [], _y0 = [], _z0 = [];
    private int[] _numbers = [], _sysOffsets = [];
    private Cell[] _cells = [];
    private bool _valid;

    public DeviceNeighborList(OpenClContext context, OpenClQueue queue, OpenClProgram program, double cutoff, double skin, int hostThreads)
    {
        _queue = queue;
        _acc64 = context.Device.SupportsFp64;
        _cutoff = cutoff; _skin = skin;
        _applyImages = program.CreateKernel("apply_images");
        _bin = program.CreateKernel("nl_bin");
        _sortBins = program.CreateKernel("nl_sort_bins");
        _fill = program.CreateKernel("nl_fill");
        _hostBuilder = new NeighborListBuilder(hostThreads);
        _hostList = _hostBuilder.Create(NeighborListKind.Full);
        _rx = new(context, _acc64); _ry = new(context, _acc64); _rz = new(context, _acc64);
        X = new(context, _acc64); Y = new(context, _acc64); Z = new(context, _acc64);
        _cell = new(context, _acc64); _cellInv = new(context, _acc64); _shifts = new(context, _acc64);
        _sys = new(context); _images = new(context); _atomBin = new(context); _binDims = new(context);
        _binCount = new(context); _binAtoms = new(context); _overflow = new(context, 2); _offsets = new(context);
        Count = new(context); J = new(context); Code = new(context);
    }

    /// <summary>Image-corrected positions r̃ (Å), valid after <see cref="Update"/>.</summary>
    public FloatingBuffer X { get; }
    public FloatingBuffer Y { get; }
    public FloatingBuffer Z { get; }
    public DeviceBuffer<int> Count { get; }
    public DeviceBuffer<int> J { get; }
    public DeviceBuffer<int> Code { get; }
    /// <summary>Cartesian image shifts n·H (Å), three per code.</summary>
    public FloatingBuffer Shifts => _shifts;
    public DeviceBuffer<int> SystemOffsets => _offsets;
    public int Capacity { get; private set; }
    public int Stride { get; private set; }
    public int AtomCount { get; private set; }
    public int Builds { get; private set; }
    public bool BuiltOnDevice { get; private set; }
    /// <summary>Integer image n of each shift code (3 per code), host copy for diagnostics and tests.</summary>
    public int[] CodeImages { get; private set; } = [];
    public double Radius => _cutoff + _skin;
    public double Skin => _skin;

    /// <summary>Raw (unwrapped) positions r, Å: written by <see cref="Update"/>, owned by the MD loop in device-resident runs.</summary>
    internal FloatingBuffer RawX => _rx;
    internal FloatingBuffer RawY => _ry;
    internal FloatingBuffer RawZ => _rz;
    /// <summary>Lattice images w of the last build (3 ints per atom), system index per atom, cells (9 per system, row-major).</summary>
    internal DeviceBuffer<int> Images => _images;
    internal DeviceBuffer<int> SystemIndex => _sys;
    internal FloatingBuffer Cells => _cell;
    /// <summary>Host copy of the positions at the last build (the skin reference), Å.</summary>
    internal ReadOnlySpan<double> ReferenceX => _x0.AsSpan(0, AtomCount);
    internal ReadOnlySpan<double> ReferenceY => _y0.AsSpan(0, AtomCount);
    internal ReadOnlySpan<double> ReferenceZ => _z0.AsSpan(0, AtomCount);

    /// <summary>
    /// Rebuilds the list from the positions already on the device (<see cref="RawX"/>…), for a batch whose
    /// atoms, systems and cells are those of the last <see cref="Update"/> (device-resident MD: only the
    /// positions changed). On the device when the cells allow it; otherwise the positions are read into
    /// <paramref name="batch"/> and the list is built on the host. Leaves r̃ in X/Y/Z. The host copy of the
    /// skin reference is not updated here (the caller keeps it on the device; see <see cref="SetReference"/>).
    /// </summary>
    internal void RebuildResident(SystemBatch batch)
    {
        int n = batch.AtomCount;
        if (CanBuildOnDevice(batch)) BuildOnDevice(batch);
        else
        {
            _rx.Read(_queue, batch.X.AsSpan(0, n)); _ry.Read(_queue, batch.Y.AsSpan(0, n)); _rz.Read(_queue, batch.Z.AsSpan(0, n));
            BuildOnHost(batch);
            _applyImages.Value(0, n).Arg(1, _rx).Arg(2, _ry).Arg(3, _rz).Arg(4, _images).Arg(5, _sys).Arg(6, _cell).Arg(7, X).Arg(8, Y).Arg(9, Z);
            _applyImages.Launch(_queue, n, 64);
        }
        Builds++;
    }

    /// <summary>Sets the host copy of the skin reference (positions at the last build, Å), after device-resident rebuilds.</summary>
    internal void SetReference(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z)
    {
        x.CopyTo(_x0); y.CopyTo(_y0); z.CopyTo(_z0);
    }

    /// <summary>Uploads positions, rebuilds the list when needed, and leaves r̃ in X/Y/Z. Returns true when it rebuilt.</summary>
    public bool Update(SystemBatch batch)
    {
        int n = batch.AtomCount;
        _rx.Write(_queue, batch.X.AsSpan(0, n)); _ry.Write(_queue, batch.Y.AsSpan(0, n)); _rz.Write(_queue, batch.Z.AsSpan(0, n));
        bool rebuild = NeedsRebuild(batch);
        if (rebuild)
        {
            Prepare(batch);
            if (CanBuildOnDevice(batch)) BuildOnDevice(batch);
            else BuildOnHost(batch);
            Remember(batch);
            Builds++;
        }
        if (!rebuild || !BuiltOnDevice)
        {
            _applyImages.Value(0, n).Arg(1, _rx).Arg(2, _ry).Arg(3, _rz).Arg(4, _images).Arg(5, _sys).Arg(6, _cell).Arg(7, X).Arg(8, Y).Arg(9, Z);
            _applyImages.Launch(_queue, n, 64);
        }
        return rebuild;
    }

    private void Prepare(SystemBatch batch)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        AtomCount = n;
        Stride = (n + 63) / 64 * 64;
        foreach (var b in new[] { X, Y, Z }) b.EnsureCapacity(n);
        _images.EnsureCapacity(3L * n);
        _sys.Write(_queue, batch.SystemIndex.AsSpan(0, n));
        _offsets.Write(_queue, batch.SystemOffsets.AsSpan(0, ns + 1));
        if (_cellHost.Length < 9 * ns) { _cellHost = new double[9 * ns]; _cellInvHost = new double[9 * ns]; }
        for (int s = 0; s < ns; s++)
        {
            var h = batch.Cells[s].Matrix;
            for (int k = 0; k < 9; k++) _cellHost[9 * s + k] = h[k / 3, k % 3];
        }
        _cell.Write(_queue, _cellHost.AsSpan(0, 9 * ns));
    }

    private bool CanBuildOnDevice(SystemBatch batch)
    {
        double radius = Radius;
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var c = batch.Cells[s];
            if (!c.FullyPeriodic || !c.IsNonSingular) return false;
            var d = c.FaceDistances;
            if (d.X < radius || d.Y < radius || d.Z < radius) return false;
        }
        return true;
    }

    private void BuildOnDevice(SystemBatch batch)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        double radius = Radius;
        if (_binDimsHost.Length < 4 * ns) _binDimsHost = new int[4 * ns];
        if (_shiftHost.Length < 3 * 27 * ns) _shiftHost = new double[3 * 27 * ns];
        CodeImages = new int[3 * 27 * ns];
        int bins = 0;
        double volume = 0;
        for (int s = 0; s < ns; s++)
        {
            var cell = batch.Cells[s];
            var inv = cell.Matrix.Inverse();
            for (int k = 0; k < 9; k++) _cellInvHost[9 * s + k] = inv[k / 3, k % 3];
            var d = cell.FaceDistances;
            int na = Math.Max(1, (int)(d.X / radius)), nb = Math.Max(1, (int)(d.Y / radius)), nc = Math.Max(1, (int)(d.Z / radius));
            _binDimsHost[4 * s] = na; _binDimsHost[4 * s + 1] = nb; _binDimsHost[4 * s + 2] = nc; _binDimsHost[4 * s + 3] = bins;
            bins += na * nb * nc;
            volume += cell.Volume;
            for (int c = 0; c < 27; c++)
            {
                int code = 27 * s + c;
                var img = new Vec3(c / 9 - 1, c / 3 % 3 - 1, c % 3 - 1);
                var v = img * cell.Matrix;
                _shiftHost[3 * code] = v.X; _shiftHost[3 * code + 1] = v.Y; _shiftHost[3 * code + 2] = v.Z;
                CodeImages[3 * code] = (int)img.X; CodeImages[3 * code + 1] = (int)img.Y; CodeImages[3 * code + 2] = (int)img.Z;
            }
        }
        _cellInv.Write(_queue, _cellInvHost.AsSpan(0, 9 * ns));
        _binDims.Write(_queue, _binDimsHost.AsSpan(0, 4 * ns));
        _shifts.Write(_queue, _shiftHost.AsSpan(0, 3 * 27 * ns));
        _atomBin.EnsureCapacity(3L * n);
        _binCount.EnsureCapacity(bins);
        _binCap = Math.Max(_binCap, 2 * (n + bins - 1) / bins + 8);
        if (Capacity == 0)
        {
            double density = n / Math.Max(volume, 1e-300);
            Capacity = RoundUp8((int)(1.3 * density * 4.0 / 3.0 * Math.PI * radius * radius * radius) + 8);
        }
        Span<int> over = stackalloc int[2];
        // bin (regrow the bins if one overflowed)
        while (true)
        {
            _binAtoms.EnsureCapacity((long)bins * _binCap);
            _binCount.Fill(_queue, 0, bins);
            _overflow.Fill(_queue, 0, 2);
            _bin.Value(0, n).Arg(1, _rx).Arg(2, _ry).Arg(3, _rz).Arg(4, _sys).Arg(5, _cell).Arg(6, _cellInv).Arg(7, _binDims)
                .Arg(8, _images).Arg(9, _atomBin).Arg(10, X).Arg(11, Y).Arg(12, Z).Arg(13, _binCount).Arg(14, _binAtoms).Value(15, _binCap).Arg(16, _overflow);
            _bin.Launch(_queue, n, 64);
            _overflow.Read(_queue, over);
            if (over[0] <= _binCap) break;
            _binCap = RoundUp8(over[0] + over[0] / 4);
        }
        _sortBins.Value(0, bins).Arg(1, _binCount).Arg(2, _binAtoms).Value(3, _binCap);
        _sortBins.Launch(_queue, bins, 64);
        // fill (regrow the per-atom capacity on overflow)
        while (true)
        {
            Count.EnsureCapacity(n);
            J.EnsureCapacity((long)Capacity * Stride);
            Code.EnsureCapacity((long)Capacity * Stride);
            _overflow.Fill(_queue, 0, 2);
            _fill.Value(0, n).Arg(1, X).Arg(2, Y).Arg(3, Z).Arg(4, _sys).Arg(5, _atomBin).Arg(6, _binDims).Arg(7, _binCount).Arg(8, _binAtoms)
                .Value(9, _binCap).Arg(10, _shifts).Real(11, radius * radius, _acc64).Arg(12, Count).Arg(13, J).Arg(14, Code)
                .Value(15, Capacity).Value(16, Stride).Arg(17, _overflow);
            _fill.Launch(_queue, n, 64);
            _overflow.Read(_queue, over);
            if (over[1] <= Capacity) break;
            Capacity = RoundUp8(over[1] + over[1] / 8);
        }
        BuiltOnDevice = true;
    }

    private int[] _countHost = [], _jHost = [], _codeHost = [];

    private void BuildOnHost(SystemBatch batch)
    {
        int n = batch.AtomCount;
        _hostBuilder.Build(batch, Radius, _hostList);
        var l = _hostList;
        Capacity = Math.Max(Capacity, RoundUp8(Math.Max(l.MaxNeighborCount(), 1)));
        long size = (long)Capacity * Stride;
        if (_countHost.Length < n) _countHost = new int[n];
        if (_jHost.Length < size) { _jHost = new int[size]; _codeHost = new int[size]; }
        l.CopyNeighborMajor(Stride, _countHost, _jHost, _codeHost);
        Count.Write(_queue, _countHost.AsSpan(0, n));
        J.Write(_queue, _jHost.AsSpan(0, (int)size));
        Code.Write(_queue, _codeHost.AsSpan(0, (int)size));
        _shifts.Write(_queue, l.ShiftVectors.AsSpan(0, 3 * l.ShiftCount));
        _images.Write(_queue, l.AtomImages.AsSpan(0, 3 * n));
        CodeImages = l.ShiftImages.AsSpan(0, 3 * l.ShiftCount).ToArray();
        BuiltOnDevice = false;
    }

    /// <summary>
    /// Reads the list back: per atom the entries as (j, total lattice shift S) with dᵢⱼ = rⱼ − rᵢ + S·H
    /// for the stored (unwrapped) positions — the same quantity <see cref="NeighborList.LatticeShift"/> gives.
    /// </summary>
    public List<(int J, int A, int B, int C)>[] ReadEntries()
    {
        int n = AtomCount;
        var count = new int[n]; var j = new int[(long)Capacity * Stride]; var code = new int[j.Length]; var img = new int[3 * n];
        Count.Read(_queue, count); J.Read(_queue, j); Code.Read(_queue, code); _images.Read(_queue, img);
        var result = new List<(int, int, int, int)>[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = new List<(int, int, int, int)>(count[i]);
            for (int k = 0; k < count[i]; k++)
            {
                int jj = j[k * Stride + i], c = code[k * Stride + i];
                result[i].Add((jj, CodeImages[3 * c] + img[3 * i] - img[3 * jj], CodeImages[3 * c + 1] + img[3 * i + 1] - img[3 * jj + 1],
                    CodeImages[3 * c + 2] + img[3 * i + 2] - img[3 * jj + 2]));
            }
        }
        return result;
    }

    private static int RoundUp8(int v) => (v + 7) / 8 * 8;

    private bool NeedsRebuild(SystemBatch batch)
    {
        if (!_valid || AtomCount != batch.AtomCount || _cells.Length != batch.SystemCount) return true;
        if (!batch.SystemOffsets.AsSpan().SequenceEqual(_sysOffsets) || !batch.Numbers.AsSpan().SequenceEqual(_numbers)) return true;
        for (int s = 0; s < batch.SystemCount; s++) if (batch.Cells[s] != _cells[s]) return true;
        if (_skin == 0) return true;
        double limit2 = 0.25 * _skin * _skin;
        for (int i = 0; i < batch.AtomCount; i++)
        {
            double dx = batch.X[i] - _x0[i], dy = batch.Y[i] - _y0[i], dz = batch.Z[i] - _z0[i];
            if (!(dx * dx + dy * dy + dz * dz <= limit2)) return true;
        }
        return false;
    }

    private void Remember(SystemBatch batch)
    {
        int n = batch.AtomCount;
        if (_x0.Length < n) { _x0 = new double[n]; _y0 = new double[n]; _z0 = new double[n]; }
        Array.Copy(batch.X, _x0, n); Array.Copy(batch.Y, _y0, n); Array.Copy(batch.Z, _z0, n);
        _numbers = (int[])batch.Numbers.Clone();
        _sysOffsets = (int[])batch.SystemOffsets.Clone();
        _cells = (Cell[])batch.Cells.Clone();
        _valid = true;
    }

    public void Dispose()
    {
        foreach (var k in new[] { _applyImages, _bin, _sortBins, _fill }) k.Dispose();
        foreach (var b in new[] { _rx, _ry, _rz, X, Y, Z, _cell, _cellInv, _shifts }) b.Dispose();
        foreach (var b in new[] { _sys, _images, _atomBin, _binDims, _binCount, _binAtoms, _overflow, _offsets, Count, J, Code }) b.Dispose();
    }
}
