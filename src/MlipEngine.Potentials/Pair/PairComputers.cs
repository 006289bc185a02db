using MlipEngine.ForceFields;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MlipEngine.Geometry;
using MlipEngine.Kernels;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Cpu;
using MlipEngine.State;

namespace MlipEngine.Potentials.Pair;

/// <summary>
/// Reference evaluation of E = Σ_{pairs} φ(r) over a half list, written to be obviously right.
/// Force on j is f = −φ′(r) d/r with d = rⱼ − rᵢ (+ lattice shift), on i it is −f; each pair adds
/// d ⊗ f to the virial and half its energy to each atom (LAMMPS' eatom convention).
/// </summary>
internal sealed class PairReferenceComputer<TPair> : NeighborForceComputer where TPair : struct, IPairFunction
{
    private readonly TPair _pair;
    private readonly int _types;

    public PairReferenceComputer(IForceField ff, ComputeOptions options, TPair pair)
        : base(ff, options, NeighborListKind.Half) { _pair = pair; _types = ff.Species.Count; }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        for (int i = 0; i < batch.AtomCount; i++)
        {
            int s = batch.SystemIndex[i];
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                int j = list.Neighbors[k];
                Vec3 d = list.Displacement(batch, i, k);
                if (!_pair.Evaluate(types[i] * _types + types[j], d.NormSquared, out double e, out double fOverR)) continue;
                result.Energy[s] += e;
                result.AtomEnergies[i] += 0.5 * e;
                result.AtomEnergies[j] += 0.5 * e;
                Vec3 f = fOverR * d;
                result.Fx[j] += f.X; result.Fy[j] += f.Y; result.Fz[j] += f.Z;
                result.Fx[i] -= f.X; result.Fy[i] -= f.Y; result.Fz[i] -= f.Z;
                var w = result.VirialOf(s);
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        w[3 * a + b] += d[a] * f[b];
            }
        }
    }
}

/// <summary>
/// Optimised CPU evaluation of a pair potential: half list, interleaved image-corrected positions,
/// per-thread accumulators (see <see cref="CpuWorkspace"/>), struct-generic pair function, and loops
/// specialised at JIT time on what is requested and on whether an atom's neighbors need image shifts.
/// </summary>
internal sealed class PairCpuComputer<TPair> : NeighborForceComputer where TPair : struct, IPairFunction
{
    private readonly TPair _pair;
    private readonly int _ntypes;
    private readonly CpuWorkspace _ws;

