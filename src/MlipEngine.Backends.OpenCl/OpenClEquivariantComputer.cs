using System.Globalization;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// The equivariant model (<see cref="EquivariantModel"/>) on OpenCL (kernels/equivariant.cl): energy,
/// per-atom energies, forces and virial of every system of a batch, by the forward pass and its adjoint,
/// stage by stage as <see cref="EquivariantReference"/> does them.
/// </summary>
/// <remarks>
/// <para>Shape. Channels, harmonics degree, hidden degree, Bessel count, envelope exponent, the largest
/// number of tensor-product paths, the readout width and each layer's tensor-product terms (an X-macro
/// list with constant indices) are compiled in (one program per model shape, cached on disk). Weights (all
/// parameters, in the compute precision) and the contraction's path and Clebsch–Gordan tables are uploaded
/// once, and the weights again whenever <see cref="EquivariantModel.ParameterVersion"/> changes.</para>
/// <para>Memory. Node features kept per layer for the backward pass: h̃, A′ and the readout gradient,
/// (N_in + N_A + 1)·C reals per atom and layer, plus six shared temporaries. Edge stages run over chunks
/// of atoms whose edges are compacted to r &lt; r_c and whose per-edge scratch (harmonics, Bessel values,
/// per layer the MLP activations and R, ∂E/∂R) fits <see cref="EdgeScratchBudgetBytes"/>; only the
/// per-edge gradient g_e (3 acc_t) and the reverse-edge index live for every list slot. With one chunk the
/// edge geometry is computed once per call and each layer's MLP output survives for the backward pass;
/// with several, both are recomputed per chunk (as the CPU backend recomputes the MLP).</para>
/// <para>Syncs. Besides the launches, a call reads 4 bytes per chunk (the largest compacted edge count,
/// which sizes the edge launches).</para>
/// </remarks>
public sealed class OpenClEquivariantComputer : OpenClForceComputer
{
    private readonly EquivariantModel _model;
    private readonly LayerPlan[] _plans;
    private readonly int _c, _nsh, _nh, _nb, _maxPc, _maxMlp, _hiddenTotal;
    private readonly OpenClKernel _compact, _geometry, _dense, _denseBack, _linear, _embed, _tpGather, _contract, _contractBack,
        _readout, _addScalars, _tpEdgeBack, _edgeGrad, _reverse, _forces, _core;
    private readonly FloatingBuffer _w, _e0, _cgCoef;
    // the ZBL core per species pair (r_in, r_out, Z_i, Z_j), acc_t; one dummy row without a core
    private readonly FloatingBuffer _coreTable;
    // the density fade (N per species, then w) and h_i per atom; a one-element dummy without a fade (eq_add_scalars' argument)
    private readonly OpenClKernel? _fade;
    private readonly FloatingBuffer? _fadeTable;
    private readonly FloatingBuffer _hFade;
    private readonly DeviceBuffer<int> _scPath, _cgIdx;
    // node buffers [feature][stride]
    private readonly FloatingBuffer[] _hT, _aMix, _gRead;
    // forward-only and backward-only temporaries share storage: h⁽ᵗ⁾ ping-pong with dE/dh′, B with dE/dB, A with dE/dA′
    private readonly FloatingBuffer _h0, _h1, _msg, _b, _gA, _gHT;
    // per-slot (whole list)
    private readonly FloatingBuffer _gEdge;
    private readonly DeviceBuffer<int> _rev;
    // per-chunk edge scratch
    private readonly DeviceBuffer<int> _cj, _ccount, _clist, _cmax;
    private readonly int[] _cmaxHost = new int[1];
    private readonly FloatingBuffer _dvec, _ysh, _bes, _dbes, _gRad, _gy, _gm0, _gm1;
    // MLP per layer t: pre-activations z and silu(z) of hidden layer k, output R
    private readonly FloatingBuffer[][] _pre, _post;
    private readonly FloatingBuffer[] _rad;
    private int _weightsVersion, _revBuilds = -1, _geometryChunk = -1;

    private sealed class LayerPlan
    {
        public required EquivariantLayer Layer;
        public int NIn, NA, NOut, NSkip, TpPaths, ScBegin, ScPaths;
        /// <summary>Offsets of W_skip,l for species 0 (species s at + s·C²; the kernel adds it).</summary>
        public required int[] SkipOffsets;
    }

