namespace MlipEngine.Discovery.Optimization;

/// <summary>Stationary covariance of the surrogate: ARD Matérn-5/2 (the Bayesian-optimisation default) or ARD squared exponential.</summary>
public enum KernelKind { Matern52, Rbf }

/// <summary>
/// Prior mean of the (normalised) outputs: <c>Empirical</c> is the sample mean (scikit-learn's
/// <c>normalize_y=True</c>); <c>Constant</c> and <c>Linear</c> (β₀ + βᵀx) are estimated by generalised
/// least squares at the current hyperparameters, β̂ = (HᵀK⁻¹H)⁻¹HᵀK⁻¹y, the maximum of the likelihood in β.
/// </summary>
public enum MeanKind { Empirical, Constant, Linear }

/// <summary>Hyperparameters in normalised output units: k(x, x') = σ²·κ(r), r² = Σ_d (x_d − x'_d)²/ℓ_d², plus noise variance σ_n² on the diagonal.</summary>
public sealed record GpHyperparameters(double SignalVariance, double[] LengthScales, double NoiseVariance)
{
    /// <summary>θ = (log σ², log ℓ₁ … log ℓ_d, log σ_n²), the coordinates the likelihood is maximised in.</summary>
    public double[] ToLog() => [Math.Log(SignalVariance), .. LengthScales.Select(l => Math.Log(l)), Math.Log(NoiseVariance)];

    public static GpHyperparameters FromLog(ReadOnlySpan<double> theta) =>
        new(Math.Exp(theta[0]), theta[1..^1].ToArray().Select(t => Math.Exp(t)).ToArray(), Math.Exp(theta[^1]));
}

/// <summary>
/// Gaussian-process regression on fixed hyperparameters. Outputs are standardised, y_n = (y − ȳ)/s_y
/// (s_y the population standard deviation, 1 when all y are equal), as scikit-learn's <c>normalize_y</c>;
/// inputs are used as given (the design space hands over the unit cube). With K = k(X, X) + σ_n² I = L·Lᵀ and
/// r = y_n − Hβ̂, α = K⁻¹r:
/// <code>
///   μ(x)  = s_y·(h(x)ᵀβ̂ + k(x)ᵀα) + ȳ
///   σ²(x) = s_y²·(σ² − vᵀv),  v = L⁻¹k(x)          (latent f, without the noise)
///   log p(y_n | X, θ) = −½ rᵀα − Σ log L_ii − (n/2) log 2π
/// </code>
/// The likelihood is the one of the normalised outputs, as scikit-learn reports it.
/// </summary>
public sealed class GaussianProcess
{
    private const double Sqrt5 = 2.23606797749979;
    private readonly double[][] _x;
    private readonly double[] _alpha;
    private readonly double[] _beta;
    private readonly CholeskyFactor _chol;
    private readonly double[] _invLengthSq;

    public GaussianProcess(IReadOnlyList<double[]> x, IReadOnlyList<double> y, GpHyperparameters hyper, KernelKind kernel = KernelKind.Matern52, MeanKind mean = MeanKind.Empirical)
    {
        if (x.Count == 0) throw new ArgumentException("a Gaussian process needs at least one observation");
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} inputs but {y.Count} outputs");
        N = x.Count;
        Dimension = x[0].Length;
        if (hyper.LengthScales.Length != Dimension) throw new ArgumentException($"{hyper.LengthScales.Length} length scales for {Dimension} input dimensions");
        Hyper = hyper; Kernel = kernel; Mean = mean;
        _x = x.Select(p => (double[])p.Clone()).ToArray();
        _invLengthSq = hyper.LengthScales.Select(l => 1 / (l * l)).ToArray();

        double m = 0;
        for (int i = 0; i < N; i++) m += y[i];
        m /= N;
        double v = 0;
        for (int i = 0; i < N; i++) v += (y[i] - m) * (y[i] - m);
        double s = Math.Sqrt(v / N);
        YMean = m;
        YScale = s > 0 ? s : 1;
        var yn = new double[N];
        for (int i = 0; i < N; i++) yn[i] = (y[i] - YMean) / YScale;

        var k = CovarianceMatrix();
        _chol = CholeskyFactor.Factor(k, N);

