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

/// <summary>One BAOAB step's constants (c₁ = e^{−Δt/τ}, c₂ = √(1 − c₁²), kT in eV, 103.64 eV per amu Å²/fs²), noise key and counter, masses and per-atom heat.</summary>
internal struct LangevinStep
{
    public int Kicks;
    public double HalfDt, C1, C2, KT, Conv, Limit2;
    public uint SeedLo, SeedHi;
    public ulong Step;
    public ArrayView<double> Mass, Heat;
}

/// <summary>
/// Philox-4x32-10 (Salmon et al., SC'11; Random123's constants), as kernels/md.cl: the four output words are a
/// bijection of the 128-bit counter under the 64-bit key, so the noise of (seed, step, atom) does not depend on
/// which thread draws it.
/// </summary>
internal static class Philox
{
    /// <summary>Counter word 3 of the Langevin stream (ASCII "LANG").</summary>
    public const uint LangevinStream = 0x4C414E47u;

    public static void Round10(ref uint c0, ref uint c1, ref uint c2, ref uint c3, uint k0, uint k1)
    {
        for (int r = 0; r < 10; r++)
        {
            if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
            ulong p0 = 0xD2511F53ul * c0, p1 = 0xCD9E8D57ul * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            uint n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        }
    }

    /// <summary>Three standard normals for (seed, step, atom): Box–Muller on the four words mapped to u = (w + ½)·2⁻³² ∈ (0, 1).</summary>
    public static void Gaussian3(uint seedLo, uint seedHi, ulong step, uint atom, out double g0, out double g1, out double g2)
    {
        uint w0 = (uint)step, w1 = (uint)(step >> 32), w2 = atom, w3 = LangevinStream;
        Round10(ref w0, ref w1, ref w2, ref w3, seedLo, seedHi);
        const double scale = 2.3283064365386963e-10, twoPi = 6.283185307179586;
        double u0 = (w0 + 0.5) * scale, u1 = (w1 + 0.5) * scale, u2 = (w2 + 0.5) * scale, u3 = (w3 + 0.5) * scale;
        double ra = Math.Sqrt(-2.0 * Math.Log(u0)), rb = Math.Sqrt(-2.0 * Math.Log(u2));
        g0 = ra * Math.Cos(twoPi * u1);
        g1 = ra * Math.Sin(twoPi * u1);
        g2 = rb * Math.Cos(twoPi * u3);
    }
}

/// <summary>
/// Velocity Verlet and BAOAB on the device through the host's own per-atom updates (<see cref="IntegratorFormula"/>: the kick
/// v += c·F with c = h/m, the drift r += h·v, the O step), so a step's arithmetic is the host's <see cref="MdSystem.KickDrift"/>,
/// <see cref="MdSystem.Kick"/> and <see cref="LangevinBaoab"/>'s; kernels/md.cl restates the same lines in C.
/// </summary>
internal static class VerletKernels
{
    public const int FlagRebuild = 1, FlagNonFinite = 2;

    /// <summary>
    /// Velocity Verlet before the force call: <paramref name="kicks"/> half kicks with the current forces (2 fuses the
    /// previous step's closing kick) and the drift.
    /// </summary>
    public static void Drift(Index1D index, ResidentState s, AtomOutputs f, DeviceGeometry g, int kicks, double halfDt, double dt, double limit2)
    {
        int i = index;
        double c = halfDt * s.Accel[i];
        double v0 = s.Vx[i], v1 = s.Vy[i], v2 = s.Vz[i], r0 = s.Rx[i], r1 = s.Ry[i], r2 = s.Rz[i];
        for (int k = 0; k < kicks; k++) IntegratorFormula.Kick(ref v0, ref v1, ref v2, c, f.Fx[i], f.Fy[i], f.Fz[i]);
        s.Vx[i] = v0; s.Vy[i] = v1; s.Vz[i] = v2;
        IntegratorFormula.Drift(ref r0, ref r1, ref r2, dt, v0, v1, v2);
        StorePosition(i, r0, r1, r2, s, g, limit2);
    }