    public OpenClEquivariantComputer(EquivariantModel model, ComputeOptions options) : base(model, options, ["equivariant.cl"], Defines(model))
    {
        _model = model;
        var hp = model.Hyper;
        _c = hp.Channels; _nsh = Irreps.Count(hp.ShLMax); _nh = Irreps.Count(hp.HiddenLMax); _nb = hp.NumBessel;
        _hiddenTotal = hp.RadialHidden.Sum();
        _maxMlp = Math.Max(_nb, hp.RadialHidden.Max());

        // tables: contraction paths and their CG entries (each CG table once); the tensor-product terms are compiled in (Defines)
        var scPath = new List<int>(); var cgIdx = new List<int>(); var cgCoef = new List<double>();
        var cgBegin = new Dictionary<CouplingTable, int>(ReferenceEqualityComparer.Instance);
        int CgTable(CouplingTable t)
        {
            if (cgBegin.TryGetValue(t, out int b)) return b;
            b = cgCoef.Count;
            for (int k = 0; k < t.Count; k++) { cgIdx.AddRange([t.M1[k], t.M2[k], t.M3[k], k == 0 ? t.Count : 0]); cgCoef.Add(t.Coef[k]); }
            cgBegin[t] = b;
            return b;
        }
        _plans = new LayerPlan[model.Layers.Length];
        for (int t = 0; t < _plans.Length; t++)
        {
            var L = model.Layers[t];
            var plan = new LayerPlan
            {
                Layer = L, NIn = Irreps.Count(L.LIn), NA = Irreps.Count(L.LA), NOut = Irreps.Count(L.LOut),
                NSkip = L.HasSkip ? Irreps.Count(L.Skip.Length - 1) : 0, SkipOffsets = L.Skip.Select(perSpecies => perSpecies[0]).ToArray(),
                TpPaths = L.TensorProduct.Paths.Length, ScBegin = scPath.Count / 8, ScPaths = L.Contraction.Paths.Length,
            };
            foreach (var path in L.Contraction.Paths)
            {
                int first = path.First != null ? CgTable(path.First) : 0, second = path.Second != null ? CgTable(path.Second) : 0;
                scPath.AddRange([path.Nu, path.L1, Math.Max(path.L2, 0), Math.Max(path.L3, 0), path.L, first, second, 0]);
            }
            _plans[t] = plan;
        }
        _maxPc = _plans.Max(p => p.TpPaths) * _c;

        _compact = Program.CreateKernel("eq_edge_compact");
        _geometry = Program.CreateKernel("eq_edge_geometry");
        _dense = Program.CreateKernel("eq_dense");
        _denseBack = Program.CreateKernel("eq_dense_backward");
        _linear = Program.CreateKernel("eq_linear");
        _embed = Program.CreateKernel("eq_embed");
        _tpGather = Program.CreateKernel("eq_tp_gather");
        _contract = Program.CreateKernel("eq_contract");
        _contractBack = Program.CreateKernel("eq_contract_backward");
        _readout = Program.CreateKernel("eq_readout");
        _addScalars = Program.CreateKernel("eq_add_scalars");
        _tpEdgeBack = Program.CreateKernel("eq_tp_edge_backward");
        _edgeGrad = Program.CreateKernel("eq_edge_gradient");
        _reverse = Program.CreateKernel("eq_reverse_edges");
        _forces = Program.CreateKernel("eq_forces");
        _core = Program.CreateKernel("eq_core");
        if (model.Core is { HasDensityFade: true } fading)
        {
            _fade = Program.CreateKernel("eq_fade");
            _fadeTable = new FloatingBuffer(Context, AccIsDouble, 2 * hp.Species.Length + 1);   // N per species, w, C per species
            _fadeTable.Write(Queue, [.. fading.Spec.DensityMax!, fading.Spec.DensityWidth, .. fading.Spec.DensityEnergy ?? new double[hp.Species.Length]]);
        }

        bool rd = RealIsDouble;
        _w = new FloatingBuffer(Context, rd, model.Parameters.Length);
        _e0 = new FloatingBuffer(Context, AccIsDouble, model.E0.Length);
        _scPath = Upload(scPath); _cgIdx = Upload(cgIdx.Count > 0 ? cgIdx : [0, 0, 0, 0]);
        _cgCoef = new FloatingBuffer(Context, rd, Math.Max(1, cgCoef.Count)); if (cgCoef.Count > 0) _cgCoef.Write(Queue, cgCoef.ToArray());
        _coreTable = new FloatingBuffer(Context, AccIsDouble, 4 * hp.Species.Length * hp.Species.Length);
        _hFade = new FloatingBuffer(Context, AccIsDouble);
        _coreTable.Write(Queue, CoreTable(model));
        LoadWeights();

        FloatingBuffer Real() => new(Context, rd);
        _hT = _plans.Select(_ => Real()).ToArray();
        _aMix = _plans.Select(_ => Real()).ToArray();
        _gRead = _plans.Select(_ => Real()).ToArray();
        _h0 = Real(); _h1 = Real(); _msg = Real(); _b = Real(); _gA = Real(); _gHT = Real();
        _gEdge = new FloatingBuffer(Context, AccIsDouble);
        _rev = new DeviceBuffer<int>(Context);
        _cj = new DeviceBuffer<int>(Context); _ccount = new DeviceBuffer<int>(Context); _clist = new DeviceBuffer<int>(Context); _cmax = new DeviceBuffer<int>(Context, 1);
        _dvec = Real(); _ysh = Real(); _bes = Real(); _dbes = Real(); _gRad = Real(); _gy = Real(); _gm0 = Real(); _gm1 = Real();
        _pre = _plans.Select(_ => hp.RadialHidden.Select(_ => Real()).ToArray()).ToArray();
        _post = _plans.Select(_ => hp.RadialHidden.Select(_ => Real()).ToArray()).ToArray();
        _rad = _plans.Select(_ => Real()).ToArray();
    }

