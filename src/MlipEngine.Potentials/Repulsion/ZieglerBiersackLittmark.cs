namespace MlipEngine.Potentials.Repulsion;

/// <summary>
/// The Ziegler–Biersack–Littmark universal screened nuclear repulsion (ZBL, "The Stopping and Range of
/// Ions in Solids", 1985), as LAMMPS' <c>pair_style zbl</c> writes it:
/// <code>
///   φ(r) = (Zᵢ Zⱼ e²/4πε₀) / r · Σₖ cₖ exp(−dₖ r/a),    a = 0.46850 Å / (Zᵢ^0.23 + Zⱼ^0.23)
///   c = (0.18175, 0.50986, 0.28022, 0.02817),   d = (3.19980, 0.94229, 0.40290, 0.20162)
///   φ′(r) = −φ/r − (Zᵢ Zⱼ e²/4πε₀) / r · Σₖ (cₖ dₖ/a) exp(−dₖ r/a)
/// </code>
/// with e²/4πε₀ = 14.399645 eV·Å (LAMMPS' metal-units qqr2e). The Coulomb repulsion of two bare nuclei
/// screened by a universal electron cloud: exact as r → 0, a good description below about half the
/// bonding distance, and purely repulsive (φ &gt; 0, φ′ &lt; 0) everywhere.
/// </summary>
public static class ZieglerBiersackLittmark
{
    /// <summary>e²/4πε₀, eV·Å.</summary>
    public const double CoulombConstant = 14.399645;
    /// <summary>The universal screening length numerator, Å (0.8854 a_Bohr).</summary>
    public const double ScreeningLength = 0.46850;
    public const double ScreeningExponent = 0.23;

    /// <summary>
    /// φ(r) in eV and dφ/dr in eV/Å for nuclei of atomic numbers zi, zj at distance r (Å, &gt; 0). Scalars only (the four
    /// screening terms written out, no tables), so the ILGPU kernels call it as the CPU backends do.
    /// </summary>
    public static double Energy(int zi, int zj, double r, out double dEdr)
    {
        double invA = (Math.Pow(zi, ScreeningExponent) + Math.Pow(zj, ScreeningExponent)) / ScreeningLength;
        double zz = CoulombConstant * zi * zj;
        double e0 = 0.18175 * Math.Exp(-3.19980 * r * invA), e1 = 0.50986 * Math.Exp(-0.94229 * r * invA);
        double e2 = 0.28022 * Math.Exp(-0.40290 * r * invA), e3 = 0.02817 * Math.Exp(-0.20162 * r * invA);
        double sum = e0 + e1 + e2 + e3;
        double dsum = -(3.19980 * invA * e0) - 0.94229 * invA * e1 - 0.40290 * invA * e2 - 0.20162 * invA * e3;
        double e = zz * sum / r;
        dEdr = zz * dsum / r - e / r;
        return e;
    }
}
