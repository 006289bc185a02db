using System.Runtime.CompilerServices;
using System.Diagnostics;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Units;
using MlipEngine.Dynamics.Integrators;

namespace MlipEngine.Dynamics.Md;

/// <summary>
/// The plain state an integrator steps: one system of a <see cref="SystemBatch"/> (positions Å,
/// velocities Å/fs, masses amu, cell), the force computer bound to it and the <see cref="ForceResult"/>
/// its forces land in, the time step (fs), the frozen-atom mask and derived per-atom factors.
/// </summary>
/// <remarks>
/// An <c>MdSystem</c> is a view of its system's slice of the batch, never a copy: either the batch's
/// only system (it then owns its result and <see cref="ComputeForces"/> calls the computer), or one
/// replica of many in a shared batch, whose forces a <see cref="ReplicaDynamics"/> driver computes for
/// all replicas in one call between each integrator's <see cref="Integrators.IIntegrator.BeforeForces"/>
/// and <see cref="Integrators.IIntegrator.AfterForces"/>. Every per-atom loop runs over the slice
/// [<see cref="Start"/>, <see cref="Start"/> + <see cref="AtomCount"/>); the spans below expose it with
/// local indices 0 … N−1.
/// Units: with F in eV/Å and m in amu, a = F/m is in eV/(Å·amu); one amu·Å/fs² is
/// <see cref="PhysicalConstants.AmuA2PerFs2ToEv"/> eV/Å, so a [Å/fs²] = F/(m·103.64).
/// <see cref="AccelerationFactor"/> holds 1/(m·103.64) per atom, zero for frozen atoms, so every
/// update loop freezes them without a branch. Kinetic energy ½mv² is in amu·Å²/fs² and is
/// multiplied by 103.64 to give eV.
/// </remarks>
public sealed class MdSystem
{
    private readonly Stopwatch _clock = new();

    /// <summary>The only system of <paramref name="batch"/>; <see cref="ComputeForces"/> evaluates it.</summary>
    public MdSystem(SystemBatch batch, IForceComputer computer, double timeStep, bool[]? frozen = null)
        : this(batch, 0, computer, new ForceResult(), timeStep, frozen, ownsForces: true)
    {
        if (batch.SystemCount != 1) throw new ArgumentException("a stand-alone MdSystem is the only system of its batch; replicas share a batch through ReplicaDynamics");
    }

    /// <summary>
    /// System <paramref name="system"/> of a shared batch whose forces are computed for every system at once
    /// into <paramref name="forces"/> (by <see cref="ReplicaDynamics"/>). <paramref name="frozen"/> is indexed by the
    /// system's own atoms.
    /// </summary>
    public MdSystem(SystemBatch batch, int system, IForceComputer computer, ForceResult forces, double timeStep, bool[]? frozen = null)
        : this(batch, system, computer, forces, timeStep, frozen, ownsForces: false) { }