    /// <summary>Upper bound on the per-chunk edge scratch, bytes (0: <see cref="DefaultScratchBudget"/>).</summary>
    public long EdgeScratchBudgetBytes { get; set; }

    /// <summary><see cref="EdgeChunks.DefaultBudget"/> of the device: 1/8 of its memory, clamped to 64 MiB–4 GiB, at most 4× its largest allocation.</summary>
    public static long DefaultScratchBudget(OpenClDeviceInfo device) => EdgeChunks.DefaultBudget(device.GlobalMemoryBytes, device.MaxAllocationBytes);

    /// <summary>Atoms per edge chunk of the last call (tests force several chunks through <see cref="ChunkAtomsOverride"/>).</summary>
    public int ChunkAtoms { get; private set; }

    /// <summary>When positive, the chunk size in atoms (for tests of the chunked path).</summary>
    internal int ChunkAtomsOverride { get; set; }

    /// <summary>
    /// The model's shape as <c>#define</c>s, and each layer's tensor-product terms as an X-macro list
    /// <c>EQ_TP_TERMS_t(X)</c> of <c>X(lm₁, lm₂, lm₃, path, l₂ odd, coefficient)</c> (see kernels/equivariant.cl).
    /// Coefficients are printed round-trip ("R"), so the compiled constants are the tables' doubles.
    /// </summary>
    private static Dictionary<string, string> Defines(EquivariantModel model)
    {
        var hp = model.Hyper;
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var d = new Dictionary<string, string>
        {
            ["EQ_C"] = S(hp.Channels), ["EQ_SH_LMAX"] = S(hp.ShLMax), ["EQ_NSH"] = S(Irreps.Count(hp.ShLMax)),
            ["EQ_NH"] = S(Irreps.Count(hp.HiddenLMax)), ["EQ_NB"] = S(hp.NumBessel), ["EQ_P"] = S(hp.EnvelopeExponent),
            ["EQ_TP_PATHS"] = S(model.Layers.Max(l => l.TensorProduct.Paths.Length)), ["EQ_READOUT_H"] = S(hp.ReadoutHidden),
            ["EQ_CORE"] = model.Core is null ? "0" : "1", ["EQ_NS"] = S(hp.Species.Length),
            ["EQ_FADE"] = model.Core is { HasDensityFade: true } ? "1" : "0",
        };
        for (int t = 0; t < 3; t++)
        {
            var terms = new System.Text.StringBuilder();
            if (t < model.Layers.Length)
            {
                var paths = model.Layers[t].TensorProduct.Paths;
                for (int p = 0; p < paths.Length; p++)
                {
                    var tab = paths[p].Table;
                    int o1 = Irreps.Offset(tab.L1), o2 = Irreps.Offset(tab.L2), o3 = Irreps.Offset(tab.L3);
                    for (int k = 0; k < tab.Count; k++)
                        terms.Append(CultureInfo.InvariantCulture, $"X({o1 + tab.M1[k]},{o2 + tab.M2[k]},{o3 + tab.M3[k]},{p},{tab.L2 & 1},{tab.Coef[k].ToString("R", CultureInfo.InvariantCulture)}) ");
                }
            }
            d[$"EQ_TP_TERMS_{t}(X)"] = terms.ToString();
        }
        return d;
    }

