using ILGPU;
using ILGPU.Runtime;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// Glue shared by the ILGPU force computers. For a force call from the host the skin test runs on the host (the CPU backend's
/// <see cref="VerletNeighborList"/>); when it asks for a new list, the raw positions go up and the list is built on the device
/// (<see cref="IlgpuNeighborListBuilder"/>, every cell shape but degenerate periodic vectors), its images w read back (12 bytes per
/// atom); between builds the host sends r̃ = r − w·H. Where the builder does not apply, or with <see cref="DeviceListBuilds"/> off,
/// the list is built on the host (full list, the <see cref="NeighborForceComputer"/> machinery) and uploaded, when rebuilt, in the
/// device layout of <see cref="DeviceGeometry"/>, with image-corrected positions and the cell's shift vectors on every call. Lists
/// passed in from outside (a committee's, <see cref="NeighborForceComputer.EvaluateOn"/>) are uploaded on every call.
/// Device-resident MD rebuilds the list on the device (<see cref="RebuildOnDevice"/>) where the cells allow it.
/// The potential's kernels (<see cref="Launch"/>) fill per-atom outputs; per-system
/// energies and virials are summed on the device (<see cref="ReductionKernels"/>) and read back with what
/// the caller asked.
/// </summary>
/// <remarks>
/// Precision. fp64 computes in double. fp32 computes pair terms and tables in float; displacements,
/// per-atom sums (energy, force, density, virial) and everything after them stay in double, as the
/// OpenCL backend does on a device with fp64 (every device ILGPU targets has it).
/// Determinism. Each thread owns atom i and writes only atom i's outputs, summing its neighbors in list
/// order; reductions run in a fixed order. No float atomics anywhere.
/// </remarks>
public abstract class IlgpuForceComputer : NeighborForceComputer, IResidentDynamicsSource
{
    private readonly IlgpuDevice _device;
    private readonly DeviceArray<double> _x, _y, _z, _shifts, _fx, _fy, _fz, _e, _v, _partial, _sums;
    private readonly DeviceArray<int> _type, _count, _j, _code, _chunkFirst, _systemFirstChunk;
    private readonly DeviceArray<double> _rx, _ry, _rz;   // raw positions of a host call's device build
    private readonly DeviceArray<int> _system, _images;
    private int[] _imagesHost = [];
    private Cell[] _shiftCells = [];   // the cells the shift vectors of a device-built list were made for
    private Cell[] _appliesCells = [];   // the cells of the last IlgpuNeighborListBuilder.Applies verdict, _applies
    private bool _applies;
    // _listOnDevice: this call's own list is built on the device; _deviceListCurrent: the device holds the list built at the Verlet
    // list's reference (false when the skin test asks for a build until that build has finished, and once another list went up)
    private bool _listOnDevice, _deviceListCurrent;
    private readonly Action<Index1D, ArrayView<int>, AtomOutputs, ArrayView<double>> _chunkSums;
    private readonly Action<Index1D, ArrayView<int>, ArrayView<double>, ArrayView<double>> _systemSums;
    private double[] _xh = [], _yh = [], _zh = [], _sumsHost = [];
    private int[] _countH = [], _jH = [], _codeH = [];
    private int _stride, _capacity, _chunks, _uploadedBuild = -1, _deviceBuilds;
    private NeighborList? _uploadedList;
    private IlgpuNeighborListBuilder? _builder;
    private Action<Index1D, DeviceGeometry, int, ArrayView<int>>? _mirror;

    protected IlgpuForceComputer(IForceField forceField, ComputeOptions options) : base(forceField, options, NeighborListKind.Full)
    {
        _device = IlgpuDevices.Get(options.DeviceIndex);
        var a = Accelerator;
        _x = new(a); _y = new(a); _z = new(a); _shifts = new(a, 3);
        _fx = new(a); _fy = new(a); _fz = new(a); _e = new(a); _v = new(a); _partial = new(a); _sums = new(a);
        _type = new(a); _count = new(a); _j = new(a); _code = new(a); _chunkFirst = new(a); _systemFirstChunk = new(a);
        _rx = new(a); _ry = new(a); _rz = new(a); _system = new(a); _images = new(a);
        _chunkSums = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, AtomOutputs, ArrayView<double>>(ReductionKernels.ChunkSums);
        _systemSums = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<double>, ArrayView<double>>(ReductionKernels.SystemSums);
    }

