using System.Numerics;
using System.Runtime.CompilerServices;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.Eam;

/// <summary>
/// The arithmetic of an EAM evaluation, written once for every backend that runs it from C#: the
/// Reference and Cpu backends (double) and the ILGPU kernels (double or float). Each backend keeps its
/// own table layout and loop; what they share is how a table is looked up and how a pair's terms follow
/// from the looked-up values (see <see cref="EamSpline"/> for the cubics and <see cref="EamPotential"/>
/// for the energy).
/// </summary>
public static class EamFormula
{
    /// <summary>
    /// LAMMPS' lookup for r-tables: p = x/Δ + 1, m = min(⌊p⌋, N−1), p −= m, p = min(p, 1). Returns the
    /// 1-based knot m; <paramref name="p"/> is the local coordinate in [0, 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LocateR<T, R>(T x, T inverseDelta, int n, out T p) where T : IFloatingPointIeee754<T> where R : IReal<T>
    {
        T q = x * inverseDelta + T.One;
        int m = R.Truncate(q);
        if (m > n - 1) m = n - 1;
        q -= ToReal<T, R>(m);
        p = q > T.One ? T.One : q;
        return m;
    }

    /// <summary>LAMMPS' lookup for F(ρ): as <see cref="LocateR{T, R}"/> but m ≥ 1 (ρ may be slightly negative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LocateRho<T, R>(T rho, T inverseDelta, int n, out T p) where T : IFloatingPointIeee754<T> where R : IReal<T>
    {
        T q = rho * inverseDelta + T.One;
        int m = R.Truncate(q);
        if (m > n - 1) m = n - 1;
        if (m < 1) m = 1;
        q -= ToReal<T, R>(m);
        p = q > T.One ? T.One : q;
        return m;
    }

    /// <summary>The value cubic f(p) = ((c₃p + c₄)p + c₅)p + c₆ of one interval.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Value<T>(T c3, T c4, T c5, T c6, T p) where T : IFloatingPointIeee754<T> => ((c3 * p + c4) * p + c5) * p + c6;

    /// <summary>The slope of the value cubic, df/dx = ((3c₃p + 2c₄)p + c₅)/Δ, with <paramref name="inverseDelta"/> = 1/Δ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Slope<T, R>(T c3, T c4, T c5, T p, T inverseDelta) where T : IFloatingPointIeee754<T> where R : IReal<T> =>
        ((R.From(3) * c3 * p + R.From(2) * c4) * p + c5) * inverseDelta;

    /// <summary>The derivative quadratic f′(x) = (c₀p + c₁)p + c₂ LAMMPS stores beside each cubic (c₀ = 3c₃/Δ, …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Derivative<T>(T c0, T c1, T c2, T p) where T : IFloatingPointIeee754<T> => (c0 * p + c1) * p + c2;

    /// <summary>
    /// The pair term from the tabulated z2r = r·φ(r) and its slope, given 1/r: returns φ = z2r/r (eV)
    /// and sets <paramref name="phiPrime"/> = φ′(r) = (z2r′ − φ)/r (eV/Å).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Pair<T>(T z2, T z2Prime, T recip, out T phiPrime) where T : IFloatingPointIeee754<T>
    {
        T phi = z2 * recip;
        phiPrime = z2Prime * recip - phi * recip;
        return phi;
    }

    /// <summary>
    /// dE/dr of one pair: F′ᵢ ρ′_{j→i}(r) + F′ⱼ ρ′_{i→j}(r) + φ′(r), as a force factor: the force on j
    /// is the returned value times dᵢⱼ (eV/Å²), i.e. −(dE/dr)/r; <paramref name="recip"/> = 1/r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T PairForceOverR<T>(T fPrimeI, T rhoJIPrime, T fPrimeJ, T rhoIJPrime, T phiPrime, T recip) where T : IFloatingPointIeee754<T> =>
        -(fPrimeI * rhoJIPrime + fPrimeJ * rhoIJPrime + phiPrime) * recip;

    /// <summary>
    /// The embedding energy F(ρ) (eV) from the knot's coefficients c₀…c₆ at local coordinate p, and
    /// F′(ρ) in <paramref name="fPrime"/>; above ρ_max extended linearly as LAMMPS does: F + F′(ρ − ρ_max).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Embedding<T>(T c0, T c1, T c2, T c3, T c4, T c5, T c6, T p, T rho, T rhoMax, out T fPrime) where T : IFloatingPointIeee754<T>
    {
        fPrime = Derivative(c0, c1, c2, p);
        T f = Value(c3, c4, c5, c6, p);
        if (rho > rhoMax) f += fPrime * (rho - rhoMax);
        return f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ToReal<T, R>(int m) where T : IFloatingPointIeee754<T> where R : IReal<T> => R.From(m);
}