    /// <summary>
    /// Langevin BAOAB before the force call, as <see cref="LangevinBaoab"/> and kernels/md.cl: B (the fused half kicks),
    /// A (r += Δt/2 v), O (v ← c₁v + c₂√(kT/m) ξ, ξ from Philox(seed, step, atom), the bath's work added to the atom's
    /// heat), A. The same counter-based stream as the OpenCL kernel, so both devices draw the same noise.
    /// </summary>
    public static void BaoabDrift(Index1D index, ResidentState s, AtomOutputs f, DeviceGeometry g, LangevinStep p)
    {
        int i = index;
        double a = s.Accel[i], c = p.HalfDt * a;
        double v0 = s.Vx[i], v1 = s.Vy[i], v2 = s.Vz[i], r0 = s.Rx[i], r1 = s.Ry[i], r2 = s.Rz[i];
        for (int k = 0; k < p.Kicks; k++) IntegratorFormula.Kick(ref v0, ref v1, ref v2, c, f.Fx[i], f.Fy[i], f.Fz[i]);
        IntegratorFormula.Drift(ref r0, ref r1, ref r2, p.HalfDt, v0, v1, v2);
        Philox.Gaussian3(p.SeedLo, p.SeedHi, p.Step, (uint)i, out double g0, out double g1, out double g2);
        double before = v0 * v0 + v1 * v1 + v2 * v2;
        IntegratorFormula.Thermalize(ref v0, ref v1, ref v2, p.C1, p.C2 * Math.Sqrt(p.KT * a), g0, g1, g2);
        p.Heat[i] += 0.5 * p.Conv * p.Mass[i] * ((v0 * v0 + v1 * v1 + v2 * v2) - before);
        s.Vx[i] = v0; s.Vy[i] = v1; s.Vz[i] = v2;
        IntegratorFormula.Drift(ref r0, ref r1, ref r2, p.HalfDt, v0, v1, v2);
        StorePosition(i, r0, r1, r2, s, g, p.Limit2);
    }

    /// <summary>
    /// Stores r, then r̃ = r − w·H for the force kernels, and runs the skin test |r − r₀|² ≤ (skin/2)² (written as
    /// !(≤) so NaN triggers), which sets bits of the flag with an integer atomic or (its outcome does not depend on order).
    /// </summary>
    private static void StorePosition(int i, double r0, double r1, double r2, ResidentState s, DeviceGeometry g, double limit2)
    {
        s.Rx[i] = r0; s.Ry[i] = r1; s.Rz[i] = r2;
        ImageCorrect(i, s, g);
        double dx = r0 - s.X0[i], dy = r1 - s.Y0[i], dz = r2 - s.Z0[i];
        int bits = dx * dx + dy * dy + dz * dz <= limit2 ? 0 : FlagRebuild;
        if (double.IsNaN(r0) || double.IsNaN(r1) || double.IsNaN(r2) || double.IsInfinity(r0) || double.IsInfinity(r1) || double.IsInfinity(r2)) bits |= FlagNonFinite;
        if (bits != 0) Atomic.Or(ref s.Flag[0], bits);
    }

    /// <summary>r̃ = r − w·H of atom i (Å), with the list's images w.</summary>
    private static void ImageCorrect(int i, ResidentState s, DeviceGeometry g)
    {
        int h = 9 * s.System[i];
        double r0 = s.Rx[i], r1 = s.Ry[i], r2 = s.Rz[i], wa = s.Images[3 * i], wb = s.Images[3 * i + 1], wc = s.Images[3 * i + 2];
        g.X[i] = r0 - (wa * s.Cells[h] + wb * s.Cells[h + 3] + wc * s.Cells[h + 6]);
        g.Y[i] = r1 - (wa * s.Cells[h + 1] + wb * s.Cells[h + 4] + wc * s.Cells[h + 7]);
        g.Z[i] = r2 - (wa * s.Cells[h + 2] + wb * s.Cells[h + 5] + wc * s.Cells[h + 8]);
    }