    private MdSystem(SystemBatch batch, int system, IForceComputer computer, ForceResult forces, double timeStep, bool[]? frozen, bool ownsForces)
    {
        if ((uint)system >= (uint)batch.SystemCount) throw new ArgumentOutOfRangeException(nameof(system), $"the batch has {batch.SystemCount} system(s)");
        if (!(timeStep > 0) || !double.IsFinite(timeStep)) throw new ArgumentOutOfRangeException(nameof(timeStep), "time step must be positive");
        Batch = batch;
        SystemIndex = system;
        Start = batch.SystemOffsets[system];
        AtomCount = batch.AtomCountOf(system);
        Computer = computer;
        Forces = forces;
        OwnsForces = ownsForces;
        TimeStep = timeStep;
        int n = AtomCount;
        Frozen = frozen ?? new bool[n];
        if (Frozen.Length != n) throw new ArgumentException($"frozen mask has {Frozen.Length} entries for {n} atoms");
        AccelerationFactor = new double[n];
        var mass = Mass; var vx = VX; var vy = VY; var vz = VZ;
        for (int i = 0; i < n; i++)
        {
            if (!(mass[i] > 0)) throw new ArgumentException($"atom {i} has non-positive mass {mass[i]}");
            if (Frozen[i]) { FrozenCount++; vx[i] = vy[i] = vz[i] = 0; }
            else AccelerationFactor[i] = 1.0 / (mass[i] * PhysicalConstants.AmuA2PerFs2ToEv);
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
    /// <summary>Index of this system in <see cref="Batch"/>.</summary>
    public int SystemIndex { get; }
    /// <summary>Batch index of this system's first atom.</summary>
    public int Start { get; }
    /// <summary>Atoms of this system.</summary>
    public int AtomCount { get; }
    public IForceComputer Computer { get; }
    /// <summary>Where this system's forces land (shared by all replicas of a batch; index atoms with <see cref="Start"/> + i, systems with <see cref="SystemIndex"/>).</summary>
    public ForceResult Forces { get; }
    /// <summary>True for a stand-alone system, whose <see cref="ComputeForces"/> calls the computer.</summary>
    public bool OwnsForces { get; }
    /// <summary>Time step, fs.</summary>
    public double TimeStep { get; set; }
    /// <summary>Frozen atoms, by the system's own atom index.</summary>
    public bool[] Frozen { get; }
    public int FrozenCount { get; }
    /// <summary>1/(m·103.64) per atom (Å/fs² per eV/Å), zero for frozen atoms; by the system's own atom index.</summary>
    public double[] AccelerationFactor { get; }
    /// <summary>Kinetic degrees of freedom N_f used for temperature: 3N − 3 (momentum conserved) or 3·(mobile atoms).</summary>
    public int DegreesOfFreedom { get; set; }
    /// <summary>What each force call computes (energy, forces and virial: barostats and thermo need it).</summary>
    public ForceOutputs Outputs { get; set; } = ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial;
    /// <summary>
    /// A halted replica stands still: <see cref="ReplicaDynamics.Step"/> skips its integrator (its atoms keep
    /// their last positions while the other replicas of the batch go on). Active learning halts a replica whose
    /// committee spread says the model has left its domain, before it runs into nonsense.
    /// </summary>
    public bool Halted { get; set; }
    /// <summary>Wall time in force calls (including neighbor-list rebuilds), s.</summary>
    public double ForceSeconds => _clock.Elapsed.TotalSeconds + _sharedTicks / (double)Stopwatch.Frequency;
    public int ForceCalls { get; private set; }

    // This system's slice of the batch and of the forces, indexed 0 … AtomCount − 1.
    /// <summary>Positions, Å.</summary>
    public Span<double> X => Batch.X.AsSpan(Start, AtomCount);
    public Span<double> Y => Batch.Y.AsSpan(Start, AtomCount);
    public Span<double> Z => Batch.Z.AsSpan(Start, AtomCount);
    /// <summary>Velocities, Å/fs.</summary>
    public Span<double> VX => Batch.VX.AsSpan(Start, AtomCount);
    public Span<double> VY => Batch.VY.AsSpan(Start, AtomCount);
    public Span<double> VZ => Batch.VZ.AsSpan(Start, AtomCount);
    /// <summary>Masses, amu.</summary>
    public Span<double> Mass => Batch.Mass.AsSpan(Start, AtomCount);
    public ReadOnlySpan<int> Numbers => Batch.Numbers.AsSpan(Start, AtomCount);
    /// <summary>Forces of the last force call, eV/Å.</summary>
    public ReadOnlySpan<double> ForceX => Forces.Fx.AsSpan(Start, AtomCount);
    public ReadOnlySpan<double> ForceY => Forces.Fy.AsSpan(Start, AtomCount);
    public ReadOnlySpan<double> ForceZ => Forces.Fz.AsSpan(Start, AtomCount);
    /// <summary>Virial of the last force call, eV, 9 row-major.</summary>
    public Span<double> Virial => Forces.VirialOf(SystemIndex);
    /// <summary>Stress of the last force call, eV/Å³ (ASE sign), 9 row-major.</summary>
    public Span<double> Stress => Forces.StressOf(SystemIndex);

    /// <summary>Potential energy, eV.</summary>
    public double PotentialEnergy => Forces.Energy[SystemIndex];
    public Cell Cell { get => Batch.Cells[SystemIndex]; set => Batch.Cells[SystemIndex] = value; }

    /// <summary>Evaluates a stand-alone system; replicas get their forces from their <see cref="ReplicaDynamics"/>.</summary>
    public void ComputeForces()
    {
        if (!OwnsForces) throw new InvalidOperationException("the forces of a replica are computed for the whole batch by its ReplicaDynamics");
        _clock.Start();
        Computer.Compute(Batch, Outputs, Forces);
        _clock.Stop();
        ForceCalls++;
    }

    /// <summary>Books a force call made for this system by a batch driver (timing and counts).</summary>
    internal void RecordForceCall(long ticks)
    {
        _sharedTicks += ticks;
        ForceCalls++;
    }

    private long _sharedTicks;

    /// <summary>Kinetic energy K = Σ ½ m v² (eV).</summary>
    public double KineticEnergy()
    {
        ReadOnlySpan<double> vx = VX, vy = VY, vz = VZ, m = Mass;
        double sum = 0;
        for (int i = 0; i < vx.Length; i++) sum += m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        return 0.5 * sum * PhysicalConstants.AmuA2PerFs2ToEv;
    }

    /// <summary>Kinetic tensor Σ m vₐ v_b (eV; its trace is 2K), row-major into 9 entries.</summary>
    public void KineticTensor(Span<double> t)
    {
        ReadOnlySpan<double> vx = VX, vy = VY, vz = VZ, m = Mass;
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
        var w = Virial;
        for (int k = 0; k < 9; k++) p[k] = (p[k] + w[k]) / v;
    }

    /// <summary>Sets the velocities of frozen atoms to zero (after anything that might have touched them).</summary>
    public void ZeroFrozenVelocities()
    {
        if (FrozenCount == 0) return;
        Span<double> vx = VX, vy = VY, vz = VZ;
        for (int i = 0; i < AtomCount; i++)
            if (Frozen[i]) vx[i] = vy[i] = vz[i] = 0;
    }

    /// <summary>Multiplies all velocities by s.</summary>
    public void ScaleVelocities(double s)
    {
        Span<double> vx = VX, vy = VY, vz = VZ;
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
        // Local atom i is batch atom Start + i.
        var vx = Batch.VX; var vy = Batch.VY; var vz = Batch.VZ;
        var fx = Forces.Fx; var fy = Forces.Fy; var fz = Forces.Fz; var a = AccelerationFactor;
        int o = Start;
        for (int i = start; i < end; i++)
        {
            int g = o + i;
            IntegratorFormula.Kick(ref vx[g], ref vy[g], ref vz[g], h * a[i], fx[g], fy[g], fz[g]);
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
        for (int g = Start + start, e = Start + end; g < e; g++) IntegratorFormula.Drift(ref x[g], ref y[g], ref z[g], h, vx[g], vy[g], vz[g]);
    }
}
