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
    public void Envelope(double r, out double u, out double du)
    {
        double x = r / Cutoff;
        if (x >= 1) { u = 0; du = 0; return; }
        int p = P;
        double xp1 = Math.Pow(x, p - 1), xp = xp1 * x;
        u = 1 - 0.5 * (p + 1) * (p + 2) * xp + p * (p + 2) * xp * x - 0.5 * p * (p + 1) * xp * x * x;
        du = -0.5 * p * (p + 1) * (p + 2) * xp1 * (1 - x) * (1 - x) / Cutoff;
    }

    /// <summary>bₙ(r) and dbₙ/dr for n = 1…Count (r in Å, 0 &lt; r).</summary>
    public void Evaluate(double r, Span<double> values, Span<double> derivatives)
    {
        Envelope(r, out double u, out double du);
        double norm = Math.Sqrt(2.0 / Cutoff), inv = 1.0 / r;
        for (int n = 1; n <= Count; n++)
        {
            double k = n * Math.PI / Cutoff;
            double s = Math.Sin(k * r), c = Math.Cos(k * r);
            double f = norm * s * inv;                             // √(2/r_c) sin(kr)/r
            double df = norm * (k * c * r - s) * inv * inv;       // its r-derivative
            values[n - 1] = f * u;
            derivatives[n - 1] = df * u + f * du;
        }
    }
}
