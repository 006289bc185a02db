using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Units;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// Device-resident MD on OpenCL (kernels/md.cl) for an <see cref="MdSystem"/> whose force computer is
/// an <see cref="OpenClForceComputer"/>, integrated by <see cref="VelocityVerlet"/> (nve) or
/// <see cref="LangevinBaoab"/> (nvt-langevin).
/// </summary>
/// <remarks>
/// <para>What stays on the device: raw positions r and image-corrected r̃, velocities, forces, 1/m and
/// m, the neighbor list and its skin reference r₀, per-atom bath heat. One step is: a drift kernel
/// (half kicks, drift, Langevin O step, r̃, skin test) → a 4-byte read of the flag it sets → a list
/// rebuild on the device only when an atom moved more than skin/2 since the last build (the rule of
/// <see cref="MlipEngine.Neighbors.VerletNeighborList"/>; every step when skin = 0) → the potential's
/// force kernels. The closing half kick of a step is fused into the next step's drift kernel; a
/// separate kick ends each <see cref="Advance"/>. The flag read is the only per-step transfer; it
/// stalls the queue once per step (a launch latency, ~10 µs on a GPU) — the price of rebuilding
/// exactly when the CPU path does.</para>
/// <para>On <see cref="Synchronize"/>, per-system potential energy and virial (the force computer's
/// reduction) and the kinetic tensor and bath heat (md_kinetic + the same reduction) are summed on the
/// device in a fixed order; positions, velocities and forces are read only when asked.</para>
/// <para>Noise: Philox-4x32-10 keyed by the integrator's seed, counter (step, atom), so a run is
/// reproducible for a seed whatever the device or work-group size, and a restart at step s draws the
/// same numbers as the uninterrupted run. It is not the host's xoshiro stream: a device run and a CPU
/// run with the same seed are different (equally valid) trajectories. The host integrator object keeps
/// its own stream untouched, so its checkpoint format is unchanged.</para>
/// </remarks>
public sealed class OpenClResidentDynamics : IResidentDynamics
{
    private const int FlagRebuild = 1, FlagNonFinite = 2;
    private readonly MdSystem _sys;
    private readonly OpenClForceComputer _computer;
    private readonly LangevinBaoab? _langevin;
    private readonly string _integratorName;
    private readonly OpenClQueue _queue;
    private readonly bool _acc;
    private readonly OpenClKernel _verletDrift, _baoabDrift, _kick, _kinetic, _remember, _reduce;
    private readonly FloatingBuffer _vx, _vy, _vz, _accel, _mass, _x0, _y0, _z0, _heat, _kin, _sysHeat, _sysKin;
    private readonly DeviceBuffer<int> _flag;
    private readonly double[] _kineticTensor = new double[9];
    private readonly double[] _sysHost = new double[6];
    private readonly int[] _flagHost = new int[1];
    private double[] _refX = [], _refY = [], _refZ = [];
    private double _heat0;
    private int _buildsAtSync;
    private bool _nonFinite;

    private OpenClResidentDynamics(MdSystem system, OpenClForceComputer computer, IIntegrator integrator)
    {
        _sys = system;
        _computer = computer;
        _langevin = integrator as LangevinBaoab;
        _integratorName = integrator.Name;
        _queue = computer.Queue;
        _acc = computer.AccIsDouble;
        var program = computer.Context.GetProgram(computer.RealIsDouble, ["common.cl", "md.cl"]);
        _verletDrift = program.CreateKernel("md_verlet_drift");
        _baoabDrift = program.CreateKernel("md_baoab_drift");
        _kick = program.CreateKernel("md_kick");
        _kinetic = program.CreateKernel("md_kinetic");
        _remember = program.CreateKernel("md_remember");
        _reduce = program.CreateKernel("reduce_per_system");
        var ctx = computer.Context;
        _vx = new(ctx, _acc); _vy = new(ctx, _acc); _vz = new(ctx, _acc);
        _accel = new(ctx, _acc); _mass = new(ctx, _acc);
        _x0 = new(ctx, _acc); _y0 = new(ctx, _acc); _z0 = new(ctx, _acc);
        _heat = new(ctx, _acc); _kin = new(ctx, _acc); _sysHeat = new(ctx, _acc); _sysKin = new(ctx, _acc, 6);
        _flag = new(ctx, 1);
        var d = ctx.Device;
        Description = $"device-resident MD on OpenCL device {d.Index} ({d.Name}): {integrator.Name}, {computer.Options.Precision}; positions, velocities, forces and the neighbor list stay on the device";
    }