    /// <summary>(r_in, r_out, Z_i, Z_j) per species pair ti·ns + tj; zeros (never read) without a core.</summary>
    private static double[] CoreTable(EquivariantModel model)
    {
        int ns = model.Hyper.Species.Length;
        var t = new double[4 * ns * ns];
        if (model.Core is { } core)
            for (int a = 0; a < ns; a++)
                for (int b = 0; b < ns; b++)
                {
                    int p = 4 * (a * ns + b);
                    t[p] = core.Inner(a, b); t[p + 1] = core.Outer(a, b); t[p + 2] = model.SpeciesNumbers[a]; t[p + 3] = model.SpeciesNumbers[b];
                }
        return t;
    }

    /// <summary>eq_fade: the density fade of the atom energies (before the core is added), h_i into _hFade, and (grad) its gradient into g_e.</summary>
    private void Fade(int n, bool grad)
    {
        var nl = Neighbors;
        _fade!.Value(0, n).Real(1, _model.Hyper.Cutoff, AccIsDouble).Arg(2, nl.X).Arg(3, nl.Y).Arg(4, nl.Z).Arg(5, nl.Count).Arg(6, nl.J).Arg(7, nl.Code)
            .Value(8, nl.Capacity).Value(9, nl.Stride).Arg(10, nl.Shifts).Arg(11, Types).Arg(12, _coreTable).Arg(13, _fadeTable!).Arg(14, _e0)
            .Value(15, grad ? 1 : 0).Arg(16, _gEdge).Arg(17, AtomEnergy).Arg(18, _hFade);
        Run(_fade, n);
    }

    /// <summary>eq_core: ½ E_core per directed edge into the atom energies, and (grad) its gradient into g_e.</summary>
    private void Core(int n, bool grad)
    {
        var nl = Neighbors;
        _core.Value(0, n).Arg(1, nl.X).Arg(2, nl.Y).Arg(3, nl.Z).Arg(4, nl.Count).Arg(5, nl.J).Arg(6, nl.Code).Value(7, nl.Capacity).Value(8, nl.Stride)
            .Arg(9, nl.Shifts).Arg(10, Types).Arg(11, _coreTable).Value(12, grad ? 1 : 0).Arg(13, _gEdge).Arg(14, AtomEnergy);
        Run(_core, n);
    }

    private DeviceBuffer<int> Upload(List<int> data)
    {
        var b = new DeviceBuffer<int>(Context, Math.Max(1, data.Count));
        if (data.Count > 0) b.Write(Queue, data.ToArray());
        return b;
    }

    private void LoadWeights()
    {
        _weightsVersion = _model.ParameterVersion;
        _w.Write(Queue, _model.Parameters);
        _e0.Write(Queue, _model.E0);
    }

