using MlipEngine.ForceFields;
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
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var p = pot.Parameters(i, j, j);
                double ae = p.BigA * p.Epsilon;
                _pair[i * n + j] = new Pair
                {
                    CutSq = p.CutSquared, Cut = p.Cut, Sigma = p.Sigma, GammaSigma = p.Gamma * p.Sigma,
                    C5 = ae * p.BigB * Math.Pow(p.Sigma, p.P), C6 = ae * Math.Pow(p.Sigma, p.Q), P = p.P, Q = p.Q,
                };
                for (int k = 0; k < n; k++)
                {
                    var t = pot.Parameters(i, j, k);
                    var u = pot.Parameters(i, k, j);
                    double le = t.Lambda * t.Epsilon, leSwapped = u.Lambda * u.Epsilon;
                    _triplet[(i * n + j) * n + k] = new Triplet
                    {
                        LambdaEpsilon = le, CosTheta0 = t.CosTheta0, LambdaEpsilonSwapped = leSwapped, CosTheta0Swapped = u.CosTheta0,
                        Symmetric = le == leSwapped && t.CosTheta0 == u.CosTheta0,
                    };
                }
            }
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
                double inva = 1.0 / (r - pp.Cut);
                double ex = Math.Exp(pp.Sigma * inva);
                double rp = Math.Pow(r, -pp.P), rq = Math.Pow(r, -pp.Q);
                double phi = (pp.C5 * rp - pp.C6 * rq) * ex;
                energy += 0.5 * phi;
                if (atomE) { eatom[i] += 0.25 * phi; eatom[j] += 0.25 * phi; }
                if (grad)
                {
                    double dphi = (-pp.P * pp.C5 * rp + pp.Q * pp.C6 * rq) / r * ex - phi * pp.Sigma * inva * inva;
                    double g = 0.5 * dphi;
                    sl.Gx[a] = g * sl.Ux[a]; sl.Gy[a] = g * sl.Uy[a]; sl.Gz[a] = g * sl.Uz[a];
                }
                double eg = Math.Exp(pp.GammaSigma * inva);
                ee[a] = eg;
                dee[a] = -eg * pp.GammaSigma * inva * inva;
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
                    double eb = ee[b], eab = ea * eb;
                    // φ₃ = λε δ² EₐE_b; ∂φ₃/∂rₐ = λε δ² Eₐ′E_b, ∂φ₃/∂cos = 2λε δ EₐE_b
                    double h, dhdc, dhdr;
                    double delta = cos - tr.CosTheta0;
                    if (tr.Symmetric)
                    {
                        double led = tr.LambdaEpsilon * delta;
                        h = led * delta * eab;
                        dhdr = led * delta;
                        dhdc = 2 * led * eab;
                    }
                    else
                    {
                        double delta2 = cos - tr.CosTheta0Swapped;
                        double led = 0.5 * tr.LambdaEpsilon * delta, led2 = 0.5 * tr.LambdaEpsilonSwapped * delta2;
                        dhdr = led * delta + led2 * delta2;
                        h = dhdr * eab;
                        dhdc = 2 * (led + led2) * eab;
                    }
                    energy += h;
                    if (atomE) { double h3 = h / 3; eatom[i] += h3; eatom[js[a]] += h3; eatom[js[b]] += h3; }
                    if (!grad) continue;
                    double invRb = 1.0 / rr[b];
                    double ra = dhdr * dea * eb - dhdc * cos * invRa, ca = dhdc * invRa;
                    gax += ra * uxa + ca * ux[b]; gay += ra * uya + ca * uy[b]; gaz += ra * uza + ca * uz[b];
                    double rb = dhdr * ea * dee[b] - dhdc * cos * invRb, cb = dhdc * invRb;
                    gx[b] += rb * ux[b] + cb * uxa; gy[b] += rb * uy[b] + cb * uya; gz[b] += rb * uz[b] + cb * uza;
                }
                gx[a] += gax; gy[a] += gay; gz[a] += gaz;
            }
            buf.Energy[s] += energy;
            if (grad) ApplyGradients(i, count, js, sl.Dx, sl.Dy, sl.Dz, gx, gy, gz, buf, s);
        }
    }
}