    /// <summary>r̃ of every atom from the raw positions and images (after a list built at other positions than the current ones).</summary>
    public static void ImageCorrect(Index1D index, ResidentState s, DeviceGeometry g) => ImageCorrect((int)index, s, g);

    /// <summary>The closing half kick of the last step of an <see cref="IResidentDynamics.Advance"/>.</summary>
    public static void Kick(Index1D index, ResidentState s, AtomOutputs f, double halfDt)
    {
        int i = index;
        IntegratorFormula.Kick(ref s.Vx[i], ref s.Vy[i], ref s.Vz[i], halfDt * s.Accel[i], f.Fx[i], f.Fy[i], f.Fz[i]);
    }
}

/// <summary>
/// Device-resident NVE (velocity Verlet) and Langevin (BAOAB) on ILGPU for an <see cref="MdSystem"/> whose force computer is an
/// <see cref="IlgpuForceComputer"/>: positions, velocities and forces stay on the device; one step is a drift
/// kernel, a 4-byte flag read, the force kernels. When the flag says an atom moved past skin/2 (the rule of
/// <see cref="MlipEngine.Neighbors.VerletNeighborList"/>, so rebuilds fall on the CPU path's steps) the list is rebuilt
/// on the device (<see cref="IlgpuNeighborListBuilder"/>, a few 4-byte reads) for every cell shape the builder takes (all but
/// degenerate periodic vectors); otherwise the positions come back and the computer's own host path rebuilds the
/// list and uploads it (<see cref="Description"/> says which and why). nve and nvt-langevin (BAOAB with the OpenCL
/// kernel's Philox stream); the other integrators integrate on the host.
/// </summary>
public sealed class IlgpuResidentDynamics : IResidentDynamics
{
    private readonly MdSystem _sys;
    private readonly IlgpuForceComputer _c;
    private readonly DeviceArray<double> _rx, _ry, _rz, _vx, _vy, _vz, _accel, _x0, _y0, _z0, _cells, _mass, _heat;
    private readonly LangevinBaoab? _langevin;
    private readonly Action<Index1D, ResidentState, AtomOutputs, DeviceGeometry, LangevinStep> _baoabDrift;
    private double _heat0;
    private double[] _heatHost = [];
    private readonly DeviceArray<int> _images, _system, _flag;
    private readonly Action<Index1D, ResidentState, AtomOutputs, DeviceGeometry, int, double, double, double> _drift;
    private readonly Action<Index1D, ResidentState, AtomOutputs, double> _kick;
    private readonly Action<Index1D, ResidentState, DeviceGeometry> _imageCorrect;
    private readonly double[] _kineticTensor = new double[9];
    private readonly int[] _flagHost = new int[1];
    private double[] _hx = [], _hy = [], _hz = [], _cellHost = [];
    private readonly ForceResult _rebuildResult = new();
    private readonly bool _buildOnDevice;
    private bool _nonFinite, _referenceOnDevice;

