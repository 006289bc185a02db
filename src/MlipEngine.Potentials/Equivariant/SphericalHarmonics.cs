using System.Runtime.CompilerServices;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Real spherical harmonics Yₗₘ(r̂) for l ≤ 3 in "component" normalisation (Σₘ Yₗₘ² = 2l + 1, so
/// Y₀₀ = 1 and ∫ Yₗₘ Yₗ′ₘ′ dΩ = 4π δ), with their gradients with respect to the (unnormalised) vector r.
/// </summary>
/// <remarks>
/// Each Yₗₘ(u) = Pₗₘ(u) is written as a homogeneous polynomial of degree l in the unit vector
/// u = r/|r| (√(4π) times the orthonormal table: e.g. Y₁ = √3 (y, z, x)). Since u = r/|r|,
/// <code>  ∂Y/∂r = (1/|r|) (I − u uᵀ) ∇P(u) = (1/|r|) (∇P(u) − l P(u) u)  </code>
/// by Euler's relation u·∇P = l P for a homogeneous polynomial. Component order per l is m = −l…l.
/// <see cref="Component"/> is the one statement of these polynomials: the Reference and Cpu backends call it
/// through <see cref="Evaluate"/>, the ILGPU kernels directly (it uses only scalars, so it runs on a device).
/// </remarks>
public static class SphericalHarmonics
{
    public const int MaxL = 3;

    /// <summary>
    /// Writes Y (length (L+1)²) and, when <paramref name="gradient"/> is not empty, ∂Y/∂r as three
    /// blocks [x: (L+1)²][y][z] (1/Å). r = (x, y, z) in Å, non-zero.
    /// </summary>
    public static void Evaluate(int lmax, double x, double y, double z, Span<double> values, Span<double> gradient)
    {
        double inv = 1.0 / Math.Sqrt(x * x + y * y + z * z);
        x *= inv; y *= inv; z *= inv;
        int n = Irreps.Count(lmax);
        if (gradient.IsEmpty)
        {
            for (int k = 0; k < n; k++) values[k] = Polynomial(k, x, y, z, out _, out _, out _);
            return;
        }
        for (int k = 0; k < n; k++)
            values[k] = Component(k, x, y, z, inv, out gradient[k], out gradient[n + k], out gradient[2 * n + k]);
    }

    /// <summary>
    /// Y_k(u) and ∂Y_k/∂r = (∇P_k(u) − l P_k(u) u)/|r| (1/Å) for flat index k = l² + m + l, the unit vector
    /// u = r/|r| and <paramref name="inverseLength"/> = 1/|r|.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Component(int k, double ux, double uy, double uz, double inverseLength, out double gx, out double gy, out double gz)
    {
        double p = Polynomial(k, ux, uy, uz, out double px, out double py, out double pz);
        double lp = Irreps.Degree(k) * p;
        gx = (px - lp * ux) * inverseLength;
        gy = (py - lp * uy) * inverseLength;
        gz = (pz - lp * uz) * inverseLength;
        return p;
    }

    /// <summary>P_k(u) and ∇P_k(u) for flat index k ≤ 15 and a unit vector u = (x, y, z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Polynomial(int k, double x, double y, double z, out double gx, out double gy, out double gz)
    {
        const double k1 = 1.7320508075688772;          // √3
        const double a = 3.872983346207417;            // √15
        const double b = 1.118033988749895;            // √5 / 2
        const double c = 1.9364916731037085;           // √15 / 2
        const double d = 2.0916500663351889;           // √(35/2) / 2
        const double e = 10.246950765959598;           // √105
        const double f = 1.6201851746019651;           // √(21/2) / 2
        const double g = 1.3228756555322954;           // √7 / 2
        const double h = 5.123475382979799;            // √105 / 2
        double xx = x * x, yy = y * y, zz = z * z;
        switch (k)
        {
            case 0: gx = 0; gy = 0; gz = 0; return 1;
            case 1: gx = 0; gy = k1; gz = 0; return k1 * y;
            case 2: gx = 0; gy = 0; gz = k1; return k1 * z;
            case 3: gx = k1; gy = 0; gz = 0; return k1 * x;
            case 4: gx = a * y; gy = a * x; gz = 0; return a * x * y;
            case 5: gx = 0; gy = a * z; gz = a * y; return a * y * z;
            case 6: gx = -2 * b * x; gy = -2 * b * y; gz = 4 * b * z; return b * (2 * z * z - x * x - y * y);
            case 7: gx = a * z; gy = 0; gz = a * x; return a * x * z;
            case 8: gx = 2 * c * x; gy = -2 * c * y; gz = 0; return c * (x * x - y * y);
            case 9: gx = 6 * d * x * y; gy = 3 * d * (xx - yy); gz = 0; return d * (3 * xx * y - yy * y);
            case 10: gx = e * y * z; gy = e * x * z; gz = e * x * y; return e * x * y * z;
            case 11: gx = -2 * f * x * y; gy = f * (4 * zz - xx - 3 * yy); gz = 8 * f * y * z; return f * y * (4 * zz - xx - yy);
            case 12: gx = -6 * g * x * z; gy = -6 * g * y * z; gz = g * (6 * zz - 3 * xx - 3 * yy); return g * z * (2 * zz - 3 * xx - 3 * yy);
            case 13: gx = f * (4 * zz - 3 * xx - yy); gy = -2 * f * x * y; gz = 8 * f * x * z; return f * x * (4 * zz - xx - yy);
            case 14: gx = 2 * h * x * z; gy = -2 * h * y * z; gz = h * (xx - yy); return h * z * (xx - yy);
            default: gx = 3 * d * (xx - yy); gy = -6 * d * x * y; gz = 0; return d * (xx * x - 3 * x * yy);
        }
    }
}
