using System.Runtime.CompilerServices;
using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Cpu;
using MlipEngine.State;

namespace MlipEngine.Potentials.Eam;

/// <summary>
/// Optimised CPU EAM: half neighbor list (each pair once), two passes (densities, then forces) with
/// per-thread accumulators, and one interleaved table per ordered type pair so a pair's lookup touches
/// one cache line pair: for knot m, 12 doubles = value cubics of ρ_{j→i}, ρ_{i→j} and z2r
/// (derivatives follow from the value cubic: f′ = ((3c₃p + 2c₄)p + c₅)/Δr).
/// </summary>
internal sealed class EamCpuComputer : NeighborForceComputer
{
    private const int Stride = 12;
    private readonly EamPotential _eam;
    private readonly CpuWorkspace _ws;
    private readonly double[] _table;     // [pairType][knot m (1-based)][12]
    private readonly int _knots;          // per pair type (N + 1 rows, row 0 unused)
    private readonly int _nr, _nt;
    private readonly double _rdr, _cut2;
    private double[] _fp = [];

    public EamCpuComputer(EamPotential eam, ComputeOptions options) : base(eam, options, NeighborListKind.Half)
    {
        _eam = eam;
        _ws = new CpuWorkspace(options.Threads);
        _nt = eam.Species.Count;
        _nr = eam.Table.NR;
        _rdr = 1.0 / eam.Table.DR;
        _cut2 = eam.Cutoff * eam.Cutoff;
        _knots = _nr + 1;
        _table = new double[_nt * _nt * _knots * Stride];
        for (int a = 0; a < _nt; a++)
            for (int b = 0; b < _nt; b++)
            {
                var rhoJI = eam.Density[b * _nt + a].Coefficients;  // at i (type a) due to j (type b)
                var rhoIJ = eam.Density[a * _nt + b].Coefficients;
                var z2r = eam.PairZ2R[a * _nt + b].Coefficients;
                int baseOff = (a * _nt + b) * _knots * Stride;
                for (int m = 1; m <= _nr; m++)
                {
                    int o = baseOff + m * Stride;
                    for (int c = 0; c < 4; c++)
                    {
                        _table[o + c] = rhoJI[7 * m + 3 + c];
                        _table[o + 4 + c] = rhoIJ[7 * m + 3 + c];
                        _table[o + 8 + c] = z2r[7 * m + 3 + c];
                    }
                }
            }
    }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        _ws.Prepare(batch, list);
        _ws.Clear(n, ns, scalar: true, outputs);
        if (_fp.Length < n) _fp = new double[n];

        _ws.Run(t => DensityPass(t, list, types));
        _ws.ReduceScalar(n);
        var rho = _ws.Lanes[0].Scalar;
        bool wantAE = (outputs & ForceOutputs.AtomEnergies) != 0;
        // embedding: energies go to lane 0 per system (sequential order → deterministic)
        var sys = batch.SystemIndex;
        _ws.RunRanges(n, (a, b) =>
        {
            for (int i = a; i < b; i++)
            {
                _eam.Embed(types[i], rho[i], out double f, out _fp[i]);
                if (wantAE) result.AtomEnergies[i] += f;
                rho[i] = f;   // reuse: embedding energy per atom, summed below
            }
        });
        for (int i = 0; i < n; i++) result.Energy[sys[i]] += rho[i];

