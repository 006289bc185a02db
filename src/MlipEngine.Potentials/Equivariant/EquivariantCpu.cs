using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Cpu;
using MlipEngine.State;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Fused CPU backend of <see cref="EquivariantModel"/>, fp64 (T = double) or fp32 (T = float; energies,
/// forces and virials accumulate in fp64).
/// </summary>
/// <remarks>
/// <para>Layout. Edges within the cutoff are compacted per atom in the slots of the full neighbour list
/// (CSR, SoA: j, d, r, Y, ∂Y/∂r, b, db/dr); node features are [atom][lm][channel]. Scratch only grows.</para>
/// <para>Per layer, forward: (1) h̃ = W_up h for all atoms; (2) per atom i (threads own atom ranges
/// balanced by edge count): the radial MLP for all of i's edges as one small GEMM, the tensor product
/// gathered into A_i, then W_mix, the contraction, W_out, the skip and the readout — all local to i.
/// Backward, per layer: (1) per atom, readout/W_out/skip/contraction/W_mix adjoints give g_A;
/// (2) per atom i, the MLP is recomputed (nothing per edge is stored between passes), and for each
/// edge (i, j): ∂E/∂R and ∂E/∂Y from g_A_i and h̃_j, and g_h̃_i from the reversed edge (j ← i), which
/// uses the same R (R depends on r only) and Y(−r̂) = (−1)^{l₂} Y(r̂) — so every pass is a gather and
/// only forces are scattered (per-thread buffers). Stress: see <see cref="EquivariantReference"/>.</para>
/// </remarks>
/// <summary>Optional stage timing of the fused CPU kernels (thread 0 only; MLIP_PROFILE=1), for benchmarks.</summary>
public static class StageProfile
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("MLIP_PROFILE") == "1";
    /// <summary>Stopwatch ticks in the radial MLP (forward, recompute, adjoint) and in the edge tensor product (forward + adjoint).</summary>
    public static long Mlp, TensorProduct;
    public static void Reset() { Mlp = 0; TensorProduct = 0; }
}

