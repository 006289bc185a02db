namespace MlipEngine.Potentials.Tersoff;

/// <summary>
/// Tersoff parameters of one element triplet (i, j, k), as in a LAMMPS .tersoff entry, in metal
/// units: A, B in eV; λ1, λ2, λ3 in 1/Å; R, D in Å; the rest unitless. The (i, j, j) entry gives
/// the pair terms of bond i–j (A, λ1, B, λ2, β, n, R, D); the (i, j, k) entry gives the three-body
/// factor of k on bond i–j (m, γ, λ3, c, d, h, R, D).
/// </summary>
public readonly struct TersoffParameters
{
    public TersoffParameters(int m, double gamma, double lambda3, double c, double d, double h, double n,
        double beta, double lambda2, double b, double r, double cutoffWidth, double lambda1, double a)
    {
        M = m; Gamma = gamma; Lambda3 = lambda3; C = c; D = d; H = h; N = n; Beta = beta;
        Lambda2 = lambda2; B = b; R = r; CutoffWidth = cutoffWidth; Lambda1 = lambda1; A = a;
        Cut = r + cutoffWidth;
        CutSquared = Cut * Cut;
        // Thresholds of the asymptotic forms of b(ζ) (LAMMPS PairTersoff::setup_params).
        if (n > 0)
        {
            C1 = Math.Pow(2.0 * n * 1.0e-16, -1.0 / n);
            C2 = Math.Pow(2.0 * n * 1.0e-8, -1.0 / n);
            C3 = 1.0 / C2;
            C4 = 1.0 / C1;
        }
    }

    /// <summary>Exponent m of the λ3 term (1 or 3).</summary>
    public int M { get; }
    public double Gamma { get; }
    public double Lambda3 { get; }
    public double C { get; }
    public double D { get; }
    /// <summary>h = cos θ₀ (LAMMPS "costheta0").</summary>
    public double H { get; }
    public double N { get; }
    public double Beta { get; }
    public double Lambda2 { get; }
    public double B { get; }
    /// <summary>Centre of the cutoff switch, Å.</summary>
    public double R { get; }
    /// <summary>Half-width of the cutoff switch (LAMMPS "D"), Å.</summary>
    public double CutoffWidth { get; }
    public double Lambda1 { get; }
    public double A { get; }
    /// <summary>R + D, Å.</summary>
    public double Cut { get; }
    public double CutSquared { get; }
    public double C1 { get; }
    public double C2 { get; }
    public double C3 { get; }
    public double C4 { get; }
}
