using System.Numerics;

namespace MlipEngine.Discovery.Optimization;

/// <summary>The Cholesky factorisation failed even with the largest jitter; the message says why and what to try.</summary>
public sealed class CholeskyException(string message) : InvalidOperationException(message);

/// <summary>
/// Lower Cholesky factor L (K = L·Lᵀ) of a symmetric positive-definite matrix, row-major, with jitter
/// escalation: when K is numerically indefinite (near-duplicate points, a tiny noise level), ε·mean(diag K)
/// is added to the diagonal with ε = 10⁻¹⁰, 10⁻⁹, … 10⁻⁴ before giving up with a <see cref="CholeskyException"/>.
/// Rows of L are contiguous, so each inner product of the factorisation and the solves is a SIMD dot product.
/// </summary>
public sealed class CholeskyFactor
{
    private readonly double[] _l;

    private CholeskyFactor(int n, double[] l, double jitter) { N = n; _l = l; Jitter = jitter; }

    public int N { get; }
    /// <summary>What was added to the diagonal (0 when none was needed).</summary>
    public double Jitter { get; }

    public ReadOnlySpan<double> Row(int i) => _l.AsSpan(i * N, i + 1);

    /// <summary>Factorises the n×n row-major matrix <paramref name="k"/> (left unchanged).</summary>
    public static CholeskyFactor Factor(ReadOnlySpan<double> k, int n)
    {
        double meanDiag = 0;
        for (int i = 0; i < n; i++) meanDiag += k[i * n + i];
        meanDiag = n > 0 ? meanDiag / n : 1;
        var l = new double[n * n];
        double jitter = 0;
        for (int attempt = 0; ; attempt++)
        {
            if (TryFactor(k, n, jitter, l)) return new CholeskyFactor(n, l, jitter);
            if (attempt == 7 || !double.IsFinite(meanDiag))
                throw new CholeskyException(
                    $"the kernel matrix of {n} points is not positive definite even with jitter {jitter:G2} on its diagonal " +
                    "(duplicated or nearly duplicated points with too little noise, or non-finite values); raise the noise floor or remove duplicates");
            jitter = Math.Abs(meanDiag) * Math.Pow(10, -10 + attempt);
        }
    }

    /// <summary>L_ij = (K_ij − Σ_{k&lt;j} L_ik L_jk) / L_jj, L_ii = √(K_ii + jitter − Σ_{k&lt;i} L_ik²).</summary>
    private static bool TryFactor(ReadOnlySpan<double> k, int n, double jitter, double[] l)
    {
        for (int i = 0; i < n; i++)
        {
            var rowI = l.AsSpan(i * n, n);
            for (int j = 0; j < i; j++)
                rowI[j] = (k[i * n + j] - Dot(rowI[..j], l.AsSpan(j * n, j))) / l[j * n + j];
            double d = k[i * n + i] + jitter - Dot(rowI[..i], rowI[..i]);
            if (!(d > 0) || !double.IsFinite(d)) return false;
            rowI[i] = Math.Sqrt(d);
        }
        return true;
    }

    /// <summary>Solves L·x = b in place.</summary>
    public void SolveLower(Span<double> b)
    {
        for (int i = 0; i < N; i++) b[i] = (b[i] - Dot(_l.AsSpan(i * N, i), b[..i])) / _l[i * N + i];
    }

    /// <summary>Solves Lᵀ·x = b in place (back substitution, row i of L scattered as an axpy).</summary>
    public void SolveUpper(Span<double> b)
    {
        for (int i = N - 1; i >= 0; i--)
        {
            double xi = b[i] / _l[i * N + i];
            b[i] = xi;
            Axpy(-xi, _l.AsSpan(i * N, i), b);
        }
    }

    /// <summary>Solves K·x = b in place.</summary>
    public void Solve(Span<double> b) { SolveLower(b); SolveUpper(b); }

    /// <summary>log det K = 2 Σ log L_ii.</summary>
    public double LogDeterminant()
    {
        double s = 0;
        for (int i = 0; i < N; i++) s += Math.Log(_l[i * N + i]);
        return 2 * s;
    }

    /// <summary>
    /// K⁻¹ = L⁻ᵀL⁻¹ (row-major, symmetric): L⁻¹ by forward substitution, row i of L⁻¹ from
    /// (L⁻¹)_ij = −(Σ_{j≤k&lt;i} L_ik (L⁻¹)_kj)/L_ii, then (K⁻¹)_ij = Σ_{k≥max(i,j)} (L⁻¹)_ki (L⁻¹)_kj — about
    /// ⅔n³ operations, a third of solving K·x = eᵢ column by column.
    /// </summary>
    public double[] Inverse()
    {
        int n = N;
        var w = new double[n * n];   // L⁻¹, lower, row-major
        var col = new double[n];
        for (int j = 0; j < n; j++)
        {
            // Column j of L⁻¹: solve L·c = e_j, rows j..n−1 only.
            Array.Clear(col);
            col[j] = 1 / _l[j * n + j];
            for (int i = j + 1; i < n; i++)
                col[i] = -Dot(_l.AsSpan(i * n + j, i - j), col.AsSpan(j, i - j)) / _l[i * n + i];
            for (int i = j; i < n; i++) w[i * n + j] = col[i];
        }
        // K⁻¹ = Wᵀ W with W = L⁻¹: (K⁻¹)_ij = Σ_k W_ki W_kj; accumulate row k's outer product (rows of W are contiguous).
        var inv = new double[n * n];
        Parallel.For(0, n, i =>
        {
            var row = inv.AsSpan(i * n, n);
            for (int k = i; k < n; k++)
            {
                double wki = w[k * n + i];
                if (wki == 0) continue;
                Axpy(wki, w.AsSpan(k * n, k + 1), row);
            }
        });
        return inv;
    }

    /// <summary>y[0..x.Length) += a·x.</summary>
    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<double>.Count;
            var va = new Vector<double>(a);
            for (; i <= x.Length - w; i += w) (new Vector<double>(y.Slice(i, w)) + va * new Vector<double>(x.Slice(i, w))).CopyTo(y.Slice(i, w));
        }
        for (; i < x.Length; i++) y[i] += a * x[i];
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= 2 * Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            int w = Vector<double>.Count;
            for (; i <= a.Length - w; i += w) acc += new Vector<double>(a.Slice(i, w)) * new Vector<double>(b.Slice(i, w));
            s = Vector.Sum(acc);
        }
        for (; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
