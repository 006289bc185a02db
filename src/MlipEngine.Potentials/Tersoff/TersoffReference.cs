using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.State;

using TersoffFunctions = MlipEngine.Potentials.Tersoff.TersoffFunctions<double, MlipEngine.Kernels.F64>;

namespace MlipEngine.Potentials.Tersoff;

/// <summary>Tersoff on plain double-precision loops over the full neighbor list: the oracle for <see cref="TersoffCpu"/>.</summary>
/// <remarks>
/// <para>Every term is a function of displacements d = r_head − rᵢ from its centre atom i. With
/// g = ∂T/∂d for each such d: F_head −= g, Fᵢ += g, and, since a homogeneous strain maps d → (1+ε)d,
/// ∂T/∂ε_ab = Σ d_a g_b, so the virial W = −∂E/∂ε gains −Σ d ⊗ g.</para>
/// <para>Geometry: ∂r/∂d = d̂; for cos θ = d̂ᵢⱼ·d̂ᵢₖ, ∂cos θ/∂dᵢⱼ = (d̂ᵢₖ − cos θ d̂ᵢⱼ)/rᵢⱼ (and i↔k).</para>
/// <para>Bond i→j (r = rᵢⱼ within R+D of the (i,j,j) entry p) contributes
/// T = ½ f_c f_R(r) + ½ b(ζ) f_c f_A(r), ζ = Σₖ ζₖ, ζₖ = f_c(rᵢₖ) g(cos θ) e(rᵢⱼ − rᵢₖ) (entry (i,j,k)), so
/// <code>
/// ∂T/∂dᵢⱼ = ½ (f_c f_R)′ d̂ᵢⱼ + ½ b (f_c f_A)′ d̂ᵢⱼ + P Σₖ [ f_c g e′ d̂ᵢⱼ + f_c g′ e (d̂ᵢₖ − cos θ d̂ᵢⱼ)/rᵢⱼ ]
/// ∂T/∂dᵢₖ = P [ (f_c′ g e − f_c g e′) d̂ᵢₖ + f_c g′ e (d̂ᵢⱼ − cos θ d̂ᵢₖ)/rᵢₖ ],   P = ½ f_c f_A b′(ζ)
/// </code>
/// Per-atom energy: T is split ½ to i and ½ to j (LAMMPS ev_tally).</para>
/// </remarks>
internal sealed class TersoffReference : NeighborForceComputer
{
    private readonly TersoffPotential _pot;

    public TersoffReference(TersoffPotential pot, ComputeOptions options) : base(pot, options, NeighborListKind.Full) { _pot = pot; }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        bool atomE = (outputs & ForceOutputs.AtomEnergies) != 0;
        for (int i = 0; i < batch.AtomCount; i++)
        {
            int s = batch.SystemIndex[i], ti = types[i];
            for (int a = list.Offsets[i]; a < list.Offsets[i + 1]; a++)
            {
                int j = list.Neighbors[a], tj = types[j];
                ref readonly var pij = ref _pot.Parameters(ti, tj, tj);
                Vec3 dij = list.Displacement(batch, i, a);
                double rij = dij.Norm;
                if (rij >= pij.Cut) continue;
                Vec3 uij = dij / rij;

                // ζ and its partial derivatives per k
                double zeta = 0;
                for (int b = list.Offsets[i]; b < list.Offsets[i + 1]; b++)
                {
                    if (b == a) continue;
                    int k = list.Neighbors[b];
                    ref readonly var pijk = ref _pot.Parameters(ti, tj, types[k]);
                    Vec3 dik = list.Displacement(batch, i, b);
                    double rik = dik.Norm;
                    if (rik >= pijk.Cut) continue;
                    double cos = Vec3.Dot(uij, dik / rik);
                    zeta += TersoffFunctions.Fc(rik, pijk) * TersoffFunctions.G(cos, pijk, out _) * TersoffFunctions.ExpTerm(rij - rik, pijk, out _);
                }

                double vr = TersoffFunctions.Repulsive(rij, pij, out double dvr);
                double fa = TersoffFunctions.Attractive(rij, pij, out double dfa);
                double bij = TersoffFunctions.Bij(zeta, pij);
                double t = 0.5 * vr + 0.5 * bij * fa;
                result.Energy[s] += t;
                if (atomE) { result.AtomEnergies[i] += 0.5 * t; result.AtomEnergies[j] += 0.5 * t; }

                double prefactor = 0.5 * fa * TersoffFunctions.BijDerivative(zeta, pij);
                Vec3 gij = (0.5 * dvr + 0.5 * bij * dfa) * uij;
                for (int b = list.Offsets[i]; b < list.Offsets[i + 1]; b++)
                {
                    if (b == a) continue;
                    int k = list.Neighbors[b];
                    ref readonly var pijk = ref _pot.Parameters(ti, tj, types[k]);
                    Vec3 dik = list.Displacement(batch, i, b);
                    double rik = dik.Norm;
                    if (rik >= pijk.Cut) continue;
                    Vec3 uik = dik / rik;
                    double cos = Vec3.Dot(uij, uik);
                    double fc = TersoffFunctions.Fc(rik, pijk), dfc = TersoffFunctions.FcDerivative(rik, pijk);
                    double g = TersoffFunctions.G(cos, pijk, out double dg);
                    double e = TersoffFunctions.ExpTerm(rij - rik, pijk, out double de);
                    gij += prefactor * (fc * g * de * uij + fc * dg * e / rij * (uik - cos * uij));
                    Vec3 gik = prefactor * ((dfc * g * e - fc * g * de) * uik + fc * dg * e / rik * (uij - cos * uik));
                    Apply(result, batch, s, i, k, dik, gik);
                }
                Apply(result, batch, s, i, j, dij, gij);
            }
        }
    }

    private static void Apply(ForceResult result, SystemBatch batch, int s, int i, int head, Vec3 d, Vec3 g)
    {
        result.Fx[i] += g.X; result.Fy[i] += g.Y; result.Fz[i] += g.Z;
        result.Fx[head] -= g.X; result.Fy[head] -= g.Y; result.Fz[head] -= g.Z;
        var w = result.VirialOf(s);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) w[3 * a + b] -= d[a] * g[b];
    }
}