    /// <summary>The accelerator this computer runs on (<see cref="ComputeOptions.DeviceIndex"/> in <see cref="IlgpuDevices"/> order).</summary>
    public Accelerator Accelerator => _device.Accelerator;
    /// <summary>The device's name, as <c>mlip info</c> lists it.</summary>
    public string DeviceName => _device.Device.Name;

    /// <summary>The geometry of the current call, for <see cref="Launch"/>.</summary>
    private protected DeviceGeometry Geometry => new()
    {
        X = _x.View, Y = _y.View, Z = _z.View, Shifts = _shifts.View,
        Type = _type.View, Count = _count.View, J = _j.View, Code = _code.View, Stride = _stride,
    };

    private protected AtomOutputs Outputs(int n) => new() { Fx = _fx.View, Fy = _fy.View, Fz = _fz.View, E = _e.View, V = _v.View, N = n };

    /// <summary>
    /// What the current call asks (<see cref="ForceOutputs.All"/> for device-resident MD). A potential may skip work for outputs
    /// not asked (the equivariant model skips its adjoint pass when neither forces nor virial are); what it then leaves in the
    /// per-atom outputs is never read.
    /// </summary>
    private protected ForceOutputs Requested { get; private set; } = ForceOutputs.All;

    /// <summary>
    /// Launches the potential's kernels for <paramref name="n"/> atoms on the accelerator's default stream;
    /// they must write every atom's entries of <paramref name="outputs"/>.
    /// </summary>
    private protected abstract void Launch(int n, DeviceGeometry geometry, AtomOutputs outputs);

    /// <summary>
    /// Called after a (re)built list went up or was built on the device: <paramref name="atoms"/> atoms, <paramref name="capacity"/>
    /// entries per atom, entry k of atom i at slot k·<paramref name="stride"/> + i. Potentials that keep per-entry data size it here.
    /// </summary>
    private protected virtual void ListUploaded(int atoms, int capacity, int stride) { }

    /// <summary>Host builds plus the device builds of resident MD.</summary>
    public override int NeighborBuilds => base.NeighborBuilds + _deviceBuilds;

    /// <summary>
    /// Fills <paramref name="mirror"/> (grown to capacity·stride) with each list slot's mirror (<see cref="NeighborKernels.Mirror"/>): for
    /// entry i → j with shift S, the slot of j's entry pointing to i with −S, −1 past an atom's count. On the device, for host- and
    /// device-built lists alike.
    /// </summary>
    private protected void FillMirror(DeviceArray<int> mirror, int atoms, int capacity, int stride)
    {
        _mirror ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, int, ArrayView<int>>(NeighborKernels.Mirror);
        long slots = (long)capacity * stride;
        mirror.EnsureCapacity(slots);
        _mirror((int)slots, Geometry, atoms, mirror.View);
    }

