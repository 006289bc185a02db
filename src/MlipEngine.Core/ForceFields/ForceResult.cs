using MlipEngine.State;

namespace MlipEngine.ForceFields;

/// <summary>
/// Preallocated results of a force call on a <see cref="SystemBatch"/>. Arrays only grow, so
/// repeated calls on batches of the same size do not allocate.
/// </summary>
/// <remarks>
/// Virial convention (LAMMPS): W_ab = Σ_pairs d_a f_b where f is the force on the atom at the head of
/// d; equivalently W = −∂E/∂ε for a homogeneous strain ε. Stress (ASE sign, positive = tensile) is
/// σ = (1/V) ∂E/∂ε = −W/V. For systems without a volume (no periodic axis, or a singular cell)
/// the stress is NaN; the virial is still defined.
/// </remarks>
public sealed class ForceResult
{
    public int SystemCount { get; private set; }
    public int AtomCount { get; private set; }
    /// <summary>What the last call filled in (set by the computer; public so backends in other assemblies can).</summary>
    public ForceOutputs Computed { get; set; }

    /// <summary>Potential energy per system, eV.</summary>
    public double[] Energy { get; private set; } = [];
    /// <summary>Per-atom energies, eV.</summary>
    public double[] AtomEnergies { get; private set; } = [];
    /// <summary>Forces, eV/Å.</summary>
    public double[] Fx { get; private set; } = [];
    public double[] Fy { get; private set; } = [];
    public double[] Fz { get; private set; } = [];
    /// <summary>Virial per system, 9 row-major components each, eV.</summary>
    public double[] Virial { get; private set; } = [];
    /// <summary>Stress per system, 9 row-major components each, eV/Å³ (ASE sign).</summary>
    public double[] Stress { get; private set; } = [];

    /// <summary>
    /// Per-atom committee force spread, eV/Å (with <see cref="ForceOutputs.Uncertainty"/>): the standard
    /// deviation of the force vector over the K members, σ_F,i = √( (1/K) Σ_k |F_i^k − F̄_i|² ), as DP-GEN's
    /// model deviation defines it (population form, 1/K).
    /// </summary>
    public double[] ForceStd { get; private set; } = [];
    /// <summary>Per-system committee energy spread, eV: σ_E = √( (1/K) Σ_k (E^k − Ē)² ). Per atom: divide by the system's atom count.</summary>
    public double[] EnergyStd { get; private set; } = [];
    /// <summary>Per-system maximum of <see cref="ForceStd"/> over the system's atoms, eV/Å (DP-GEN's max_devi_f).</summary>
    public double[] MaxForceStd { get; private set; } = [];

    /// <summary>Sizes the arrays for a batch and zeroes what will be computed.</summary>
    public void Prepare(SystemBatch batch, ForceOutputs outputs)
    {
        int ns = batch.SystemCount, na = batch.AtomCount;
        if (Energy.Length < ns) { Energy = new double[ns]; Virial = new double[9 * ns]; Stress = new double[9 * ns]; }
        if (Fx.Length < na) { Fx = new double[na]; Fy = new double[na]; Fz = new double[na]; AtomEnergies = new double[na]; }
        if ((outputs & ForceOutputs.Uncertainty) != 0)
        {
            if (EnergyStd.Length < ns) { EnergyStd = new double[ns]; MaxForceStd = new double[ns]; }
            if (ForceStd.Length < na) ForceStd = new double[na];
            Array.Clear(EnergyStd, 0, ns); Array.Clear(MaxForceStd, 0, ns); Array.Clear(ForceStd, 0, na);
        }
        SystemCount = ns; AtomCount = na;
        Array.Clear(Energy, 0, ns);
        if ((outputs & ForceOutputs.AtomEnergies) != 0) Array.Clear(AtomEnergies, 0, na);
        if ((outputs & ForceOutputs.Forces) != 0) { Array.Clear(Fx, 0, na); Array.Clear(Fy, 0, na); Array.Clear(Fz, 0, na); }
        if ((outputs & ForceOutputs.Virial) != 0) { Array.Clear(Virial, 0, 9 * ns); Array.Clear(Stress, 0, 9 * ns); }
        Computed = ForceOutputs.None;
    }

    /// <summary>Fills <see cref="Stress"/> from <see cref="Virial"/>: σ = −W/V.</summary>
    public void StressFromVirial(SystemBatch batch)
    {
        for (int s = 0; s < SystemCount; s++)
        {
            var cell = batch.Cells[s];
            double v = cell.AnyPeriodic && cell.IsNonSingular ? cell.Volume : double.NaN;
            for (int k = 0; k < 9; k++) Stress[9 * s + k] = -Virial[9 * s + k] / v;
        }
    }

    public Geometry.Vec3 Force(int atom) => new(Fx[atom], Fy[atom], Fz[atom]);
    public Span<double> VirialOf(int system) => Virial.AsSpan(9 * system, 9);

    /// <summary>Sets system <paramref name="system"/>'s (symmetric) virial from its six components xx yy zz xy xz yz (eV), as device reductions return them.</summary>
    public void SetVirial(int system, double xx, double yy, double zz, double xy, double xz, double yz) =>
        Geometry.Mat3.WriteSymmetric(VirialOf(system), xx, yy, zz, xy, xz, yz);
    public Span<double> StressOf(int system) => Stress.AsSpan(9 * system, 9);
}
