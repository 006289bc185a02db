namespace MlipEngine.Potentials.Pair;

/// <summary>
/// A radial pair interaction φ_t(r) between types, implemented by a struct so generic kernels
/// specialise per potential with no virtual call per pair.
/// </summary>
public interface IPairFunction
{
    /// <summary>Square of the largest cutoff over type pairs, Å².</summary>
    double MaxCutoffSquared { get; }

    /// <summary>
    /// For pair type t = tᵢ·nTypes + tⱼ at squared distance r² (Å²): returns false beyond the pair's
    /// cutoff, else the energy φ (eV) and fOverR = −φ′(r)/r (eV/Å²), so the force on j is fOverR·dᵢⱼ.
    /// </summary>
    bool Evaluate(int pairType, double r2, out double energy, out double fOverR);
}
