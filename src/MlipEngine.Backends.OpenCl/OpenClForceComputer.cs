using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// Glue shared by the OpenCL force computers: binds to the device of <see cref="ComputeOptions.DeviceIndex"/>,
/// keeps a <see cref="DeviceNeighborList"/>, maps atomic numbers to type indices, runs the potential's
/// kernels (<see cref="Evaluate"/>), reduces energies and virials per system on the device and reads
/// back what was asked.
/// </summary>
/// <remarks>
/// Precision. <see cref="Precision.Float64"/> computes in double. <see cref="Precision.Float32"/>
/// computes pair terms in float; displacements, energies, forces, densities and virials are
/// accumulated in double when the device has fp64 (<c>acc_t</c>). A device without fp64 accepts only
/// Float32 and then accumulates in float too (each atom's sums, ~1e-6 relative); per-system sums
/// are still taken over per-atom values in a fixed order.
/// </remarks>
public abstract class OpenClForceComputer : IForceComputer, MlipEngine.Dynamics.Md.IResidentDynamicsSource
{
    /// <summary>Device-resident MD (nve, nvt-langevin) on this computer's device; see <see cref="OpenClResidentDynamics"/>.</summary>
    public MlipEngine.Dynamics.Md.IResidentDynamics? TryCreateResident(MlipEngine.Dynamics.Md.MdSystem system, MlipEngine.Dynamics.Integrators.IIntegrator integrator, out string reason)
        => OpenClResidentDynamics.TryCreate(system, integrator, out reason);

    private readonly int[] _typeOfNumber;
    private int[] _typesHost = [];
    private readonly OpenClKernel _reduce;
    private readonly FloatingBuffer _sysE, _sysV;
    private double[] _sysEHost = [], _sysVHost = [];
    private bool _typesValid;

    protected OpenClForceComputer(IForceField forceField, ComputeOptions options, IReadOnlyList<string> potentialFiles, IReadOnlyDictionary<string, string>? defines)
    {
        ForceField = forceField;
        Options = options;
        Context = OpenClContext.ForDevice(options.DeviceIndex);
        bool fp64 = options.Precision == Precision.Float64;
        if (fp64 && !Context.Device.SupportsFp64)
            throw new OpenClUnavailableException($"OpenCL device {Context.Device.Index} ({Context.Device.Name}) has no fp64: use precision float32");
        RealIsDouble = fp64;
        AccIsDouble = Context.Device.SupportsFp64;
        Queue = Context.CreateQueue();
        var files = new List<string> { "common.cl", "neighbor.cl" };
        files.AddRange(potentialFiles);
        Program = Context.GetProgram(fp64, files, defines);
        Neighbors = new DeviceNeighborList(Context, Queue, Program, forceField.Cutoff, options.Skin, Math.Max(1, options.Threads));
        _reduce = Program.CreateKernel("reduce_per_system");
        Types = new DeviceBuffer<int>(Context);
        Fx = new(Context, AccIsDouble); Fy = new(Context, AccIsDouble); Fz = new(Context, AccIsDouble);
        AtomEnergy = new(Context, AccIsDouble); AtomVirial = new(Context, AccIsDouble);
        _sysE = new(Context, AccIsDouble); _sysV = new(Context, AccIsDouble);
        _typeOfNumber = new int[Element.MaxAtomicNumber + 1];
        Array.Fill(_typeOfNumber, -1);
        for (int t = 0; t < forceField.Species.Count; t++) _typeOfNumber[forceField.Species[t]] = t;
    }

    public IForceField ForceField { get; }
    public ComputeOptions Options { get; }
    public int NeighborBuilds => Neighbors.Builds;
    public OpenClContext Context { get; }
    /// <summary>True when the last neighbor-list build ran on the device (false: host fallback).</summary>
    public bool NeighborListBuiltOnDevice => Neighbors.BuiltOnDevice;

    internal OpenClQueue Queue { get; }
    internal OpenClProgram Program { get; }
    internal DeviceNeighborList Neighbors { get; }
    internal DeviceBuffer<int> Types { get; }
    internal FloatingBuffer Fx { get; }
    internal FloatingBuffer Fy { get; }
    internal FloatingBuffer Fz { get; }
    internal FloatingBuffer AtomEnergy { get; }
    /// <summary>Six components per atom, component-major: v[c·n + i] (xx yy zz xy xz yz).</summary>
    internal FloatingBuffer AtomVirial { get; }
    internal bool RealIsDouble { get; }
    internal bool AccIsDouble { get; }

    public void Compute(SystemBatch batch, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount;
        result.Prepare(batch, outputs);
        if (n == 0) { result.Computed = (outputs & ForceOutputs.All) | ForceOutputs.Energy; return; }
        bool rebuilt = Neighbors.Update(batch);
        if (rebuilt || !_typesValid) MapTypes(batch);
        Fx.EnsureCapacity(n); Fy.EnsureCapacity(n); Fz.EnsureCapacity(n);
        AtomEnergy.EnsureCapacity(n); AtomVirial.EnsureCapacity(6L * n);
        Requested = outputs;
        Evaluate(n);
        ReadResults(batch, outputs, result);
    }