        // Generalised least squares for the mean's coefficients: (HᵀK⁻¹H) β = HᵀK⁻¹ y_n.
        int p = BasisSize;
        _beta = new double[p];
        if (p > 0)
        {
            var kinvH = new double[p][];
            for (int a = 0; a < p; a++) { kinvH[a] = new double[N]; for (int i = 0; i < N; i++) kinvH[a][i] = Basis(_x[i], a); _chol.Solve(kinvH[a]); }
            var a2 = new MathNet.Numerics.LinearAlgebra.Double.DenseMatrix(p, p);
            var rhs = new MathNet.Numerics.LinearAlgebra.Double.DenseVector(p);
            for (int a = 0; a < p; a++)
            {
                for (int b = 0; b < p; b++) { double t = 0; for (int i = 0; i < N; i++) t += Basis(_x[i], b) * kinvH[a][i]; a2[a, b] = t; }
                double r = 0; for (int i = 0; i < N; i++) r += yn[i] * kinvH[a][i]; rhs[a] = r;
            }
            // A ridge of 1e-10·tr keeps β defined when the points do not span the basis (fewer points than d + 1).
            double tr = 0; for (int a = 0; a < p; a++) tr += a2[a, a];
            for (int a = 0; a < p; a++) a2[a, a] += 1e-10 * tr + 1e-300;
            a2.Solve(rhs).AsArray().CopyTo(_beta, 0);
        }
        Residual = new double[N];
        for (int i = 0; i < N; i++) Residual[i] = yn[i] - MeanFunction(_x[i]);
        _alpha = (double[])Residual.Clone();
        _chol.Solve(_alpha);
        LogMarginalLikelihood = -0.5 * CholeskyFactor.Dot(Residual, _alpha) - 0.5 * _chol.LogDeterminant() - 0.5 * N * Math.Log(2 * Math.PI);
    }

    public int N { get; }
    public int Dimension { get; }
    public GpHyperparameters Hyper { get; }
    public KernelKind Kernel { get; }
    public MeanKind Mean { get; }
    public double YMean { get; }
    public double YScale { get; }
    /// <summary>Jitter the Cholesky factorisation had to add (normalised units; 0 normally).</summary>
    public double Jitter => _chol.Jitter;
    /// <summary>log p(y_n | X, θ) of the standardised outputs.</summary>
    public double LogMarginalLikelihood { get; }
    internal double[] Residual { get; }
    internal double[] Alpha => _alpha;
    internal CholeskyFactor Factor => _chol;
    public IReadOnlyList<double[]> Inputs => _x;

    private int BasisSize => Mean switch { MeanKind.Constant => 1, MeanKind.Linear => 1 + Dimension, _ => 0 };
    private static double Basis(double[] x, int a) => a == 0 ? 1 : x[a - 1];
    private double MeanFunction(ReadOnlySpan<double> x)
    {
        if (_beta.Length == 0) return 0;
        double m = _beta[0];
        for (int a = 1; a < _beta.Length; a++) m += _beta[a] * x[a - 1];
        return m;
    }

    /// <summary>r² = Σ_d (x_d − x'_d)²/ℓ_d².</summary>
    internal double ScaledDistanceSq(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double r2 = 0;
        for (int d = 0; d < a.Length; d++) { double t = a[d] - b[d]; r2 += t * t * _invLengthSq[d]; }
        return r2;
    }

    /// <summary>
    /// κ(r²) and dκ/d(r²) with σ² folded in. Matérn-5/2: κ = σ²(1 + √5r + 5r²/3)e^(−√5r), whose derivative
    /// dκ/dr = −σ²(5/3)r(1 + √5r)e^(−√5r) gives dκ/d(r²) = −σ²(5/6)(1 + √5r)e^(−√5r) (finite at r = 0).
    /// Squared exponential: κ = σ²e^(−r²/2), dκ/d(r²) = −κ/2.
    /// </summary>
    internal (double K, double DkDr2) Kappa(double r2)
    {
        double s2 = Hyper.SignalVariance;
        if (Kernel == KernelKind.Rbf)
        {
            double k = s2 * Math.Exp(-0.5 * r2);
            return (k, -0.5 * k);
        }
        double r = Math.Sqrt(r2), e = Math.Exp(-Sqrt5 * r);
        return (s2 * (1 + Sqrt5 * r + 5.0 / 3.0 * r2) * e, -s2 * 5.0 / 6.0 * (1 + Sqrt5 * r) * e);
    }

    /// <summary>k(X, X) + σ_n² I, row-major.</summary>
    internal double[] CovarianceMatrix()
    {
        var k = new double[N * N];
        Parallel.For(0, N, i =>
        {
            for (int j = 0; j <= i; j++)
            {
                double kij = Kappa(ScaledDistanceSq(_x[i], _x[j])).K;
                k[i * N + j] = kij; k[j * N + i] = kij;
            }
            k[i * N + i] += Hyper.NoiseVariance;
        });
        return k;
    }

    /// <summary>Posterior mean and latent variance at <paramref name="x"/>, in the original output units.</summary>
    public (double Mean, double Variance) Predict(ReadOnlySpan<double> x) => Predict(x, default, default);

    /// <summary>
    /// Posterior mean and variance with their gradients in x (written when the spans are non-empty):
    /// ∂μ/∂x = s_y(∂h/∂x β̂ + Σ_i α_i ∂k_i/∂x), ∂σ²/∂x = −2 s_y² Σ_i w_i ∂k_i/∂x with w = K⁻¹k(x),
    /// and ∂k_i/∂x_d = dκ/d(r²)·2(x_d − x_id)/ℓ_d².
    /// </summary>
    public (double Mean, double Variance) Predict(ReadOnlySpan<double> x, Span<double> dMean, Span<double> dVariance)
    {
        var kx = new double[N];
        var dk = new double[N];   // dκ/d(r²) per training point
        for (int i = 0; i < N; i++) (kx[i], dk[i]) = Kappa(ScaledDistanceSq(x, _x[i]));
        double mean = MeanFunction(x) + CholeskyFactor.Dot(kx, _alpha);
        var w = (double[])kx.Clone();
        _chol.SolveLower(w);
        double variance = Math.Max(0, Hyper.SignalVariance - CholeskyFactor.Dot(w, w));
        bool grad = !dMean.IsEmpty || !dVariance.IsEmpty;
        if (grad)
        {
            _chol.SolveUpper(w);   // w = K⁻¹ k(x)
            for (int d = 0; d < Dimension; d++)
            {
                double gm = Mean == MeanKind.Linear ? _beta[d + 1] : 0, gv = 0;
                for (int i = 0; i < N; i++)
                {
                    double dki = dk[i] * 2 * (x[d] - _x[i][d]) * _invLengthSq[d];
                    gm += _alpha[i] * dki;
                    gv -= 2 * w[i] * dki;
                }
                if (!dMean.IsEmpty) dMean[d] = YScale * gm;
                if (!dVariance.IsEmpty) dVariance[d] = YScale * YScale * gv;
            }
        }
        return (YScale * mean + YMean, YScale * YScale * variance);
    }

    /// <summary>
    /// ∂ log p / ∂θ for θ = (log σ², log ℓ_d, log σ_n²): ½ tr((ααᵀ − K⁻¹) ∂K/∂θ), with ∂K/∂log σ² = K − σ_n²I,
    /// ∂K_ij/∂log ℓ_d = dκ/d(r²)·(−2)(x_id − x_jd)²/ℓ_d², ∂K/∂log σ_n² = σ_n² I. With a GLS mean the profile
    /// likelihood has the same gradient (β̂ maximises it, so ∂/∂β vanishes there).
    /// </summary>
    public double[] LogMarginalLikelihoodGradient()
    {
        var kinv = _chol.Inverse();
        int d = Dimension;
        var grad = new double[d + 2];
        Parallel.For(0, N, () => new double[d + 2], (i, _, g) =>
        {
            for (int j = 0; j <= i; j++)
            {
                double wij = _alpha[i] * _alpha[j] - kinv[i * N + j];
                double mult = i == j ? 0.5 : 1.0;   // the sum over the symmetric matrix counts off-diagonal pairs twice
                var (kij, dkij) = Kappa(ScaledDistanceSq(_x[i], _x[j]));
                g[0] += mult * wij * kij;
                for (int a = 0; a < d; a++)
                {
                    double t = _x[i][a] - _x[j][a];
                    g[1 + a] += mult * wij * dkij * (-2) * t * t * _invLengthSq[a];
                }
                if (i == j) g[d + 1] += 0.5 * wij * Hyper.NoiseVariance;
            }
            return g;
        }, g => { lock (grad) for (int a = 0; a < grad.Length; a++) grad[a] += g[a]; });
        return grad;
    }
}