    protected override void Evaluate(int n)
    {
        if (_weightsVersion != _model.ParameterVersion) LoadWeights();
        var nl = Neighbors;
        int stride = nl.Stride, cap = nl.Capacity;
        long slots = (long)cap * stride;
        if (_revBuilds != nl.Builds || _rev.Capacity < slots)
        {
            _rev.EnsureCapacity(slots);
            _reverse.Value(0, n).Arg(1, nl.Count).Arg(2, nl.J).Arg(3, nl.Code).Value(4, cap).Value(5, stride).Arg(6, nl.Shifts).Arg(7, _rev);
            Run(_reverse, slots);
            _revBuilds = nl.Builds;
        }
        long node = (long)stride * _c;
        for (int t = 0; t < _plans.Length; t++)
        {
            _hT[t].EnsureCapacity(_plans[t].NIn * node); _aMix[t].EnsureCapacity(_plans[t].NA * node); _gRead[t].EnsureCapacity(node);
        }
        _h0.EnsureCapacity(_nh * node); _h1.EnsureCapacity(_nh * node); _b.EnsureCapacity(_nh * node); _gHT.EnsureCapacity(_nh * node);
        _msg.EnsureCapacity(_nsh * node); _gA.EnsureCapacity(_nsh * node);
        _gEdge.EnsureCapacity(3 * slots);
        if (_fade is not null) _hFade.EnsureCapacity(n);
        PlanChunks(n, CountEdges(n));
        _geometryChunk = -1;

        // forward
        _embed.Value(0, n).Value(1, stride).Arg(2, Types).Arg(3, _w).Value(4, _model.Embedding).Arg(5, _e0).Arg(6, _h0).Arg(7, AtomEnergy);
        Run(_embed, node);
        FloatingBuffer hIn = _h0, hOut = _h1;
        for (int t = 0; t < _plans.Length; t++)
        {
            var p = _plans[t]; var L = p.Layer;
            Linear(n, p.NIn, hIn, _hT[t], L.Up, 0, transpose: false, accumulate: false);
            for (int ch = 0; ch < _chunkCount; ch++)
            {
                SelectChunk(n, ch);
                Mlp(t);
                TpGather(t, adjoint: false);
            }
            Linear(n, p.NA, _msg, _aMix[t], L.Mix, 0, false, false);
            Contract(_contract, n, p, _aMix[t], _b, null);
            Linear(n, p.NOut, _b, hOut, L.Out, 0, false, false);
            if (L.HasSkip) Linear(n, p.NSkip, hIn, hOut, p.SkipOffsets, _c * _c, false, true);
            _readout.Value(0, n).Value(1, stride).Value(2, L.IsLast ? 1 : 0).Arg(3, hOut).Arg(4, _w).Value(5, L.Readout1).Value(6, L.Readout2)
                .Arg(7, AtomEnergy).Arg(8, _gRead[t]);
            Run(_readout, n);
            (hIn, hOut) = (hOut, hIn);
        }

        bool wantGradient = (Requested & (ForceOutputs.Forces | ForceOutputs.Virial)) != 0;
        if (!wantGradient)
        {
            if (_fade is not null) Fade(n, grad: false);
            if (_model.Core is not null) Core(n, grad: false);
            return;   // energies only: no adjoint pass
        }

        // backward: gOut = dE/dh' of layer t (gradient from layer t+1 plus the readout's)
        _gEdge.Zero(Queue, 3 * slots);
        if (_fade is not null) Fade(n, grad: true);
        if (_model.Core is not null) Core(n, grad: true);
        FloatingBuffer gOut = _h0, gIn = _h1, gB = _b, gAm = _msg;
        for (int t = _plans.Length - 1; t >= 0; t--)
        {
            var p = _plans[t]; var L = p.Layer;
            if (t == _plans.Length - 1) gOut.Zero(Queue, p.NOut * node);
            _addScalars.Value(0, n).Value(1, stride).Arg(2, gOut).Arg(3, _gRead[t]).Arg(4, _hFade);
            Run(_addScalars, node);
            Linear(n, p.NOut, gOut, gB, L.Out, 0, true, false);
            Contract(_contractBack, n, p, _aMix[t], gB, gAm);
            Linear(n, p.NA, gAm, _gA, L.Mix, 0, true, false);
            bool needInput = t > 0;
            if (needInput)
            {
                gIn.Zero(Queue, p.NIn * node);
                if (L.HasSkip) Linear(n, p.NSkip, gOut, gIn, p.SkipOffsets, _c * _c, true, true);
            }
            for (int ch = 0; ch < _chunkCount; ch++)
            {
                SelectChunk(n, ch);
                if (_chunkCount > 1) Mlp(t);   // one chunk: layer t's R is still there from the forward pass
                TpEdgeBackward(t);
                EdgeGradient(slots, MlpBackward(t));
                if (needInput) TpGather(t, adjoint: true);
            }
            if (needInput) Linear(n, p.NIn, _gHT, gIn, L.Up, 0, true, true);
            (gOut, gIn) = (gIn, gOut);
        }

        _forces.Value(0, n).Arg(1, nl.X).Arg(2, nl.Y).Arg(3, nl.Z).Arg(4, nl.Count).Arg(5, nl.J).Arg(6, nl.Code).Value(7, cap).Value(8, stride)
            .Arg(9, nl.Shifts).Arg(10, _rev).Arg(11, _gEdge).Arg(12, Fx).Arg(13, Fy).Arg(14, Fz).Arg(15, AtomVirial);
        Run(_forces, n);
    }

