using System.Numerics;
using System.Runtime.CompilerServices;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.Tersoff;

/// <summary>
/// The scalar functions of the Tersoff potential, with LAMMPS 29Sep2021's branches and clamps (pair_tersoff.cpp/.h; g(θ) is
/// rearranged to avoid a cancellation, see <see cref="G"/>), written once for the Reference and Cpu kernels (T = double, through the alias
/// <c>TersoffFunctions = TersoffFunctions&lt;double, F64&gt;</c>) and the ILGPU kernels (double or float), so all see
/// the same branches. Parameters stay in double (<see cref="TersoffParameters"/>) and are rounded to
/// <typeparamref name="T"/> where they enter (for double every rounding is the identity).
/// </summary>
/// <remarks>
/// <code>
/// E = ½ Σᵢ Σ_{j≠i} f_c(rᵢⱼ) [ f_R(rᵢⱼ) + bᵢⱼ f_A(rᵢⱼ) ]
/// f_R = A e^{−λ1 r},  f_A = −B e^{−λ2 r}
/// f_c = 1 (r &lt; R−D),  ½ − ½ sin(π/2 (r−R)/D) (|r−R| ≤ D),  0 (r &gt; R+D)
/// bᵢⱼ = (1 + (β ζᵢⱼ)ⁿ)^{−1/2n},  ζᵢⱼ = Σ_{k≠i,j} f_c(rᵢₖ) g(cos θᵢⱼₖ) exp[(λ3 (rᵢⱼ − rᵢₖ))^m]
/// g(cos θ) = γ (1 + c²/d² − c²/(d² + (h − cos θ)²))
/// </code>
/// b(ζ) switches to its asymptotic expansions when βζ passes c1 &gt; c2 (large) or c4 &lt; c3 (small),
/// and the exponential is clamped to 1e30 / 0 when its argument leaves ±69.0776, as LAMMPS does.
/// </remarks>
public static class TersoffFunctions<T, R> where T : IFloatingPointIeee754<T> where R : IReal<T>
{
    /// <summary>Cutoff function f_c(r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Fc(T r, in TersoffParameters p)
    {
        if (r < R.From(p.R - p.CutoffWidth)) return T.One;
        if (r > R.From(p.R + p.CutoffWidth)) return T.Zero;
        return R.From(0.5) * (T.One - T.Sin(R.From(Math.PI / 2) * (r - R.From(p.R)) / R.From(p.CutoffWidth)));
    }

    /// <summary>df_c/dr, 1/Å.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FcDerivative(T r, in TersoffParameters p)
    {
        if (r < R.From(p.R - p.CutoffWidth)) return T.Zero;
        if (r > R.From(p.R + p.CutoffWidth)) return T.Zero;
        T width = R.From(p.CutoffWidth);
        return -(R.From(Math.PI / 4) / width) * T.Cos(R.From(Math.PI / 2) * (r - R.From(p.R)) / width);
    }

    /// <summary>Attractive pair function f_c f_A (eV) and its r-derivative (eV/Å).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Attractive(T r, in TersoffParameters p, out T derivative)
    {
        if (r > R.From(p.R + p.CutoffWidth)) { derivative = T.Zero; return T.Zero; }
        T lambda2 = R.From(p.Lambda2);
        T e = R.From(p.B) * T.Exp(-lambda2 * r), fc = Fc(r, p);
        derivative = e * (lambda2 * fc - FcDerivative(r, p));
        return -e * fc;
    }

    /// <summary>Repulsive pair function f_c f_R (eV) and its r-derivative (eV/Å).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Repulsive(T r, in TersoffParameters p, out T derivative)
    {
        T lambda1 = R.From(p.Lambda1);
        T e = R.From(p.A) * T.Exp(-lambda1 * r), fc = Fc(r, p);
        derivative = e * (FcDerivative(r, p) - lambda1 * fc);
        return e * fc;
    }

    /// <summary>Bond order b(ζ).</summary>
    public static T Bij(T zeta, in TersoffParameters p)
    {
        T t = R.From(p.Beta) * zeta, n = R.From(p.N), twoN = R.From(2.0) * n;
        if (t > R.From(p.C1)) return T.One / T.Sqrt(t);
        if (t > R.From(p.C2)) return (T.One - T.Pow(t, -n) / twoN) / T.Sqrt(t);
        if (t < R.From(p.C4)) return T.One;
        if (t < R.From(p.C3)) return T.One - T.Pow(t, n) / twoN;
        return T.Pow(T.One + T.Pow(t, n), -T.One / twoN);
    }

    /// <summary>db/dζ, with the same branches as <see cref="Bij"/> (LAMMPS ters_bij_d, 2015 fix included).</summary>
    public static T BijDerivative(T zeta, in TersoffParameters p)
    {
        T beta = R.From(p.Beta), t = beta * zeta, n = R.From(p.N), twoN = R.From(2.0) * n;
        T minusHalf = R.From(-0.5), minusThreeHalves = R.From(-1.5);
        if (t > R.From(p.C1)) return beta * minusHalf * T.Pow(t, minusThreeHalves);
        if (t > R.From(p.C2)) return beta * (minusHalf * T.Pow(t, minusThreeHalves) * (T.One - (T.One + T.One / twoN) * T.Pow(t, -n)));
        if (t < R.From(p.C4)) return T.Zero;
        if (t < R.From(p.C3)) return minusHalf * beta * T.Pow(t, n - T.One);
        T tn = T.Pow(t, n);
        return minusHalf * T.Pow(T.One + tn, -T.One - T.One / twoN) * tn / zeta;
    }

    /// <summary>
    /// Angular function g(cos θ) and dg/dcos θ. LAMMPS writes g = γ(1 + c²/d² − c²/(d² + (h − cos θ)²)), whose two large terms
    /// (c²/d² ~ 4e7–8e7 for the Si and C parameters) cancel; here g = γ(1 + (c²/d²)(h − cos θ)²/(d² + (h − cos θ)²)), the same
    /// function without the cancellation (in fp64 a change at round-off, LAMMPS' own cancellation error of ~1e-14 of g; in fp32
    /// the difference between ~1e-6 and ~1e-7 relative error).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T G(T cosTheta, in TersoffParameters p, out T derivative)
    {
        T c = R.From(p.C), d = R.From(p.D), gamma = R.From(p.Gamma);
        T c2 = c * c, d2 = d * d, hc = R.From(p.H) - cosTheta, hc2 = hc * hc;
        T inv = T.One / (d2 + hc2);
        derivative = gamma * (R.From(-2.0) * c2 * hc) * inv * inv;
        return gamma * (T.One + c2 / d2 * hc2 * inv);
    }

    /// <summary>
    /// exp[(λ3 Δ)^m] with Δ = rᵢⱼ − rᵢₖ, clamped like LAMMPS (1e30 above 69.0776, 0 below −69.0776),
    /// and its Δ-derivative m λ3^m Δ^{m−1} times the (clamped) exponential.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpTerm(T delta, in TersoffParameters p, out T derivative)
    {
        T lambda3 = R.From(p.Lambda3);
        T arg = p.M == 3 ? Cube(lambda3 * delta) : lambda3 * delta;
        T e = arg > R.From(69.0776) ? R.From(1.0e30) : arg < R.From(-69.0776) ? T.Zero : T.Exp(arg);
        derivative = p.M == 3 ? R.From(3.0) * Cube(lambda3) * delta * delta * e : lambda3 * e;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Cube(T x) => x * x * x;
}
