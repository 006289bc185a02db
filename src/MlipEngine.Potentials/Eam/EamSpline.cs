using System.Runtime.CompilerServices;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.Eam;

/// <summary>
/// A tabulated function as LAMMPS' EAM styles interpolate it: on each interval m (knots f_m at
/// x = (m−1)·Δ, 1-based), a cubic in the local coordinate p ∈ [0, 1]
/// <code>  f(p) = ((c₃p + c₄)p + c₅)p + c₆,   f′(x) = ((c₀p + c₁)p + c₂)  </code>
/// with slopes c₅ from 5-point central differences (one-sided at the ends), c₄ and c₃ making the cubic
/// interpolate f_m, f_{m+1} with those slopes, and c₀ = 3c₃/Δ, c₁ = 2c₄/Δ, c₂ = c₅/Δ
/// (LAMMPS <c>PairEAM::interpolate</c>). Stored 7 doubles per knot, 1-based knot m at offset 7(m−1).
/// </summary>
public sealed class EamSpline
{
    public EamSpline(double[] values, double delta)
    {
        int n = values.Length;
        if (n < 5) throw new ArgumentException("an EAM table needs at least 5 points");
        N = n; Delta = delta; InverseDelta = 1.0 / delta;
        var s = new double[7 * (n + 1)];               // 1-based like LAMMPS; row 0 unused
        ref double C(int m, int k) => ref s[7 * m + k];
        for (int m = 1; m <= n; m++) C(m, 6) = values[m - 1];
        C(1, 5) = C(2, 6) - C(1, 6);
        C(2, 5) = 0.5 * (C(3, 6) - C(1, 6));
        C(n - 1, 5) = 0.5 * (C(n, 6) - C(n - 2, 6));
        C(n, 5) = C(n, 6) - C(n - 1, 6);
        for (int m = 3; m <= n - 2; m++)
            C(m, 5) = ((C(m - 2, 6) - C(m + 2, 6)) + 8.0 * (C(m + 1, 6) - C(m - 1, 6))) / 12.0;
        for (int m = 1; m <= n - 1; m++)
        {
            C(m, 4) = 3.0 * (C(m + 1, 6) - C(m, 6)) - 2.0 * C(m, 5) - C(m + 1, 5);
            C(m, 3) = C(m, 5) + C(m + 1, 5) - 2.0 * (C(m + 1, 6) - C(m, 6));
        }
        C(n, 4) = 0.0;
        C(n, 3) = 0.0;
        for (int m = 1; m <= n; m++)
        {
            C(m, 2) = C(m, 5) / delta;
            C(m, 1) = 2.0 * C(m, 4) / delta;
            C(m, 0) = 3.0 * C(m, 3) / delta;
        }
        Coefficients = s;
    }

    public int N { get; }
    public double Delta { get; }
    public double InverseDelta { get; }
    /// <summary>7 coefficients per knot, knot m (1-based) at 7m.</summary>
    public double[] Coefficients { get; }

    /// <summary>LAMMPS' lookup for r-tables (<see cref="EamFormula.LocateR{T, R}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LocateR(double x, double inverseDelta, int n, out int m, out double p) => m = EamFormula.LocateR<double, F64>(x, inverseDelta, n, out p);

    /// <summary>LAMMPS' lookup for F(ρ) (<see cref="EamFormula.LocateRho{T, R}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LocateRho(double rho, double inverseDelta, int n, out int m, out double p) => m = EamFormula.LocateRho<double, F64>(rho, inverseDelta, n, out p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Value(int m, double p)
    {
        var c = Coefficients; int o = 7 * m;
        return EamFormula.Value(c[o + 3], c[o + 4], c[o + 5], c[o + 6], p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Derivative(int m, double p)
    {
        var c = Coefficients; int o = 7 * m;
        return EamFormula.Derivative(c[o], c[o + 1], c[o + 2], p);
    }
}