    protected sealed override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        if (batch.AtomCount == 0) return;
        lock (_device.Sync)
        {
            Upload(batch, list, types);
            Requested = outputs;
            try { EvaluateResident(batch.AtomCount); }
            finally { Requested = ForceOutputs.All; }
            ReadResults(batch, outputs, result);
        }
    }

    /// <summary>
    /// Runs the potential's kernels on the geometry already on the device (r̃ and list current), leaving per-atom
    /// forces, energies and virials there: the force call of device-resident MD.
    /// </summary>
    internal void EvaluateResident(int n)
    {
        foreach (var b in new[] { _fx, _fy, _fz, _e }) b.EnsureCapacity(n);
        _v.EnsureCapacity(6L * n);
        Launch(n, Geometry, Outputs(n));
    }

    /// <summary>
    /// Sums the last evaluation's per-atom energies and virials per system on the device and reads into
    /// <paramref name="result"/> (prepared for <paramref name="batch"/>) the energies and what <paramref name="outputs"/> asks.
    /// </summary>
    internal void ReadResults(SystemBatch batch, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        _partial.EnsureCapacity(7L * _chunks); _sums.EnsureCapacity(7L * ns);
        _chunkSums(_chunks, _chunkFirst.View, Outputs(n), _partial.View);
        _systemSums(ns, _systemFirstChunk.View, _partial.View, _sums.View);
        Accelerator.Synchronize();
        if (_sumsHost.Length < 7 * ns) _sumsHost = new double[7 * ns];
        _sums.Read(_sumsHost.AsSpan(0, 7 * ns));
        for (int s = 0; s < ns; s++)
        {
            result.Energy[s] = _sumsHost[7 * s];
            if ((outputs & ForceOutputs.Virial) != 0)
                result.SetVirial(s, _sumsHost[7 * s + 1], _sumsHost[7 * s + 2], _sumsHost[7 * s + 3], _sumsHost[7 * s + 4], _sumsHost[7 * s + 5], _sumsHost[7 * s + 6]);
        }
        if ((outputs & ForceOutputs.Forces) != 0)
        {
            _fx.Read(result.Fx.AsSpan(0, n)); _fy.Read(result.Fy.AsSpan(0, n)); _fz.Read(result.Fz.AsSpan(0, n));
        }
        if ((outputs & ForceOutputs.AtomEnergies) != 0) _e.Read(result.AtomEnergies.AsSpan(0, n));
    }

    /// <summary>Bytes of the positions, list, reduction plan and per-atom outputs on the device.</summary>
    private protected long BaseDeviceBytes =>
        new IDeviceMemory[] { _x, _y, _z, _shifts, _fx, _fy, _fz, _e, _v, _partial, _sums, _type, _count, _j, _code, _chunkFirst, _systemFirstChunk, _rx, _ry, _rz, _system, _images }.Sum(b => b.Bytes);

    /// <summary>The lock that serialises work on this computer's device.</summary>
    internal object DeviceLock => _device.Sync;
    /// <summary>The Verlet list this computer keeps (its reference positions are the skin test's).</summary>
    internal VerletNeighborList Verlet => OwnNeighbors;
    /// <summary>The device geometry (r̃, list) of the last evaluation, for device-resident MD.</summary>
    internal DeviceGeometry CurrentGeometry => Geometry;
    /// <summary>The device outputs of the last evaluation for <paramref name="n"/> atoms.</summary>
    internal AtomOutputs CurrentOutputs(int n) => Outputs(n);

    /// <summary>
    /// Whether force calls from the host and device-resident MD may build their lists on the device (default). Off, they build on the
    /// host as for degenerate cells: the path the tests keep covered now that every real cell shape is listed on the device.
    /// </summary>
    internal bool DeviceListBuilds { get; set; } = true;

    /// <summary>
    /// The images w (3 per atom) of the computer's own list on the device, r̃ = r − w·H: from the device build of a host call, or from
    /// the host list that went up.
    /// </summary>
    internal ReadOnlySpan<int> ListImages(int n)
    {
        if (OwnNeighbors.ListBuiltHere) return OwnNeighbors.List.AtomImages.AsSpan(0, 3 * n);
        if (!_deviceListCurrent) throw new InvalidOperationException("the device holds no list built at this computer's reference positions");
        return _imagesHost.AsSpan(0, 3 * n);
    }

    /// <summary>Whether the last force call from the host had its list built on the device.</summary>
    internal bool LastListOnDevice => _listOnDevice;

    /// <summary>
    /// The skin test on the host; where the device builder applies, only the test (<see cref="VerletNeighborList.UpdateBuiltElsewhere"/>):
    /// the build follows in <see cref="Upload"/>, on the device.
    /// </summary>
    protected override bool UpdateNeighbors(SystemBatch batch)
    {
        var cells = batch.Cells.AsSpan(0, batch.SystemCount);
        if (!cells.SequenceEqual(_appliesCells))   // the builder's verdict depends on the cells alone: judged again when they change
        {
            _applies = IlgpuNeighborListBuilder.Applies(batch, ForceField.Cutoff + OwnNeighbors.Skin, out _);
            _appliesCells = cells.ToArray();
        }
        _listOnDevice = DeviceListBuilds && _applies;
        if (!_listOnDevice) return base.UpdateNeighbors(batch);
        if (!_deviceListCurrent) OwnNeighbors.Invalidate();   // another list went up, or the last build failed
        bool rebuild = OwnNeighbors.UpdateBuiltElsewhere(batch);
        if (rebuild) _deviceListCurrent = false;   // true again only when the build has finished: one that throws is done again next call
        return rebuild;
    }

    /// <summary>The list's device arrays, for <see cref="IlgpuNeighborListBuilder"/>.</summary>
    private DeviceListArrays ListArrays => new(_x, _y, _z, _shifts, _count, _j, _code);

    /// <summary>
    /// Rebuilds the list on the device from the raw positions there (device-resident MD: the batch's atoms, systems, types and cells
    /// are those of the last host upload; only positions changed) when <see cref="IlgpuNeighborListBuilder.Applies"/>: new images w into
    /// <paramref name="images"/>, r̃, the list, per-entry data of the potential (<see cref="ListUploaded"/>). The next call from the host
    /// uploads its own list again. <paramref name="countBuild"/> false: the same pairs as the list there (a re-layout), not counted in
    /// <see cref="NeighborBuilds"/>. Returns false (nothing done) when the cells need the host list.
    /// </summary>
    internal bool RebuildOnDevice(SystemBatch batch, ArrayView<double> rx, ArrayView<double> ry, ArrayView<double> rz, ArrayView<int> system, ArrayView<int> images,
        bool countBuild = true)
    {
        double radius = ForceField.Cutoff + OwnNeighbors.Skin;
        if (!IlgpuNeighborListBuilder.Applies(batch, radius, out _)) return false;
        _builder ??= new IlgpuNeighborListBuilder(Accelerator);
        int n = batch.AtomCount;
        int capacity = _builder.Build(batch, radius, rx, ry, rz, system, images, ListArrays, _stride, _capacity);
        _capacity = capacity;
        ListUploaded(n, capacity, _stride);
        _uploadedList = null;
        _deviceListCurrent = false;   // built at other positions than the Verlet list's reference
        if (countBuild) _deviceBuilds++;
        return true;
    }

    /// <summary>The integer image of each shift code of the last device build (3 per code), for tests.</summary>
    internal int[] DeviceCodeImages => _builder?.CodeImages ?? [];

    /// <summary>Reads the list on the device: count, entries and codes in the slot layout (capacity·stride each).</summary>
    internal (int[] Count, int[] J, int[] Code, int Capacity, int Stride) ReadList(int n)
    {
        var count = new int[n]; var j = new int[(long)_capacity * _stride]; var code = new int[j.Length];
        _count.Read(count); _j.Read(j); _code.Read(code);
        return (count, j, code, _capacity, _stride);
    }

    /// <summary>Device-resident MD (nve) on this computer's device; see <see cref="IlgpuResidentDynamics"/>.</summary>
    public IResidentDynamics? TryCreateResident(MdSystem system, IIntegrator integrator, out string reason) =>
        IlgpuResidentDynamics.TryCreate(system, integrator, out reason);

    /// <summary>Positions and shift vectors every call; the list, types and reduction plan when the list was rebuilt.</summary>
    private void Upload(SystemBatch batch, NeighborList list, int[] types)
    {
        int n = batch.AtomCount;
        if (_listOnDevice && ReferenceEquals(list, OwnNeighbors.List)) { UploadForDeviceList(batch, types); return; }
        _deviceListCurrent = false;
        _shifts.Write(list.ShiftVectors.AsSpan(0, 3 * list.ShiftCount));   // before the list: ListUploaded's mirrors read them
        bool own = ReferenceEquals(list, OwnNeighbors.List);
        if (!own || !ReferenceEquals(list, _uploadedList) || OwnNeighbors.BuildCount != _uploadedBuild) UploadList(batch, list, types);
        _uploadedList = own ? list : null;   // a list passed in from outside (a committee's) is uploaded on every call
        _uploadedBuild = OwnNeighbors.BuildCount;
        if (_xh.Length < n) { _xh = new double[n]; _yh = new double[n]; _zh = new double[n]; }
        list.ImageCorrectedPositions(batch, _xh.AsSpan(0, n), _yh.AsSpan(0, n), _zh.AsSpan(0, n));
        _x.Write(_xh.AsSpan(0, n)); _y.Write(_yh.AsSpan(0, n)); _z.Write(_zh.AsSpan(0, n));
    }

    /// <summary>
    /// A host call whose list is built on the device. At a build: the positions are checked (finite, as the host builder asks), the
    /// raw positions go up, the builder writes the list and the shift vectors, and the images w come back. Every call then sends
    /// r̃ = r − w·H computed here (at a build too, so that r̃ is one arithmetic whether or not the list was rebuilt: restarts
    /// that replay a build stay bit-identical), with H the current cell; where a cell deformed and the skin rule kept the list,
    /// the shift vectors follow it (<see cref="IlgpuNeighborListBuilder.FollowCells"/>).
    /// </summary>
    private void UploadForDeviceList(SystemBatch batch, int[] types)
    {
        int n = batch.AtomCount;
        if (!_deviceListCurrent)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
                if (!double.IsFinite(batch.X[i]) || !double.IsFinite(batch.Y[i]) || !double.IsFinite(batch.Z[i]))
                {
                    int s = batch.SystemIndex[i];
                    throw NeighborListBuilder.NonFinitePosition(i - batch.SystemOffsets[s], s, batch.X[i], batch.Y[i], batch.Z[i]);
                }
            _stride = (n + 63) / 64 * 64;
            UploadAtoms(batch, types);
            _rx.Write(batch.X.AsSpan(0, n)); _ry.Write(batch.Y.AsSpan(0, n)); _rz.Write(batch.Z.AsSpan(0, n));
            _system.Write(batch.SystemIndex.AsSpan(0, n));
            _images.EnsureCapacity(3L * n);
            _builder ??= new IlgpuNeighborListBuilder(Accelerator);
            _capacity = _builder.Build(batch, ForceField.Cutoff + OwnNeighbors.Skin, _rx.View, _ry.View, _rz.View, _system.View, _images.View,
                ListArrays, _stride, _capacity);
            ListUploaded(n, _capacity, _stride);
            if (_imagesHost.Length < 3 * n) _imagesHost = new int[3 * n];
            _images.Read(_imagesHost.AsSpan(0, 3 * n));
            _uploadedList = null;
            _shiftCells = batch.Cells.AsSpan(0, batch.SystemCount).ToArray();
            _deviceListCurrent = true;
            AddNeighborTime(System.Diagnostics.Stopwatch.GetTimestamp() - t0);   // the images read back: the build has finished
        }
        else if (!batch.Cells.AsSpan(0, batch.SystemCount).SequenceEqual(_shiftCells))
        {
            _builder!.FollowCells(batch, _shifts);
            _shiftCells = batch.Cells.AsSpan(0, batch.SystemCount).ToArray();
        }
        if (_xh.Length < n) { _xh = new double[n]; _yh = new double[n]; _zh = new double[n]; }
        NeighborList.ImageCorrectedPositions(batch, batch.Cells, _imagesHost, _xh.AsSpan(0, n), _yh.AsSpan(0, n), _zh.AsSpan(0, n));
        _x.Write(_xh.AsSpan(0, n)); _y.Write(_yh.AsSpan(0, n)); _z.Write(_zh.AsSpan(0, n));
    }

    private void UploadList(SystemBatch batch, NeighborList list, int[] types)
    {
        int n = batch.AtomCount;
        _stride = (n + 63) / 64 * 64;
        int capacity = _capacity = Math.Max(1, list.MaxNeighborCount());
        long size = (long)capacity * _stride;
        if (_countH.Length < n) _countH = new int[n];
        if (_jH.Length < size) { _jH = new int[size]; _codeH = new int[size]; }
        list.CopyNeighborMajor(_stride, _countH, _jH, _codeH);
        _count.Write(_countH.AsSpan(0, n));
        _j.Write(_jH.AsSpan(0, (int)size));
        _code.Write(_codeH.AsSpan(0, (int)size));
        UploadAtoms(batch, types);
        ListUploaded(n, capacity, _stride);
    }

    /// <summary>The atoms' types and the reduction plan of the batch's systems.</summary>
    private void UploadAtoms(SystemBatch batch, int[] types)
    {
        _type.Write(types.AsSpan(0, batch.AtomCount));
        var (chunkFirst, systemFirst) = ReductionKernels.Plan(batch.SystemOffsets.AsSpan(0, batch.SystemCount + 1));
        _chunks = chunkFirst.Length - 1;
        _chunkFirst.Write(chunkFirst);
        _systemFirstChunk.Write(systemFirst);
    }

    public override void Dispose()
    {
        foreach (var b in new[] { _x, _y, _z, _shifts, _fx, _fy, _fz, _e, _v, _partial, _sums, _rx, _ry, _rz }) b.Dispose();
        foreach (var b in new[] { _type, _count, _j, _code, _chunkFirst, _systemFirstChunk, _system, _images }) b.Dispose();
        _builder?.Dispose();
        base.Dispose();
    }
}
