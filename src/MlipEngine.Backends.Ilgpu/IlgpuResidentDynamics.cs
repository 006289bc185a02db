using ILGPU;
using ILGPU.Runtime;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Units;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>The integrator state on the device: raw positions r, velocities, 1/(m·103.64), the skin reference r₀, images w and cells H.</summary>
internal struct ResidentState
{
    public ArrayView<double> Rx, Ry, Rz, Vx, Vy, Vz, Accel, X0, Y0, Z0, Cells;
    public ArrayView<int> Images, System, Flag;
}

/// <summary>
/// Velocity Verlet on the device, operation for operation the host's <see cref="MdSystem.KickDrift"/> and
/// <see cref="MdSystem.Kick"/> (c = h/m; v += c·F; r += Δt·v), as kernels/md.cl does it.
/// </summary>
internal static class VerletKernels
{
    public const int FlagRebuild = 1, FlagNonFinite = 2;

    /// <summary>
    /// <paramref name="kicks"/> half kicks with the current forces (2 fuses the previous step's closing kick), the
    /// drift, r̃ = r − w·H for the force kernels, and the skin test |r − r₀|² ≤ (skin/2)² (written as !(≤) so NaN
    /// triggers), which sets bits of the flag with an integer atomic or (its outcome does not depend on order).
    /// </summary>
    public static void Drift(Index1D index, ResidentState s, AtomOutputs f, DeviceGeometry g, int kicks, double halfDt, double dt, double limit2)
    {
        int i = index;
        double c = halfDt * s.Accel[i];
        double v0 = s.Vx[i], v1 = s.Vy[i], v2 = s.Vz[i];
        for (int k = 0; k < kicks; k++) { v0 += c * f.Fx[i]; v1 += c * f.Fy[i]; v2 += c * f.Fz[i]; }
        s.Vx[i] = v0; s.Vy[i] = v1; s.Vz[i] = v2;
        double r0 = s.Rx[i] + dt * v0, r1 = s.Ry[i] + dt * v1, r2 = s.Rz[i] + dt * v2;
        s.Rx[i] = r0; s.Ry[i] = r1; s.Rz[i] = r2;
        int h = 9 * s.System[i];
        double wa = s.Images[3 * i], wb = s.Images[3 * i + 1], wc = s.Images[3 * i + 2];
        g.X[i] = r0 - (wa * s.Cells[h] + wb * s.Cells[h + 3] + wc * s.Cells[h + 6]);
        g.Y[i] = r1 - (wa * s.Cells[h + 1] + wb * s.Cells[h + 4] + wc * s.Cells[h + 7]);
        g.Z[i] = r2 - (wa * s.Cells[h + 2] + wb * s.Cells[h + 5] + wc * s.Cells[h + 8]);
        double dx = r0 - s.X0[i], dy = r1 - s.Y0[i], dz = r2 - s.Z0[i];
        int bits = dx * dx + dy * dy + dz * dz <= limit2 ? 0 : FlagRebuild;
        if (double.IsNaN(r0) || double.IsNaN(r1) || double.IsNaN(r2) || double.IsInfinity(r0) || double.IsInfinity(r1) || double.IsInfinity(r2)) bits |= FlagNonFinite;
        if (bits != 0) Atomic.Or(ref s.Flag[0], bits);
    }

    /// <summary>The closing half kick of the last step of an <see cref="IResidentDynamics.Advance"/>.</summary>
    public static void Kick(Index1D index, ResidentState s, AtomOutputs f, double halfDt)
    {
        int i = index;
        double c = halfDt * s.Accel[i];
        s.Vx[i] += c * f.Fx[i]; s.Vy[i] += c * f.Fy[i]; s.Vz[i] += c * f.Fz[i];
    }
}