    /// <summary>Launches <paramref name="k"/> over <paramref name="items"/> work-items in groups of 64; with MLIP_PROFILE=1 waits and times it.</summary>
    private void Run(OpenClKernel k, long items)
    {
        if (!StageProfile.Enabled) { k.Launch(Queue, items, 64); return; }
        Queue.Finish();
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        k.Launch(Queue, items, 64);
        Queue.Finish();
        KernelSeconds[k.Name] = KernelSeconds.GetValueOrDefault(k.Name) + System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>Seconds per kernel name, accumulated when MLIP_PROFILE=1 (each launch then waits for the device), for benchmarks.</summary>
    public Dictionary<string, double> KernelSeconds { get; } = new();

    // ---- chunks of atoms for the edge stages

    private int _chunkStride, _chunkSlots, _chunkIndex, _chunkCount;
    private int _a0, _cn;

    /// <summary>The largest number of edges (r &lt; r_c) of an atom: eq_edge_compact over all atoms with count_only, one integer read back.</summary>
    private int CountEdges(int n) => MaxEdgesPerAtom = Math.Max(1, Compact(0, n, (n + 63) / 64 * 64, countOnly: true));

    /// <summary>eq_edge_compact over atoms [a0, a0 + cn) (cstride ≥ cn, a multiple of 64); returns the most edges of one of them.</summary>
    private int Compact(int a0, int cn, int cstride, bool countOnly)
    {
        var nl = Neighbors;
        _cmax.Fill(Queue, 0, 1);
        _compact.Value(0, a0).Value(1, cn).Value(2, cstride).Real(3, _model.Hyper.Cutoff, RealIsDouble)
            .Arg(4, nl.X).Arg(5, nl.Y).Arg(6, nl.Z).Arg(7, nl.Count).Arg(8, nl.J).Arg(9, nl.Code).Value(10, nl.Capacity).Value(11, nl.Stride)
            .Arg(12, nl.Shifts).Arg(13, _ccount).Arg(14, _clist).Arg(15, _cmax).Value(16, countOnly ? 1 : 0);
        Run(_compact, cstride);
        _cmax.Read(Queue, _cmaxHost);
        return _cmaxHost[0];
    }

    /// <summary>The largest number of edges (list entries with r &lt; r_c) of an atom in the last call: the chunk scratch's slots per atom.</summary>
    public int MaxEdgesPerAtom { get; private set; }
    /// <summary>Edge slots the chunk scratch was sized for in the last call (<see cref="MaxEdgesPerAtom"/> × the chunk's padded atom count).</summary>
    public long EdgeSlotCapacity { get; private set; }

    /// <summary>
    /// Chunks of atoms whose edge scratch fits the budget, sized by <paramref name="maxEdges"/> per atom (the edges inside r_c, not the
    /// list's capacity, which also holds the skin shell and padding).
    /// </summary>
    private void PlanChunks(int n, int maxEdges)
    {
        int realBytes = RealIsDouble ? 8 : 4;
        int layers = _plans.Length;
        long perSlot = 4 + (long)realBytes * (3 + 2 * _nsh + 2 * _nb + layers * (2 * _hiddenTotal + _maxPc) + _maxPc + 2 * _maxMlp);
        long budget = EdgeScratchBudgetBytes > 0 ? EdgeScratchBudgetBytes : DefaultScratchBudget(Context.Device);
        ChunkAtoms = EdgeChunks.AtomsPerChunk(n, maxEdges, perSlot, budget, ChunkAtomsOverride);
        _chunkCount = (n + ChunkAtoms - 1) / ChunkAtoms;
        _chunkStride = (ChunkAtoms + 63) / 64 * 64;
        long es = (long)maxEdges * _chunkStride;   // upper bound of the compacted edge slots of any chunk
        EdgeSlotCapacity = es;
        _cj.EnsureCapacity(es); _clist.EnsureCapacity(es); _ccount.EnsureCapacity(_chunkStride);
        _dvec.EnsureCapacity(3 * es); _ysh.EnsureCapacity(_nsh * es); _bes.EnsureCapacity(_nb * es); _dbes.EnsureCapacity(_nb * es);
        _gRad.EnsureCapacity(_maxPc * es); _gy.EnsureCapacity(_nsh * es);
        _gm0.EnsureCapacity(_maxMlp * es); _gm1.EnsureCapacity(_maxMlp * es);
        var hidden = _model.Hyper.RadialHidden;
        for (int t = 0; t < _plans.Length; t++)
        {
            _rad[t].EnsureCapacity((long)_plans[t].TpPaths * _c * es);
            for (int k = 0; k < hidden.Length; k++) { _pre[t][k].EnsureCapacity(hidden[k] * es); _post[t][k].EnsureCapacity(hidden[k] * es); }
        }
    }

    /// <summary>Makes chunk <paramref name="chunk"/> current (atoms [a0, a0 + cn)), computing its edge geometry unless it is already there.</summary>
    private void SelectChunk(int n, int chunk)
    {
        _chunkIndex = chunk;
        _a0 = chunk * ChunkAtoms;
        _cn = Math.Min(ChunkAtoms, n - _a0);
        if (_geometryChunk != _chunkIndex) Geometry();
    }

    /// <summary>Compacts the chunk's edges (r &lt; r_c) per atom, reads the largest count (sizes the launches), then the edge geometry.</summary>
    private void Geometry()
    {
        var nl = Neighbors;
        _chunkSlots = Math.Max(1, Compact(_a0, _cn, _chunkStride, countOnly: false)) * _chunkStride;
        _geometry.Value(0, _a0).Value(1, _chunkStride).Value(2, _chunkSlots).Real(3, _model.Hyper.Cutoff, RealIsDouble)
            .Arg(4, nl.X).Arg(5, nl.Y).Arg(6, nl.Z).Arg(7, nl.J).Arg(8, nl.Code).Value(9, nl.Stride).Arg(10, nl.Shifts)
            .Arg(11, _ccount).Arg(12, _clist).Arg(13, _cj).Arg(14, _dvec).Arg(15, _ysh).Arg(16, _bes).Arg(17, _dbes)
            .Arg(18, Types).Arg(19, _coreTable);
        Run(_geometry, _chunkSlots);
        _geometryChunk = _chunkIndex;
    }

    // ---- stages

    /// <summary>Radial MLP of layer t for the chunk: pre-activations z into _pre[t][k], silu(z) into _post[t][k], R into _rad[t].</summary>
    private void Mlp(int t)
    {
        var mlp = _plans[t].Layer.Radial;
        var widths = mlp.Widths;
        FloatingBuffer input = _bes;
        for (int k = 0; k < widths.Length - 1; k++)
        {
            bool hidden = k < widths.Length - 2;
            var z = hidden ? _pre[t][k] : _rad[t];
            _dense.Value(0, _chunkSlots).Value(1, widths[k]).Value(2, widths[k + 1]).Arg(3, _cj).Arg(4, input).Arg(5, z)
                .Arg(6, hidden ? _post[t][k] : _rad[t]).Value(7, hidden ? 1 : 0).Arg(8, _w).Value(9, mlp.WeightOffsets[k]);
            Run(_dense, (long)Tiles(widths[k + 1]) * _chunkSlots);
            if (hidden) input = _post[t][k];
        }
    }

    /// <summary>∂E/∂R in _gRad → ∂E/∂b through the stored pre-activations; returns the buffer that holds ∂E/∂b.</summary>
    private FloatingBuffer MlpBackward(int t)
    {
        var mlp = _plans[t].Layer.Radial;
        var widths = mlp.Widths;
        FloatingBuffer gout = _gRad, gin = _gm0;
        for (int k = widths.Length - 2; k >= 0; k--)
        {
            var pre = k > 0 ? _pre[t][k - 1] : _bes;   // z of dense layer k's input (unused for the Bessel input)
            _denseBack.Value(0, _chunkSlots).Value(1, widths[k]).Value(2, widths[k + 1]).Value(3, k > 0 ? 1 : 0).Arg(4, _cj).Arg(5, gout).Arg(6, pre)
                .Arg(7, gin).Arg(8, _w).Value(9, mlp.WeightOffsets[k]);
            Run(_denseBack, (long)Tiles(widths[k]) * _chunkSlots);
            gout = gin;
            gin = gin == _gm0 ? _gm1 : _gm0;
        }
        return gout;
    }

    /// <summary>Work-items per edge of eq_dense: one per tile of EQ_TILE (8) outputs.</summary>
    private static int Tiles(int width) => (width + 7) / 8;

    /// <summary>eq_tp_gather: A of the chunk's atoms (forward), or dE/dh̃ from the edges into them (adjoint).</summary>
    private void TpGather(int t, bool adjoint)
    {
        var p = _plans[t];
        _tpGather.Value(0, t).Value(1, adjoint ? 1 : 0).Value(2, _a0).Value(3, _cn).Value(4, _chunkStride).Value(5, _chunkSlots).Value(6, Neighbors.Stride)
            .Value(7, adjoint ? p.NA : p.NIn).Value(8, adjoint ? p.NIn : p.NA).Real(9, 1.0 / _model.Hyper.AvgNeighbors, RealIsDouble)
            .Arg(10, _ccount).Arg(11, _cj).Arg(12, _ysh).Arg(13, _rad[t]).Arg(14, adjoint ? _gA : _hT[t]).Arg(15, adjoint ? _gHT : _msg);
        Run(_tpGather, (long)_c * _chunkStride);
    }

    private void TpEdgeBackward(int t)
    {
        var p = _plans[t];
        _tpEdgeBack.Value(0, t).Value(1, _a0).Value(2, _chunkStride).Value(3, _chunkSlots).Value(4, Neighbors.Stride).Value(5, p.NIn)
            .Value(6, p.TpPaths).Real(7, 1.0 / _model.Hyper.AvgNeighbors, RealIsDouble).Arg(8, _cj).Arg(9, _ysh).Arg(10, _rad[t]).Arg(11, _hT[t])
            .Arg(12, _gA).Arg(13, _gRad).Arg(14, _gy);
        Run(_tpEdgeBack, _chunkSlots);
    }

    private void EdgeGradient(long slots, FloatingBuffer gBessel)
    {
        _edgeGrad.Value(0, _chunkStride).Value(1, _chunkSlots).Value(2, (int)slots).Arg(3, _cj).Arg(4, _clist)
            .Arg(5, _dvec).Arg(6, _dbes).Arg(7, gBessel).Arg(8, _gy).Arg(9, _gEdge);
        Run(_edgeGrad, _chunkSlots);
    }

    private void Linear(int n, int nlm, FloatingBuffer input, FloatingBuffer output, int[] offsets, int speciesBlock, bool transpose, bool accumulate)
    {
        int W(int l) => l < offsets.Length ? offsets[l] : 0;
        int stride = Neighbors.Stride;
        _linear.Value(0, n).Value(1, stride).Value(2, nlm).Arg(3, input).Arg(4, output).Arg(5, _w)
            .Value(6, W(0)).Value(7, W(1)).Value(8, W(2)).Value(9, W(3)).Value(10, speciesBlock > 0 ? 1 : 0).Arg(11, Types)
            .Value(12, transpose ? 1 : 0).Value(13, accumulate ? 1 : 0);
        Run(_linear, (long)nlm * _c * stride);
    }

    /// <summary>eq_contract (B from A′) or eq_contract_backward (gA′ from gB into <paramref name="gradOut"/>).</summary>
    private void Contract(OpenClKernel k, int n, LayerPlan p, FloatingBuffer aMix, FloatingBuffer bOrGrad, FloatingBuffer? gradOut)
    {
        k.Value(0, n).Value(1, Neighbors.Stride).Value(2, p.NA).Value(3, p.NOut).Arg(4, Types).Arg(5, aMix).Arg(6, _w)
            .Value(7, p.Layer.ContractionWeights).Value(8, p.ScPaths).Arg(9, _scPath).Value(10, p.ScBegin).Arg(11, _cgIdx).Arg(12, _cgCoef).Arg(13, bOrGrad);
        if (gradOut != null) k.Arg(14, gradOut);
        Run(k, (long)_c * Neighbors.Stride);
    }

    public override void Dispose()
    {
        foreach (var k in new[] { _compact, _geometry, _dense, _denseBack, _linear, _embed, _tpGather, _contract, _contractBack, _readout, _addScalars,
                     _tpEdgeBack, _edgeGrad, _reverse, _forces, _core }) k.Dispose();
        _fade?.Dispose(); _fadeTable?.Dispose(); _hFade.Dispose();
        foreach (var b in _hT.Concat(_aMix).Concat(_gRead).Concat(_rad).Concat(_pre.SelectMany(x => x)).Concat(_post.SelectMany(x => x))) b.Dispose();
        foreach (var b in new[] { _w, _e0, _cgCoef, _coreTable, _h0, _h1, _msg, _b, _gA, _gHT, _gEdge,
                     _dvec, _ysh, _bes, _dbes, _gRad, _gy, _gm0, _gm1 }) b.Dispose();
        foreach (var b in new[] { _scPath, _cgIdx, _rev, _cj, _ccount, _clist, _cmax }) b.Dispose();
        base.Dispose();
    }
}