    /// <summary>
    /// The device-resident stepper for <paramref name="system"/> and <paramref name="integrator"/>, or null
    /// with the reason (for the log) when this combination integrates on the host.
    /// </summary>
    public static IResidentDynamics? TryCreate(MdSystem system, IIntegrator integrator, out string reason) =>
        ResidentEligibility.TryCreate<OpenClForceComputer>(system, integrator, "OpenCL", ["nve", "nvt-langevin"], c => new OpenClResidentDynamics(system, c, integrator), out reason);

    public string Description { get; }
    public ReadOnlySpan<double> KineticTensor => _kineticTensor;
    /// <summary>Neighbor-list builds so far (host and resident), as <see cref="IForceComputer.NeighborBuilds"/>.</summary>
    public int NeighborBuilds => _computer.Neighbors.Builds;

    public void Upload()
    {
        var b = _sys.Batch;
        int n = b.AtomCount;
        var nl = _computer.Neighbors;
        if (nl.AtomCount != n) throw new InvalidOperationException("Upload needs a force call at the current positions first (MdSystem.ComputeForces)");
        foreach (var buf in new[] { _vx, _vy, _vz, _accel, _mass, _x0, _y0, _z0, _heat }) buf.EnsureCapacity(n);
        _kin.EnsureCapacity(6L * n);
        UploadVelocities();
        _accel.Write(_queue, _sys.AccelerationFactor.AsSpan(0, n));
        _mass.Write(_queue, b.Mass.AsSpan(0, n));
        _x0.Write(_queue, nl.ReferenceX); _y0.Write(_queue, nl.ReferenceY); _z0.Write(_queue, nl.ReferenceZ);
        _heat.Zero(_queue, n);
        _flag.Fill(_queue, 0, 1);
        _heat0 = _langevin?.Heat ?? 0;
        _buildsAtSync = nl.Builds;
        _nonFinite = false;
    }

    public void UploadVelocities()
    {
        var b = _sys.Batch;
        int n = b.AtomCount;
        _vx.Write(_queue, b.VX.AsSpan(0, n)); _vy.Write(_queue, b.VY.AsSpan(0, n)); _vz.Write(_queue, b.VZ.AsSpan(0, n));
    }

    public int Advance(long step, int steps, Func<bool>? interrupted = null)
    {
        if (steps <= 0 || _nonFinite) return 0;
        var b = _sys.Batch;
        int n = b.AtomCount;
        var nl = _computer.Neighbors;
        double dt = _sys.TimeStep, half = 0.5 * dt, skin = nl.Skin;
        double limit2 = 0.25 * skin * skin;
        double c1 = 0, c2 = 0, kT = 0;
        if (_langevin != null)
        {
            c1 = Math.Exp(-dt / _langevin.Damping); c2 = Math.Sqrt(1 - c1 * c1);
            kT = PhysicalConstants.Boltzmann * _langevin.Temperature;
        }
        int done = 0;
        while (done < steps)
        {
            int kicks = done == 0 ? 1 : 2;   // the previous step's closing half kick is fused in
            OpenClKernel k;
            if (_langevin is null)
            {
                k = _verletDrift.Value(0, n).Value(1, kicks).Real(2, half, _acc).Real(3, dt, _acc).Arg(4, _accel);
            }
            else
            {
                ulong seed = _langevin.Seed, counter = (ulong)(step + done + 1);   // the step being produced
                k = _baoabDrift.Value(0, n).Value(1, kicks).Real(2, half, _acc).Real(3, c1, _acc).Real(4, c2, _acc).Real(5, kT, _acc)
                    .Real(6, PhysicalConstants.AmuA2PerFs2ToEv, _acc).Value(7, (uint)seed).Value(8, (uint)(seed >> 32))
                    .Value(9, (uint)counter).Value(10, (uint)(counter >> 32)).Arg(11, _accel).Arg(12, _mass);
            }
            uint a = _langevin is null ? 5u : 13u;
            k.Arg(a, _computer.Fx).Arg(a + 1, _computer.Fy).Arg(a + 2, _computer.Fz).Arg(a + 3, _vx).Arg(a + 4, _vy).Arg(a + 5, _vz)
                .Arg(a + 6, nl.RawX).Arg(a + 7, nl.RawY).Arg(a + 8, nl.RawZ).Arg(a + 9, nl.Images).Arg(a + 10, nl.SystemIndex).Arg(a + 11, nl.Cells)
                .Arg(a + 12, nl.X).Arg(a + 13, nl.Y).Arg(a + 14, nl.Z).Arg(a + 15, _x0).Arg(a + 16, _y0).Arg(a + 17, _z0)
                .Real(a + 18, limit2, _acc).Arg(a + 19, _flag);
            if (_langevin != null) k.Arg(a + 20, _heat);
            k.Launch(_queue, n, 64);
            done++;

            _flag.Read(_queue, _flagHost);
            if ((_flagHost[0] & FlagNonFinite) != 0) { _nonFinite = true; return done; }   // no list build from NaN positions
            if (skin == 0 || (_flagHost[0] & FlagRebuild) != 0)
            {
                nl.RebuildResident(b);
                _remember.Value(0, n).Arg(1, nl.RawX).Arg(2, nl.RawY).Arg(3, nl.RawZ).Arg(4, _x0).Arg(5, _y0).Arg(6, _z0);
                _remember.Launch(_queue, n, 64);
                _flag.Fill(_queue, 0, 1);
            }
            _computer.EvaluateResident(n);
            if (interrupted?.Invoke() == true) break;
        }
        _kick.Value(0, n).Real(1, half, _acc).Arg(2, _accel).Arg(3, _computer.Fx).Arg(4, _computer.Fy).Arg(5, _computer.Fz)
            .Arg(6, _vx).Arg(7, _vy).Arg(8, _vz);
        _kick.Launch(_queue, n, 64);
        return done;
    }

