using MlipEngine.Dynamics.Md;
using MlipEngine.Units;

namespace MlipEngine.Dynamics.Barostats;

/// <summary>
/// The cell momentum p_g of the Martyna–Tobias–Klein barostat (MTK 1994; Tuckerman et al. 2006,
/// J. Phys. A 39, 5629) and its force. Plain state: p_g (symmetric 3×3, eV·fs) and its mass W.
/// </summary>
/// <remarks>
/// <para>With row vectors (r = s·H, lattice vectors the rows of H) and A = p_g/W (fs⁻¹):</para>
/// <code>
///   ṙ = v + r·A              Ḣ = H·A
///   v̇ = F/m − v·(A + α I),   α = Tr(A)/N_f
///   ṗ_g = G = V (P_int − P_ext I) + (2K/N_f) I,   P_int = (Σ m v⊗v + W_vir)/V
/// </code>
/// <para>Isotropic coupling uses one scalar p_ε (A = p_ε/W · I) driven by Tr G; anisotropic keeps
/// the diagonal of G; triclinic keeps all of the symmetric G (a symmetric p_g never rotates the cell).
/// Mass W = (N + 1) k_BT τ_p² as LAMMPS' fix npt. Conserved: K + U + P_ext V + K_cell + chain energies,
/// K_cell = Σ p_g²/(2W).</para>
/// </remarks>
public sealed class MtkBarostat
{
    private readonly double[] _p = new double[9];
    private readonly double[] _g = new double[9];

    public MtkBarostat(PressureCoupling coupling, double pressure, double temperature, double damping, int atomCount)
    {
        if (!(damping > 0)) throw new ArgumentOutOfRangeException(nameof(damping), "pdamp must be > 0 fs");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be > 0 K");
        Coupling = coupling;
        Pressure = pressure;
        Mass = (atomCount + 1) * PhysicalConstants.Boltzmann * temperature * damping * damping;
    }

    public PressureCoupling Coupling { get; }
    /// <summary>Target hydrostatic pressure, eV/Å³.</summary>
    public double Pressure { get; }
    /// <summary>W, eV·fs².</summary>
    public double Mass { get; }
    /// <summary>Degrees of freedom of the cell: 1, 3 or 6.</summary>
    public int DegreesOfFreedom => Coupling switch { PressureCoupling.Isotropic => 1, PressureCoupling.Anisotropic => 3, _ => 6 };

    /// <summary>p_g, row-major, eV·fs.</summary>
    public ReadOnlySpan<double> Momentum => _p;

    /// <summary>Kinetic energy of the cell Σ p_g²/(2W) (for isotropic, p_ε²/(2W)), eV.</summary>
    public double KineticEnergy
    {
        get
        {
            if (Coupling == PressureCoupling.Isotropic) return _p[0] * _p[0] / (2 * Mass);
            double s = 0;
            for (int k = 0; k < 9; k++) s += _p[k] * _p[k];
            return s / (2 * Mass);
        }
    }

    public void Scale(double factor) { for (int k = 0; k < 9; k++) _p[k] *= factor; }

    /// <summary>p_g += h·G for the current velocities, virial and volume (h in fs).</summary>
    public void Kick(MdSystem s, double h)
    {
        Span<double> pt = stackalloc double[9];
        s.PressureTensor(pt);
        double v = s.Cell.Volume, twoKOverNf = 2 * s.KineticEnergy() / s.DegreesOfFreedom;
        for (int k = 0; k < 9; k++) _g[k] = v * (pt[k] - (k % 4 == 0 ? Pressure : 0)) + (k % 4 == 0 ? twoKOverNf : 0);
        switch (Coupling)
        {
            case PressureCoupling.Isotropic:
                double dp = h * (_g[0] + _g[4] + _g[8]);
                _p[0] += dp; _p[4] += dp; _p[8] += dp;
                break;
            case PressureCoupling.Anisotropic:
                _p[0] += h * _g[0]; _p[4] += h * _g[4]; _p[8] += h * _g[8];
                break;
            default:
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) _p[3 * i + j] += h * 0.5 * (_g[3 * i + j] + _g[3 * j + i]);
                break;
        }
    }

    public void Save(BinaryWriter w) { for (int k = 0; k < 9; k++) w.Write(_p[k]); }
    public void Load(BinaryReader r) { for (int k = 0; k < 9; k++) _p[k] = r.ReadDouble(); }
}
