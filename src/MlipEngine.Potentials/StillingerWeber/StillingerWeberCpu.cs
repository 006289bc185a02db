using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Potentials.ManyBody;

namespace MlipEngine.Potentials.StillingerWeber;

/// <summary>
/// Optimised Stillinger–Weber: per atom, a short list of neighbors within the pair cutoff, with the
/// radial factor Eⱼ = exp(γσ/(r − aσ)) and its derivative computed once per neighbor; three-body
/// terms over unordered pairs j &lt; k; per-type-pair and per-triplet tables; all gradients of atom
/// i's terms accumulated per displacement and applied once. Formulas as in
/// <see cref="StillingerWeberReference"/>.
/// </summary>
internal sealed class StillingerWeberCpu : ManyBodyCpuComputer
{
    private const int AuxE = 0, AuxDE = 1;

    private struct Pair { public double CutSq, Cut, Sigma, GammaSigma, C5, C6, P, Q; }
    private struct Triplet { public double LambdaEpsilon, CosTheta0, LambdaEpsilonSwapped, CosTheta0Swapped; public bool Symmetric; }

    private readonly int _n;
    private readonly Pair[] _pair;        // [ti·n + tj] from entry (i,j,j)
    private readonly Triplet[] _triplet;  // [(ti·n + tj)·n + tk]
    private readonly ShortNeighborList[] _short;

    public StillingerWeberCpu(StillingerWeberPotential pot, ComputeOptions options) : base(pot, options)
    {
        int n = _n = pot.TypeCount;
        _pair = new Pair[n * n];
        _triplet = new Triplet[n * n * n];
        var pairs = pot.PackedPairs();
        for (int t = 0; t < n * n; t++)
            _pair[t] = new Pair
            {
                CutSq = pairs[8 * t], Cut = pairs[8 * t + 1], Sigma = pairs[8 * t + 2], GammaSigma = pairs[8 * t + 3],
                C5 = pairs[8 * t + 4], C6 = pairs[8 * t + 5], P = pairs[8 * t + 6], Q = pairs[8 * t + 7],
            };
        var triplets = pot.PackedTriplets();
        for (int t = 0; t < n * n * n; t++)
            _triplet[t] = new Triplet
            {
                LambdaEpsilon = triplets[4 * t], CosTheta0 = triplets[4 * t + 1], LambdaEpsilonSwapped = triplets[4 * t + 2], CosTheta0Swapped = triplets[4 * t + 3],
                Symmetric = triplets[4 * t] == triplets[4 * t + 2] && triplets[4 * t + 1] == triplets[4 * t + 3],
            };
        _short = new ShortNeighborList[Threads];
        for (int t = 0; t < _short.Length; t++) _short[t] = new ShortNeighborList(2);
    }

    protected override void ComputeAtoms(int first, int end, ThreadBuffers buf, int thread)
    {
        var sl = _short[thread];
        var list = List; var types = Types; var x = X; var y = Y; var z = Z;
        var offsets = list.Offsets; var nbr = list.Neighbors; var codes = list.ShiftCodes; var sv = list.ShiftVectors;
        var sysIndex = Batch.SystemIndex;
        int n = _n;
        bool grad = NeedGradient, atomE = NeedAtomEnergies;
        var eatom = buf.AtomEnergy;

        for (int i = first; i < end; i++)
        {
            int ti = types[i], s = sysIndex[i];
            double xi = x[i], yi = y[i], zi = z[i];
            int begin = offsets[i], stop = offsets[i + 1];
            sl.EnsureCapacity(stop - begin);
            var ee = sl.Aux[AuxE]; var dee = sl.Aux[AuxDE];
            sl.Count = 0;
            double energy = 0;
            for (int e = begin; e < stop; e++)
            {
                int j = nbr[e], c = 3 * codes[e], tj = types[j];
                double dx = x[j] - xi + sv[c], dy = y[j] - yi + sv[c + 1], dz = z[j] - zi + sv[c + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                ref readonly var pp = ref _pair[ti * n + tj];
                if (r2 >= pp.CutSq) continue;
                double r = Math.Sqrt(r2);
                int a = sl.Count;
                sl.Add(j, tj, dx, dy, dz, r);

                // pair term, half of φ₂ for this ordered pair
                double phi = StillingerWeberFormula.Pair(r, pp.Cut, pp.Sigma, pp.GammaSigma, pp.C5, pp.C6, pp.P, pp.Q, out double dphi, out ee[a], out dee[a]);
                energy += 0.5 * phi;
                if (atomE) { eatom[i] += 0.25 * phi; eatom[j] += 0.25 * phi; }
                if (grad)
                {
                    double g = 0.5 * dphi;
                    sl.Gx[a] = g * sl.Ux[a]; sl.Gy[a] = g * sl.Uy[a]; sl.Gz[a] = g * sl.Uz[a];
                }
            }

            int count = sl.Count;
            var js = sl.J; var st = sl.Type; var rr = sl.R; var ux = sl.Ux; var uy = sl.Uy; var uz = sl.Uz;
            var gx = sl.Gx; var gy = sl.Gy; var gz = sl.Gz;
            for (int a = 0; a < count - 1; a++)
            {
                int tripBase = (ti * n + st[a]) * n;
                double uxa = ux[a], uya = uy[a], uza = uz[a], ea = ee[a], dea = dee[a], invRa = 1.0 / rr[a];
                double gax = 0, gay = 0, gaz = 0;
                for (int b = a + 1; b < count; b++)
                {
                    ref readonly var tr = ref _triplet[tripBase + st[b]];
                    double cos = uxa * ux[b] + uya * uy[b] + uza * uz[b];
                    double h = StillingerWeberFormula.Triplet<double, F64>(cos, ea, dea, invRa, ee[b], dee[b], 1.0 / rr[b],
                        tr.LambdaEpsilon, tr.CosTheta0, tr.LambdaEpsilonSwapped, tr.CosTheta0Swapped, tr.Symmetric, out double ra, out double ca, out double rb, out double cb);
                    energy += h;
                    if (atomE) { double h3 = h / 3; eatom[i] += h3; eatom[js[a]] += h3; eatom[js[b]] += h3; }
                    if (!grad) continue;
                    gax += ra * uxa + ca * ux[b]; gay += ra * uya + ca * uy[b]; gaz += ra * uza + ca * uz[b];
                    gx[b] += rb * ux[b] + cb * uxa; gy[b] += rb * uy[b] + cb * uya; gz[b] += rb * uz[b] + cb * uza;
                }
                gx[a] += gax; gy[a] += gay; gz[a] += gaz;
            }
            buf.Energy[s] += energy;
            if (grad) ApplyGradients(i, count, js, sl.Dx, sl.Dy, sl.Dz, gx, gy, gz, buf, s);
        }
    }
}
