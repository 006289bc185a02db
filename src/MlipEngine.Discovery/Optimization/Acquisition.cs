using MathNet.Numerics;

namespace MlipEngine.Discovery.Optimization;

/// <summary>Acquisition function (for minimisation; a maximised objective is negated before it reaches the surrogate).</summary>
public enum AcquisitionKind { LogEi, Ei, Ucb }

/// <summary>
/// Acquisition values a(μ, σ) with their partial derivatives, to be chained with the posterior's ∂μ/∂x and
/// ∂σ/∂x = (∂σ²/∂x)/(2σ). With f* the incumbent (lowest value observed) and z = (f* − μ)/σ:
/// <code>
///   EI     = σ h(z),  h(z) = φ(z) + zΦ(z)          ∂EI/∂μ = −Φ(z),  ∂EI/∂σ = φ(z)
///   log EI = log σ + log h(z)                       (∂/∂μ, ∂/∂σ) = (−Φ(z), φ(z)) / (σ h(z))
///   UCB    = −μ + κσ                                (the lower confidence bound of f, negated)
/// </code>
/// log h(z) is computed without cancellation for very negative z (Ament et al. 2023, "Unexpected improvements
/// to expected improvement"): with t = −z, Mills' ratio Φ(−t)/φ(t) = 1/(t + c), c = 1/(t + 2/(t + 3/(t + …)))
/// (Laplace's continued fraction), so h(z) = φ(t)(1 − t/(t + c)) = φ(t)·c/(t + c), Φ(z)/h(z) = 1/c and φ(z)/h(z) = (t + c)/c.
/// </summary>
public static class Acquisition
{
    private const double InvSqrt2Pi = 0.3989422804014327;
    private const double LogSqrt2Pi = 0.9189385332046728;

    /// <summary>Standard normal CDF Φ(z) = ½ erfc(−z/√2).</summary>
    public static double NormalCdf(double z) => 0.5 * SpecialFunctions.Erfc(-z / Math.Sqrt(2));
    public static double NormalPdf(double z) => InvSqrt2Pi * Math.Exp(-0.5 * z * z);

    /// <summary>a(μ, σ), ∂a/∂μ, ∂a/∂σ. σ ≤ 0 (a point already observed without noise) gives the limit σ → 0⁺.</summary>
    public static (double Value, double DMu, double DSigma) Evaluate(AcquisitionKind kind, double mu, double sigma, double best, double kappa = 2.0)
    {
        sigma = Math.Max(sigma, 1e-12);
        if (kind == AcquisitionKind.Ucb) return (-mu + kappa * sigma, -1, kappa);
        double z = (best - mu) / sigma;
        if (kind == AcquisitionKind.Ei)
        {
            double cdf = NormalCdf(z), pdf = NormalPdf(z);
            return (sigma * (pdf + z * cdf), -cdf, pdf);
        }
        var (logH, cdfOverH, pdfOverH) = LogH(z);
        return (Math.Log(sigma) + logH, -cdfOverH / sigma, pdfOverH / sigma);
    }

    /// <summary>log h(z), Φ(z)/h(z) and φ(z)/h(z); direct for z > −2 (h(−2) ≈ 0.0085, no cancellation), continued fraction below.</summary>
    internal static (double LogH, double CdfOverH, double PdfOverH) LogH(double z)
    {
        if (z > -2)
        {
            double cdf = NormalCdf(z), pdf = NormalPdf(z), h = pdf + z * cdf;
            return (Math.Log(h), cdf / h, pdf / h);
        }
        double t = -z;
        // c = 1/(t + 2/(t + 3/(t + …))) by backward recurrence; 200 levels converge to double precision for t ≥ 2.
        double tail = t;
        for (int k = 200; k >= 2; k--) tail = t + k / tail;
        double c = 1 / tail;
        double logPdf = -0.5 * t * t - LogSqrt2Pi;
        return (logPdf + Math.Log(c) - Math.Log(t + c), 1 / c, (t + c) / c);
    }

    /// <summary>
    /// a(x) and ∂a/∂x at a point of the unit cube, from the surrogate's posterior; the surrogate's outputs are
    /// the objective to minimise. Chain rule: ∂a/∂x = ∂a/∂μ·∂μ/∂x + ∂a/∂σ·(∂σ²/∂x)/(2σ).
    /// </summary>
    public static double ValueAndGradient(AcquisitionKind kind, GaussianProcess gp, ReadOnlySpan<double> x, double best, Span<double> gradient, double kappa = 2.0)
    {
        int d = x.Length;
        Span<double> dMean = stackalloc double[d], dVar = stackalloc double[d];
        var (mu, variance) = gradient.IsEmpty ? gp.Predict(x) : gp.Predict(x, dMean, dVar);
        double sigma = Math.Sqrt(Math.Max(variance, 1e-24));
        var (a, dmu, dsigma) = Evaluate(kind, mu, sigma, best, kappa);
        if (!gradient.IsEmpty)
            for (int k = 0; k < d; k++) gradient[k] = dmu * dMean[k] + dsigma * dVar[k] / (2 * sigma);
        return a;
    }
}