/// <summary>
/// Device-resident NVE (velocity Verlet) on ILGPU for an <see cref="MdSystem"/> whose force computer is an
/// <see cref="IlgpuForceComputer"/>: positions, velocities and forces stay on the device; one step is a drift
/// kernel, a 4-byte flag read, the force kernels. When the flag says an atom moved past skin/2 (the rule of
/// <see cref="MlipEngine.Neighbors.VerletNeighborList"/>, so rebuilds fall on the CPU path's steps) the positions
/// come back and the computer's own host path rebuilds the list and uploads it — the ILGPU backend has no
/// device list builder yet. nvt-langevin and the other integrators integrate on the host.
/// </summary>
public sealed class IlgpuResidentDynamics : IResidentDynamics
{
    private readonly MdSystem _sys;
    private readonly IlgpuForceComputer _c;
    private readonly DeviceArray<double> _rx, _ry, _rz, _vx, _vy, _vz, _accel, _x0, _y0, _z0, _cells;
    private readonly DeviceArray<int> _images, _system, _flag;
    private readonly Action<Index1D, ResidentState, AtomOutputs, DeviceGeometry, int, double, double, double> _drift;
    private readonly Action<Index1D, ResidentState, AtomOutputs, double> _kick;
    private readonly double[] _kineticTensor = new double[9];
    private readonly int[] _flagHost = new int[1];
    private double[] _hx = [], _hy = [], _hz = [], _cellHost = [];
    private readonly ForceResult _rebuildResult = new();
    private bool _nonFinite;

    private IlgpuResidentDynamics(MdSystem system, IlgpuForceComputer computer, IIntegrator integrator)
    {
        _sys = system;
        _c = computer;
        var a = computer.Accelerator;
        _rx = new(a); _ry = new(a); _rz = new(a); _vx = new(a); _vy = new(a); _vz = new(a); _accel = new(a);
        _x0 = new(a); _y0 = new(a); _z0 = new(a); _cells = new(a, 9);
        _images = new(a); _system = new(a); _flag = new(a, 1);
        _drift = a.LoadAutoGroupedStreamKernel<Index1D, ResidentState, AtomOutputs, DeviceGeometry, int, double, double, double>(VerletKernels.Drift);
        _kick = a.LoadAutoGroupedStreamKernel<Index1D, ResidentState, AtomOutputs, double>(VerletKernels.Kick);
        Description = $"device-resident MD on ILGPU device {computer.Options.DeviceIndex} ({computer.DeviceName}): {integrator.Name}, {computer.Options.Precision}; " +
            "positions, velocities and forces stay on the device (list rebuilt on the host when the skin test asks)";
    }

    /// <summary>The stepper, or null with the reason (for the log) when this combination integrates on the host.</summary>
    public static IResidentDynamics? TryCreate(MdSystem system, IIntegrator integrator, out string reason)
    {
        if (system.Computer is not IlgpuForceComputer c) { reason = $"forces on {system.Computer.Options.Backend}, integration on the host"; return null; }
        var why = ResidentEligibility.WhyOnHost(system, integrator, "ILGPU", "nve");
        if (why != null) { reason = why; return null; }
        reason = "";
        return new IlgpuResidentDynamics(system, c, integrator);
    }

    public string Description { get; }
    public ReadOnlySpan<double> KineticTensor => _kineticTensor;

    private ResidentState State => new()
    {
        Rx = _rx.View, Ry = _ry.View, Rz = _rz.View, Vx = _vx.View, Vy = _vy.View, Vz = _vz.View, Accel = _accel.View,
        X0 = _x0.View, Y0 = _y0.View, Z0 = _z0.View, Cells = _cells.View, Images = _images.View, System = _system.View, Flag = _flag.View,
    };

    public void Upload()
    {
        var b = _sys.Batch;
        int n = b.AtomCount;
        if (_c.Verlet.List.AtomCount != n) throw new InvalidOperationException("Upload needs a force call at the current positions first (MdSystem.ComputeForces)");
        lock (_c.DeviceLock)
        {
            _rx.Write(b.X.AsSpan(0, n)); _ry.Write(b.Y.AsSpan(0, n)); _rz.Write(b.Z.AsSpan(0, n));
            UploadVelocities();
            _accel.Write(_sys.AccelerationFactor.AsSpan(0, n));
            _system.Write(b.SystemIndex.AsSpan(0, n));
            int ns = b.SystemCount;
            if (_cellHost.Length < 9 * ns) _cellHost = new double[9 * ns];
            for (int s = 0; s < ns; s++)
                for (int k = 0; k < 9; k++) _cellHost[9 * s + k] = b.Cells[s].Matrix[k / 3, k % 3];
            _cells.Write(_cellHost.AsSpan(0, 9 * ns));
            UploadListState(n);
            _flag.Write([0]);
        }
        _nonFinite = false;
    }

    /// <summary>The list's images and the skin reference (positions at its last build), after a build on the host.</summary>
    private void UploadListState(int n)
    {
        var v = _c.Verlet;
        _images.Write(v.List.AtomImages.AsSpan(0, 3 * n));
        _x0.Write(v.ReferenceX); _y0.Write(v.ReferenceY); _z0.Write(v.ReferenceZ);
    }

