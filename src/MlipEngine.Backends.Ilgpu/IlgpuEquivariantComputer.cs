using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The equivariant model (<c>style: equivariant</c>) on ILGPU: energy, per-atom energies, forces and virial by the forward
/// and adjoint passes of <see cref="EquivariantKernels"/>, fp64 (T = double) or fp32 (T = float: features, weights and per-edge
/// data in float; the edge geometry is evaluated in fp64 and rounded, as on the Cpu backend; energies, g_e, forces and virials
/// accumulate in fp64). Per call: the edge geometry over the uploaded list, then per layer the up map, radial MLP, tensor-product
/// gather, mix map, contraction, out and skip maps and readout; then, from the last layer down, the node adjoints, the per-edge
/// adjoint (message and MLP, into g_e), the node gather of ∂E/∂h̃ and the input gradient; finally forces and virials per atom
/// through each entry's mirror.
/// </summary>
/// <remarks>
/// Memory. Each atom's list entries inside r_c are compacted to its edges first (<see cref="EquivariantKernels.CompactEdges{T}"/>,
/// as the OpenCL backend does; one 4-byte read of the largest edge count per call), so the skin shell and padding hold no scratch.
/// The edge stages run over chunks of atoms (<see cref="EdgeChunks"/>, as the OpenCL backend does) whose per-edge scratch —
/// r, Y, ∂Y, b, db, ∂E/∂Y, two MLP adjoint rows and per layer the MLP's z and silu(z) and R (2 Σ hidden + paths·C) — fits
/// <see cref="EdgeScratchBudgetBytes"/>, sized by the largest edge count of an atom (not the list's capacity); only g_e (3 doubles),
/// the mirror index and the compacted edge's slot live for every list slot, and the node features per atom. With one chunk the
/// geometry is computed once per call and each layer's MLP output survives for the adjoint; with several, both are recomputed per
/// chunk in the adjoint. A chunk does per edge and per atom the arithmetic of the whole list, so the results
/// do not depend on the chunk size, bit for bit (tested).
/// <para>Parameter gradient (<see cref="AccumulateEnergyGradient"/>, training): the same forward and adjoint passes with every layer's h,
/// A and B kept (per layer instead of reused) and, per chunk slot, the MLP's ∂E/∂z_k; the weights' gradients are then sums over atoms
/// or edges (<see cref="EquivariantKernels.AtomSums{T, R}"/>, <see cref="EquivariantKernels.LinearWeightGradient{T, R}"/>,
/// <see cref="EquivariantKernels.RadialWeightGradient{T, R}"/>), split into ranges of 64 atoms or 1,024 edge slots (at most 256) whose
/// partial sums are added in order (<see cref="PartialSums"/>).</para>
/// </remarks>
internal sealed class IlgpuEquivariantComputer<T, R> : IlgpuForceComputer, IEdgeChunkedComputer, IEnergyParameterGradient where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    private readonly EquivariantModel _m;
    private readonly LayerPlan[] _plans;
    private readonly int _C, _nsh, _nb, _pairRowsMax, _maxWidth, _maxNode, _maxA;
    private readonly long _bytesPerSlot, _widestRow;
    private int _weightsVersion, _capacity, _maxEdges;
    private readonly int[] _maxEdgesHost = new int[1];
    private readonly List<IDeviceMemory> _owned = [];
    private readonly DeviceArray<T> _w, _tpCoef, _pairCoef, _secondCoef;
    private readonly DeviceArray<int> _ints, _tp, _pair, _path, _second, _z, _mirror, _edgeSlot, _edgeCount, _edgeMax;
    private readonly DeviceArray<double> _e0, _coreInner, _coreOuter, _fadeMax, _fadeEnergy, _hFade, _dist, _gx, _gy, _gz, _atomE;
    private readonly DeviceArray<T> _y, _dy, _b, _db, _gyh, _g1, _g2;
    private readonly DeviceArray<T> _h0, _h1, _gn0, _gn1, _gOut, _a, _bc, _p, _gp, _ga, _gam, _gb, _ght;
    private readonly DeviceArray<T>[] _zl, _act, _rad, _ht, _am, _gread;
    // parameter gradient: per layer h (T + 1), A, B and the readout weights' per-atom terms; ∂E/∂z_k per chunk slot; the contraction
    // weights' per-atom terms; per-atom seeds; the gradient and its partial sums (fp64)
    private readonly DeviceArray<T>[] _hl, _al, _bcl, _readoutTerms;
    private readonly DeviceArray<T> _mlpGrad, _atomGrad, _seed;
    private T[] _seedHost = [];
    private readonly DeviceArray<double> _grad, _gradParts;
    /// <summary>Items (atoms, edge slots) per part of a weight's sum, and the most parts (<see cref="PartialSums"/>).</summary>
    private const int AtomsPerPart = 64, SlotsPerPart = 1024, MaxParts = 256;
    private readonly int _gzRow, _atomGradRow;
    private bool _parameterGradient;
    private double[] _gradHost = [];
    private readonly ForceResult _gradResult = new();
    private GradientKernels? _gradientKernels;
    /// <summary>The arrays sized per chunk slot (the rest are per atom or per list slot).</summary>
    private readonly IDeviceMemory[] _chunkScratch;

    private readonly Action<Index1D, DeviceGeometry, EquivariantViews<T>, ArrayView<int>> _compactEdges;
    private readonly Action<Index1D, DeviceGeometry, EquivariantViews<T>, int> _edgeGeometry, _fade;
    private readonly Action<Index1D, ArrayView<int>, EquivariantViews<T>, ArrayView<T>> _embed;
    private readonly Action<Index1D, ArrayView<int>, EquivariantViews<T>, LinearArgs<T>> _linear;
    private readonly Action<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>> _radial, _edgeAdjoint;
    private readonly Action<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>, GatherArgs<T>> _tpGather;
    private readonly Action<Index1D, ArrayView<int>, EquivariantViews<T>, LayerPlan, LayerViews<T>> _contract, _contractAdjoint;
    private readonly Action<Index1D, EquivariantViews<T>, LayerPlan, LayerViews<T>, ArrayView<T>> _readout;
    private readonly Action<Index1D, EquivariantViews<T>, LayerPlan, LayerViews<T>, ArrayView<T>, int, ArrayView<T>> _outputGradient;
    private readonly Action<Index1D, DeviceGeometry, EquivariantViews<T>, AtomOutputs> _forces;

    public IlgpuEquivariantComputer(EquivariantModel model, ComputeOptions options) : base(model, options)
    {
        _m = model;
        var hp = model.Hyper;
        _C = hp.Channels; _nsh = Irreps.Count(hp.ShLMax); _nb = hp.NumBessel;
        var a = Accelerator;
        DeviceArray<TT> New<TT>() where TT : unmanaged { var d = new DeviceArray<TT>(a); _owned.Add(d); return d; }
        DeviceArray<TT>[] PerLayer<TT>() where TT : unmanaged => model.Layers.Select(_ => New<TT>()).ToArray();

        // model tables: per layer the MLP plan and linear-map weight offsets (Ints), tensor-product terms, contraction terms
        int ns = hp.Species.Length;
        var ints = new List<int>(); var tp = new List<int>(); var tpCoef = new List<double>();
        var pair = new List<int>(); var pairCoef = new List<double>(); var path = new List<int>(); var second = new List<int>(); var secondCoef = new List<double>();
        int Table(int[] offsets) { int at = ints.Count; foreach (int o in offsets) for (int s = 0; s < ns; s++) ints.Add(o); return at; }
        _plans = new LayerPlan[model.Layers.Length];
        for (int t = 0; t < _plans.Length; t++)
        {
            var L = model.Layers[t];
            var plan = new LayerPlan
            {
                NIn = Irreps.Count(L.LIn) * _C, NA = Irreps.Count(L.LA) * _C, NOut = Irreps.Count(L.LOut) * _C,
                PC = L.Radial.Outputs, HiddenTotal = L.Radial.HiddenTotal, Depth = L.Radial.Widths.Length - 1,
                LIn = L.LIn, LA = L.LA, LOut = L.LOut, LSkip = L.Skip.Length - 1,
                Up = Table(L.Up), Mix = Table(L.Mix), Out = Table(L.Out),
                ContractionWeights = L.ContractionWeights, ContractionPaths = L.Contraction.Paths.Length,
                Readout1 = L.Readout1, Readout2 = L.Readout2, ReadoutHidden = hp.ReadoutHidden, IsLast = L.IsLast ? 1 : 0,
            };
            plan.Skip = ints.Count;
            foreach (var bySpecies in L.Skip) ints.AddRange(bySpecies);
            plan.MlpWidths = ints.Count; ints.AddRange(L.Radial.Widths);
            plan.MlpOffsets = ints.Count; ints.AddRange(L.Radial.WeightOffsets);
            plan.TpStart = tpCoef.Count;
            for (int p = 0; p < L.TensorProduct.Paths.Length; p++)
            {
                var c = L.TensorProduct.Paths[p].Table;
                for (int k = 0; k < c.Count; k++)
                {
                    tp.AddRange([p, Irreps.Offset(c.L1) + c.M1[k], Irreps.Offset(c.L2) + c.M2[k], Irreps.Offset(c.L3) + c.M3[k], c.L2 & 1]);
                    tpCoef.Add(c.Coef[k]);
                }
            }
            plan.TpEnd = tpCoef.Count;
            // the contraction flattened as the Cpu backend does it (CpuContraction): distinct pair products P = (A_{l₁} ⊗ A_{l₂})_{l₁₂},
            // rows of P shared by the ν = 2 and ν = 3 paths, and per ν = 3 path its second coupling
            var sc = new CpuContraction<double>(L.Contraction);
            plan.PathStart = path.Count / 5;
            for (int e = 0; e < sc.Nu.Length; e++)
            {
                int begin = secondCoef.Count;
                foreach (var en in sc.Second[e]) { second.AddRange([en.M1, en.M2, en.M3]); secondCoef.Add(en.Coef); }
                path.AddRange([sc.Nu[e], sc.L[e], sc.Nu[e] == 1 ? 0 : sc.PairOffset[sc.Pair[e]], begin, secondCoef.Count]);
            }
            plan.PathEnd = path.Count / 5;
            plan.PairStart = pairCoef.Count;
            for (int k = 0; k < sc.PairEntries.Length; k++)
                foreach (var en in sc.PairEntries[k]) { pair.AddRange([sc.PairOffset[k] + en.M3, en.M1, en.M2]); pairCoef.Add(en.Coef); }
            plan.PairEnd = pairCoef.Count;
            _pairRowsMax = Math.Max(_pairRowsMax, Math.Max(1, sc.PairRows));
            _maxWidth = Math.Max(_maxWidth, L.Radial.Widths.Max());
            _maxNode = Math.Max(_maxNode, Math.Max(plan.NIn, plan.NOut));
            _maxA = Math.Max(_maxA, plan.NA);
            _plans[t] = plan;
        }
        _w = New<T>(); _tpCoef = New<T>(); _pairCoef = New<T>(); _secondCoef = New<T>();
        _ints = New<int>(); _tp = New<int>(); _pair = New<int>(); _path = New<int>(); _second = New<int>(); _z = New<int>(); _mirror = New<int>();
        _edgeSlot = New<int>(); _edgeCount = New<int>(); _edgeMax = New<int>();
        _e0 = New<double>(); _coreInner = New<double>(); _coreOuter = New<double>(); _fadeMax = New<double>(); _fadeEnergy = New<double>(); _hFade = New<double>();
        _dist = New<double>(); _gx = New<double>(); _gy = New<double>(); _gz = New<double>(); _atomE = New<double>();
        _y = New<T>(); _dy = New<T>(); _b = New<T>(); _db = New<T>(); _gyh = New<T>(); _g1 = New<T>(); _g2 = New<T>();
        _h0 = New<T>(); _h1 = New<T>(); _gn0 = New<T>(); _gn1 = New<T>(); _gOut = New<T>(); _a = New<T>(); _bc = New<T>();
        _p = New<T>(); _gp = New<T>(); _ga = New<T>(); _gam = New<T>(); _gb = New<T>(); _ght = New<T>();
        _zl = PerLayer<T>(); _act = PerLayer<T>(); _rad = PerLayer<T>(); _ht = PerLayer<T>(); _am = PerLayer<T>(); _gread = PerLayer<T>();
        _hl = [.. PerLayer<T>(), New<T>()]; _al = PerLayer<T>(); _bcl = PerLayer<T>(); _readoutTerms = PerLayer<T>();
        _mlpGrad = New<T>(); _atomGrad = New<T>(); _seed = New<T>(); _grad = New<double>(); _gradParts = New<double>();
        CheckConsecutiveBlocks(model);
        _gzRow = _plans.Max(p => p.HiddenTotal + p.PC);
        _atomGradRow = _plans.Max(p => p.ContractionPaths * _C);   // the contraction weights' terms (the readouts' are kept per layer)
        _chunkScratch = [_dist, _y, _dy, _b, _db, _gyh, _g1, _g2, .. _zl, .. _act, .. _rad, _mlpGrad];
        // bytes and widest row per chunk slot: r (fp64); Y, ∂E/∂Y, ∂Y (3), b, db, two MLP adjoint rows; per layer z, silu(z), R
        long perLayer = _plans.Sum(p => 2L * Math.Max(1, p.HiddenTotal) + p.PC);
        _bytesPerSlot = sizeof(double) + (long)Unsafe.SizeOf<T>() * (5 * _nsh + 2 * _nb + 2 * _maxWidth + perLayer);
        _widestRow = new long[] { 3 * _nsh, _nb, _maxWidth }.Concat(_plans.Select(p => (long)Math.Max(Math.Max(1, p.HiddenTotal), p.PC))).Max();
        _ints.Write(ints.ToArray()); _tp.Write(tp.ToArray()); _pair.Write(pair.ToArray()); _path.Write(path.ToArray()); _second.Write(second.ToArray());
        _tpCoef.Write(IlgpuBackend.ToReal<T, R>(tpCoef.ToArray())); _pairCoef.Write(IlgpuBackend.ToReal<T, R>(pairCoef.ToArray()));
        _secondCoef.Write(IlgpuBackend.ToReal<T, R>(secondCoef.ToArray()));
        _z.Write(model.SpeciesNumbers); _e0.Write(model.E0);
        if (hp.Repulsion is { } core) { _coreInner.Write(core.Inner); _coreOuter.Write(core.Outer); }
        if (hp.Repulsion?.DensityMax is { } nmax)
        {
            _fadeMax.Write(nmax);
            _fadeEnergy.Write(hp.Repulsion.DensityEnergy ?? new double[nmax.Length]);
        }
        LoadWeights();

        _compactEdges = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, ArrayView<int>>(EquivariantKernels.CompactEdges);
        _edgeGeometry = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, int>(EquivariantKernels.EdgeGeometry<T, R>);
        _embed = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, EquivariantViews<T>, ArrayView<T>>(EquivariantKernels.Embed);
        _linear = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, EquivariantViews<T>, LinearArgs<T>>(EquivariantKernels.Linear);
        _radial = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>>(EquivariantKernels.Radial);
        _edgeAdjoint = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>>(EquivariantKernels.EdgeAdjoint<T, R>);
        _tpGather = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>, GatherArgs<T>>(EquivariantKernels.TensorProductGather);
        _contract = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, EquivariantViews<T>, LayerPlan, LayerViews<T>>(EquivariantKernels.Contract);
        _contractAdjoint = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, EquivariantViews<T>, LayerPlan, LayerViews<T>>(EquivariantKernels.ContractAdjoint);
        _readout = a.LoadAutoGroupedStreamKernel<Index1D, EquivariantViews<T>, LayerPlan, LayerViews<T>, ArrayView<T>>(EquivariantKernels.Readout<T, R>);
        _outputGradient = a.LoadAutoGroupedStreamKernel<Index1D, EquivariantViews<T>, LayerPlan, LayerViews<T>, ArrayView<T>, int, ArrayView<T>>(EquivariantKernels.OutputGradient<T, R>);
        _fade = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, int>(EquivariantKernels.Fade);
        _forces = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, AtomOutputs>(EquivariantKernels.Forces);
    }

    /// <summary>The model's parameters in T, again whenever <see cref="EquivariantModel.ParameterVersion"/> changes (training edits them in place).</summary>
    private void LoadWeights()
    {
        _weightsVersion = _m.ParameterVersion;
        _w.Write(IlgpuBackend.ToReal<T, R>(_m.Parameters));
    }

    public long EdgeScratchBudgetBytes { get; set; }
    public int ChunkAtomsOverride { get; set; }
    public int ChunkAtoms { get; private set; }
    public int Chunks { get; private set; }
    public long DeviceBytes => BaseDeviceBytes + _owned.Sum(d => d.Bytes);
    public long EdgeScratchBytes => _chunkScratch.Sum(d => d.Bytes);
    public long EdgeBytesPerSlot => _bytesPerSlot;
    public int MaxEdgesPerAtom => _maxEdges;
    public int ListCapacity => _capacity;

    private protected override void ListUploaded(int atoms, int capacity, int stride)
    {
        long slots = (long)capacity * stride;
        if (slots > int.MaxValue)
            throw new InvalidOperationException($"equivariant on ILGPU: {slots} list slots exceed one device array (2³¹ elements)");
        _capacity = capacity;
        FillMirror(_mirror, atoms, capacity, stride);
        foreach (var d in new[] { _gx, _gy, _gz }) d.EnsureCapacity(slots);
        _edgeSlot.EnsureCapacity(slots);
        _edgeCount.EnsureCapacity(atoms);
    }

    /// <summary>
    /// Compacts every atom's entries inside r_c to its edges (<see cref="EquivariantKernels.CompactEdges{T}"/>, which also zeroes g_e)
    /// and reads the largest edge count of an atom (a 4-byte read: it sizes the chunks' scratch and the edge launches).
    /// </summary>
    private void CompactEdges(int n, DeviceGeometry g)
    {
        _edgeMax.View.MemSetToZero();
        _compactEdges(n, g, Views(0), _edgeMax.View);
        Accelerator.Synchronize();
        _edgeMax.Read(_maxEdgesHost);
        _maxEdges = _maxEdgesHost[0];
    }

    /// <summary>
    /// Sizes the chunks of <paramref name="n"/> atoms (<see cref="EdgeChunks.AtomsPerChunk"/>, at the largest edge count of an atom)
    /// and their scratch; returns the chunk's slot stride.
    /// </summary>
    private int PlanChunks(int n)
    {
        long budget = EdgeScratchBudgetBytes > 0 ? EdgeScratchBudgetBytes
            : EdgeChunks.DefaultBudget(Accelerator.AcceleratorType == AcceleratorType.CPU ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : Accelerator.MemorySize);
        // DeviceArray grows to 9/8 of what is asked: the budget covers that slack
        int edges = Math.Max(1, _maxEdges);
        long perSlot = _bytesPerSlot + (_parameterGradient ? (long)Unsafe.SizeOf<T>() * _gzRow : 0);
        ChunkAtoms = EdgeChunks.AtomsPerChunk(n, edges, perSlot, budget / 9 * 8, ChunkAtomsOverride,
            _parameterGradient ? Math.Max(_widestRow, _gzRow) : _widestRow);
        Chunks = (n + ChunkAtoms - 1) / ChunkAtoms;
        int cs = (ChunkAtoms + 63) / 64 * 64;
        long es = (long)edges * cs;
        _dist.EnsureCapacity(es);
        _y.EnsureCapacity(_nsh * es); _gyh.EnsureCapacity(_nsh * es); _dy.EnsureCapacity(3 * _nsh * es);
        _b.EnsureCapacity(_nb * es); _db.EnsureCapacity(_nb * es);
        _g1.EnsureCapacity(_maxWidth * es); _g2.EnsureCapacity(_maxWidth * es);
        for (int t = 0; t < _plans.Length; t++)
        {
            _zl[t].EnsureCapacity(Math.Max(1, _plans[t].HiddenTotal) * es); _act[t].EnsureCapacity(Math.Max(1, _plans[t].HiddenTotal) * es);
            _rad[t].EnsureCapacity(_plans[t].PC * es);
        }
        if (_parameterGradient) _mlpGrad.EnsureCapacity(_gzRow * es);
        return cs;
    }

    /// <summary>The views with chunk <paramref name="chunk"/> (atoms [chunk·ChunkAtoms, …)) current.</summary>
    private EquivariantViews<T> Chunk(EquivariantViews<T> v, int n, int chunk)
    {
        v.A0 = chunk * ChunkAtoms;
        v.CN = Math.Min(ChunkAtoms, n - v.A0);
        return v;
    }

    private EquivariantViews<T> Views(int cs) => new()
    {
        W = _w.View, TpCoef = _tpCoef.View, PairCoef = _pairCoef.View, SecondCoef = _secondCoef.View,
        Ints = _ints.View, Tp = _tp.View, Pair = _pair.View, Path = _path.View, Second = _second.View, Z = _z.View,
        E0 = _e0.View, CoreInner = _coreInner.View, CoreOuter = _coreOuter.View,
        FadeMax = _fadeMax.View, FadeEnergy = _fadeEnergy.View, HFade = _hFade.View, FadeWidth = _m.Hyper.Repulsion?.DensityWidth ?? 0, HasFade = _m.Core is { HasDensityFade: true } ? 1 : 0,
        C = _C, Nsh = _nsh, Nb = _nb, Species = _m.Hyper.Species.Length, EnvelopeP = _m.Hyper.EnvelopeExponent,
        HasCore = _m.Core is null ? 0 : 1, Embedding = _m.Embedding, PairRowsMax = _pairRowsMax,
        Cutoff = _m.Hyper.Cutoff, InverseAverage = R.From(1.0 / _m.Hyper.AvgNeighbors),
        Dist = _dist.View, Gx = _gx.View, Gy = _gy.View, Gz = _gz.View,
        Y = _y.View, DY = _dy.View, B = _b.View, DB = _db.View, GY = _gyh.View, G1 = _g1.View, G2 = _g2.View,
        Mirror = _mirror.View, EdgeSlot = _edgeSlot.View, EdgeCount = _edgeCount.View,
        AtomE = _atomE.View, A = _a.View, Bc = _bc.View, P = _p.View, GP = _gp.View, GA = _ga.View, GAm = _gam.View, GB = _gb.View, GHT = _ght.View,
        CS = cs, S = Math.Max(1, _maxEdges) * cs,
        ParameterGradient = _parameterGradient ? 1 : 0, GZ = _mlpGrad.View, AtomGrad = _atomGrad.View, Seed = _seed.View,
    };

    private LayerViews<T> LayerViewsOf(int t) => new()
    {
        Z = _zl[t].View, Act = _act[t].View, Rad = _rad[t].View, HT = _ht[t].View, AM = _am[t].View, GRead = _gread[t].View,
    };

    private void Linear(int n, ArrayView<int> type, EquivariantViews<T> v, ArrayView<T> input, int inN, ArrayView<T> output, int outN, int table, int lmax, bool transpose, bool accumulate) =>
        _linear(n * _C, type, v, new LinearArgs<T>
        {
            In = input, Out = output, InN = inN, OutN = outN, Table = table, LMax = lmax, Transpose = transpose ? 1 : 0, Accumulate = accumulate ? 1 : 0,
        });

    private protected override void Launch(int n, DeviceGeometry g, AtomOutputs outputs)
    {
        if (_weightsVersion != _m.ParameterVersion) LoadWeights();
        int C = _C;
        bool grad = _parameterGradient;
        long nodes = (long)n * _maxNode;
        foreach (var d in new[] { _h0, _h1, _gn0, _gn1, _gOut, _bc, _gb, _ght }) d.EnsureCapacity(nodes);
        foreach (var d in new[] { _a, _ga, _gam }) d.EnsureCapacity((long)n * _maxA);
        _p.EnsureCapacity((long)n * _pairRowsMax * C); _gp.EnsureCapacity((long)n * _pairRowsMax * C);
        _atomE.EnsureCapacity(n);
        if (_m.Core is { HasDensityFade: true }) _hFade.EnsureCapacity(n);
        for (int t = 0; t < _plans.Length; t++)
        {
            _ht[t].EnsureCapacity((long)n * _plans[t].NIn); _am[t].EnsureCapacity((long)n * _plans[t].NA); _gread[t].EnsureCapacity((long)n * C);
        }
        if (grad) PrepareGradient(n);
        CompactEdges(n, g);
        var v = Views(PlanChunks(n));
        var type = g.Type;
        // with the parameter gradient every layer keeps its h, A and B (the adjoint reads them), else they are reused
        ArrayView<T> hIn = grad ? _hl[0].View : _h0.View, hOut = _h1.View;
        _embed(n * C, type, v, hIn);
        bool recompute = Chunks > 1;   // one chunk: the geometry and every layer's MLP output stay for the adjoint

        // forward, layer by layer
        for (int t = 0; t < _plans.Length; t++)
        {
            var L = _plans[t]; var lv = LayerViewsOf(t);
            var vt = grad ? v with { A = _al[t].View, Bc = _bcl[t].View } : v;
            if (grad) hOut = _hl[t + 1].View;
            Linear(n, type, vt, hIn, L.NIn, lv.HT, L.NIn, L.Up, L.LIn, false, false);
            for (int ch = 0; ch < Chunks; ch++)
            {
                var cv = Chunk(vt, n, ch);
                if (t == 0 || recompute) _edgeGeometry(cv.CN, g, cv, t == 0 ? 1 : 0);
                _radial(cv.S, g, cv, L, lv);
                _tpGather(cv.CN * C, g, cv, L, lv, new GatherArgs<T> { Node = lv.HT, NodeN = L.NIn, Out = vt.A, OutN = L.NA });
            }
            Linear(n, type, vt, vt.A, L.NA, lv.AM, L.NA, L.Mix, L.LA, false, false);
            _contract(n * C, type, vt, L, lv);
            Linear(n, type, vt, vt.Bc, L.NOut, hOut, L.NOut, L.Out, L.LOut, false, false);
            if (L.LSkip >= 0) Linear(n, type, vt, hIn, L.NIn, hOut, L.NOut, L.Skip, L.LSkip, false, true);
            // the readout's weight terms per atom are kept per layer and summed after the density fade, which scales them by h_i
            _readout(n, grad ? vt with { AtomGrad = _readoutTerms[t].View } : vt, L, lv, hOut);
            (hIn, hOut) = (hOut, hIn);
        }

        // adjoint, from the last layer down: g = ∂E/∂(…) (skipped for energies alone: g_e then holds only the core's part,
        // and the forces and virials written below are not read)
        bool wantGradient = grad || (Requested & (ForceOutputs.Forces | ForceOutputs.Virial)) != 0;
        if (_m.Core is { HasDensityFade: true }) _fade(n, g, v, wantGradient ? 1 : 0);
        if (!wantGradient) { _forces(n, g, v, outputs); return; }
        if (grad)
            for (int t = 0; t < _plans.Length; t++)
                AtomSums(n, type, _readoutTerms[t].View, ReadoutTerms(_plans[t]), false, _plans[t].Readout1, faded: _m.Core is { HasDensityFade: true });
        ArrayView<T> gNext = _gn0.View, gIn = _gn1.View;
        for (int t = _plans.Length - 1; t >= 0; t--)
        {
            var L = _plans[t]; var lv = LayerViewsOf(t);
            _outputGradient(n * L.NOut, v, L, lv, gNext, t < _plans.Length - 1 ? 1 : 0, _gOut.View);
            Linear(n, type, v, _gOut.View, L.NOut, v.GB, L.NOut, L.Out, L.LOut, true, false);
            var gh = gIn.SubView(0, (long)n * L.NIn);
            gh.MemSetToZero();
            if (L.LSkip >= 0) Linear(n, type, v, _gOut.View, L.NOut, gIn, L.NIn, L.Skip, L.LSkip, true, true);
            _contractAdjoint(n * C, type, v, L, lv);
            Linear(n, type, v, v.GAm, L.NA, v.GA, L.NA, L.Mix, L.LA, true, false);
            if (grad)
            {
                var M = _m.Layers[t];
                WeightGradient(n, type, v, _bcl[t].View, L.NOut, _gOut.View, L.NOut, L.Out, L.LOut, false, M.Out[0]);
                if (L.LSkip >= 0) WeightGradient(n, type, v, _hl[t].View, L.NIn, _gOut.View, L.NOut, L.Skip, L.LSkip, true, M.Skip[0][0]);
                AtomSums(n, type, _atomGrad.View, L.ContractionPaths * C, true, L.ContractionWeights);
                WeightGradient(n, type, v, _al[t].View, L.NA, v.GAm, L.NA, L.Mix, L.LA, false, M.Mix[0]);
            }
            for (int ch = 0; ch < Chunks; ch++)
            {
                var cv = Chunk(v, n, ch);
                if (recompute) { _edgeGeometry(cv.CN, g, cv, 0); _radial(cv.S, g, cv, L, lv); }
                _edgeAdjoint(cv.S, g, cv, L, lv);
                if (grad) Reduce(RadialWeights(t), cv.S, SlotsPerPart, _m.Layers[t].Radial.WeightOffsets[0], (threads, p) => _gradientKernels!.Radial(threads, g, cv, L, lv, p));
                _tpGather(cv.CN * C, g, cv, L, lv, new GatherArgs<T> { Node = v.GA, NodeN = L.NA, Out = v.GHT, OutN = L.NIn, Adjoint = 1 });
            }
            if (grad) WeightGradient(n, type, v, _hl[t].View, L.NIn, v.GHT, L.NIn, L.Up, L.LIn, false, _m.Layers[t].Up[0]);
            Linear(n, type, v, v.GHT, L.NIn, gIn, L.NIn, L.Up, L.LIn, true, true);
            (gNext, gIn) = (gIn, gNext);
        }
        if (grad)
        {
            // ∂E/∂h⁽⁰⁾ = ∂E/∂W_emb[zᵢ] per atom
            AtomSums(n, type, gNext, C, true, _m.Embedding);
        }
        _forces(n, g, v, outputs);
    }

    /// <summary>The parameter-gradient kernels, loaded on first use (force calls never compile them).</summary>
    private sealed class GradientKernels(Accelerator a)
    {
        public readonly Action<Index1D, PartialSums, ArrayView<double>, int> SumParts =
            a.LoadAutoGroupedStreamKernel<Index1D, PartialSums, ArrayView<double>, int>(EquivariantKernels.SumParts);
        public readonly Action<Index1D, ArrayView<int>, ArrayView<T>, int, int, int, ArrayView<double>, int, PartialSums> AtomSums =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<T>, int, int, int, ArrayView<double>, int, PartialSums>(EquivariantKernels.AtomSums<T, R>);
        public readonly Action<Index1D, ArrayView<int>, EquivariantViews<T>, LinearArgs<T>, int, int, PartialSums> Linear =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, EquivariantViews<T>, LinearArgs<T>, int, int, PartialSums>(EquivariantKernels.LinearWeightGradient<T, R>);
        public readonly Action<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>, PartialSums> Radial =
            a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EquivariantViews<T>, LayerPlan, LayerViews<T>, PartialSums>(EquivariantKernels.RadialWeightGradient<T, R>);
    }

    /// <summary>Sizes the per-layer and per-atom arrays of the parameter gradient for <paramref name="n"/> atoms and zeroes the gradient.</summary>
    private void PrepareGradient(int n)
    {
        _gradientKernels ??= new GradientKernels(Accelerator);
        for (int t = 0; t <= _plans.Length; t++) _hl[t].EnsureCapacity((long)n * (t < _plans.Length ? _plans[t].NIn : _C));
        for (int t = 0; t < _plans.Length; t++)
        {
            _al[t].EnsureCapacity((long)n * _plans[t].NA); _bcl[t].EnsureCapacity((long)n * _plans[t].NOut);
            _readoutTerms[t].EnsureCapacity((long)n * ReadoutTerms(_plans[t]));
        }
        _atomGrad.EnsureCapacity((long)n * _atomGradRow);
        _grad.EnsureCapacity(_m.ParameterCount);
        _grad.View.SubView(0, _m.ParameterCount).MemSetToZero();
    }

    /// <summary>grad[offset …] += the per-atom terms <paramref name="terms"/> ([i·K + k]) summed per species (<paramref name="perSpecies"/>) or over all atoms.</summary>
    /// <remarks>With <paramref name="faded"/> each atom's terms are weighted by the density fade's h_i (the readouts).</remarks>
    private void AtomSums(int n, ArrayView<int> type, ArrayView<T> terms, int K, bool perSpecies, int offset, bool faded = false) =>
        Reduce((perSpecies ? _m.Hyper.Species.Length : 1) * K, n, AtomsPerPart, offset,
            (threads, p) => _gradientKernels!.AtomSums(threads, type, terms, n, K, perSpecies ? 1 : 0, _hFade.View, faded ? 1 : 0, p));

    /// <summary>A layer's readout weights: C (linear) or C·H + H (the last layer's W and v).</summary>
    private int ReadoutTerms(LayerPlan L) => L.IsLast != 0 ? _C * L.ReadoutHidden + L.ReadoutHidden : _C;

    /// <summary>
    /// Adds <paramref name="count"/> weights' sums over <paramref name="items"/> items to grad[first …]: <paramref name="launch"/> runs the
    /// partial sums (threads, parts), then <see cref="EquivariantKernels.SumParts"/> adds the parts in order.
    /// </summary>
    private void Reduce(int count, int items, int itemsPerPart, int first, Action<int, PartialSums> launch)
    {
        int parts = Math.Clamp((items + itemsPerPart - 1) / itemsPerPart, 1, MaxParts);
        _gradParts.EnsureCapacity((long)count * parts);
        var p = new PartialSums { Partial = _gradParts.View, Count = count, Parts = parts };
        launch(count * parts, p);
        _gradientKernels!.SumParts(count, p, _grad.View, first);
    }

    /// <summary>
    /// The gradient kernels write weight q of a block to its first parameter + q: W_up, W_mix, W_out per l, the skip per l and species, the
    /// MLP's matrices and the two readout tensors must be consecutive in <see cref="EquivariantModel.Parameters"/> (as the model lays them out).
    /// </summary>
    private static void CheckConsecutiveBlocks(EquivariantModel model)
    {
        int C = model.Hyper.Channels, ns = model.Hyper.Species.Length;
        foreach (var L in model.Layers)
        {
            bool ok = true;
            foreach (var map in new[] { L.Up, L.Mix, L.Out })
                for (int l = 0; l < map.Length; l++) ok &= map[l] == map[0] + l * C * C;
            for (int l = 0; l < L.Skip.Length; l++)
                for (int s = 0; s < ns; s++) ok &= L.Skip[l][s] == L.Skip[0][0] + (l * ns + s) * C * C;
            var widths = L.Radial.Widths;
            for (int k = 1, at = L.Radial.WeightOffsets[0]; k < widths.Length - 1; k++) ok &= L.Radial.WeightOffsets[k] == (at += widths[k - 1] * widths[k]);
            if (L.IsLast) ok &= L.Readout2 == L.Readout1 + C * model.Hyper.ReadoutHidden;
            if (!ok) throw new InvalidOperationException($"equivariant on ILGPU: layer {L.Index}'s parameter blocks are not laid out consecutively");
        }
    }

    /// <summary>The number of weights of layer <paramref name="t"/>'s radial MLP (Σ_k width_k · width_{k+1}).</summary>
    private int RadialWeights(int t)
    {
        var widths = _m.Layers[t].Radial.Widths;
        int count = 0;
        for (int k = 0; k + 1 < widths.Length; k++) count += widths[k] * widths[k + 1];
        return count;
    }

    /// <summary>The gradient of a linear map's weights (table <paramref name="table"/>, l ≤ <paramref name="lmax"/>) from its input and ∂E/∂output.</summary>
    private void WeightGradient(int n, ArrayView<int> type, EquivariantViews<T> v, ArrayView<T> input, int inN, ArrayView<T> gOutput, int outN, int table, int lmax,
        bool perSpecies, int first) =>
        Reduce((lmax + 1) * (perSpecies ? _m.Hyper.Species.Length : 1) * _C * _C, n, AtomsPerPart, first, (threads, p) => _gradientKernels!.Linear(threads, type, v,
            new LinearArgs<T> { In = input, Out = gOutput, InN = inN, OutN = outN, Table = table, LMax = lmax }, n, perSpecies ? 1 : 0, p));

    /// <summary>
    /// E_s of each system of <paramref name="batch"/> and Σ_s a_s ∂E_s/∂θ added to <paramref name="gradient"/>: the forward and adjoint
    /// passes with the parameter sums (see the remarks), the adjoint seeded per atom with its system's a_s; the gradient is read back in fp64.
    /// </summary>
    public void AccumulateEnergyGradient(SystemBatch batch, ReadOnlySpan<double> energyCoefficients, Span<double> gradient, Span<double> energies)
    {
        int ns = batch.SystemCount, count = _m.ParameterCount, n = batch.AtomCount;
        if (energyCoefficients.Length != ns || energies.Length != ns)
            throw new ArgumentException($"{energyCoefficients.Length} coefficients and {energies.Length} energies for {ns} systems");
        if (gradient.Length != count) throw new ArgumentException($"gradient has {gradient.Length} entries for {count} parameters");
        if (n == 0) { energies.Clear(); return; }   // no kernels run (Evaluate returns early), nothing to add
        if (_seedHost.Length < n) _seedHost = new T[n];
        for (int s = 0; s < ns; s++)
            _seedHost.AsSpan(batch.SystemOffsets[s], batch.SystemOffsets[s + 1] - batch.SystemOffsets[s]).Fill(R.From(energyCoefficients[s]));
        _parameterGradient = true;
        try
        {
            lock (DeviceLock) _seed.Write(_seedHost.AsSpan(0, n));
            Compute(batch, ForceOutputs.Energy, _gradResult);
        }
        finally { _parameterGradient = false; }
        if (_gradHost.Length < count) _gradHost = new double[count];
        lock (DeviceLock) _grad.Read(_gradHost.AsSpan(0, count));
        for (int k = 0; k < count; k++) gradient[k] += _gradHost[k];
        _gradResult.Energy.AsSpan(0, ns).CopyTo(energies);
    }

    public override void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        base.Dispose();
    }
}