        bool wantF = (outputs & ForceOutputs.Forces) != 0, wantV = (outputs & ForceOutputs.Virial) != 0;
        _ws.Run(t => ForcePass(t, sys, list, types, wantF, wantV, wantAE));
        _ws.ReduceInto(result, n, ns, outputs);
    }

    private void DensityPass(int t, NeighborList list, int[] types)
    {
        var lane = _ws.Lanes[t];
        var rho = lane.Scalar;
        var x = _ws.Positions;
        var offsets = list.Offsets; var nbr = list.Neighbors; var codes = list.ShiftCodes; var sv = list.ShiftVectors;
        var table = _table;
        double rdr = _rdr, cut2 = _cut2;
        int nr1 = _nr - 1, nt = _nt, knotStride = _knots * Stride;
        for (int i = _ws.Starts[t], end = _ws.Starts[t + 1]; i < end; i++)
        {
            double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
            int rowI = types[i] * nt;
            double rhoI = 0;
            for (int k = offsets[i], kend = offsets[i + 1]; k < kend; k++)
            {
                int j = nbr[k], c = 3 * codes[k];
                double dx = x[3 * j] - xi + sv[c], dy = x[3 * j + 1] - yi + sv[c + 1], dz = x[3 * j + 2] - zi + sv[c + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 >= cut2) continue;
                double p = Math.Sqrt(r2) * rdr + 1.0;
                int m = (int)p;
                if (m > nr1) m = nr1;
                p -= m;
                if (p > 1.0) p = 1.0;
                int o = (rowI + types[j]) * knotStride + m * Stride;
                ref double q = ref table[o];
                rhoI += ((q * p + Unsafe.Add(ref q, 1)) * p + Unsafe.Add(ref q, 2)) * p + Unsafe.Add(ref q, 3);
                rho[j] += ((Unsafe.Add(ref q, 4) * p + Unsafe.Add(ref q, 5)) * p + Unsafe.Add(ref q, 6)) * p + Unsafe.Add(ref q, 7);
            }
            rho[i] += rhoI;
        }
    }

    private void ForcePass(int t, int[] sys, NeighborList list, int[] types, bool wantF, bool wantV, bool wantAE)
    {
        var lane = _ws.Lanes[t];
        var f = lane.Force; var ae = lane.AtomEnergy;
        var x = _ws.Positions;
        var fp = _fp;
        var offsets = list.Offsets; var nbr = list.Neighbors; var codes = list.ShiftCodes; var sv = list.ShiftVectors;
        var table = _table;
        double rdr = _rdr, cut2 = _cut2;
        int nr1 = _nr - 1, nt = _nt, knotStride = _knots * Stride;
        for (int i = _ws.Starts[t], end = _ws.Starts[t + 1]; i < end; i++)
        {
            double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
            double fpi = fp[i];
            int rowI = types[i] * nt;
            double ei = 0, fxi = 0, fyi = 0, fzi = 0;
            double vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
            for (int k = offsets[i], kend = offsets[i + 1]; k < kend; k++)
            {
                int j = nbr[k], c = 3 * codes[k];
                double dx = x[3 * j] - xi + sv[c], dy = x[3 * j + 1] - yi + sv[c + 1], dz = x[3 * j + 2] - zi + sv[c + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 >= cut2) continue;
                double r = Math.Sqrt(r2);
                double p = r * rdr + 1.0;
                int m = (int)p;
                if (m > nr1) m = nr1;
                p -= m;
                if (p > 1.0) p = 1.0;
                int o = (rowI + types[j]) * knotStride + m * Stride;
                ref double q = ref table[o];
                double rhojp = ((3.0 * q * p + 2.0 * Unsafe.Add(ref q, 1)) * p + Unsafe.Add(ref q, 2)) * rdr;
                double rhoip = ((3.0 * Unsafe.Add(ref q, 4) * p + 2.0 * Unsafe.Add(ref q, 5)) * p + Unsafe.Add(ref q, 6)) * rdr;
                double c3 = Unsafe.Add(ref q, 8), c4 = Unsafe.Add(ref q, 9), c5 = Unsafe.Add(ref q, 10), c6 = Unsafe.Add(ref q, 11);
                double z2p = ((3.0 * c3 * p + 2.0 * c4) * p + c5) * rdr;
                double z2 = ((c3 * p + c4) * p + c5) * p + c6;
                double recip = 1.0 / r;
                double phi = z2 * recip;
                double phip = z2p * recip - phi * recip;
                double psip = fpi * rhojp + fp[j] * rhoip + phip;
                // force on j = −psip·d/r
                double fpair = -psip * recip;
                double fx = fpair * dx, fy = fpair * dy, fz = fpair * dz;
                ei += phi;
                if (wantAE) { ae[i] += 0.5 * phi; ae[j] += 0.5 * phi; }
                if (wantF)
                {
                    f[3 * j] += fx; f[3 * j + 1] += fy; f[3 * j + 2] += fz;
                    fxi -= fx; fyi -= fy; fzi -= fz;
                }
                if (wantV)
                {
                    vxx += dx * fx; vyy += dy * fy; vzz += dz * fz;
                    vxy += dx * fy; vxz += dx * fz; vyz += dy * fz;
                }
            }
            f[3 * i] += fxi; f[3 * i + 1] += fyi; f[3 * i + 2] += fzi;
            int s = sys[i];
            lane.Energy[s] += ei;
            if (wantV)
            {
                int ov = 9 * s; var w = lane.Virial;
                w[ov] += vxx; w[ov + 1] += vxy; w[ov + 2] += vxz;
                w[ov + 3] += vxy; w[ov + 4] += vyy; w[ov + 5] += vyz;
                w[ov + 6] += vxz; w[ov + 7] += vyz; w[ov + 8] += vzz;
            }
        }
    }
}
