using System.Runtime.CompilerServices;

namespace MlipEngine.Potentials.Tersoff;

/// <summary>
/// The scalar functions of the Tersoff potential, exactly as LAMMPS 29Sep2021 evaluates them
/// (pair_tersoff.cpp/.h), shared by the Reference and Cpu kernels so both see the same branches.
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
public static class TersoffFunctions
{
    /// <summary>Cutoff function f_c(r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Fc(double r, in TersoffParameters p)
    {
        if (r < p.R - p.CutoffWidth) return 1.0;
        if (r > p.R + p.CutoffWidth) return 0.0;
        return 0.5 * (1.0 - Math.Sin(Math.PI / 2 * (r - p.R) / p.CutoffWidth));
    }

    /// <summary>df_c/dr, 1/Å.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double FcDerivative(double r, in TersoffParameters p)
    {
        if (r < p.R - p.CutoffWidth) return 0.0;
        if (r > p.R + p.CutoffWidth) return 0.0;
        return -(Math.PI / 4 / p.CutoffWidth) * Math.Cos(Math.PI / 2 * (r - p.R) / p.CutoffWidth);
    }

    /// <summary>Attractive pair function f_c f_A (eV) and its r-derivative (eV/Å).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Attractive(double r, in TersoffParameters p, out double derivative)
    {
        if (r > p.R + p.CutoffWidth) { derivative = 0; return 0; }
        double e = p.B * Math.Exp(-p.Lambda2 * r), fc = Fc(r, p);
        derivative = e * (p.Lambda2 * fc - FcDerivative(r, p));
        return -e * fc;
    }

    /// <summary>Repulsive pair function f_c f_R (eV) and its r-derivative (eV/Å).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Repulsive(double r, in TersoffParameters p, out double derivative)
    {
        double e = p.A * Math.Exp(-p.Lambda1 * r), fc = Fc(r, p);
        derivative = e * (FcDerivative(r, p) - p.Lambda1 * fc);
        return e * fc;
    }

    /// <summary>Bond order b(ζ).</summary>
    public static double Bij(double zeta, in TersoffParameters p)
    {
        double t = p.Beta * zeta;
        if (t > p.C1) return 1.0 / Math.Sqrt(t);
        if (t > p.C2) return (1.0 - Math.Pow(t, -p.N) / (2.0 * p.N)) / Math.Sqrt(t);
        if (t < p.C4) return 1.0;
        if (t < p.C3) return 1.0 - Math.Pow(t, p.N) / (2.0 * p.N);
        return Math.Pow(1.0 + Math.Pow(t, p.N), -1.0 / (2.0 * p.N));
    }

    /// <summary>db/dζ, with the same branches as <see cref="Bij"/> (LAMMPS ters_bij_d, 2015 fix included).</summary>
    public static double BijDerivative(double zeta, in TersoffParameters p)
    {
        double t = p.Beta * zeta;
        if (t > p.C1) return p.Beta * -0.5 * Math.Pow(t, -1.5);
        if (t > p.C2) return p.Beta * (-0.5 * Math.Pow(t, -1.5) * (1.0 - (1.0 + 1.0 / (2.0 * p.N)) * Math.Pow(t, -p.N)));
        if (t < p.C4) return 0.0;
        if (t < p.C3) return -0.5 * p.Beta * Math.Pow(t, p.N - 1.0);
        double tn = Math.Pow(t, p.N);
        return -0.5 * Math.Pow(1.0 + tn, -1.0 - 1.0 / (2.0 * p.N)) * tn / zeta;
    }

    /// <summary>Angular function g(cos θ) and dg/dcos θ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double G(double cosTheta, in TersoffParameters p, out double derivative)
    {
        double c2 = p.C * p.C, d2 = p.D * p.D, hc = p.H - cosTheta;
        double inv = 1.0 / (d2 + hc * hc);
        derivative = p.Gamma * (-2.0 * c2 * hc) * inv * inv;
        return p.Gamma * (1.0 + c2 / d2 - c2 * inv);
    }

    /// <summary>
    /// exp[(λ3 Δ)^m] with Δ = rᵢⱼ − rᵢₖ, clamped like LAMMPS (1e30 above 69.0776, 0 below −69.0776),
    /// and its Δ-derivative m λ3^m Δ^{m−1} times the (clamped) exponential.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ExpTerm(double delta, in TersoffParameters p, out double derivative)
    {
        double arg = p.M == 3 ? Cube(p.Lambda3 * delta) : p.Lambda3 * delta;
        double e = arg > 69.0776 ? 1.0e30 : arg < -69.0776 ? 0.0 : Math.Exp(arg);
        derivative = p.M == 3 ? 3.0 * Cube(p.Lambda3) * delta * delta * e : p.Lambda3 * e;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Cube(double x) => x * x * x;
}
