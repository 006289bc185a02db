using System.Runtime.CompilerServices;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Potentials.Pair;
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
    private const int Stride = EamPotential.PairTableStride;
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
        _ws = new CpuWorkspace(Team);
        _region = Region;
        _short = new ShortList[_ws.Threads];
        for (int t = 0; t < _short.Length; t++) _short[t] = new ShortList();
        _nt = eam.Species.Count;
        _nr = eam.Table.NR;
        _rdr = 1.0 / eam.Table.DR;
        _cut2 = eam.Cutoff * eam.Cutoff;
        _knots = _nr + 1;
        _table = eam.InterleavedPairTable();
    }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        _ws.PrepareSerial(batch, list);
        if (_fp.Length < n) _fp = new double[n];
        _batch = batch; _nlist = list; _types = types; _outputs = outputs; _result = result;
        _ws.Run(_region);
        _batch = null; _nlist = null; _types = null; _result = null;
        _ws.ReduceSystems(result, ns, outputs);
    }

    // Arguments of the running region (fields, so the region delegate is allocated once).
    private SystemBatch? _batch;
    private NeighborList? _nlist;
    private int[]? _types;
    private ForceOutputs _outputs;
    private ForceResult? _result;
    private readonly Action<int> _region;

    /// <summary>
    /// One force call as one parallel region; thread t owns atoms [Starts[t], Starts[t+1]) in the
    /// per-atom phases. Phases: positions and lane zeroing | densities (half list, into the lane) |
    /// ρᵢ = Σ lanes, embedding F(ρᵢ), F′(ρᵢ) | pair forces (reading F′ of both atoms) | Σ lanes of forces.
    /// Each "|" is a barrier: the next phase reads what every thread wrote in the previous one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private void Region(int t)
    {
        var batch = _batch!; var list = _nlist!; var types = _types!; var result = _result!;
        var outputs = _outputs;
        _ws.PrepareLane(t, batch.SystemCount, scalar: true, outputs);
        _ws.Team.Barrier();
        DensityPass(t, list, types);
        _ws.Team.Barrier();

        // ρᵢ summed over lanes in lane order, then the embedding energy F(ρᵢ) and F′(ρᵢ) of own atoms
        bool wantAE = (outputs & ForceOutputs.AtomEnergies) != 0;
        var lane = _ws.Lanes[t];
        var sys = batch.SystemIndex;
        var rho0 = _ws.Lanes[0].Scalar;
        var fp = _fp;
        for (int i = _ws.Starts[t], end = _ws.Starts[t + 1]; i < end; i++)
        {
            double rho = rho0[i];
            for (int l = 1; l < _ws.Threads; l++) rho += _ws.Lanes[l].Scalar[i];
            _eam.Embed(types[i], rho, out double f, out fp[i]);
            if (wantAE) result.AtomEnergies[i] += f;
            lane.Energy[sys[i]] += f;
        }
        _ws.Team.Barrier();

        bool wantF = (outputs & ForceOutputs.Forces) != 0, wantV = (outputs & ForceOutputs.Virial) != 0;
        ForcePassDynamic(t, sys, list, types, wantF, wantV, wantAE);
        if ((outputs & (ForceOutputs.Forces | ForceOutputs.AtomEnergies)) != 0)
        {
            _ws.Team.Barrier();
            _ws.ReduceLanes(t, result, outputs);
        }
    }

    // The two passes below use raw pointers: the JIT cannot prove neighbor indices in range, and
    // bounds checks on every gather/scatter cost ~15 % here. Index validity is the neighbor list's invariant.
    // Per atom, the loop is specialised on whether its neighbors need image shifts (most atoms of a
    // large cell do not) and, for the force pass, on what is requested.

    /// <summary>
    /// Pass 1. Besides densities it records, per thread, the list entries within the cutoff (the
    /// "short list"), so pass 2 skips the skin pairs (~40 % with a 1 Å skin) without a branch per pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private unsafe void DensityPass(int t, NeighborList list, int[] typesArr)
    {
        var lane = _ws.Lanes[t];
        var shiftFree = list.ShiftFree;
        int start = _ws.Starts[t], stop = _ws.Starts[t + 1];
        var sl = _short[t];
        int capacity = list.Offsets[stop] - list.Offsets[start];
        if (sl.Entries.Length < capacity) { sl.Entries = new int[capacity + capacity / 8]; sl.Codes = new int[sl.Entries.Length]; sl.R = new double[sl.Entries.Length]; }
        if (sl.Start.Length < stop - start + 1) sl.Start = new int[stop - start + 1 + 64];
        int maxNeighbors = 0;
        for (int i = start; i < stop; i++) maxNeighbors = Math.Max(maxNeighbors, list.Offsets[i + 1] - list.Offsets[i]);
        if (sl.R2.Length < maxNeighbors) sl.R2 = new double[maxNeighbors + 16];
        fixed (double* rho = lane.Scalar, x = _ws.Positions, sv = list.ShiftVectors, table = _table, r2s = sl.R2, rs = sl.R)
        fixed (int* offsets = list.Offsets, nbr = list.Neighbors, codes = list.ShiftCodes, types = typesArr, entries = sl.Entries, scodes = sl.Codes, starts = sl.Start)
        {
            int n = 0;
            bool multi = _nt > 1;
            for (int i = start; i < stop; i++)
            {
                starts[i - start] = n;
                int k0 = offsets[i], k1 = offsets[i + 1];
                if (multi)
                {
                    if (shiftFree[i]) n = DensityOf<Off, On>(i, k0, k1, rho, x, sv, table, nbr, codes, types, entries, scodes, r2s, rs, n);
                    else n = DensityOf<On, On>(i, k0, k1, rho, x, sv, table, nbr, codes, types, entries, scodes, r2s, rs, n);
                }
                else
                {
                    if (shiftFree[i]) n = DensityOf<Off, Off>(i, k0, k1, rho, x, sv, table, nbr, codes, types, entries, scodes, r2s, rs, n);
                    else n = DensityOf<On, Off>(i, k0, k1, rho, x, sv, table, nbr, codes, types, entries, scodes, r2s, rs, n);
                }
            }
            starts[stop - start] = n;
        }
    }

    /// <summary>Per thread, the pairs within the cutoff: neighbor atom j and (for atoms with image shifts) shift code, per atom from Start.</summary>
    private sealed class ShortList { public int[] Entries = []; public int[] Codes = []; public int[] Start = []; public double[] R2 = []; public double[] R = []; }
    private readonly ShortList[] _short;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe int DensityOf<TShift, TMulti>(int i, int k0, int k1, double* rho, double* x, double* sv, double* table, int* nbr, int* codes, int* types, int* entries, int* scodes, double* r2s, double* rs, int n)
        where TShift : struct, ICompileTimeFlag where TMulti : struct, ICompileTimeFlag
    {
        double rdr = _rdr, cut2 = _cut2;
        int nr = _nr, knotStride = _knots * Stride;
        double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
        double* rowI = table + types[i] * _nt * knotStride;
        // Filter, without a branch per entry (whether a skin-shell pair is inside r_c is not predictable):
        // every entry is written, and the count advances only for those inside. r² goes to scratch.
        int n0 = n;
        for (int k = k0; k < k1; k++)
        {
            int j = nbr[k];
            double* xj = x + 3 * j;
            double dx = xj[0] - xi, dy = xj[1] - yi, dz = xj[2] - zi;
            if (TShift.Value) { double* s = sv + 3 * codes[k]; dx += s[0]; dy += s[1]; dz += s[2]; }
            double r2 = dx * dx + dy * dy + dz * dz;
            entries[n] = j;
            if (TShift.Value) scodes[n] = codes[k];
            r2s[n - n0] = r2;
            n += r2 < cut2 ? 1 : 0;
        }
        double rhoI = 0;
        for (int e = n0; e < n; e++)
        {
            int j = entries[e];
            double r = Math.Sqrt(r2s[e - n0]);
            rs[e] = r;   // for the force pass
            int m = EamFormula.LocateR<double, F64>(r, rdr, nr, out double p);
            double* q = rowI + (TMulti.Value ? types[j] * knotStride : 0) + m * Stride;
            rhoI += EamFormula.Value(q[0], q[1], q[2], q[3], p);
            rho[j] += EamFormula.Value(q[4], q[5], q[6], q[7], p);
        }
        rho[i] += rhoI;
        return n;
    }

    private void ForcePassDynamic(int t, int[] sys, NeighborList list, int[] types, bool f, bool v, bool ae)
    {
        if (f && !v && !ae) ForcePass<On, Off, Off>(t, sys, list, types);
        else if (f && v && !ae) ForcePass<On, On, Off>(t, sys, list, types);
        else if (f && v && ae) ForcePass<On, On, On>(t, sys, list, types);
        else if (!f && !v && !ae) ForcePass<Off, Off, Off>(t, sys, list, types);
        else if (f && !v && ae) ForcePass<On, Off, On>(t, sys, list, types);
        else if (!f && v && !ae) ForcePass<Off, On, Off>(t, sys, list, types);
        else if (!f && !v && ae) ForcePass<Off, Off, On>(t, sys, list, types);
        else ForcePass<Off, On, On>(t, sys, list, types);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private unsafe void ForcePass<TF, TV, TAE>(int t, int[] sysArr, NeighborList list, int[] typesArr)
        where TF : struct, ICompileTimeFlag where TV : struct, ICompileTimeFlag where TAE : struct, ICompileTimeFlag
    {
        var lane = _ws.Lanes[t];
        var shiftFree = list.ShiftFree;
        int start = _ws.Starts[t];
        var sl = _short[t];
        fixed (double* f = lane.Force, ae = lane.AtomEnergy, x = _ws.Positions, fp = _fp, sv = list.ShiftVectors, table = _table, rs = sl.R)
        fixed (int* types = typesArr, entries = sl.Entries, scodes = sl.Codes, starts = sl.Start)
        {
            var acc = new PairAccumulator();
            bool multi = _nt > 1;
            for (int i = start, end = _ws.Starts[t + 1]; i < end; i++)
            {
                acc.Reset();
                int s0 = starts[i - start], s1 = starts[i - start + 1];
                if (multi)
                {
                    if (shiftFree[i]) ForcesOf<TF, TV, TAE, Off, On>(ref acc, i, s0, s1, f, ae, x, fp, sv, table, types, entries, scodes, rs);
                    else ForcesOf<TF, TV, TAE, On, On>(ref acc, i, s0, s1, f, ae, x, fp, sv, table, types, entries, scodes, rs);
                }
                else
                {
                    if (shiftFree[i]) ForcesOf<TF, TV, TAE, Off, Off>(ref acc, i, s0, s1, f, ae, x, fp, sv, table, types, entries, scodes, rs);
                    else ForcesOf<TF, TV, TAE, On, Off>(ref acc, i, s0, s1, f, ae, x, fp, sv, table, types, entries, scodes, rs);
                }
                if (TF.Value) { f[3 * i] += acc.Fx; f[3 * i + 1] += acc.Fy; f[3 * i + 2] += acc.Fz; }
                int sys = sysArr[i];
                lane.Energy[sys] += acc.E;
                if (TV.Value) acc.AddVirialTo(lane.Virial, sys);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void ForcesOf<TF, TV, TAE, TShift, TMulti>(ref PairAccumulator acc, int i, int s0, int s1,
        double* f, double* ae, double* x, double* fp, double* sv, double* table, int* types, int* entries, int* scodes, double* rs)
        where TF : struct, ICompileTimeFlag where TV : struct, ICompileTimeFlag where TAE : struct, ICompileTimeFlag
        where TShift : struct, ICompileTimeFlag where TMulti : struct, ICompileTimeFlag
    {
        double rdr = _rdr;
        int nr = _nr, knotStride = _knots * Stride;
        double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
        double fpi = fp[i];
        double* rowI = table + types[i] * _nt * knotStride;
        double ei = 0, fxi = 0, fyi = 0, fzi = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        for (int e = s0; e < s1; e++)
        {
            int j = entries[e];
            double* xj = x + 3 * j;
            double dx = xj[0] - xi, dy = xj[1] - yi, dz = xj[2] - zi;
            if (TShift.Value) { double* s = sv + 3 * scodes[e]; dx += s[0]; dy += s[1]; dz += s[2]; }
            double r = rs[e];
            int m = EamFormula.LocateR<double, F64>(r, rdr, nr, out double p);
            double* q = rowI + (TMulti.Value ? types[j] * knotStride : 0) + m * Stride;
            double recip = 1.0 / r;
            double phi = EamFormula.Pair(EamFormula.Value(q[8], q[9], q[10], q[11], p), EamFormula.Slope<double, F64>(q[8], q[9], q[10], p, rdr), recip, out double phip);
            // force on j = fpair·d
            double fpair = EamFormula.PairForceOverR(fpi, EamFormula.Slope<double, F64>(q[0], q[1], q[2], p, rdr),
                fp[j], EamFormula.Slope<double, F64>(q[4], q[5], q[6], p, rdr), phip, recip);
            double fx = fpair * dx, fy = fpair * dy, fz = fpair * dz;
            ei += phi;
            if (TAE.Value) { ae[i] += 0.5 * phi; ae[j] += 0.5 * phi; }
            if (TF.Value)
            {
                double* fj = f + 3 * j;
                fj[0] += fx; fj[1] += fy; fj[2] += fz;
                fxi -= fx; fyi -= fy; fzi -= fz;
            }
            if (TV.Value)
            {
                vxx += dx * fx; vyy += dy * fy; vzz += dz * fz;
                vxy += dx * fy; vxz += dx * fz; vyz += dy * fz;
            }
        }
        acc.E += ei; acc.Fx += fxi; acc.Fy += fyi; acc.Fz += fzi;
        acc.Vxx += vxx; acc.Vyy += vyy; acc.Vzz += vzz; acc.Vxy += vxy; acc.Vxz += vxz; acc.Vyz += vyz;
    }
}
