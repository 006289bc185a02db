namespace MlipEngine.Dynamics.Barostats;

/// <summary>
/// Small helpers for symmetric 3×3 matrices stored row-major in 9 doubles: eigen-decomposition by
/// cyclic Jacobi rotations, and functions f(A) = Q·diag(f(λ))·Qᵀ. Used once per step by barostats
/// (matrix exponentials of the cell velocity), never per atom.
/// </summary>
public static class SymmetricMatrix3
{
    /// <summary>A = Q·diag(λ)·Qᵀ; <paramref name="q"/> holds eigenvectors as columns (q[3i+k] = component i of vector k).</summary>
    public static void Eigen(ReadOnlySpan<double> a, Span<double> lambda, Span<double> q)
    {
        Span<double> m = stackalloc double[9];
        a.CopyTo(m);
        // symmetrise so round-off never breaks the Jacobi invariants
        for (int i = 0; i < 3; i++) for (int j = i + 1; j < 3; j++) { double s = 0.5 * (m[3 * i + j] + m[3 * j + i]); m[3 * i + j] = m[3 * j + i] = s; }
        q.Clear(); q[0] = q[4] = q[8] = 1;
        for (int sweep = 0; sweep < 50; sweep++)
        {
            double off = m[1] * m[1] + m[2] * m[2] + m[5] * m[5];
            double diag = m[0] * m[0] + m[4] * m[4] + m[8] * m[8];
            if (off <= 1e-30 * diag || off == 0) break;
            for (int p = 0; p < 2; p++)
                for (int r = p + 1; r < 3; r++)
                {
                    double apr = m[3 * p + r];
                    if (apr == 0) continue;
                    // rotation angle that zeroes A_pr: tan 2θ = 2A_pr/(A_rr − A_pp)
                    double theta = 0.5 * (m[3 * r + r] - m[3 * p + p]) / apr;
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < 3; k++)
                    {
                        double mkp = m[3 * k + p], mkr = m[3 * k + r];
                        m[3 * k + p] = c * mkp - s * mkr; m[3 * k + r] = s * mkp + c * mkr;
                    }
                    for (int k = 0; k < 3; k++)
                    {
                        double mpk = m[3 * p + k], mrk = m[3 * r + k];
                        m[3 * p + k] = c * mpk - s * mrk; m[3 * r + k] = s * mpk + c * mrk;
                    }
                    for (int k = 0; k < 3; k++)
                    {
                        double qkp = q[3 * k + p], qkr = q[3 * k + r];
                        q[3 * k + p] = c * qkp - s * qkr; q[3 * k + r] = s * qkp + c * qkr;
                    }
                }
        }
        lambda[0] = m[0]; lambda[1] = m[4]; lambda[2] = m[8];
    }

    /// <summary>M = Q·diag(d)·Qᵀ.</summary>
    public static void Compose(ReadOnlySpan<double> q, ReadOnlySpan<double> d, Span<double> result)
    {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += q[3 * i + k] * d[k] * q[3 * j + k];
                result[3 * i + j] = s;
            }
    }

    /// <summary>sinh(x)/x, with its Taylor series near 0.</summary>
    public static double Sinhc(double x) => Math.Abs(x) < 1e-4 ? 1 + x * x / 6 : Math.Sinh(x) / x;

    /// <summary>Row vectors times M, in place: (x,y,z)ᵢ ← (x,y,z)ᵢ·M for every i.</summary>
    public static void MultiplyRows(Span<double> x, Span<double> y, Span<double> z, ReadOnlySpan<double> m)
    {
        double m00 = m[0], m01 = m[1], m02 = m[2], m10 = m[3], m11 = m[4], m12 = m[5], m20 = m[6], m21 = m[7], m22 = m[8];
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i], b = y[i], c = z[i];
            x[i] = a * m00 + b * m10 + c * m20;
            y[i] = a * m01 + b * m11 + c * m21;
            z[i] = a * m02 + b * m12 + c * m22;
        }
    }
}
