using MlipEngine.ForceFields;
using MlipEngine.Potentials.ManyBody;

using TersoffFunctions = MlipEngine.Potentials.Tersoff.TersoffFunctions<double, MlipEngine.Kernels.F64>;

namespace MlipEngine.Potentials.Tersoff;

/// <summary>
/// Optimised Tersoff: per atom, a short list of neighbors within the largest cutoff its type can
/// use; per bond i→j one pass over k computes ζ and stores ∂ζₖ/∂rᵢⱼ, ∂ζₖ/∂rᵢₖ, ∂ζₖ/∂cos θ, so the
/// gradient pass needs no transcendental call; all gradients of atom i's terms are accumulated per
/// displacement and applied once (see <see cref="ManyBodyCpuComputer"/>). Formulas as in
/// <see cref="TersoffReference"/>.
/// </summary>
internal sealed class TersoffCpu : ManyBodyCpuComputer
{
    // Aux arrays of the short list: per k for the current bond i→j.
    private const int AuxDr1 = 0, AuxDr2 = 1, AuxDcos = 2, AuxCos = 3, AuxUsed = 4;

    private readonly TersoffParameters[] _p;       // [(ti·n + tj)·n + tk]
    private readonly double[] _shortCutSq;         // [ti·n + tk]: max over tj of (R+D)² of (ti,tj,tk)
    private readonly int _n;
    private readonly ShortNeighborList[] _short;

    public TersoffCpu(TersoffPotential pot, ComputeOptions options) : base(pot, options)
    {
        _n = pot.TypeCount;
        _p = new TersoffParameters[_n * _n * _n];
        _shortCutSq = new double[_n * _n];
        for (int i = 0; i < _n; i++)
            for (int j = 0; j < _n; j++)
                for (int k = 0; k < _n; k++)
                {
                    var p = pot.Parameters(i, j, k);
                    _p[(i * _n + j) * _n + k] = p;
                    _shortCutSq[i * _n + k] = Math.Max(_shortCutSq[i * _n + k], p.CutSquared);
                }
        _short = new ShortNeighborList[Threads];
        for (int t = 0; t < _short.Length; t++) _short[t] = new ShortNeighborList(5);
    }

    protected override void ComputeAtoms(int first, int end, ThreadBuffers buf, int thread)
    {
        var sl = _short[thread];
        var list = List; var types = Types; var x = X; var y = Y; var z = Z;
        var offsets = list.Offsets; var nbr = list.Neighbors; var codes = list.ShiftCodes; var sv = list.ShiftVectors;
        var sysIndex = Batch.SystemIndex;
        var p = _p; int n = _n;
        bool grad = NeedGradient, atomE = NeedAtomEnergies;
        var eatom = buf.AtomEnergy;
        var dr1 = sl.Aux[AuxDr1]; var dr2 = sl.Aux[AuxDr2]; var dcos = sl.Aux[AuxDcos]; var coss = sl.Aux[AuxCos]; var used = sl.Aux[AuxUsed];

        for (int i = first; i < end; i++)
        {
            int ti = types[i], s = sysIndex[i];
            double xi = x[i], yi = y[i], zi = z[i];
            int begin = offsets[i], stop = offsets[i + 1];
            if (sl.J.Length < stop - begin)
            {
                sl.EnsureCapacity(stop - begin);
                dr1 = sl.Aux[AuxDr1]; dr2 = sl.Aux[AuxDr2]; dcos = sl.Aux[AuxDcos]; coss = sl.Aux[AuxCos]; used = sl.Aux[AuxUsed];
            }
            sl.Count = 0;
            for (int e = begin; e < stop; e++)
            {
                int j = nbr[e], c = 3 * codes[e], tj = types[j];
                double dx = x[j] - xi + sv[c], dy = y[j] - yi + sv[c + 1], dz = z[j] - zi + sv[c + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < _shortCutSq[ti * n + tj]) sl.Add(j, tj, dx, dy, dz, Math.Sqrt(r2));
            }

            int count = sl.Count;
            var js = sl.J; var st = sl.Type; var r = sl.R; var ux = sl.Ux; var uy = sl.Uy; var uz = sl.Uz;
            var gx = sl.Gx; var gy = sl.Gy; var gz = sl.Gz;
            double energy = 0;
            for (int a = 0; a < count; a++)
            {
                int tj = st[a], pairBase = (ti * n + tj) * n;
                ref readonly var pij = ref p[pairBase + tj];
                double rij = r[a];
                if (rij * rij >= pij.CutSquared) continue;
                double uxa = ux[a], uya = uy[a], uza = uz[a];

                double zeta = 0;
                for (int b = 0; b < count; b++)
                {
                    used[b] = 0;
                    if (b == a) continue;
                    ref readonly var pk = ref p[pairBase + st[b]];
                    double rik = r[b];
                    if (rik * rik >= pk.CutSquared) continue;
                    double cos = uxa * ux[b] + uya * uy[b] + uza * uz[b];
                    double fc = TersoffFunctions.Fc(rik, pk);
                    double g = TersoffFunctions.G(cos, pk, out double dg);
                    double ex = TersoffFunctions.ExpTerm(rij - rik, pk, out double dex);
                    zeta += fc * g * ex;
                    if (grad)
                    {
                        used[b] = 1;
                        coss[b] = cos;
                        dr1[b] = fc * g * dex;
                        dr2[b] = TersoffFunctions.FcDerivative(rik, pk) * g * ex - fc * g * dex;
                        dcos[b] = fc * dg * ex;
                    }
                }

                double vr = TersoffFunctions.Repulsive(rij, pij, out double dvr);
                double fa = TersoffFunctions.Attractive(rij, pij, out double dfa);
                double bij = TersoffFunctions.Bij(zeta, pij);
                double term = 0.5 * vr + 0.5 * bij * fa;
                energy += term;
                if (atomE) { eatom[i] += 0.5 * term; eatom[js[a]] += 0.5 * term; }
                if (!grad) continue;

                double pre = 0.5 * fa * TersoffFunctions.BijDerivative(zeta, pij);
                double radial = 0.5 * dvr + 0.5 * bij * dfa;
                double gax = radial * uxa, gay = radial * uya, gaz = radial * uza;
                double invRij = 1.0 / rij;
                for (int b = 0; b < count; b++)
                {
                    if (used[b] == 0) continue;
                    double cos = coss[b], pc = pre * dcos[b];
                    double cj = pre * dr1[b] - pc * cos * invRij, ck = pc * invRij;
                    gax += cj * uxa + ck * ux[b]; gay += cj * uya + ck * uy[b]; gaz += cj * uza + ck * uz[b];
                    double invRik = 1.0 / r[b];
                    double bk = pre * dr2[b] - pc * cos * invRik, bj = pc * invRik;
                    gx[b] += bk * ux[b] + bj * uxa; gy[b] += bk * uy[b] + bj * uya; gz[b] += bk * uz[b] + bj * uza;
                }
                gx[a] += gax; gy[a] += gay; gz[a] += gaz;
            }
            buf.Energy[s] += energy;
            if (grad) ApplyGradients(i, count, js, sl.Dx, sl.Dy, sl.Dz, gx, gy, gz, buf, s);
        }
    }
}
