namespace MlipEngine.Potentials.StillingerWeber;

/// <summary>
/// Stillinger–Weber parameters of one element triplet (i, j, k), as in a LAMMPS .sw entry, in metal
/// units: ε in eV, σ in Å, the rest unitless. The (i, j, j) entry gives the pair term of i–j and the
/// radial factor of bond i–j in three-body terms (ε, σ, a, γ, A, B, p, q); the (i, j, k) entry gives
/// the angular strength λε and cos θ₀ of the triplet j–i–k.
/// </summary>
public readonly struct StillingerWeberParameters
{
    public StillingerWeberParameters(double epsilon, double sigma, double a, double lambda, double gamma,
        double cosTheta0, double bigA, double bigB, double p, double q, double tol)
    {
        Epsilon = epsilon; Sigma = sigma; LittleA = a; Lambda = lambda; Gamma = gamma; CosTheta0 = cosTheta0;
        BigA = bigA; BigB = bigB; P = p; Q = q;
        // LAMMPS PairSW::setup_params: cut = aσ stays the potential's singularity; tol > 0 shortens
        // the neighbor cutoff to where exp(γσ/(r − aσ)) < tol (tol capped at 0.01).
        Cut = sigma * a;
        double rc = Cut;
        if (tol > 0)
        {
            tol = Math.Min(tol, 0.01);
            rc += gamma < 1.0 ? gamma * sigma / Math.Log(tol) : sigma / Math.Log(tol);
        }
        Tol = tol;
        CutSquared = rc * rc;
    }

    public double Epsilon { get; }
    public double Sigma { get; }
    /// <summary>a: the pair cutoff is aσ.</summary>
    public double LittleA { get; }
    public double Lambda { get; }
    public double Gamma { get; }
    public double CosTheta0 { get; }
    public double BigA { get; }
    public double BigB { get; }
    public double P { get; }
    public double Q { get; }
    /// <summary>tol after LAMMPS' cap at 0.01 (0 = exact cutoff aσ).</summary>
    public double Tol { get; }
    /// <summary>aσ, Å: where the radial functions vanish.</summary>
    public double Cut { get; }
    /// <summary>Square of the neighbor cutoff (aσ, or shorter when tol &gt; 0), Å².</summary>
    public double CutSquared { get; }
}