    private IlgpuResidentDynamics(MdSystem system, IlgpuForceComputer computer, IIntegrator integrator)
    {
        _sys = system;
        _c = computer;
        var a = computer.Accelerator;
        _rx = new(a); _ry = new(a); _rz = new(a); _vx = new(a); _vy = new(a); _vz = new(a); _accel = new(a);
        _x0 = new(a); _y0 = new(a); _z0 = new(a); _cells = new(a, 9);
        _images = new(a); _system = new(a); _flag = new(a, 1); _mass = new(a); _heat = new(a);
        _langevin = integrator as LangevinBaoab;
        _baoabDrift = a.LoadAutoGroupedStreamKernel<Index1D, ResidentState, AtomOutputs, DeviceGeometry, LangevinStep>(VerletKernels.BaoabDrift);
        _drift = a.LoadAutoGroupedStreamKernel<Index1D, ResidentState, AtomOutputs, DeviceGeometry, int, double, double, double>(VerletKernels.Drift);
        _kick = a.LoadAutoGroupedStreamKernel<Index1D, ResidentState, AtomOutputs, double>(VerletKernels.Kick);
        _imageCorrect = a.LoadAutoGroupedStreamKernel<Index1D, ResidentState, DeviceGeometry>(VerletKernels.ImageCorrect);
        string why = "device list builds switched off";
        _buildOnDevice = computer.DeviceListBuilds && IlgpuNeighborListBuilder.Applies(system.Batch, computer.ForceField.Cutoff + computer.Verlet.Skin, out why);
        Description = $"device-resident MD on ILGPU device {computer.Options.DeviceIndex} ({computer.DeviceName}): {integrator.Name}, {computer.Options.Precision}; " +
            "positions, velocities and forces stay on the device; " +
            (_buildOnDevice ? "the list is rebuilt on the device when the skin test asks" : $"the list is rebuilt on the host when the skin test asks ({why})");
    }

