using System.Numerics;
using System.Runtime.CompilerServices;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.StillingerWeber;

/// <summary>
/// The Stillinger–Weber terms of one centre atom i, written once for the CPU backend (double) and the
/// ILGPU kernels (double or float); the Reference backend keeps its own term-by-term form as the oracle.
/// Coefficients per ordered type pair as <see cref="StillingerWeberPotential.PackedPairs"/> and per
/// triplet as <see cref="StillingerWeberPotential.PackedTriplets"/>; formulas in <see cref="StillingerWeberReference"/>.
/// </summary>
public static class StillingerWeberFormula
{
    /// <summary>
    /// Bond i–j at distance r (inside the cutoff): returns φ₂(r) = (c₅ r⁻ᵖ − c₆ r⁻q) e^{σ/(r − aσ)} (eV) and
    /// sets <paramref name="dPhi"/> = φ₂′(r), the bond's radial factor E = e^{γσ/(r − aσ)} of the three-body
    /// terms and its derivative E′ = −E γσ/(r − aσ)².
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Pair<T>(T r, T cut, T sigma, T gammaSigma, T c5, T c6, T p, T q, out T dPhi, out T radial, out T dRadial)
        where T : IFloatingPointIeee754<T>
    {
        T inva = T.One / (r - cut);
        T ex = T.Exp(sigma * inva);
        T rp = T.Pow(r, -p), rq = T.Pow(r, -q);
        T phi = (c5 * rp - c6 * rq) * ex;
        dPhi = (-p * c5 * rp + q * c6 * rq) / r * ex - phi * sigma * inva * inva;
        radial = T.Exp(gammaSigma * inva);
        dRadial = -radial * gammaSigma * inva * inva;
        return phi;
    }

    /// <summary>
    /// The three-body term of the unordered pair of bonds a, b around i with cos θ = ûₐ·û_b: returns
    /// h = φ₃ (eV, the mean of the (i,a,b) and (i,b,a) entries, see <see cref="StillingerWeberPotential"/>) and
    /// the gradient factors, so that ∂h/∂dₐ = <paramref name="ra"/> ûₐ + <paramref name="ca"/> û_b and
    /// ∂h/∂d_b = <paramref name="rb"/> û_b + <paramref name="cb"/> ûₐ (dₐ = r_a − rᵢ).
    /// With δ = cos θ − cos θ₀: ∂h/∂rₐ = λε δ² Eₐ′E_b, ∂h/∂cos = 2λε δ EₐE_b, ∂cos/∂dₐ = (û_b − cos ûₐ)/rₐ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Triplet<T, R>(T cos, T ea, T dea, T invRa, T eb, T deb, T invRb,
        T lambdaEpsilon, T cosTheta0, T lambdaEpsilonSwapped, T cosTheta0Swapped, bool symmetric,
        out T ra, out T ca, out T rb, out T cb)
        where T : IFloatingPointIeee754<T> where R : IReal<T>
    {
        T eab = ea * eb, h, dhdc, dhdr;
        T delta = cos - cosTheta0;
        if (symmetric)
        {
            T led = lambdaEpsilon * delta;
            h = led * delta * eab;
            dhdr = led * delta;
            dhdc = R.From(2) * led * eab;
        }
        else
        {
            T delta2 = cos - cosTheta0Swapped;
            T half = R.From(0.5);
            T led = half * lambdaEpsilon * delta, led2 = half * lambdaEpsilonSwapped * delta2;
            dhdr = led * delta + led2 * delta2;
            h = dhdr * eab;
            dhdc = R.From(2) * (led + led2) * eab;
        }
        ra = dhdr * dea * eb - dhdc * cos * invRa; ca = dhdc * invRa;
        rb = dhdr * ea * deb - dhdc * cos * invRb; cb = dhdc * invRb;
        return h;
    }
}
