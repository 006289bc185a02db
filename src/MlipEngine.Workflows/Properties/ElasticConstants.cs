using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Workflows.Properties;

/// <summary>
/// Relaxed-ion elastic constants C_ij (6×6, Voigt order xx yy zz yz xz xy) from central differences of
/// the stress at ±δ strains, ions relaxed at fixed cell in each strained crystal.
/// </summary>
/// <remarks>
/// Convention (as LAMMPS' examples/ELASTIC): strains are Voigt engineering strains
/// e = (ε_xx, ε_yy, ε_zz, 2ε_yz, 2ε_xz, 2ε_xy) and stresses σ = (σ_xx, σ_yy, σ_zz, σ_yz, σ_xz, σ_xy)
/// (ASE sign, positive = tensile), so σ_i = Σ_j C_ij e_j and the elastic energy is
/// E = E₀ + (V₀/2)·Σ_ij C_ij e_i e_j: a shear e₄ = δ means ε_yz = ε_zy = δ/2, which is LAMMPS' tilt change
/// yz += δ·l_z to first order (LAMMPS applies that simple shear, we apply the symmetric strain: they differ
/// by a rotation, which changes the stress only at O(δ·σ₀) and cancels in the central difference).
/// Column j: C_ij = [σ_i(+δ e_j) − σ_i(−δ e_j)]/(2δ), error O(δ²) (δ = 0.5 % by default).
/// The deformation x′ = (I + ε)x is applied to the cell rows and positions alike (r′ = r·(I + ε)).
/// <see cref="Raw"/> keeps the differences; <see cref="Cij"/> is ½(C + Cᵀ) (LAMMPS' ELASTIC averages the same way).
/// </remarks>
public sealed class ElasticConstants
{
    private ElasticConstants(double[,] raw, double strain)
    {
        Raw = raw;
        Strain = strain;
        Cij = new double[6, 6];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) Cij[i, j] = 0.5 * (raw[i, j] + raw[j, i]);
    }

    /// <summary>Symmetrised C_ij, GPa.</summary>
    public double[,] Cij { get; }
    /// <summary>Central differences as computed (column j = strain j), GPa.</summary>
    public double[,] Raw { get; }
    /// <summary>Strain amplitude δ.</summary>
    public double Strain { get; }

    /// <summary>Cubic averages: C11 = ⟨C11, C22, C33⟩, C12 = ⟨C12, C13, C23⟩, C44 = ⟨C44, C55, C66⟩ (GPa).</summary>
    public double C11 => (Cij[0, 0] + Cij[1, 1] + Cij[2, 2]) / 3;
    public double C12 => (Cij[0, 1] + Cij[0, 2] + Cij[1, 2]) / 3;
    public double C44 => (Cij[3, 3] + Cij[4, 4] + Cij[5, 5]) / 3;
    /// <summary>Bulk modulus of a cubic crystal, (C11 + 2C12)/3, GPa.</summary>
    public double BulkModulus => (C11 + 2 * C12) / 3;
    /// <summary>Tetragonal shear modulus C′ = (C11 − C12)/2, GPa.</summary>
    public double TetragonalShear => (C11 - C12) / 2;
    /// <summary>Voigt bulk modulus of any cell, (C11+C22+C33 + 2(C12+C13+C23))/9, GPa.</summary>
    public double VoigtBulkModulus => (Cij[0, 0] + Cij[1, 1] + Cij[2, 2] + 2 * (Cij[0, 1] + Cij[0, 2] + Cij[1, 2])) / 9;

    /// <summary>The symmetric strain tensor ε of Voigt engineering strain <paramref name="e"/> (shear components halved).</summary>
    public static Mat3 StrainTensor(ReadOnlySpan<double> e) =>
        new(e[0], e[5] / 2, e[4] / 2,
            e[5] / 2, e[1], e[3] / 2,
            e[4] / 2, e[3] / 2, e[2]);

    /// <summary><paramref name="structure"/> deformed by x′ = (I + ε)x, ε from Voigt engineering strain <paramref name="e"/>.</summary>
    public static AtomicStructure Strained(AtomicStructure structure, ReadOnlySpan<double> e)
    {
        var f = Mat3.Identity + StrainTensor(e);   // symmetric, so r·Fᵀ = r·F
        var s = structure.Clone();
        for (int i = 0; i < s.AtomCount; i++) s.Positions[i] = s.Positions[i] * f;
        s.Cell = s.Cell.WithMatrix(s.Cell.Matrix * f);
        return s;
    }

    /// <summary>Voigt stress (xx yy zz yz xz xy) of a 3×3 stress tensor.</summary>
    public static void Voigt(Mat3 s, Span<double> v)
    {
        v[0] = s.XX; v[1] = s.YY; v[2] = s.ZZ;
        v[3] = 0.5 * (s.YZ + s.ZY); v[4] = 0.5 * (s.XZ + s.ZX); v[5] = 0.5 * (s.XY + s.YX);
    }

    /// <summary>
    /// Computes C_ij of the (relaxed, stress-free) <paramref name="crystal"/>: 12 strained crystals, ions
    /// relaxed in each when <paramref name="relaxIons"/> (relaxed-ion constants; clamped-ion otherwise).
    /// </summary>
    public static ElasticConstants Compute(CrystalEvaluator evaluator, AtomicStructure crystal, double strain = 0.005, bool relaxIons = true, IWorkProgress? progress = null)
    {
        if (!(strain > 0 && strain < 0.1)) throw new ArgumentException($"strain must be in (0, 0.1), found {strain}");
        if (!crystal.Cell.FullyPeriodic) throw new ArgumentException("elastic constants need a cell periodic along all three axes");
        var raw = new double[6, 6];
        Span<double> e = stackalloc double[6];
        Span<double> plus = stackalloc double[6], minus = stackalloc double[6];
        for (int j = 0; j < 6; j++)
        {
            for (int sign = 0; sign < 2; sign++)
            {
                e.Clear();
                e[j] = sign == 0 ? strain : -strain;
                var strained = Strained(crystal, e);
                Mat3 stress = relaxIons && strained.AtomCount > 1
                    ? evaluator.RelaxIons(strained).Stress
                    : evaluator.Evaluate(strained).Stress;
                Voigt(stress, sign == 0 ? plus : minus);
                progress?.Report(2 * j + sign + 1, 12);
            }
            for (int i = 0; i < 6; i++) raw[i, j] = (plus[i] - minus[i]) / (2 * strain) * BirchMurnaghan.EvPerA3InGPa;
        }
        return new ElasticConstants(raw, strain);
    }
}