    /// <summary>The stepper, or null with the reason (for the log) when this combination integrates on the host.</summary>
    public static IResidentDynamics? TryCreate(MdSystem system, IIntegrator integrator, out string reason) =>
        ResidentEligibility.TryCreate<IlgpuForceComputer>(system, integrator, "ILGPU", ["nve", "nvt-langevin"], c => new IlgpuResidentDynamics(system, c, integrator), out reason);

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
        if (_c.Verlet.ReferenceAtomCount != n) throw new InvalidOperationException("Upload needs a force call at the current positions first (MdSystem.ComputeForces)");
        lock (_c.DeviceLock)
        {
            _rx.Write(b.X.AsSpan(0, n)); _ry.Write(b.Y.AsSpan(0, n)); _rz.Write(b.Z.AsSpan(0, n));
            UploadVelocities();
            _accel.Write(_sys.AccelerationFactor.AsSpan(0, n));
            _mass.Write(b.Mass.AsSpan(0, n));
            _heat.Write(new double[n]);
            _system.Write(b.SystemIndex.AsSpan(0, n));
            int ns = b.SystemCount;
            if (_cellHost.Length < 9 * ns) _cellHost = new double[9 * ns];
            for (int s = 0; s < ns; s++)
                for (int k = 0; k < 9; k++) _cellHost[9 * s + k] = b.Cells[s].Matrix[k / 3, k % 3];
            _cells.Write(_cellHost.AsSpan(0, 9 * ns));
            UploadListState(n);
            _flag.Write([0]);
            if (_buildOnDevice) RelayOutOnDevice(b, n);
        }
        _nonFinite = false;
        _referenceOnDevice = false;
        _heat0 = _langevin?.Heat ?? 0;
    }

    /// <summary>
    /// The host list's pairs again in the device builder's layout and order: the list built on the device at the host list's reference
    /// positions (the positions it was built at), r̃ of the current positions with its images, and the forces with it. So a run's lists
    /// all come from the device builder, whether it started fresh or from a checkpoint (whose reference the host list was built at):
    /// a restarted run then sums its forces in the uninterrupted run's order, bit for bit. Not counted as a build (the pairs are the
    /// host list's).
    /// </summary>
    private void RelayOutOnDevice(SystemBatch b, int n)
    {
        var v = _c.Verlet;
        _rx.Write(v.ReferenceX); _ry.Write(v.ReferenceY); _rz.Write(v.ReferenceZ);
        if (!_c.RebuildOnDevice(b, _rx.View, _ry.View, _rz.View, _system.View, _images.View, countBuild: false)) return;
        _rx.Write(b.X.AsSpan(0, n)); _ry.Write(b.Y.AsSpan(0, n)); _rz.Write(b.Z.AsSpan(0, n));
        _imageCorrect(n, State, _c.CurrentGeometry);
        _c.EvaluateResident(n);
    }

    /// <summary>The images of the list on the device (built on the host or by a host call on the device) and the skin reference (positions at its build).</summary>
    private void UploadListState(int n)
    {
        var v = _c.Verlet;
        _images.Write(_c.ListImages(n));
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
                int kicks = done == 0 ? 1 : 2;   // the previous step's closing half kick is fused in
                if (_langevin is null) _drift(n, State, _c.CurrentOutputs(n), _c.CurrentGeometry, kicks, half, dt, limit2);
                else
                {
                    double c1 = Math.Exp(-dt / _langevin.Damping);
                    ulong seed = _langevin.Seed;
                    _baoabDrift(n, State, _c.CurrentOutputs(n), _c.CurrentGeometry, new LangevinStep
                    {
                        Kicks = kicks, HalfDt = half, C1 = c1, C2 = Math.Sqrt(1 - c1 * c1), KT = PhysicalConstants.Boltzmann * _langevin.Temperature,
                        Conv = PhysicalConstants.AmuA2PerFs2ToEv, Limit2 = limit2, SeedLo = (uint)seed, SeedHi = (uint)(seed >> 32),
                        Step = (ulong)(step + done + 1),   // the step being produced
                        Mass = _mass.View, Heat = _heat.View,
                    });
                }
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
    /// On the device where the cells allow it: the list from the positions there, r₀ ← r, then the forces. Otherwise the positions
    /// come back; the computer's host path rebuilds the list (its own skin test agrees with the flag's), uploads it with r̃ and computes
    /// the forces; images and the new skin reference go back up.
    /// </summary>
    private void Rebuild(SystemBatch b, int n)
    {
        if (_buildOnDevice && _c.RebuildOnDevice(b, _rx.View, _ry.View, _rz.View, _system.View, _images.View))
        {
            foreach (var (r, r0) in new[] { (_rx, _x0), (_ry, _y0), (_rz, _z0) }) r.View.SubView(0, n).CopyTo(r0.View.SubView(0, n));
            _flag.View.MemSetToZero();
            _referenceOnDevice = true;
            _c.EvaluateResident(n);
            return;
        }
        _rx.Read(b.X.AsSpan(0, n)); _ry.Read(b.Y.AsSpan(0, n)); _rz.Read(b.Z.AsSpan(0, n));
        // forces (and virials) asked, though only the device copies are used: a computer may skip work for outputs not asked
        _c.Compute(b, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, _rebuildResult);
        UploadListState(n);
        _flag.Write([0]);
        _referenceOnDevice = false;
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
            if (_langevin != null)
            {
                if (_heatHost.Length < n) _heatHost = new double[n];
                _heat.Read(_heatHost.AsSpan(0, n));
                double heat = 0;
                for (int i = 0; i < n; i++) heat += _heatHost[i];
                _langevin.Heat = _heat0 + heat;
            }
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
        if (!_referenceOnDevice)
        {
            var v = _c.Verlet;
            reference.Set(v.ReferenceX, v.ReferenceY, v.ReferenceZ, _sys.Batch.Cells[0]);
            return;
        }
        int n = _sys.Batch.AtomCount;   // the last build was on the device: its reference positions are there
        var x = new double[n]; var y = new double[n]; var z = new double[n];
        lock (_c.DeviceLock) { _x0.Read(x); _y0.Read(y); _z0.Read(z); }
        reference.Set(x, y, z, _sys.Batch.Cells[0]);
    }

    public void Dispose()
    {
        foreach (var d in new[] { _rx, _ry, _rz, _vx, _vy, _vz, _accel, _x0, _y0, _z0, _cells, _mass, _heat }) d.Dispose();
        _images.Dispose(); _system.Dispose(); _flag.Dispose();
    }
}