    /// <summary>
    /// What the current evaluation must produce: the caller's outputs in <see cref="Compute"/>, everything in
    /// device-resident MD. A potential may skip work for outputs not asked for (their buffers are then not read).
    /// </summary>
    protected ForceOutputs Requested { get; private set; } = ForceOutputs.All;

    /// <summary>
    /// Evaluates the potential for the geometry already on the device (r̃ and list current), leaving
    /// per-atom forces, energies and virials in the device buffers: the force call of device-resident MD.
    /// </summary>
    internal void EvaluateResident(int n)
    {
        Requested = ForceOutputs.All;
        Evaluate(n);
    }

    /// <summary>
    /// Reduces the per-atom energies (and virials when asked) per system on the device and reads into
    /// <paramref name="result"/> (prepared for <paramref name="batch"/>) what <paramref name="outputs"/> asks,
    /// from the last evaluation.
    /// </summary>
    internal void ReadResults(SystemBatch batch, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        _sysE.EnsureCapacity(ns); _sysV.EnsureCapacity(6L * ns);
        bool wantV = (outputs & ForceOutputs.Virial) != 0;
        _reduce.Value(0, n).Arg(1, Neighbors.SystemOffsets).Arg(2, AtomEnergy).Arg(3, AtomVirial).Value(4, wantV ? 1 : 0)
            .Arg(5, _sysE).Arg(6, _sysV).Local(7, 7 * 128 * (AccIsDouble ? 8 : 4));
        _reduce.Launch(Queue, (long)ns * 128, 128);

        if (_sysEHost.Length < ns) { _sysEHost = new double[ns]; _sysVHost = new double[6 * ns]; }
        _sysE.Read(Queue, _sysEHost.AsSpan(0, ns));
        Array.Copy(_sysEHost, result.Energy, ns);
        if ((outputs & ForceOutputs.Forces) != 0)
        {
            Fx.Read(Queue, result.Fx.AsSpan(0, n)); Fy.Read(Queue, result.Fy.AsSpan(0, n)); Fz.Read(Queue, result.Fz.AsSpan(0, n));
        }
        if ((outputs & ForceOutputs.AtomEnergies) != 0) AtomEnergy.Read(Queue, result.AtomEnergies.AsSpan(0, n));
        if (wantV)
        {
            _sysV.Read(Queue, _sysVHost.AsSpan(0, 6 * ns));
            for (int s = 0; s < ns; s++)
                result.SetVirial(s, _sysVHost[6 * s], _sysVHost[6 * s + 1], _sysVHost[6 * s + 2], _sysVHost[6 * s + 3], _sysVHost[6 * s + 4], _sysVHost[6 * s + 5]);
            result.StressFromVirial(batch);
        }
        result.Computed = (outputs & ForceOutputs.All) | ForceOutputs.Energy;
    }

    /// <summary>
    /// Enqueues the potential's kernels for <paramref name="n"/> atoms: inputs are <see cref="Neighbors"/>
    /// (r̃, list) and <see cref="Types"/>; outputs must fill <see cref="Fx"/>/<see cref="Fy"/>/<see cref="Fz"/>,
    /// <see cref="AtomEnergy"/> and <see cref="AtomVirial"/> for every atom.
    /// </summary>
    protected abstract void Evaluate(int n);

    private void MapTypes(SystemBatch batch)
    {
        int n = batch.AtomCount;
        if (_typesHost.Length < n) _typesHost = new int[n];
        for (int i = 0; i < n; i++)
        {
            int z = batch.Numbers[i];
            int t = (uint)z < (uint)_typeOfNumber.Length ? _typeOfNumber[z] : -1;
            if (t < 0)
            {
                int s = batch.SystemIndex[i];
                throw new ArgumentException($"{ForceField.Style}: atom {i - batch.SystemOffsets[s]} of system {s} has Z={z}, which this potential does not describe");
            }
            _typesHost[i] = t;
        }
        Types.Write(Queue, _typesHost.AsSpan(0, n));
        _typesValid = true;
    }

    /// <summary>Sets the arguments every gather kernel shares, starting at <paramref name="first"/>: x y z type count j code cap stride shifts.</summary>
    internal uint GeometryArgs(OpenClKernel k, uint first)
    {
        var nl = Neighbors;
        k.Arg(first, nl.X).Arg(first + 1, nl.Y).Arg(first + 2, nl.Z).Arg(first + 3, Types)
            .Arg(first + 4, nl.Count).Arg(first + 5, nl.J).Arg(first + 6, nl.Code).Value(first + 7, nl.Capacity).Value(first + 8, nl.Stride)
            .Arg(first + 9, nl.Shifts);
        return first + 10;
    }

    /// <summary>Sets fx fy fz e v starting at <paramref name="first"/>.</summary>
    internal void OutputArgs(OpenClKernel k, uint first) =>
        k.Arg(first, Fx).Arg(first + 1, Fy).Arg(first + 2, Fz).Arg(first + 3, AtomEnergy).Arg(first + 4, AtomVirial);

    public virtual void Dispose()
    {
        _reduce.Dispose();
        Neighbors.Dispose();
        Types.Dispose();
        foreach (var b in new[] { Fx, Fy, Fz, AtomEnergy, AtomVirial, _sysE, _sysV }) b.Dispose();
        Queue.Dispose();
        GC.SuppressFinalize(this);
    }
}