/// <summary>The equivariant computer's edge chunking and memory, whatever its precision (tests and benchmarks).</summary>
internal interface IEdgeChunkedComputer
{
    /// <summary>Upper bound on the per-chunk edge scratch, bytes (0: <see cref="EdgeChunks.DefaultBudget"/> of the device; on the CPU accelerator, of host memory).</summary>
    long EdgeScratchBudgetBytes { get; set; }
    /// <summary>When positive, the chunk size in atoms (for tests of the chunked path).</summary>
    int ChunkAtomsOverride { get; set; }
    /// <summary>Atoms per edge chunk of the last call.</summary>
    int ChunkAtoms { get; }
    /// <summary>Chunks of the last call.</summary>
    int Chunks { get; }
    /// <summary>Bytes the computer holds on the device: positions, list, per-atom and per-slot arrays, the per-chunk scratch.</summary>
    long DeviceBytes { get; }
    /// <summary>Bytes of the per-chunk edge scratch (part of <see cref="DeviceBytes"/>).</summary>
    long EdgeScratchBytes { get; }
    /// <summary>Bytes of edge scratch per chunk slot (one edge, r &lt; r_c, of one atom of the chunk).</summary>
    long EdgeBytesPerSlot { get; }
    /// <summary>The largest number of edges (list entries with r &lt; r_c) of an atom in the last call: chunk slots per atom.</summary>
    int MaxEdgesPerAtom { get; }
    /// <summary>List entries per atom (the list's capacity: the skin shell and padding included).</summary>
    int ListCapacity { get; }
}
