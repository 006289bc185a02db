using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Potentials.StillingerWeber;

/// <summary>Stillinger–Weber on plain double-precision loops over the full neighbor list: the oracle for <see cref="StillingerWeberCpu"/>.</summary>
/// <remarks>
/// <para>Every term is a function of displacements d = r_head − rᵢ from its centre atom i. With
/// g = ∂T/∂d: F_head −= g, Fᵢ += g, and the virial W = −∂E/∂ε gains −d ⊗ g (strain maps d → (1+ε)d).
/// ∂r/∂d = d̂; ∂cos θ/∂dᵢⱼ = (d̂ᵢₖ − cos θ d̂ᵢⱼ)/rᵢⱼ.</para>
/// <para>Pair, per ordered pair (half of φ₂ each way):
/// <code>
/// φ₂ = Aε [B σᵖ r⁻ᵖ − σ^q r⁻q] e,  e = exp(σ/(r − aσ))
/// φ₂′ = Aε [−pB σᵖ r⁻ᵖ⁻¹ + q σ^q r⁻q⁻¹] e − φ₂ σ/(r − aσ)²
/// </code>
/// Three-body, per ordered j ≠ k (half of φ₃ each way, which averages the (i,j,k) and (i,k,j) entries):
/// <code>
/// φ₃ = λε δ² Eⱼ Eₖ,  δ = cos θ − cos θ₀,  Eⱼ = exp(γσ/(rᵢⱼ − aσ)),  Eⱼ′ = −Eⱼ γσ/(rᵢⱼ − aσ)²
/// ∂φ₃/∂dᵢⱼ = λε [δ² Eⱼ′ Eₖ d̂ᵢⱼ + 2δ Eⱼ Eₖ (d̂ᵢₖ − cos θ d̂ᵢⱼ)/rᵢⱼ]   (and j ↔ k)
/// </code>
/// Per-atom energy: pair terms ½ to each atom, three-body terms ⅓ to each (LAMMPS ev_tally, ev_tally3).</para>
/// </remarks>
internal sealed class StillingerWeberReference : NeighborForceComputer
{
    private readonly StillingerWeberPotential _pot;

    public StillingerWeberReference(StillingerWeberPotential pot, ComputeOptions options) : base(pot, options, NeighborListKind.Full) { _pot = pot; }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        bool atomE = (outputs & ForceOutputs.AtomEnergies) != 0;
        for (int i = 0; i < batch.AtomCount; i++)
        {
            int s = batch.SystemIndex[i], ti = types[i];
            for (int a = list.Offsets[i]; a < list.Offsets[i + 1]; a++)
            {
                int j = list.Neighbors[a];
                ref readonly var pj = ref _pot.Parameters(ti, types[j], types[j]);
                Vec3 dij = list.Displacement(batch, i, a);
                double rij = dij.Norm;
                if (rij * rij >= pj.CutSquared) continue;
                Vec3 uij = dij / rij;

                // pair
                double sr = pj.Sigma / rij, e = Math.Exp(pj.Sigma / (rij - pj.Cut));
                double phi = pj.BigA * pj.Epsilon * (pj.BigB * Math.Pow(sr, pj.P) - Math.Pow(sr, pj.Q)) * e;
                double dphi = pj.BigA * pj.Epsilon * (-pj.P * pj.BigB * Math.Pow(sr, pj.P) + pj.Q * Math.Pow(sr, pj.Q)) / rij * e
                              - phi * pj.Sigma / ((rij - pj.Cut) * (rij - pj.Cut));
                result.Energy[s] += 0.5 * phi;
                if (atomE) { result.AtomEnergies[i] += 0.25 * phi; result.AtomEnergies[j] += 0.25 * phi; }
                Apply(result, s, i, j, dij, 0.5 * dphi * uij);

                // three-body, ordered k ≠ j
                double ej = Math.Exp(pj.Gamma * pj.Sigma / (rij - pj.Cut));
                double dej = -ej * pj.Gamma * pj.Sigma / ((rij - pj.Cut) * (rij - pj.Cut));
                for (int b = list.Offsets[i]; b < list.Offsets[i + 1]; b++)
                {
                    if (b == a) continue;
                    int k = list.Neighbors[b];
                    ref readonly var pk = ref _pot.Parameters(ti, types[k], types[k]);
                    Vec3 dik = list.Displacement(batch, i, b);
                    double rik = dik.Norm;
                    if (rik * rik >= pk.CutSquared) continue;
                    Vec3 uik = dik / rik;
                    ref readonly var pjk = ref _pot.Parameters(ti, types[j], types[k]);
                    double ek = Math.Exp(pk.Gamma * pk.Sigma / (rik - pk.Cut));
                    double dek = -ek * pk.Gamma * pk.Sigma / ((rik - pk.Cut) * (rik - pk.Cut));
                    double cos = Vec3.Dot(uij, uik), delta = cos - pjk.CosTheta0, le = 0.5 * pjk.Lambda * pjk.Epsilon;
                    double h = le * delta * delta * ej * ek;
                    result.Energy[s] += h;
                    if (atomE) { result.AtomEnergies[i] += h / 3; result.AtomEnergies[j] += h / 3; result.AtomEnergies[k] += h / 3; }
                    Vec3 gj = le * (delta * delta * dej * ek * uij + 2 * delta * ej * ek / rij * (uik - cos * uij));
                    Vec3 gk = le * (delta * delta * ej * dek * uik + 2 * delta * ej * ek / rik * (uij - cos * uik));
                    Apply(result, s, i, j, dij, gj);
                    Apply(result, s, i, k, dik, gk);
                }
            }
        }
    }

    private static void Apply(ForceResult result, int s, int i, int head, Vec3 d, Vec3 g)
    {
        result.Fx[i] += g.X; result.Fy[i] += g.Y; result.Fz[i] += g.Z;
        result.Fx[head] -= g.X; result.Fy[head] -= g.Y; result.Fz[head] -= g.Z;
        var w = result.VirialOf(s);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) w[3 * a + b] -= d[a] * g[b];
    }
}
