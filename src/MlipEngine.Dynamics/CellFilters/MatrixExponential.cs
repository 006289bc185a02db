using MlipEngine.Geometry;

namespace MlipEngine.Dynamics.CellFilters;

/// <summary>
/// The exponential of a 3×3 matrix and its Fréchet derivative L(A, E) = d/dt exp(A + tE)|₀.
/// </summary>
/// <remarks>
/// Both come from one computation on the block matrix M = [[A, E], [0, A]], for which
/// exp(M) = [[exp A, L(A, E)], [0, exp A]] (Mathias 1996). Block-upper-triangular matrices with
/// equal diagonal blocks multiply as pairs, (A, E)(B, F) = (AB, AF + EB), so we carry pairs instead
/// of 6×6 matrices. Scaling and squaring: with ‖A‖₁/2ˢ ≤ ½ the Taylor series to order 18 has a
/// remainder below 0.5¹⁹/19! ≈ 1e-23 relative, far under double rounding; then square s times,
/// (X, D)² = (X², XD + DX).
/// The adjoint identity ⟨L(A, E), G⟩ = ⟨E, L(Aᵀ, G)⟩ (from L(A,E) = ∫₀¹ e^{sA} E e^{(1−s)A} ds)
/// turns a gradient with respect to exp(A) into one with respect to A with a single call.
/// </remarks>
public static class MatrixExponential
{
    private const int TaylorOrder = 18;

    public static Mat3 Exp(Mat3 a) => ExpWithDerivative(a, Mat3.Zero).Exp;

    /// <summary>exp(A) and L(A, E).</summary>
    public static (Mat3 Exp, Mat3 Derivative) ExpWithDerivative(Mat3 a, Mat3 e)
    {
        double norm = OneNorm(a);
        int s = 0;
        while (norm > 0.5) { norm *= 0.5; s++; }
        double scale = Math.ScaleB(1.0, -s);
        var x = scale * a; var dx = scale * e;

        // Horner: T = I + M(I + M/2(I + … (I + M/K))).
        Mat3 t = Mat3.Identity, dt = Mat3.Zero;
        for (int k = TaylorOrder; k >= 1; k--)
        {
            double c = 1.0 / k;
            // (t, dt) ← I + (x, dx)(t, dt)/k
            var nt = Mat3.Identity + c * (x * t);
            var ndt = c * (x * dt + dx * t);
            t = nt; dt = ndt;
        }
        for (int i = 0; i < s; i++)
        {
            var nt = t * t;
            var ndt = t * dt + dt * t;
            t = nt; dt = ndt;
        }
        return (t, dt);
    }

    /// <summary>The gradient pulled back through exp: returns L(Aᵀ, G), so that ⟨L(A, E), G⟩ = ⟨E, result⟩ for all E.</summary>
    public static Mat3 PullBack(Mat3 a, Mat3 g) => ExpWithDerivative(a.Transpose(), g).Derivative;

    private static double OneNorm(Mat3 m) => Math.Max(Math.Abs(m.XX) + Math.Abs(m.YX) + Math.Abs(m.ZX),
        Math.Max(Math.Abs(m.XY) + Math.Abs(m.YY) + Math.Abs(m.ZY), Math.Abs(m.XZ) + Math.Abs(m.YZ) + Math.Abs(m.ZZ)));
}
