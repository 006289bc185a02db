using System.Runtime.CompilerServices;
using System.Diagnostics;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Units;

namespace MlipEngine.Dynamics.Md;

/// <summary>
/// The plain state an integrator steps: one system in a <see cref="SystemBatch"/> (positions Å,
/// velocities Å/fs, masses amu, cell), the force computer bound to it and its preallocated
/// <see cref="ForceResult"/>, the time step (fs), the frozen-atom mask and derived per-atom factors.
/// </summary>
/// <remarks>
/// Units: with F in eV/Å and m in amu, a = F/m is in eV/(Å·amu); one amu·Å/fs² is
/// <see cref="PhysicalConstants.AmuA2PerFs2ToEv"/> eV/Å, so a [Å/fs²] = F/(m·103.64).
/// <see cref="AccelerationFactor"/> holds 1/(m·103.64) per atom, zero for frozen atoms, so every
/// update loop freezes them without a branch. Kinetic energy ½mv² is in amu·Å²/fs² and is
/// multiplied by 103.64 to give eV.
/// </remarks>
public sealed class MdSystem
{
    private readonly Stopwatch _clock = new();

    public MdSystem(SystemBatch batch, IForceComputer computer, double timeStep, bool[]? frozen = null)
    {
        if (batch.SystemCount != 1) throw new ArgumentException("MD runs one system per batch");
        if (!(timeStep > 0) || !double.IsFinite(timeStep)) throw new ArgumentOutOfRangeException(nameof(timeStep), "time step must be positive");
        Batch = batch;
        Computer = computer;
        TimeStep = timeStep;
        int n = batch.AtomCount;
        Frozen = frozen ?? new bool[n];
        if (Frozen.Length != n) throw new ArgumentException($"frozen mask has {Frozen.Length} entries for {n} atoms");
        AccelerationFactor = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (!(batch.Mass[i] > 0)) throw new ArgumentException($"atom {i} has non-positive mass {batch.Mass[i]}");
            if (Frozen[i]) { FrozenCount++; batch.VX[i] = batch.VY[i] = batch.VZ[i] = 0; }
            else AccelerationFactor[i] = 1.0 / (batch.Mass[i] * PhysicalConstants.AmuA2PerFs2ToEv);
        }
        // Momentum is conserved (3 constraints) unless atoms are frozen or the system is open to a wall.
        DegreesOfFreedom = Math.Max(1, 3 * (n - FrozenCount) - (FrozenCount == 0 && n > 1 ? 3 : 0));
        if (computer.Team is { Size: > 1 } team && n >= ParallelAtoms) _team = team;
        _kickBody = t => { var (a, b) = Range(t); KickRange(_h, a, b); };
        _driftBody = t => { var (a, b) = Range(t); DriftRange(_h, a, b); };
        _kickDriftBody = t => { var (a, b) = Range(t); KickRange(_h, a, b); DriftRange(_h2, a, b); };
    }

    /// <summary>Systems at least this large run the kick and drift loops on the force computer's threads.</summary>
    private const int ParallelAtoms = 8192;
    private readonly Threading.ThreadTeam? _team;
    private readonly Action<int> _kickBody, _driftBody, _kickDriftBody;
    private double _h, _h2;

    private (int Start, int End) Range(int t)
    {
        int n = AtomCount, size = _team!.Size;
        return ((int)((long)n * t / size), (int)((long)n * (t + 1) / size));
    }

    public SystemBatch Batch { get; }
    public IForceComputer Computer { get; }
    public ForceResult Forces { get; } = new();
    /// <summary>Time step, fs.</summary>
    public double TimeStep { get; set; }
    public bool[] Frozen { get; }
    public int FrozenCount { get; }
    /// <summary>1/(m·103.64) per atom (Å/fs² per eV/Å), zero for frozen atoms.</summary>
    public double[] AccelerationFactor { get; }
    /// <summary>Kinetic degrees of freedom N_f used for temperature: 3N − 3 (momentum conserved) or 3·(mobile atoms).</summary>
    public int DegreesOfFreedom { get; set; }
    public int AtomCount => Batch.AtomCount;
    /// <summary>What each force call computes (energy, forces and virial: barostats and thermo need it).</summary>
    public ForceOutputs Outputs { get; set; } = ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial;
    /// <summary>Wall time in force calls (including neighbor-list rebuilds), s.</summary>
    public double ForceSeconds => _clock.Elapsed.TotalSeconds;
    public int ForceCalls { get; private set; }

    /// <summary>Potential energy, eV.</summary>
    public double PotentialEnergy => Forces.Energy[0];
    public Cell Cell { get => Batch.Cells[0]; set => Batch.Cells[0] = value; }

    public void ComputeForces()
    {
        _clock.Start();
        Computer.Compute(Batch, Outputs, Forces);
        _clock.Stop();
        ForceCalls++;
    }

    /// <summary>Kinetic energy K = Σ ½ m v² (eV).</summary>
    public double KineticEnergy()
    {
        var vx = Batch.VX; var vy = Batch.VY; var vz = Batch.VZ; var m = Batch.Mass;
        double sum = 0;
        for (int i = 0; i < vx.Length; i++) sum += m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        return 0.5 * sum * PhysicalConstants.AmuA2PerFs2ToEv;
    }

    /// <summary>Kinetic tensor Σ m vₐ v_b (eV; its trace is 2K), row-major into 9 entries.</summary>
    public void KineticTensor(Span<double> t)
    {
        var vx = Batch.VX; var vy = Batch.VY; var vz = Batch.VZ; var m = Batch.Mass;
        double xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
        for (int i = 0; i < vx.Length; i++)
        {
            double mi = m[i], x = vx[i], y = vy[i], z = vz[i];
            xx += mi * x * x; yy += mi * y * y; zz += mi * z * z;
            xy += mi * x * y; xz += mi * x * z; yz += mi * y * z;
        }
        const double c = PhysicalConstants.AmuA2PerFs2ToEv;
        t[0] = c * xx; t[1] = c * xy; t[2] = c * xz;
        t[3] = c * xy; t[4] = c * yy; t[5] = c * yz;
        t[6] = c * xz; t[7] = c * yz; t[8] = c * zz;
    }

    /// <summary>Instantaneous temperature T = 2K/(N_f k_B), K.</summary>
    public double Temperature(double kinetic) => 2.0 * kinetic / (DegreesOfFreedom * PhysicalConstants.Boltzmann);

    /// <summary>
    /// Pressure tensor including the kinetic term, eV/Å³: P = (Σ m v⊗v + W)/V with W the virial
    /// (LAMMPS sign, W = −∂E/∂ε) of the last force call. NaN when the system has no volume.
    /// The stress (ASE sign) is −P.
    /// </summary>
    public void PressureTensor(Span<double> p)
    {
        KineticTensor(p);
        AddVirialOverVolume(p);
    }

    /// <summary>
    /// Pressure tensor from a kinetic tensor measured elsewhere (eV, row-major; e.g. reduced on a device
    /// in device-resident runs) and the virial of the last force call, eV/Å³.
    /// </summary>
    public void PressureTensor(ReadOnlySpan<double> kineticTensor, Span<double> p)
    {
        kineticTensor[..9].CopyTo(p);
        AddVirialOverVolume(p);
    }

    private void AddVirialOverVolume(Span<double> p)
    {
        var cell = Cell;
        double v = cell.AnyPeriodic && cell.IsNonSingular ? cell.Volume : double.NaN;
        var w = Forces.VirialOf(0);
        for (int k = 0; k < 9; k++) p[k] = (p[k] + w[k]) / v;
    }

    /// <summary>Sets the velocities of frozen atoms to zero (after anything that might have touched them).</summary>
    public void ZeroFrozenVelocities()
    {
        if (FrozenCount == 0) return;
        for (int i = 0; i < AtomCount; i++)
            if (Frozen[i]) Batch.VX[i] = Batch.VY[i] = Batch.VZ[i] = 0;
    }

    /// <summary>Multiplies all velocities by s.</summary>
    public void ScaleVelocities(double s)
    {
        var vx = Batch.VX; var vy = Batch.VY; var vz = Batch.VZ;
        for (int i = 0; i < vx.Length; i++) { vx[i] *= s; vy[i] *= s; vz[i] *= s; }
    }

    /// <summary>Half kick v += (h)·F/m for every mobile atom (h in fs).</summary>
    /// <remarks>Per-atom updates: splitting them over threads gives the same bits as one thread.</remarks>
    public void Kick(double h)
    {
        if (_team == null) { KickRange(h, 0, AtomCount); return; }
        _h = h;
        _team.Run(_kickBody);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private void KickRange(double h, int start, int end)
    {
        var vx = Batch.VX; var vy = Batch.VY; var vz = Batch.VZ;
        var fx = Forces.Fx; var fy = Forces.Fy; var fz = Forces.Fz; var a = AccelerationFactor;
        for (int i = start; i < end; i++)
        {
            double c = h * a[i];
            vx[i] += c * fx[i]; vy[i] += c * fy[i]; vz[i] += c * fz[i];
        }
    }

    /// <summary>
    /// <see cref="Kick"/>(<paramref name="kick"/>) then <see cref="Drift"/>(<paramref name="drift"/>) in one
    /// pass over the atoms (one parallel region instead of two; the same bits).
    /// </summary>
    public void KickDrift(double kick, double drift)
    {
        if (_team == null) { KickRange(kick, 0, AtomCount); DriftRange(drift, 0, AtomCount); return; }
        _h = kick; _h2 = drift;
        _team.Run(_kickDriftBody);
    }

    /// <summary>Drift r += h·v (h in fs).</summary>
    public void Drift(double h)
    {
        if (_team == null) { DriftRange(h, 0, AtomCount); return; }
        _h = h;
        _team.Run(_driftBody);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private void DriftRange(double h, int start, int end)
    {
        var x = Batch.X; var y = Batch.Y; var z = Batch.Z;
        var vx = Batch.VX; var vy = Batch.VY; var vz = Batch.VZ;
        for (int i = start; i < end; i++) { x[i] += h * vx[i]; y[i] += h * vy[i]; z[i] += h * vz[i]; }
    }
}
