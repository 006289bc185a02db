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
        double r = Math.Sqrt(x * x + y * y + z * z);
        double inv = 1.0 / r;
        x *= inv; y *= inv; z *= inv;
        int n = Irreps.Count(lmax);
        Span<double> px = stackalloc double[16], py = stackalloc double[16], pz = stackalloc double[16];
        Polynomials(lmax, x, y, z, values, px, py, pz);
        if (gradient.IsEmpty) return;
        for (int l = 0; l <= lmax; l++)
            for (int k = Irreps.Offset(l); k < Irreps.Offset(l + 1); k++)
            {
                double lp = l * values[k];
                gradient[k] = (px[k] - lp * x) * inv;
                gradient[n + k] = (py[k] - lp * y) * inv;
                gradient[2 * n + k] = (pz[k] - lp * z) * inv;
            }
    }

    /// <summary>P(u) and ∇P(u) for a unit vector u = (x, y, z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Polynomials(int lmax, double x, double y, double z, Span<double> p, Span<double> gx, Span<double> gy, Span<double> gz)
    {
        p[0] = 1; gx[0] = 0; gy[0] = 0; gz[0] = 0;
        if (lmax < 1) return;
        const double k1 = 1.7320508075688772;          // √3
        p[1] = k1 * y; gx[1] = 0; gy[1] = k1; gz[1] = 0;
        p[2] = k1 * z; gx[2] = 0; gy[2] = 0; gz[2] = k1;
        p[3] = k1 * x; gx[3] = k1; gy[3] = 0; gz[3] = 0;
        if (lmax < 2) return;
        const double a = 3.872983346207417;            // √15
        const double b = 1.118033988749895;            // √5 / 2
        const double c = 1.9364916731037085;           // √15 / 2
        p[4] = a * x * y; gx[4] = a * y; gy[4] = a * x; gz[4] = 0;
        p[5] = a * y * z; gx[5] = 0; gy[5] = a * z; gz[5] = a * y;
        p[6] = b * (2 * z * z - x * x - y * y); gx[6] = -2 * b * x; gy[6] = -2 * b * y; gz[6] = 4 * b * z;
        p[7] = a * x * z; gx[7] = a * z; gy[7] = 0; gz[7] = a * x;
        p[8] = c * (x * x - y * y); gx[8] = 2 * c * x; gy[8] = -2 * c * y; gz[8] = 0;
        if (lmax < 3) return;
        const double d = 2.0916500663351889;           // √(35/2) / 2
        const double e = 10.246950765959598;           // √105
        const double f = 1.6201851746019651;           // √(21/2) / 2
        const double g = 1.3228756555322954;           // √7 / 2
        const double h = 5.123475382979799;            // √105 / 2
        double xx = x * x, yy = y * y, zz = z * z;
        p[9] = d * (3 * xx * y - yy * y); gx[9] = 6 * d * x * y; gy[9] = 3 * d * (xx - yy); gz[9] = 0;
        p[10] = e * x * y * z; gx[10] = e * y * z; gy[10] = e * x * z; gz[10] = e * x * y;
        p[11] = f * y * (4 * zz - xx - yy); gx[11] = -2 * f * x * y; gy[11] = f * (4 * zz - xx - 3 * yy); gz[11] = 8 * f * y * z;
        p[12] = g * z * (2 * zz - 3 * xx - 3 * yy); gx[12] = -6 * g * x * z; gy[12] = -6 * g * y * z; gz[12] = g * (6 * zz - 3 * xx - 3 * yy);
        p[13] = f * x * (4 * zz - xx - yy); gx[13] = f * (4 * zz - 3 * xx - yy); gy[13] = -2 * f * x * y; gz[13] = 8 * f * x * z;
        p[14] = h * z * (xx - yy); gx[14] = 2 * h * x * z; gy[14] = -2 * h * y * z; gz[14] = h * (xx - yy);
        p[15] = d * (xx * x - 3 * x * yy); gx[15] = 3 * d * (xx - yy); gy[15] = -6 * d * x * y; gz[15] = 0;
    }
}
