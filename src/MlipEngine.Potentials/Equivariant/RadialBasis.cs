namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Radial basis: Bessel functions times a smooth polynomial cutoff envelope,
/// <code>  bₙ(r) = √(2/r_c) · sin(nπ r/r_c)/r · u(r/r_c),   n = 1…N  </code>
/// with the envelope of DimeNet/NequIP/MACE, for x = r/r_c &lt; 1,
/// <code>  u(x) = 1 − (p+1)(p+2)/2 · xᵖ + p(p+2) · xᵖ⁺¹ − p(p+1)/2 · xᵖ⁺²  </code>
/// and u = 0 beyond. Its derivative factorises, u′(x) = −p(p+1)(p+2)/2 · xᵖ⁻¹ (1 − x)², so u, u′ and
/// u″ vanish at x = 1: energies and forces go continuously to zero at the cutoff.
/// </summary>
public sealed class RadialBasis
{
    public RadialBasis(int count, double cutoff, int envelopeExponent)
    {
        if (count < 1) throw new ArgumentException("the radial basis needs at least one Bessel function");
        if (envelopeExponent < 2) throw new ArgumentException("the envelope exponent p must be at least 2");
        Count = count; Cutoff = cutoff; P = envelopeExponent;
    }

    public int Count { get; }
    /// <summary>r_c, Å.</summary>
    public double Cutoff { get; }
    public int P { get; }

    /// <summary>Envelope u(r/r_c) and du/dr (1/Å).</summary>
    public void Envelope(double r, out double u, out double du) => u = EnvelopeAt(r, Cutoff, P, out du);

    /// <summary>bₙ(r) and dbₙ/dr for n = 1…Count (r in Å, 0 &lt; r).</summary>
    public void Evaluate(double r, Span<double> values, Span<double> derivatives)
    {
        double u = EnvelopeAt(r, Cutoff, P, out double du);
        for (int n = 1; n <= Count; n++) values[n - 1] = BesselAt(n, r, Cutoff, u, du, out derivatives[n - 1]);
    }

    /// <summary>
    /// u(r/r_c) and du/dr (1/Å) for envelope exponent <paramref name="p"/>: the one statement of the envelope, called
    /// by every backend (scalars only, so the ILGPU kernels call it too).
    /// </summary>
    public static double EnvelopeAt(double r, double cutoff, int p, out double du)
    {
        double x = r / cutoff;
        if (x >= 1) { du = 0; return 0; }
        double xp1 = Math.Pow(x, p - 1), xp = xp1 * x;
        du = -0.5 * p * (p + 1) * (p + 2) * xp1 * (1 - x) * (1 - x) / cutoff;
        return 1 - 0.5 * (p + 1) * (p + 2) * xp + p * (p + 2) * xp * x - 0.5 * p * (p + 1) * xp * x * x;
    }

    /// <summary>
    /// bₙ(r) = √(2/r_c) sin(kr)/r · u with k = nπ/r_c, and dbₙ/dr = √(2/r_c) (kr cos(kr) − sin(kr))/r² · u + √(2/r_c) sin(kr)/r · u′,
    /// given the envelope <paramref name="u"/> and <paramref name="du"/> = du/dr at r (<see cref="EnvelopeAt"/>).
    /// </summary>
    public static double BesselAt(int n, double r, double cutoff, double u, double du, out double db)
    {
        double norm = Math.Sqrt(2.0 / cutoff), inv = 1.0 / r;
        double k = n * Math.PI / cutoff;
        double s = Math.Sin(k * r), c = Math.Cos(k * r);
        double f = norm * s * inv;                             // √(2/r_c) sin(kr)/r
        double df = norm * (k * c * r - s) * inv * inv;       // its r-derivative
        db = df * u + f * du;
        return f * u;
    }
}
