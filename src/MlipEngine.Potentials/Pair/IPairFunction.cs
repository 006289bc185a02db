using System.Runtime.Intrinsics;

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

    /// <summary>
    /// True when <see cref="EvaluateVector"/> is a SIMD form the CPU kernel should use (a constant per
    /// struct, so the JIT removes the path not taken); false keeps the kernel on <see cref="Evaluate"/>.
    /// </summary>
    bool IsVectorized { get; }

    /// <summary>
    /// <see cref="Evaluate"/> for four pairs at once: lane l has pair type pairTypes[l] and squared distance
    /// r2[l] (Å²). Returns the energies φ (eV) and sets fOverR = −φ′(r)/r (eV/Å²); both are exactly 0 in
    /// lanes at or beyond their pair's cutoff (whatever r2 holds there, padding included).
    /// </summary>
    Vector256<double> EvaluateVector(Vector128<int> pairTypes, Vector256<double> r2, out Vector256<double> fOverR);
}