    public PairCpuComputer(IForceField ff, ComputeOptions options, TPair pair)
        : base(ff, options, NeighborListKind.Half) { _pair = pair; _ntypes = ff.Species.Count; _ws = new CpuWorkspace(Team); _region = Region;
        _scratch = new double[_ws.Threads][]; _jScratch = new int[_ws.Threads][];
        for (int t = 0; t < _ws.Threads; t++) { _scratch[t] = []; _jScratch[t] = []; }
    }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        _ws.PrepareSerial(batch, list);
        _batch = batch; _nlist = list; _types = types; _outputs = outputs; _result = result;
        _ws.Run(_region);
        _batch = null; _nlist = null; _types = null; _result = null;
        _ws.ReduceSystems(result, batch.SystemCount, outputs);
    }

    // Arguments of the running region (fields, so the region delegate is allocated once).
    private SystemBatch? _batch;
    private NeighborList? _nlist;
    private int[]? _types;
    private ForceOutputs _outputs;
    private ForceResult? _result;
    private readonly Action<int> _region;
    // per thread: dx, dy, dz, r² (four blocks of ScratchStride doubles, SoA for the 4-wide loop) and j of one atom's entries within the cutoff
    private readonly double[][] _scratch;
    private readonly int[][] _jScratch;

    /// <summary>
    /// One force call as one parallel region: positions and lane zeroing | pairs of own atoms (half
    /// list, into the lane) | Σ lanes over own atoms. Each "|" is a barrier.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private void Region(int t)
    {
        var batch = _batch!; var list = _nlist!; var types = _types!; var outputs = _outputs;
        _ws.PrepareLane(t, batch.SystemCount, scalar: false, outputs);
        _ws.Team.Barrier();
        bool wantF = (outputs & ForceOutputs.Forces) != 0, wantV = (outputs & ForceOutputs.Virial) != 0, wantAE = (outputs & ForceOutputs.AtomEnergies) != 0;
        if (wantF && !wantV && !wantAE) Kernel<On, Off, Off>(t, batch.SystemIndex, list, types);
        else if (wantF && wantV && !wantAE) Kernel<On, On, Off>(t, batch.SystemIndex, list, types);
        else KernelDynamic(t, batch.SystemIndex, list, types, wantF, wantV, wantAE);
        if ((outputs & (ForceOutputs.Forces | ForceOutputs.AtomEnergies)) != 0)
        {
            _ws.Team.Barrier();
            _ws.ReduceLanes(t, _result!, outputs);
        }
    }

    private void KernelDynamic(int t, int[] sys, NeighborList list, int[] types, bool f, bool v, bool ae)
    {
        if (f) { if (v) { if (ae) Kernel<On, On, On>(t, sys, list, types); else Kernel<On, On, Off>(t, sys, list, types); } else { if (ae) Kernel<On, Off, On>(t, sys, list, types); else Kernel<On, Off, Off>(t, sys, list, types); } }
        else { if (v) { if (ae) Kernel<Off, On, On>(t, sys, list, types); else Kernel<Off, On, Off>(t, sys, list, types); } else { if (ae) Kernel<Off, Off, On>(t, sys, list, types); else Kernel<Off, Off, Off>(t, sys, list, types); } }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private unsafe void Kernel<TF, TV, TAE>(int t, int[] sysArr, NeighborList list, int[] typesArr)
        where TF : struct, ICompileTimeFlag where TV : struct, ICompileTimeFlag where TAE : struct, ICompileTimeFlag
    {
        var lane = _ws.Lanes[t];
        var pair = _pair;
        int nt = _ntypes;
        var shiftFree = list.ShiftFree;
        int start = _ws.Starts[t], stop = _ws.Starts[t + 1];
        int maxNeighbors = 0;
        for (int i = start; i < stop; i++) maxNeighbors = Math.Max(maxNeighbors, list.Offsets[i + 1] - list.Offsets[i]);
        // room for every entry plus up to 3 padding lanes, rounded to whole vectors
        int stride = (maxNeighbors + 4 + 3) & ~3;
        var scratch = _scratch[t];
        if (scratch.Length < 4 * stride) _scratch[t] = scratch = new double[4 * stride];
        var jScratch = _jScratch[t];
        if (jScratch.Length < stride) _jScratch[t] = jScratch = new int[stride];
        fixed (double* x = _ws.Positions, f = lane.Force, ae = lane.AtomEnergy, sv = list.ShiftVectors, d = scratch)
        fixed (int* offsets = list.Offsets, nbr = list.Neighbors, codes = list.ShiftCodes, types = typesArr, js = jScratch)
        {
            var acc = new PairAccumulator();
            double* lanes = stackalloc double[12];   // fx, fy, fz of one vector of pairs, for the scatter to the j
            for (int i = start; i < stop; i++)
            {
                acc.Reset();
                int k0 = offsets[i], k1 = offsets[i + 1];
                if (shiftFree[i]) Neighbors<TF, TV, TAE, Off>(ref acc, pair, i, k0, k1, types[i] * nt, nt, x, f, ae, sv, nbr, codes, types, d, stride, js, lanes);
                else Neighbors<TF, TV, TAE, On>(ref acc, pair, i, k0, k1, types[i] * nt, nt, x, f, ae, sv, nbr, codes, types, d, stride, js, lanes);
                if (TF.Value) { f[3 * i] += acc.Fx; f[3 * i + 1] += acc.Fy; f[3 * i + 2] += acc.Fz; }
                int s = sysArr[i];
                lane.Energy[s] += acc.E;
                if (TV.Value) acc.AddVirialTo(lane.Virial, s);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Neighbors<TF, TV, TAE, TShift>(ref PairAccumulator acc, TPair pair, int i, int k0, int k1, int ti, int nt,
        double* x, double* f, double* ae, double* sv, int* nbr, int* codes, int* types, double* d, int stride, int* js, double* lanes)
        where TF : struct, ICompileTimeFlag where TV : struct, ICompileTimeFlag where TAE : struct, ICompileTimeFlag where TShift : struct, ICompileTimeFlag
    {
        double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
        double* ddx = d, ddy = d + stride, ddz = d + 2 * stride, dr2 = d + 3 * stride;
        // Filter the skin shell out without a branch per entry (inside or not is unpredictable): every
        // entry is written to scratch, the count advances only for those inside the largest cutoff.
        double cut2 = pair.MaxCutoffSquared;
        int n = 0;
        for (int k = k0; k < k1; k++)
        {
            int j = nbr[k];
            double* xj = x + 3 * j;
            double dx = xj[0] - xi, dy = xj[1] - yi, dz = xj[2] - zi;
            if (TShift.Value) { double* s = sv + 3 * codes[k]; dx += s[0]; dy += s[1]; dz += s[2]; }
            double r2 = dx * dx + dy * dy + dz * dz;
            ddx[n] = dx; ddy[n] = dy; ddz[n] = dz; dr2[n] = r2;
            js[n] = j;
            n += r2 < cut2 ? 1 : 0;
        }
        if (pair.IsVectorized && Vector256.IsHardwareAccelerated) { PairsVector<TF, TV, TAE>(ref acc, pair, i, n, ti, nt, f, ae, types, d, stride, js, lanes); return; }
        double ei = 0, fxi = 0, fyi = 0, fzi = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        for (int e = 0; e < n; e++)
        {
            int j = js[e];
            double dx = ddx[e], dy = ddy[e], dz = ddz[e];
            if (!pair.Evaluate(ti + types[j], dr2[e], out double en, out double fr)) continue;   // per-type cutoffs below the largest
            ei += en;
            if (TAE.Value) { ae[i] += 0.5 * en; ae[j] += 0.5 * en; }
            double fx = fr * dx, fy = fr * dy, fz = fr * dz;
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

    /// <summary>
    /// The n entries inside the cutoff, four at a time: φ and −φ′/r from the pair function's vector form,
    /// f = (−φ′/r)·d, and the sums over j of energy, −f (force on i) and d ⊗ f (virial) kept in vector
    /// registers, added lane by lane at the end (a fixed order, so a thread count gives the same bits every
    /// run). The forces on the j are stored once per vector to <paramref name="lanes"/> and added one pair
    /// at a time into the thread's own lane. The last vector is
    /// padded with r² = r_c,max², at which every pair function returns exactly 0, and j = i, so the padding
    /// adds +0 to atom i's own lane entries: no branch on the remainder.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PairsVector<TF, TV, TAE>(ref PairAccumulator acc, TPair pair, int i, int n, int ti, int nt,
        double* f, double* ae, int* types, double* d, int stride, int* js, double* lanes)
        where TF : struct, ICompileTimeFlag where TV : struct, ICompileTimeFlag where TAE : struct, ICompileTimeFlag
    {
        double* ddx = d, ddy = d + stride, ddz = d + 2 * stride, dr2 = d + 3 * stride;
        double cut2 = pair.MaxCutoffSquared;
        for (int p = n; p < n + 4; p++) { ddx[p] = 0; ddy[p] = 0; ddz[p] = 0; dr2[p] = cut2; js[p] = i; }
        var zero = Vector256<double>.Zero;
        Vector256<double> ve = zero, vfx = zero, vfy = zero, vfz = zero, vxx = zero, vyy = zero, vzz = zero, vxy = zero, vxz = zero, vyz = zero;
        var half = Vector256.Create(0.5);
        var pt = Vector128.Create(ti);
        for (int e = 0; e < n; e += 4)
        {
            var dx = Vector256.Load(ddx + e); var dy = Vector256.Load(ddy + e); var dz = Vector256.Load(ddz + e);
            if (nt > 1) pt = Vector128.Create(ti + types[js[e]], ti + types[js[e + 1]], ti + types[js[e + 2]], ti + types[js[e + 3]]);
            var en = pair.EvaluateVector(pt, Vector256.Load(dr2 + e), out var fr);
            ve += en;
            var fx = fr * dx; var fy = fr * dy; var fz = fr * dz;
            if (TF.Value)
            {
                vfx -= fx; vfy -= fy; vfz -= fz;
                fx.Store(lanes); fy.Store(lanes + 4); fz.Store(lanes + 8);
                for (int l = 0; l < 4; l++)
                {
                    double* fj = f + 3 * js[e + l];
                    fj[0] += lanes[l]; fj[1] += lanes[4 + l]; fj[2] += lanes[8 + l];
                }
            }
            if (TV.Value)
            {
                vxx += dx * fx; vyy += dy * fy; vzz += dz * fz;
                vxy += dx * fy; vxz += dx * fz; vyz += dy * fz;
            }
            if (TAE.Value)
            {
                (half * en).Store(lanes);
                for (int l = 0; l < 4; l++) { double h = lanes[l]; ae[i] += h; ae[js[e + l]] += h; }
            }
        }
        acc.E += Vector256.Sum(ve); acc.Fx += Vector256.Sum(vfx); acc.Fy += Vector256.Sum(vfy); acc.Fz += Vector256.Sum(vfz);
        if (TV.Value)
        {
            acc.Vxx += Vector256.Sum(vxx); acc.Vyy += Vector256.Sum(vyy); acc.Vzz += Vector256.Sum(vzz);
            acc.Vxy += Vector256.Sum(vxy); acc.Vxz += Vector256.Sum(vxz); acc.Vyz += Vector256.Sum(vyz);
        }
    }
}

/// <summary>Per-atom sums of a pair loop (energy, force on i, virial).</summary>
internal struct PairAccumulator
{
    public double E, Fx, Fy, Fz, Vxx, Vyy, Vzz, Vxy, Vxz, Vyz;
    public void Reset() => this = default;

    /// <summary>Adds the (symmetric) pair virial to system s's 9 row-major components.</summary>
    public readonly void AddVirialTo(double[] w, int s)
    {
        int o = 9 * s;
        w[o] += Vxx; w[o + 1] += Vxy; w[o + 2] += Vxz;
        w[o + 3] += Vxy; w[o + 4] += Vyy; w[o + 5] += Vyz;
        w[o + 6] += Vxz; w[o + 7] += Vyz; w[o + 8] += Vzz;
    }
}
