using System.Numerics;
using System.Runtime.CompilerServices;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.Pair;

/// <summary>
/// The lj/cut pair function, written once for every backend that runs it from C# (Reference and Cpu
/// in double, the ILGPU kernels in double or float). Coefficients as <see cref="LennardJonesPotential.PackedCoefficients"/>:
/// φ(r) = c₁₂ r⁻¹² − c₆ r⁻⁶ − shift (c₁₂ = 4εσ¹², c₆ = 4εσ⁶), and −φ′(r)/r = (12 c₁₂ r⁻¹² − 6 c₆ r⁻⁶)/r².
/// </summary>
public static class LennardJonesFormula
{
    /// <summary>
    /// Returns false at or beyond the cutoff (r² ≥ <paramref name="cut2"/>, Å²; outputs 0); else the
    /// energy φ (eV) and fOverR = −φ′(r)/r (eV/Å²), so the force on j is fOverR·dᵢⱼ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Evaluate<T, R>(T r2, T cut2, T c12, T c6, T shift, out T energy, out T fOverR)
        where T : IFloatingPointIeee754<T> where R : IReal<T>
    {
        if (r2 >= cut2) { energy = T.Zero; fOverR = T.Zero; return false; }
        T inv2 = T.One / r2;
        T inv6 = inv2 * inv2 * inv2;
        T a = c12 * inv6 * inv6, b = c6 * inv6;
        energy = a - b - shift;
        fOverR = (R.From(12) * a - R.From(6) * b) * inv2;
        return true;
    }
}

/// <summary>
/// The morse pair function for every C# backend: with u = e^{−α(r−r₀)}, φ(r) = D₀(u² − 2u) − shift and
/// −φ′(r)/r = 2αD₀(u² − u)/r.
/// </summary>
public static class MorseFormula
{
    /// <summary>As <see cref="LennardJonesFormula.Evaluate{T, R}"/>: false at or beyond the cutoff, else φ (eV) and −φ′/r (eV/Å²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Evaluate<T, R>(T r2, T cut2, T d0, T alpha, T r0, T shift, out T energy, out T fOverR)
        where T : IFloatingPointIeee754<T> where R : IReal<T>
    {
        if (r2 >= cut2) { energy = T.Zero; fOverR = T.Zero; return false; }
        T r = T.Sqrt(r2);
        T u = T.Exp(-alpha * (r - r0));
        energy = d0 * (u * u - (u + u)) - shift;
        fOverR = R.From(2) * alpha * d0 * (u * u - u) / r;
        return true;
    }

    /// <summary>The unshifted φ(r) = D₀(u² − 2u), eV (also the shift φ(r_c)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Energy<T>(T r, T d0, T alpha, T r0) where T : IFloatingPointIeee754<T>
    {
        T u = T.Exp(-alpha * (r - r0));
        return d0 * (u * u - (u + u));   // 2u written u + u: the same bits, no constant to convert
    }
}