    public void UploadVelocities()
    {
        var b = _sys.Batch;
        int n = b.AtomCount;
        _vx.Write(b.VX.AsSpan(0, n)); _vy.Write(b.VY.AsSpan(0, n)); _vz.Write(b.VZ.AsSpan(0, n));
    }

    public int Advance(long step, int steps, Func<bool>? interrupted = null)
    {
        if (steps <= 0 || _nonFinite) return 0;
        var b = _sys.Batch;
        int n = b.AtomCount;
        double dt = _sys.TimeStep, half = 0.5 * dt, skin = _c.Verlet.Skin, limit2 = 0.25 * skin * skin;
        int done = 0;
        lock (_c.DeviceLock)
        {
            while (done < steps)
            {
                _drift(n, State, _c.CurrentOutputs(n), _c.CurrentGeometry, done == 0 ? 1 : 2, half, dt, limit2);
                done++;
                _flag.Read(_flagHost);   // synchronises the default stream
                if ((_flagHost[0] & VerletKernels.FlagNonFinite) != 0) { _nonFinite = true; return done; }
                if (skin == 0 || (_flagHost[0] & VerletKernels.FlagRebuild) != 0) Rebuild(b, n);
                else _c.EvaluateResident(n);
                if (interrupted?.Invoke() == true) break;
            }
            _kick(n, State, _c.CurrentOutputs(n), half);
        }
        return done;
    }

    /// <summary>
    /// Positions come back; the computer's host path rebuilds the list (its own skin test agrees with the
    /// flag's), uploads it with r̃ and computes the forces; images and the new skin reference go back up.
    /// </summary>
    private void Rebuild(SystemBatch b, int n)
    {
        _rx.Read(b.X.AsSpan(0, n)); _ry.Read(b.Y.AsSpan(0, n)); _rz.Read(b.Z.AsSpan(0, n));
        _c.Compute(b, ForceOutputs.Energy, _rebuildResult);
        UploadListState(n);
        _flag.Write([0]);
    }

    public void Synchronize(bool state)
    {
        var b = _sys.Batch;
        int n = b.AtomCount;
        var f = _sys.Forces;
        var outputs = ForceOutputs.Energy | ForceOutputs.Virial | (state ? ForceOutputs.Forces : 0);
        f.Prepare(b, outputs);
        lock (_c.DeviceLock)
        {
            _c.ReadResults(b, outputs, f);
            if (_hx.Length < n) { _hx = new double[n]; _hy = new double[n]; _hz = new double[n]; }
            _vx.Read(_hx.AsSpan(0, n)); _vy.Read(_hy.AsSpan(0, n)); _vz.Read(_hz.AsSpan(0, n));
            if (state)
            {
                _rx.Read(b.X.AsSpan(0, n)); _ry.Read(b.Y.AsSpan(0, n)); _rz.Read(b.Z.AsSpan(0, n));
                _hx.AsSpan(0, n).CopyTo(b.VX); _hy.AsSpan(0, n).CopyTo(b.VY); _hz.AsSpan(0, n).CopyTo(b.VZ);
            }
        }
        f.StressFromVirial(b);
        f.Computed = outputs;
        if (_nonFinite) f.Energy[0] = double.NaN;   // the forces belong to the last finite step; say so
        // kinetic tensor Σ m vₐ v_b (eV) on the host from the velocities just read, in atom order
        double xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
        for (int i = 0; i < n; i++)
        {
            double m = b.Mass[i] * PhysicalConstants.AmuA2PerFs2ToEv, v0 = _hx[i], v1 = _hy[i], v2 = _hz[i];
            xx += m * v0 * v0; yy += m * v1 * v1; zz += m * v2 * v2; xy += m * v0 * v1; xz += m * v0 * v2; yz += m * v1 * v2;
        }
        Mat3.WriteSymmetric(_kineticTensor, xx, yy, zz, xy, xz, yz);
    }

    public void CopyNeighborReference(NeighborReference reference)
    {
        var v = _c.Verlet;
        reference.Set(v.ReferenceX, v.ReferenceY, v.ReferenceZ, _sys.Batch.Cells[0]);
    }

    public void Dispose()
    {
        foreach (var d in new[] { _rx, _ry, _rz, _vx, _vy, _vz, _accel, _x0, _y0, _z0, _cells }) d.Dispose();
        _images.Dispose(); _system.Dispose(); _flag.Dispose();
    }
}