internal sealed class EquivariantCpu<T> : NeighborForceComputer where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly EquivariantModel _m;
    private readonly CpuWorkspace _ws;
    private readonly T[] _w;          // parameters in T; the mix weights are pre-scaled by 1/n̄
    private readonly T[] _wT;         // the same with every matrix transposed (adjoints become GemmNN)
    private readonly LayerTables[] _layers;
    private readonly int _C, _nsh, _nb;
    private readonly double _cut2;

    // edges (slot = neighbour-list entry)
    private int[] _count = [];
    private int[] _j = [];
    private double[] _d = [];          // dx dy dz r per slot
    private T[] _y = [], _dy = [], _b = [], _db = [];
    // nodes
    private T[][] _hT = [], _aM = [], _gRead = [];
    private T[] _h0 = [], _h1 = [], _gA = [], _g0 = [], _g1 = [];
    private Lane[] _lanes;
    private double[] _atomE = [];
    // density fade (CoreRepulsion): n_i per atom, u′(ρ)ρ′ per slot
    private double[] _density = [], _dw = [];

    private sealed class LayerTables
    {
        public required EquivariantLayer Plan;
        public required CpuTensorProduct<T> Tp;
        public required CpuContraction<T> Sc;
        public int NIn, NA, NOut, PC;
    }

    private sealed class Lane
    {
        public T[][] Pre = [], Post = [];
        public T[] R = [], GR = [], GA = [], GB = [], GX = [];
        public T[] U = [], V = [], A = [], B = [], HOut = [], GOut = [], GAm = [], GHT = [];
        public T[] P = [], GP = [], Tmp = [], G = [];
        public double[] Partial = [];
        public T[] Z = [];
        public T[] Sig = [];
    }

    public EquivariantCpu(EquivariantModel model, ComputeOptions options) : base(model, options, NeighborListKind.Full)
    {
        _m = model;
        var hp = model.Hyper;
        _C = hp.Channels; _nsh = Irreps.Count(hp.ShLMax); _nb = hp.NumBessel; _cut2 = hp.Cutoff * hp.Cutoff;
        _ws = new CpuWorkspace(Team);
        _w = new T[model.Parameters.Length];
        _wT = new T[_w.Length];
        _layers = new LayerTables[model.Layers.Length];
        for (int t = 0; t < _layers.Length; t++)
        {
            var L = model.Layers[t];
            _layers[t] = new LayerTables
            {
                Plan = L, Tp = new CpuTensorProduct<T>(L.TensorProduct), Sc = new CpuContraction<T>(L.Contraction),
                NIn = Irreps.Count(L.LIn) * _C, NA = Irreps.Count(L.LA) * _C, NOut = Irreps.Count(L.LOut) * _C, PC = L.Radial.Outputs,
            };
        }
        LoadWeights();
        _lanes = new Lane[_ws.Threads];
        for (int t = 0; t < _lanes.Length; t++) _lanes[t] = new Lane();
    }

    private int _weightsVersion;

    /// <summary>Converts the model's parameters to T (mix weights pre-scaled by 1/n̄) and their transposes.</summary>
    private void LoadWeights()
    {
        var model = _m;
        _weightsVersion = model.ParameterVersion;
        for (int k = 0; k < _w.Length; k++) _w[k] = T.CreateTruncating(model.Parameters[k]);
        foreach (var L in model.Layers)
            foreach (int o in L.Mix) for (int k = 0; k < _C * _C; k++) _w[o + k] = T.CreateTruncating(model.Parameters[o + k] / model.Hyper.AvgNeighbors);
        foreach (var tensor in model.Tensors)
        {
            // matrices [a][b] (and per-species blocks [s][a][b]) are stored transposed [b][a] at the same offset
            var sh = tensor.Shape;
            if (sh.Length < 2) { Array.Copy(_w, tensor.Offset, _wT, tensor.Offset, tensor.Length); continue; }
            int rowsM = sh[^2], colsM = sh[^1], blocks = tensor.Length / (rowsM * colsM);
            for (int bl = 0; bl < blocks; bl++)
            {
                int o = tensor.Offset + bl * rowsM * colsM;
                for (int a = 0; a < rowsM; a++) for (int b = 0; b < colsM; b++) _wT[o + b * rowsM + a] = _w[o + a * colsM + b];
            }
        }
    }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        if (_weightsVersion != _m.ParameterVersion) LoadWeights();
        int n = batch.AtomCount, ns = batch.SystemCount;
        _list = list;
        _ws.Prepare(batch, list);
        _ws.Clear(n, ns, scalar: false, outputs | ForceOutputs.Forces);
        Grow(n, list);
        int maxDeg = 0;
        _ws.Run(t => BuildEdges(t, list, types));
        for (int i = 0; i < n; i++) maxDeg = Math.Max(maxDeg, _count[i]);
        foreach (var lane in _lanes) GrowLane(lane, maxDeg);

        var sys = batch.SystemIndex;
        // embedding
        _ws.Run(t =>
        {
            for (int i = _ws.Starts[t]; i < _ws.Starts[t + 1]; i++)
            {
                Array.Copy(_w, _m.Embedding + types[i] * _C, _h0, i * _C, _C);
                _atomE[i] = _m.E0[types[i]];
            }
        });
        T[] hIn = _h0, hOut = _h1;
        for (int t = 0; t < _layers.Length; t++)
        {
            var L = _layers[t];
            var hInL = hIn; var hOutL = hOut;
            _ws.Run(th => UpPass(th, L, hInL, _hT[t]));
            _ws.Run(th => ForwardAtoms(th, L, types, hInL, _hT[t], _aM[t], hOutL, _gRead[t]));
            (hIn, hOut) = (hOut, hIn);
        }
        if (_m.Core is { HasDensityFade: true }) _ws.Run(th => FadePass(th, types, sys, outputs));
        if (_m.Core is not null) _ws.Run(th => CorePass(th, types, sys, outputs));
        bool wantAE = (outputs & ForceOutputs.AtomEnergies) != 0;
        _ws.Run(th =>
        {
            var lane = _ws.Lanes[th];
            for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
            {
                lane.Energy[sys[i]] += _atomE[i];
                if (wantAE) lane.AtomEnergy[i] = _atomE[i];
            }
        });

        if ((outputs & (ForceOutputs.Forces | ForceOutputs.Virial)) != 0)
        {
            T[] gNext = _g0, gIn = _g1;
            bool haveNext = false;
            for (int t = _layers.Length - 1; t >= 0; t--)
            {
                var L = _layers[t];
                var gNextL = gNext; var gInL = gIn; bool hn = haveNext;
                _ws.Run(th => BackwardAtoms(th, L, types, gNextL, hn, gInL, _aM[t], _gRead[t]));
                _ws.Run(th => BackwardEdges(th, L, sys, _hT[t], gInL, (outputs & ForceOutputs.Virial) != 0));
                (gNext, gIn) = (gIn, gNext);
                haveNext = true;
            }
        }
        var reduced = outputs;
        if ((outputs & ForceOutputs.Virial) != 0)
        {
            // symmetrise W per lane (the kernel accumulates −d ⊗ g)
            foreach (var lane in _ws.Lanes)
                for (int s = 0; s < ns; s++)
                    for (int a = 0; a < 3; a++)
                        for (int c = a + 1; c < 3; c++)
                        {
                            double m = 0.5 * (lane.Virial[9 * s + 3 * a + c] + lane.Virial[9 * s + 3 * c + a]);
                            lane.Virial[9 * s + 3 * a + c] = m; lane.Virial[9 * s + 3 * c + a] = m;
                        }
        }
        _ws.ReduceInto(result, n, ns, reduced);
    }

    private void Grow(int n, NeighborList list)
    {
        int slots = list.Offsets[n];
        if (_count.Length < n)
        {
            _count = new int[n]; _atomE = new double[n]; _density = new double[n];
            int maxNode = 0;
            foreach (var L in _layers) maxNode = Math.Max(maxNode, Math.Max(L.NIn, L.NOut));
            int maxA = _layers.Max(L => L.NA);
            _h0 = new T[n * maxNode]; _h1 = new T[n * maxNode]; _g0 = new T[n * maxNode]; _g1 = new T[n * maxNode]; _gA = new T[n * maxA];
            _hT = _layers.Select(L => new T[n * L.NIn]).ToArray();
            _aM = _layers.Select(L => new T[n * L.NA]).ToArray();
            _gRead = _layers.Select(_ => new T[n * _C]).ToArray();
        }
        if (_j.Length < slots)
        {
            int cap = slots + slots / 8;
            _j = new int[cap]; _d = new double[4 * cap]; _dw = new double[cap];
            _y = new T[_nsh * cap]; _dy = new T[3 * _nsh * cap]; _b = new T[_nb * cap]; _db = new T[_nb * cap];
        }
    }

    private void GrowLane(Lane lane, int maxDeg)
    {
        int rows = Math.Max(4, maxDeg);
        var widths = _layers[0].Plan.Radial.Widths;
        int maxPC = _layers.Max(L => L.PC), maxW = Math.Max(widths.Max(), maxPC);
        if (lane.R.Length < rows * maxPC)
        {
            lane.R = new T[rows * maxPC]; lane.GR = new T[rows * maxPC];
            lane.Pre = new T[widths.Length][]; lane.Post = new T[widths.Length][];
            for (int k = 0; k < widths.Length; k++) { lane.Pre[k] = new T[rows * widths[k]]; lane.Post[k] = new T[rows * widths[k]]; }
            lane.GA = new T[rows * maxW]; lane.GB = new T[rows * maxW]; lane.GX = new T[rows * _nb]; lane.Sig = new T[rows * widths.Max()];
            lane.Partial = new double[3 * rows];
        }
        if (lane.U.Length == 0)
        {
            int maxNode = _layers.Max(L => Math.Max(L.NIn, L.NOut)), maxA = _layers.Max(L => L.NA), maxP = _layers.Max(L => L.Sc.PairRows);
            lane.U = new T[7 * _C]; lane.V = new T[7 * _C]; lane.A = new T[maxA]; lane.B = new T[maxNode]; lane.HOut = new T[maxNode];
            lane.GOut = new T[maxNode]; lane.GAm = new T[maxA]; lane.GHT = new T[maxNode];
            lane.P = new T[Math.Max(1, maxP) * _C]; lane.GP = new T[Math.Max(1, maxP) * _C]; lane.Tmp = new T[7 * _C]; lane.G = new T[7 * _C];
            lane.Z = new T[Math.Max(_m.Hyper.ReadoutHidden, 16)];
        }
    }

    /// <summary>Edges within the cutoff, compacted per atom; harmonics and radial basis per edge.</summary>
    private void BuildEdges(int th, NeighborList list, int[] types)
    {
        var x = _ws.Positions; var off = list.Offsets; var nbr = list.Neighbors; var codes = list.ShiftCodes; var sv = list.ShiftVectors;
        Span<double> y = stackalloc double[16], dy = stackalloc double[48], b = stackalloc double[64], db = stackalloc double[64];
        int nsh = _nsh, nb = _nb, lmax = _m.Hyper.ShLMax;
        var fading = _m.Core is { HasDensityFade: true } c0 ? c0 : null;
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
        {
            int e = off[i];
            double density = 0;
            double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
            for (int k = off[i]; k < off[i + 1]; k++)
            {
                int j = nbr[k], c = 3 * codes[k];
                double dx = x[3 * j] - xi + sv[c], dyv = x[3 * j + 1] - yi + sv[c + 1], dz = x[3 * j + 2] - zi + sv[c + 2];
                double r2 = dx * dx + dyv * dyv + dz * dz;
                if (r2 >= _cut2) continue;
                double r = Math.Sqrt(r2);
                _j[e] = j; _d[4 * e] = dx; _d[4 * e + 1] = dyv; _d[4 * e + 2] = dz; _d[4 * e + 3] = r;
                SphericalHarmonics.Evaluate(lmax, dx, dyv, dz, y, dy);
                _m.EdgeBasis(types[i], types[j], r, b, db);
                for (int q = 0; q < nsh; q++) { _y[e * nsh + q] = T.CreateTruncating(y[q]); for (int a = 0; a < 3; a++) _dy[(3 * e + a) * nsh + q] = T.CreateTruncating(dy[a * nsh + q]); }
                for (int q = 0; q < nb; q++) { _b[e * nb + q] = T.CreateTruncating(b[q]); _db[e * nb + q] = T.CreateTruncating(db[q]); }
                if (fading is not null) density += fading.NeighbourWeight(types[i], types[j], r, out _dw[e]);
                e++;
            }
            _count[i] = e - off[i];
            _density[i] = density;
        }
    }

    private NeighborList? _list;

    /// <summary>
    /// The ZBL core (<see cref="CoreRepulsion"/>) over the compacted edges of the thread's atoms, in fp64:
    /// ½ E_core per directed edge into the atom energy, g = ½ E_core′ d/r into forces and the virial
    /// (as <see cref="EquivariantReference"/> adds it to g_e).
    /// </summary>
    private void CorePass(int th, int[] types, int[] sys, ForceOutputs outputs)
    {
        var core = _m.Core!; var off = _listOffsets;
        bool wantF = (outputs & (ForceOutputs.Forces | ForceOutputs.Virial)) != 0, wantV = (outputs & ForceOutputs.Virial) != 0;
        double reach = core.MaxOuter;
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
            for (int e = off[i]; e < off[i] + _count[i]; e++)
            {
                double r = _d[4 * e + 3];
                if (r >= reach) continue;
                int j = _j[e];
                double energy = core.PairEnergy(types[i], types[j], r, out double dEdr);
                if (energy == 0 && dEdr == 0) continue;
                _atomE[i] += 0.5 * energy;
                if (wantF) AddEdgeGradient(_ws.Lanes[th], i, e, 0.5 * dEdr / r, sys[i], wantV);
            }
    }

    /// <summary>
    /// The density fade of the core (<see cref="CoreRepulsion"/>) for the thread's atoms: E_i = E0 + C + h_i (L_i − C), the readout
    /// adjoints of every layer scaled by h_i, and g_e = (L_i − C) h′_i u′(ρ)ρ′ d/r for each of i's edges into forces and the virial.
    /// Runs after the forward layers and before the core, whose energy is not faded.
    /// </summary>
    private void FadePass(int th, int[] types, int[] sys, ForceOutputs outputs)
    {
        var core = _m.Core!; var off = _listOffsets;
        bool wantF = (outputs & (ForceOutputs.Forces | ForceOutputs.Virial)) != 0, wantV = (outputs & ForceOutputs.Virial) != 0;
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
        {
            double h = core.Fade(types[i], _density[i], out double dh);
            if (h == 1 && dh == 0) continue;
            _atomE[i] = _m.E0[types[i]] + CoreRepulsion.FadedEnergy(_atomE[i] - _m.E0[types[i]], h, dh, core.FadeEnergy(types[i]), out double edgeFactor);
            T hT = T.CreateTruncating(h);
            foreach (var gRead in _gRead) for (int c = 0; c < _C; c++) gRead[i * _C + c] *= hT;
            if (!wantF || dh == 0) continue;
            for (int e = off[i]; e < off[i] + _count[i]; e++)
                AddEdgeGradient(_ws.Lanes[th], i, e, edgeFactor * _dw[e] / _d[4 * e + 3], sys[i], wantV);
        }
    }

    /// <summary>g = k d_e for slot e of atom i (k = (∂E/∂r_e)/r_e) into the lane's forces and virial (<see cref="AccumulateEdge"/>).</summary>
    private void AddEdgeGradient(CpuWorkspace.ThreadLane ws, int i, int e, double k, int sysIndex, bool wantV)
    {
        double dx = _d[4 * e], dy = _d[4 * e + 1], dz = _d[4 * e + 2];
        AccumulateEdge(ws.Force, ws.Virial, i, _j[e], dx, dy, dz, k * dx, k * dy, k * dz, sysIndex, wantV);
    }

    /// <summary>g_e = ∂E/∂d_e of edge i → j (d = r_j − r_i) into forces (+g on i, −g on j) and, with <paramref name="wantV"/>, the virial (−d ⊗ g).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateEdge(double[] force, double[] vir, int i, int j, double dx, double dy, double dz, double gx, double gy, double gz, int sysIndex, bool wantV)
    {
        force[3 * i] += gx; force[3 * i + 1] += gy; force[3 * i + 2] += gz;
        force[3 * j] -= gx; force[3 * j + 1] -= gy; force[3 * j + 2] -= gz;
        if (wantV)
        {
            int v = 9 * sysIndex;
            vir[v] -= dx * gx; vir[v + 1] -= dx * gy; vir[v + 2] -= dx * gz;
            vir[v + 3] -= dy * gx; vir[v + 4] -= dy * gy; vir[v + 5] -= dy * gz;
            vir[v + 6] -= dz * gx; vir[v + 7] -= dz * gy; vir[v + 8] -= dz * gz;
        }
    }

    private void UpPass(int th, LayerTables L, T[] hIn, T[] hT)
    {
        var P = L.Plan;
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
            for (int l = 0; l <= P.LIn; l++)
            {
                int o = Irreps.Offset(l) * _C, rows = Irreps.Dim(l);
                ChannelKernels<T>.GemmNN(hIn.AsSpan(i * L.NIn + o), _C, _w.AsSpan(P.Up[l], _C * _C), hT.AsSpan(i * L.NIn + o), _C, rows, _C, _C, false);
            }
    }

    /// <summary>Radial MLP forward for rows edges starting at slot e0: keeps pre/post activations in the lane, R out.</summary>
    private void MlpForward(Lane lane, LayerTables L, int e0, int rows)
    {
        var widths = L.Plan.Radial.Widths; var offs = L.Plan.Radial.WeightOffsets;
        ReadOnlySpan<T> input = _b.AsSpan(e0 * _nb, rows * _nb);
        int nin = _nb;
        for (int k = 0; k < widths.Length - 2; k++)
        {
            int nout = widths[k + 1];
            var pre = lane.Pre[k + 1]; var post = lane.Post[k + 1];
            ChannelKernels<T>.GemmNN(input, nin, _w.AsSpan(offs[k], nin * nout), pre, nout, rows, nin, nout, false);
            // silu(z) = z σ(z), vectorised (TensorPrimitives)
            var zs = pre.AsSpan(0, rows * nout); var ps = post.AsSpan(0, rows * nout);
            TensorPrimitives.Sigmoid<T>(zs, ps);
            TensorPrimitives.Multiply<T>(zs, ps, ps);
            input = post; nin = nout;
        }
        ChannelKernels<T>.GemmNN(input, nin, _w.AsSpan(offs[^1], nin * L.PC), lane.R, L.PC, rows, nin, L.PC, false);
    }

    private void ForwardAtoms(int th, LayerTables L, int[] types, T[] hIn, T[] hT, T[] aM, T[] hOut, T[] gRead)
    {
        var lane = _lanes[th]; var P = L.Plan; var tp = L.Tp;
        int C = _C, nsh = _nsh;
        var off = _listOffsets;
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
        {
            int e0 = off[i], deg = _count[i];
            var A = lane.A.AsSpan(0, L.NA);
            A.Clear();
            long t0 = th == 0 && StageProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            if (deg > 0) MlpForward(lane, L, e0, deg);
            long t1 = th == 0 && StageProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            ref T a0 = ref A[0];
            for (int idx = 0; idx < deg; idx++)
            {
                int e = e0 + idx, j = _j[e];
                ref T y = ref _y[e * nsh];
                ref T hj = ref hT[j * L.NIn];
                ref T rrow = ref lane.R[idx * L.PC];
                for (int p = 0; p < tp.Paths; p++)
                {
                    ref T rp = ref Unsafe.Add(ref rrow, p * C);
                    int o1 = Irreps.Offset(tp.L1[p]), d1 = Irreps.Dim(tp.L1[p]);
                    for (int m = 0; m < d1; m++) ChannelKernels<T>.Mul(ref rp, ref Unsafe.Add(ref hj, (o1 + m) * C), ref lane.U[m * C], C);
                    for (int q = tp.GroupStart[p]; q < tp.GroupStart[p + 1]; q++)
                    {
                        T kq = T.Zero;
                        for (int s = tp.EntryStart[q]; s < tp.EntryStart[q + 1]; s++) kq += tp.EntryCoef[s] * Unsafe.Add(ref y, tp.EntryM2[s]);
                        ChannelKernels<T>.Axpy(kq, ref lane.U[tp.GroupM1[q] * C], ref Unsafe.Add(ref a0, tp.GroupM3[q] * C), C);
                    }
                }
            }
            if (th == 0 && StageProfile.Enabled) { long t2 = System.Diagnostics.Stopwatch.GetTimestamp(); StageProfile.Mlp += t1 - t0; StageProfile.TensorProduct += t2 - t1; }
            // W_mix (pre-scaled by 1/n̄)
            var am = aM.AsSpan(i * L.NA, L.NA);
            for (int l = 0; l <= P.LA; l++)
                ChannelKernels<T>.GemmNN(A[(Irreps.Offset(l) * C)..], C, _w.AsSpan(P.Mix[l], C * C), am[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, false);
            var B = lane.B.AsSpan(0, L.NOut);
            ContractionForward(lane, L, am, _w.AsSpan(P.ContractionWeights + types[i] * P.Contraction.Paths.Length * C), B);
            var ho = hOut.AsSpan(i * L.NOut, L.NOut);
            for (int l = 0; l <= P.LOut; l++)
                ChannelKernels<T>.GemmNN(B[(Irreps.Offset(l) * C)..], C, _w.AsSpan(P.Out[l], C * C), ho[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, false);
            for (int l = 0; l < P.Skip.Length; l++)
                ChannelKernels<T>.GemmNN(hIn.AsSpan(i * L.NIn + Irreps.Offset(l) * C), C, _w.AsSpan(P.Skip[l][types[i]], C * C), ho[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, true);
            _atomE[i] += ReadoutForward(lane, P, ho[..C], gRead.AsSpan(i * C, C));
        }
    }

    private double ReadoutForward(Lane lane, EquivariantLayer P, ReadOnlySpan<T> h, Span<T> gH)
    {
        int C = _C;
        if (!P.IsLast)
        {
            var w = _w.AsSpan(P.Readout1, C);
            w.CopyTo(gH);
            double e = 0;
            for (int c = 0; c < C; c++) e += double.CreateTruncating(w[c] * h[c]);
            return e;
        }
        int H = _m.Hyper.ReadoutHidden;
        var W1 = _w.AsSpan(P.Readout1, C * H); var v = _w.AsSpan(P.Readout2, H);
        var z = lane.Z.AsSpan(0, H);
        z.Clear();
        for (int c = 0; c < C; c++) for (int k = 0; k < H; k++) z[k] += W1[c * H + k] * h[c];
        gH.Clear();
        double en = 0;
        for (int k = 0; k < H; k++)
        {
            T silu = RadialMlp.SiluWithDerivative(z[k], out T slope);
            en += double.CreateTruncating(v[k] * silu);
            T gz = v[k] * slope;
            for (int c = 0; c < C; c++) gH[c] += gz * W1[c * H + k];
        }
        return en;
    }

    private void ContractionForward(Lane lane, LayerTables L, ReadOnlySpan<T> a, ReadOnlySpan<T> w, Span<T> b)
    {
        var sc = L.Sc; int C = _C;
        ref T ra = ref Unsafe.AsRef(in a[0]); ref T rw = ref Unsafe.AsRef(in w[0]); ref T rb = ref b[0];
        ref T rp = ref lane.P[0]; ref T rt = ref lane.Tmp[0];
        lane.P.AsSpan(0, sc.PairRows * C).Clear();
        for (int k = 0; k < sc.PairEntries.Length; k++)
        {
            int o = sc.PairOffset[k];
            foreach (var en in sc.PairEntries[k])
                ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref ra, en.M1 * C), ref Unsafe.Add(ref ra, en.M2 * C), ref Unsafe.Add(ref rp, (o + en.M3) * C), C);
        }
        b.Clear();
        for (int e = 0; e < sc.Nu.Length; e++)
        {
            int oL = Irreps.Offset(sc.L[e]), dL = Irreps.Dim(sc.L[e]);
            ref T we = ref Unsafe.Add(ref rw, e * C);
            switch (sc.Nu[e])
            {
                case 1:
                    for (int m = 0; m < dL; m++) ChannelKernels<T>.MulAdd(ref we, ref Unsafe.Add(ref ra, (oL + m) * C), ref Unsafe.Add(ref rb, (oL + m) * C), C);
                    break;
                case 2:
                    for (int m = 0; m < dL; m++) ChannelKernels<T>.MulAdd(ref we, ref Unsafe.Add(ref rp, (sc.PairOffset[sc.Pair[e]] + m) * C), ref Unsafe.Add(ref rb, (oL + m) * C), C);
                    break;
                default:
                    lane.Tmp.AsSpan(0, dL * C).Clear();
                    int po = sc.PairOffset[sc.Pair[e]];
                    foreach (var en in sc.Second[e])
                        ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref rp, (po + en.M1) * C), ref Unsafe.Add(ref ra, en.M2 * C), ref Unsafe.Add(ref rt, en.M3 * C), C);
                    for (int m = 0; m < dL; m++) ChannelKernels<T>.MulAdd(ref we, ref Unsafe.Add(ref rt, m * C), ref Unsafe.Add(ref rb, (oL + m) * C), C);
                    break;
            }
        }
    }

    private void ContractionBackward(Lane lane, LayerTables L, ReadOnlySpan<T> a, ReadOnlySpan<T> w, ReadOnlySpan<T> gB, Span<T> gA)
    {
        var sc = L.Sc; int C = _C;
        ref T ra = ref Unsafe.AsRef(in a[0]); ref T rw = ref Unsafe.AsRef(in w[0]); ref T rgb = ref Unsafe.AsRef(in gB[0]); ref T rga = ref gA[0];
        ref T rp = ref lane.P[0]; ref T rgp = ref lane.GP[0]; ref T rg = ref lane.G[0];
        lane.P.AsSpan(0, sc.PairRows * C).Clear();
        lane.GP.AsSpan(0, sc.PairRows * C).Clear();
        for (int k = 0; k < sc.PairEntries.Length; k++)
        {
            int o = sc.PairOffset[k];
            foreach (var en in sc.PairEntries[k])
                ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref ra, en.M1 * C), ref Unsafe.Add(ref ra, en.M2 * C), ref Unsafe.Add(ref rp, (o + en.M3) * C), C);
        }
        for (int e = 0; e < sc.Nu.Length; e++)
        {
            int oL = Irreps.Offset(sc.L[e]), dL = Irreps.Dim(sc.L[e]);
            ref T we = ref Unsafe.Add(ref rw, e * C);
            for (int m = 0; m < dL; m++) ChannelKernels<T>.Mul(ref we, ref Unsafe.Add(ref rgb, (oL + m) * C), ref Unsafe.Add(ref rg, m * C), C);
            switch (sc.Nu[e])
            {
                case 1:
                    for (int m = 0; m < dL; m++) ChannelKernels<T>.Axpy(T.One, ref Unsafe.Add(ref rg, m * C), ref Unsafe.Add(ref rga, (oL + m) * C), C);
                    break;
                case 2:
                    for (int m = 0; m < dL; m++) ChannelKernels<T>.Axpy(T.One, ref Unsafe.Add(ref rg, m * C), ref Unsafe.Add(ref rgp, (sc.PairOffset[sc.Pair[e]] + m) * C), C);
                    break;
                default:
                    int po = sc.PairOffset[sc.Pair[e]];
                    foreach (var en in sc.Second[e])
                    {
                        ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref rg, en.M3 * C), ref Unsafe.Add(ref ra, en.M2 * C), ref Unsafe.Add(ref rgp, (po + en.M1) * C), C);
                        ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref rg, en.M3 * C), ref Unsafe.Add(ref rp, (po + en.M1) * C), ref Unsafe.Add(ref rga, en.M2 * C), C);
                    }
                    break;
            }
        }
        for (int k = 0; k < sc.PairEntries.Length; k++)
        {
            int o = sc.PairOffset[k];
            foreach (var en in sc.PairEntries[k])
            {
                ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref rgp, (o + en.M3) * C), ref Unsafe.Add(ref ra, en.M2 * C), ref Unsafe.Add(ref rga, en.M1 * C), C);
                ChannelKernels<T>.ScaledMulAdd(en.Coef, ref Unsafe.Add(ref rgp, (o + en.M3) * C), ref Unsafe.Add(ref ra, en.M1 * C), ref Unsafe.Add(ref rga, en.M2 * C), C);
            }
        }
    }

    /// <summary>Node adjoints of one layer: g_out = readout + next layer; g_A = W_mixᵀ Contractionᵀ W_outᵀ g_out; skip part of g_h.</summary>
    private void BackwardAtoms(int th, LayerTables L, int[] types, T[] gNext, bool haveNext, T[] gIn, T[] aM, T[] gRead)
    {
        var lane = _lanes[th]; var P = L.Plan; int C = _C;
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
        {
            var gOut = lane.GOut.AsSpan(0, L.NOut);
            if (haveNext) gNext.AsSpan(i * L.NOut, L.NOut).CopyTo(gOut); else gOut.Clear();
            for (int c = 0; c < C; c++) gOut[c] += gRead[i * C + c];
            var gB = lane.B.AsSpan(0, L.NOut);
            for (int l = 0; l <= P.LOut; l++)
                ChannelKernels<T>.GemmNN(gOut[(Irreps.Offset(l) * C)..], C, _wT.AsSpan(P.Out[l], C * C), gB[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, false);
            var gh = gIn.AsSpan(i * L.NIn, L.NIn);
            gh.Clear();
            for (int l = 0; l < P.Skip.Length; l++)
                ChannelKernels<T>.GemmNN(gOut[(Irreps.Offset(l) * C)..], C, _wT.AsSpan(P.Skip[l][types[i]], C * C), gh[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, false);
            var gAm = lane.GAm.AsSpan(0, L.NA);
            gAm.Clear();
            ContractionBackward(lane, L, aM.AsSpan(i * L.NA, L.NA), _w.AsSpan(P.ContractionWeights + types[i] * P.Contraction.Paths.Length * C), gB, gAm);
            var ga = _gA.AsSpan(i * L.NA, L.NA);
            for (int l = 0; l <= P.LA; l++)
                ChannelKernels<T>.GemmNN(gAm[(Irreps.Offset(l) * C)..], C, _wT.AsSpan(P.Mix[l], C * C), ga[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, false);
        }
    }

    /// <summary>Edge adjoints of one layer, gathered per atom i; forces scattered into the lane.</summary>
    private void BackwardEdges(int th, LayerTables L, int[] sys, T[] hT, T[] gIn, bool wantV)
    {
        var lane = _lanes[th]; var ws = _ws.Lanes[th]; var P = L.Plan; var tp = L.Tp;
        int C = _C, nsh = _nsh, nb = _nb, NA = L.NA;
        var off = _listOffsets;
        var force = ws.Force; var vir = ws.Virial;
        Span<T> gY = stackalloc T[16];
        for (int i = _ws.Starts[th]; i < _ws.Starts[th + 1]; i++)
        {
            int e0 = off[i], deg = _count[i];
            if (deg == 0) continue;
            long b0 = th == 0 && StageProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            MlpForward(lane, L, e0, deg);
            long b1 = th == 0 && StageProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            lane.GR.AsSpan(0, deg * L.PC).Clear();
            var ght = lane.GHT.AsSpan(0, L.NIn);
            ght.Clear();
            ref T gai = ref _gA[i * NA];
            for (int idx = 0; idx < deg; idx++)
            {
                int e = e0 + idx, j = _j[e];
                ref T y = ref _y[e * nsh];
                ref T hj = ref hT[j * L.NIn];
                ref T gaj = ref _gA[j * NA];
                ref T rrow = ref lane.R[idx * L.PC];
                ref T grow = ref lane.GR[idx * L.PC];
                gY.Clear();
                for (int p = 0; p < tp.Paths; p++)
                {
                    ref T rp = ref Unsafe.Add(ref rrow, p * C);
                    ref T grp = ref Unsafe.Add(ref grow, p * C);
                    int o1 = Irreps.Offset(tp.L1[p]), d1 = Irreps.Dim(tp.L1[p]), o3 = Irreps.Offset(tp.L3[p]), d3 = Irreps.Dim(tp.L3[p]);
                    for (int m = 0; m < d1; m++) ChannelKernels<T>.Mul(ref rp, ref Unsafe.Add(ref hj, (o1 + m) * C), ref lane.U[m * C], C);
                    for (int m = 0; m < d3; m++) ChannelKernels<T>.Mul(ref rp, ref Unsafe.Add(ref gaj, (o3 + m) * C), ref lane.V[m * C], C);
                    T sign = tp.Sign[p];
                    for (int q = tp.GroupStart[p]; q < tp.GroupStart[p + 1]; q++)
                    {
                        T kq = T.Zero;
                        for (int s = tp.EntryStart[q]; s < tp.EntryStart[q + 1]; s++) kq += tp.EntryCoef[s] * Unsafe.Add(ref y, tp.EntryM2[s]);
                        int m1 = tp.GroupM1[q], m3 = tp.GroupM3[q];
                        ref T gam3 = ref Unsafe.Add(ref gai, m3 * C);
                        T gk = ChannelKernels<T>.TensorProductAdjoint(kq, sign * kq, ref Unsafe.Add(ref hj, (o1 + m1) * C), ref gam3, ref lane.U[m1 * C],
                            ref lane.V[(m3 - o3) * C], ref grp, ref ght[(o1 + m1) * C], C);
                        for (int s = tp.EntryStart[q]; s < tp.EntryStart[q + 1]; s++) gY[tp.EntryM2[s]] += tp.EntryCoef[s] * gk;
                    }
                }
                for (int a = 0; a < 3; a++)
                {
                    double s = 0;
                    for (int q = 0; q < nsh; q++) s += double.CreateTruncating(gY[q] * _dy[(3 * e + a) * nsh + q]);
                    lane.Partial[3 * idx + a] = s;
                }
            }
            long b2 = th == 0 && StageProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            // radial MLP adjoint for the block: gR → g_b
            var widths = P.Radial.Widths; var offs = P.Radial.WeightOffsets;
            int depth = widths.Length - 1;
            T[] g = lane.GR; int nout = L.PC;
            T[] bufA = lane.GA, bufB = lane.GB;
            for (int k = depth - 1; k >= 0; k--)
            {
                int nin = widths[k];
                T[] dst = k == 0 ? lane.GX : bufA;
                ChannelKernels<T>.GemmNN(g, nout, _wT.AsSpan(offs[k], nin * nout), dst, nin, deg, nout, nin, false);
                if (k == 0) break;
                // silu′(z) = σ(z) (1 + z (1 − σ(z))) = σ + silu·(1 − σ), with σ recomputed vectorised into a scratch row
                var pre = lane.Pre[k].AsSpan(0, deg * nin); var post = lane.Post[k].AsSpan(0, deg * nin);
                var sg = lane.Sig.AsSpan(0, deg * nin);
                TensorPrimitives.Sigmoid<T>(pre, sg);
                var d = dst.AsSpan(0, deg * nin);
                for (int q = 0; q < d.Length; q++) d[q] *= sg[q] + post[q] * (T.One - sg[q]);
                g = dst; nout = nin;
                (bufA, bufB) = (bufB, bufA);
            }
            if (th == 0 && StageProfile.Enabled) { long b3 = System.Diagnostics.Stopwatch.GetTimestamp(); StageProfile.Mlp += (b1 - b0) + (b3 - b2); StageProfile.TensorProduct += b2 - b1; }
            int si = sys[i];
            for (int idx = 0; idx < deg; idx++)
            {
                int e = e0 + idx, j = _j[e];
                double gr = 0;
                for (int q = 0; q < nb; q++) gr += double.CreateTruncating(lane.GX[idx * nb + q] * _db[e * nb + q]);
                double r = _d[4 * e + 3], dx = _d[4 * e], dy = _d[4 * e + 1], dz = _d[4 * e + 2];
                double gx = gr * dx / r + lane.Partial[3 * idx], gyv = gr * dy / r + lane.Partial[3 * idx + 1], gz = gr * dz / r + lane.Partial[3 * idx + 2];
                AccumulateEdge(force, vir, i, j, dx, dy, dz, gx, gyv, gz, si, wantV);
            }
            // g_h_in += W_upᵀ g_h̃
            var gh = gIn.AsSpan(i * L.NIn, L.NIn);
            for (int l = 0; l <= P.LIn; l++)
                ChannelKernels<T>.GemmNN(ght[(Irreps.Offset(l) * C)..], C, _wT.AsSpan(P.Up[l], C * C), gh[(Irreps.Offset(l) * C)..], C, Irreps.Dim(l), C, C, true);
        }
    }

    private int[] _listOffsets => _list!.Offsets;
}