    public void Synchronize(bool state)
    {
        var b = _sys.Batch;
        int n = b.AtomCount;
        var f = _sys.Forces;
        var outputs = ForceOutputs.Energy | ForceOutputs.Virial | (state ? ForceOutputs.Forces : 0);
        f.Prepare(b, outputs);
        _computer.ReadResults(b, outputs, f);
        if (_nonFinite) f.Energy[0] = double.NaN;   // the forces belong to the last finite step; say so

        _kinetic.Value(0, n).Real(1, PhysicalConstants.AmuA2PerFs2ToEv, _acc).Arg(2, _mass).Arg(3, _vx).Arg(4, _vy).Arg(5, _vz).Arg(6, _kin);
        _kinetic.Launch(_queue, n, 64);
        _reduce.Value(0, n).Arg(1, _computer.Neighbors.SystemOffsets).Arg(2, _heat).Arg(3, _kin).Value(4, 1)
            .Arg(5, _sysHeat).Arg(6, _sysKin).Local(7, 7 * 128 * (_acc ? 8 : 4));
        _reduce.Launch(_queue, 128, 128);
        _sysKin.Read(_queue, _sysHost.AsSpan(0, 6));
        double xx = _sysHost[0], yy = _sysHost[1], zz = _sysHost[2], xy = _sysHost[3], xz = _sysHost[4], yz = _sysHost[5];
        Mat3.WriteSymmetric(_kineticTensor, xx, yy, zz, xy, xz, yz);
        if (_langevin != null)
        {
            _sysHeat.Read(_queue, _sysHost.AsSpan(0, 1));
            _langevin.Heat = _heat0 + _sysHost[0];
        }
        if (!state) return;

        var nl = _computer.Neighbors;
        nl.RawX.Read(_queue, b.X.AsSpan(0, n)); nl.RawY.Read(_queue, b.Y.AsSpan(0, n)); nl.RawZ.Read(_queue, b.Z.AsSpan(0, n));
        _vx.Read(_queue, b.VX.AsSpan(0, n)); _vy.Read(_queue, b.VY.AsSpan(0, n)); _vz.Read(_queue, b.VZ.AsSpan(0, n));
        if (nl.Builds != _buildsAtSync)
        {
            if (_refX.Length != n) { _refX = new double[n]; _refY = new double[n]; _refZ = new double[n]; }
            _x0.Read(_queue, _refX); _y0.Read(_queue, _refY); _z0.Read(_queue, _refZ);
            nl.SetReference(_refX, _refY, _refZ);
            _buildsAtSync = nl.Builds;
        }
    }

    public void CopyNeighborReference(NeighborReference reference)
    {
        var nl = _computer.Neighbors;
        reference.Set(nl.ReferenceX, nl.ReferenceY, nl.ReferenceZ, _sys.Batch.Cells[0]);
    }

    public void Dispose()
    {
        foreach (var k in new[] { _verletDrift, _baoabDrift, _kick, _kinetic, _remember, _reduce }) k.Dispose();
        foreach (var buf in new[] { _vx, _vy, _vz, _accel, _mass, _x0, _y0, _z0, _heat, _kin, _sysHeat, _sysKin }) buf.Dispose();
        _flag.Dispose();
    }
}
