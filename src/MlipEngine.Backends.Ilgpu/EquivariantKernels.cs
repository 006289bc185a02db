using System.Numerics;
using ILGPU;
using MlipEngine.Kernels;
using MlipEngine.Potentials.Equivariant;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// Where one layer's tables and sizes live (indices into <see cref="EquivariantViews{T}"/>' tables; features per atom
/// N = (L+1)²·C for the layer's input h (<see cref="NIn"/>), atomic basis A (<see cref="NA"/>) and output h′ (<see cref="NOut"/>)).
/// </summary>
internal struct LayerPlan
{
    public int NIn, NA, NOut, PC, HiddenTotal, Depth;
    /// <summary>Radial MLP: widths[Depth + 1] at Ints[MlpWidths], weight offsets[Depth] at Ints[MlpOffsets].</summary>
    public int MlpWidths, MlpOffsets;
    /// <summary>Tensor-product terms [TpStart, TpEnd) of <see cref="EquivariantViews{T}.Tp"/>.</summary>
    public int TpStart, TpEnd;
    /// <summary>Contraction: pair-product terms, paths and ν = 3 second couplings (ranges), weights [species][paths][C].</summary>
    public int PairStart, PairEnd, PathStart, PathEnd, ContractionWeights, ContractionPaths;
    /// <summary>Linear maps: Ints offset of the [l·ns + species] weight-offset table of W_up, W_mix, W_out and W_skip, and their max l (skip: −1 = none).</summary>
    public int Up, Mix, Out, Skip, LIn, LA, LOut, LSkip;
    public int Readout1, Readout2, ReadoutHidden, IsLast;
}

/// <summary>One layer's stored forward results: per chunk edge slot the MLP's z and silu(z) and R ([q·S + e]); per atom h̃, W_mix A and ∂readout/∂h.</summary>
internal struct LayerViews<T> where T : unmanaged
{
    public ArrayView<T> Z, Act, Rad, HT, AM, GRead;
}

/// <summary>
/// Everything the equivariant kernels read and write besides the geometry: the model (weights in T, integer
/// tables), the edge data of the current chunk of atoms [A0, A0 + CN) per chunk slot e = k′·CS + (i − A0) for i's k′-th edge
/// (r &lt; r_c; [q·S + e], S = MaxEdges·CS), the compacted edges, per-edge gradient g_e and mirror per list slot s = k·stride + i
/// (the whole list), and per-atom scratch ([i·N + lm·C + c]).
/// </summary>
internal struct EquivariantViews<T> where T : unmanaged
{
    // model
    public ArrayView<T> W, TpCoef, PairCoef, SecondCoef;
    /// <summary>Tp: 5 per term (path, lm₁, lm₂, lm₃, l₂ odd); Pair: 3 per term (row, lm_a, lm_b); Path: 5 per path (ν, L, pair row, second begin, end); Second: 3 per term (m₁₂, lm₃, m).</summary>
    public ArrayView<int> Ints, Tp, Pair, Path, Second, Z;
    public ArrayView<double> E0, CoreInner, CoreOuter;
    /// <summary>The core's density fade (<see cref="EquivariantKernels.Fade{T}"/>): N and C per species, width w, h_i per atom; HasFade = 0: none.</summary>
    public ArrayView<double> FadeMax, FadeEnergy, HFade;
    public double FadeWidth;
    public int HasFade;
    public int C, Nsh, Nb, Species, EnvelopeP, HasCore, Embedding, PairRowsMax;
    public double Cutoff;
    public T InverseAverage;
    // edges of the chunk (Dist, Y, …, G2: [q·S + e]) and of the whole list (Gx, Gy, Gz, Mirror, EdgeSlot: [s]; EdgeCount: [i])
    public ArrayView<double> Dist, Gx, Gy, Gz;
    public ArrayView<T> Y, DY, B, DB, GY, G1, G2;
    public ArrayView<int> Mirror;
    /// <summary>Compacted edges (<see cref="EquivariantKernels.CompactEdges{T}"/>): i's k′-th edge is list slot EdgeSlot[k′·stride + i], k′ &lt; EdgeCount[i].</summary>
    public ArrayView<int> EdgeSlot, EdgeCount;
    /// <summary>The chunk: first atom, atoms, slot stride (a multiple of 64 ≥ CN) and slots S = capacity·CS.</summary>
    public int A0, CN, CS, S;
    // atoms
    public ArrayView<double> AtomE;
    public ArrayView<T> A, Bc, P, GP, GA, GAm, GB, GHT;
    // parameter gradient (training; <see cref="EquivariantKernels.AtomSums{T, R}"/>): off when 0
    public int ParameterGradient;
    /// <summary>Per chunk slot ∂E/∂z_k of the radial MLP's weight layers k ([(zₖ + o)·S + e], zₖ = Σ_{k′&lt;k} width_{k′+1}; R = z_last at Σ hidden).</summary>
    public ArrayView<T> GZ;
    /// <summary>Per atom, the atom's terms of a parameter block's gradient ([i·K + k]), summed over atoms by <see cref="EquivariantKernels.AtomSums{T, R}"/>.</summary>
    public ArrayView<T> AtomGrad;
    /// <summary>Per atom the loss's weight a of its system's energy: the adjoint is seeded with a instead of 1, so the gradient is Σ_s a_s ∂E_s/∂θ.</summary>
    public ArrayView<T> Seed;
}

/// <summary>The tensor-product gather's node features (h̃, or ∂E/∂A in the adjoint) and output (A, or ∂E/∂h̃), features per atom of each.</summary>
internal struct GatherArgs<T> where T : unmanaged
{
    public ArrayView<T> Node, Out;
    public int NodeN, OutN, Adjoint;
}

/// <summary>An equivariant linear map per degree (ChannelLinear): out[lm, o] (+)= Σᵢ W_l[i, o] in[lm, i], or with the transpose W_l[o, i] (the adjoint).</summary>
internal struct LinearArgs<T> where T : unmanaged
{
    public ArrayView<T> In, Out;
    public int InN, OutN, Table, LMax, Transpose, Accumulate;
}

/// <summary>
/// The equivariant model's forward and adjoint passes as ILGPU kernels, the same stages as <see cref="EquivariantReference"/>
/// (whose remarks derive forces and stress) and kernels/equivariant.cl, all gathers: every thread writes only its own atom's,
/// (atom, channel)'s or edge slot's outputs, in a fixed order, so there are no float atomics and results are bit-reproducible.
/// Each atom's list entries inside r_c are first compacted, in list order, to its edges (<see cref="CompactEdges{T}"/>); the edge
/// stages (geometry, radial MLP, tensor-product gathers, edge adjoint) run over one chunk of atoms at a time and keep their
/// per-edge data per chunk slot (one compacted edge of one atom of the chunk; the skin shell and padding take none); a chunk's
/// results are those of the whole list, bit for bit (the same arithmetic per edge and per atom, sums in list order).
/// The edge geometry (harmonics, Bessel basis and envelope, the ZBL core and its learned distance) is evaluated in fp64 by
/// <see cref="SphericalHarmonics.Component"/>, <see cref="RadialBasis.EnvelopeAt"/>, <see cref="RadialBasis.BesselAt"/>,
/// <see cref="CoreRepulsion.LearnedDistanceAt"/> and <see cref="CoreRepulsion.PairEnergyAt"/> — the functions the CPU backends
/// call — and stored in T, as the Cpu backend does; the MLP activation is <see cref="RadialMlp.Silu{T}"/>.
/// </summary>
internal static partial class EquivariantKernels
{
    /// <summary>
    /// Per atom i (thread i, all atoms), over its list entries in list order: zeroes g_e of every entry, and writes the slots of
    /// the entries with r &lt; r_c (the edges) to EdgeSlot[k′·stride + i], k′ = 0, 1, …, and their number to EdgeCount[i]; the
    /// largest count goes to <paramref name="maxEdges"/>[0] by integer atomic max (order-independent), which sizes the chunk
    /// scratch (the list also holds the skin shell r_c ≤ r &lt; r_c + skin and padding up to its capacity). Each atom's edges are
    /// its own entries in its own order, so the compaction does not depend on thread scheduling; r &lt; r_c is decided here once.
    /// </summary>
    public static void CompactEdges<T>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, ArrayView<int> maxEdges) where T : unmanaged
    {
        int i = index, kk = 0;
        double cut2 = v.Cutoff * v.Cutoff;
        for (int k = 0, count = g.Count[i]; k < count; k++)
        {
            int s = k * g.Stride + i;
            v.Gx[s] = 0; v.Gy[s] = 0; v.Gz[s] = 0;
            g.Displacement<double, F64>(i, s, out double dx, out double dy, out double dz);
            if (dx * dx + dy * dy + dz * dz < cut2) v.EdgeSlot[(kk++) * g.Stride + i] = s;
        }
        v.EdgeCount[i] = kk;
        Atomic.Max(ref maxEdges[0], kk);
    }

    /// <summary>
    /// Per atom i = A0 + index of the chunk, over its edges (<see cref="CompactEdges{T}"/>): Dist = r, Y(d), ∂Y/∂d, b(ρ(r)),
    /// db/dr = b′(ρ) ρ′. With <paramref name="init"/> (the first time a call visits the chunk) also g_e = ½ E_core′ d/r (the core's part
    /// of ∂E/∂d_e; g_e is zero without a core) and E_i = E0 + ½ Σ_e E_core(r_e); later visits (a chunk's geometry recomputed) leave them.
    /// </summary>
    public static void EdgeGeometry<T, R>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, int init)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int li = index, i = v.A0 + li, ti = g.Type[i], S = v.S, nsh = v.Nsh;
        double energy = v.E0[ti];
        for (int k = 0, count = v.EdgeCount[i]; k < count; k++)
        {
            int s = v.EdgeSlot[k * g.Stride + i], e = k * v.CS + li;
            int j = g.Displacement<double, F64>(i, s, out double dx, out double dy, out double dz);
            double r2 = dx * dx + dy * dy + dz * dz;
            double r = Math.Sqrt(r2), inv = 1.0 / r;
            v.Dist[e] = r;
            for (int q = 0; q < nsh; q++)
            {
                v.Y[q * S + e] = R.From(SphericalHarmonics.Component(q, dx * inv, dy * inv, dz * inv, inv, out double yx, out double yy, out double yz));
                v.DY[q * S + e] = R.From(yx); v.DY[(nsh + q) * S + e] = R.From(yy); v.DY[(2 * nsh + q) * S + e] = R.From(yz);
            }
            double rho = r, drho = 1;
            if (v.HasCore != 0)
            {
                int p = ti * v.Species + g.Type[j];
                rho = CoreRepulsion.LearnedDistanceAt(r, v.CoreInner[p], v.CoreOuter[p], out drho);
                if (init != 0)
                {
                    energy += 0.5 * CoreRepulsion.PairEnergyAt(v.Z[ti], v.Z[g.Type[j]], r, v.CoreInner[p], v.CoreOuter[p], out double dEdr);
                    double kc = 0.5 * dEdr * inv;
                    v.Gx[s] = kc * dx; v.Gy[s] = kc * dy; v.Gz[s] = kc * dz;
                }
            }
            double u = RadialBasis.EnvelopeAt(rho, v.Cutoff, v.EnvelopeP, out double du);
            for (int q = 0; q < v.Nb; q++)
            {
                v.B[q * S + e] = R.From(RadialBasis.BesselAt(q + 1, rho, v.Cutoff, u, du, out double db));
                v.DB[q * S + e] = R.From(db * drho);
            }
        }
        if (init != 0) v.AtomE[i] = energy;
    }

    /// <summary>
    /// The density fade of the core (<see cref="CoreRepulsion"/>, "Density fade"; EquivariantCpu.FadePass), per atom i (thread i, all
    /// atoms, after the last readout), over its edges: n_i = Σ_e u(ρ(r_e)) (<see cref="CoreRepulsion.NeighbourWeightAt"/>), h_i =
    /// <see cref="CoreRepulsion.FadeAt"/>, E_i = E0 + core_i + C + h_i (L_i − C) (<see cref="CoreRepulsion.FadedEnergy"/>) with
    /// L_i = E_i − (E0 + core_i) the readouts' sum (core_i recomputed in <see cref="EdgeGeometry{T, R}"/>'s order), HFade[i] = h_i (the
    /// readout adjoints are scaled by it in <see cref="OutputGradient{T, R}"/>), and with <paramref name="grad"/>
    /// g_e += (L_i − C) (dh/dn)_i u′(ρ)ρ′ d_e/r_e. Atoms with h = 1 are left as they are.
    /// </summary>
    public static void Fade<T>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, int grad) where T : unmanaged
    {
        int i = index, ti = g.Type[i];
        double density = 0, core = v.E0[ti];
        for (int k = 0, count = v.EdgeCount[i]; k < count; k++)
        {
            int s = v.EdgeSlot[k * g.Stride + i];
            int j = g.Displacement<double, F64>(i, s, out double dx, out double dy, out double dz);
            double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
            int p = ti * v.Species + g.Type[j];
            density += CoreRepulsion.NeighbourWeightAt(r, v.CoreInner[p], v.CoreOuter[p], v.Cutoff, v.EnvelopeP, out _);
            core += 0.5 * CoreRepulsion.PairEnergyAt(v.Z[ti], v.Z[g.Type[j]], r, v.CoreInner[p], v.CoreOuter[p], out _);
        }
        double h = CoreRepulsion.FadeAt(density, v.FadeMax[ti], v.FadeWidth, out double dh);
        v.HFade[i] = h;
        if (h == 1 && dh == 0) return;
        v.AtomE[i] = core + CoreRepulsion.FadedEnergy(v.AtomE[i] - core, h, dh, v.FadeEnergy[ti], out double edgeFactor);
        if (grad == 0 || dh == 0) return;
        for (int k = 0, count = v.EdgeCount[i]; k < count; k++)
        {
            int s = v.EdgeSlot[k * g.Stride + i];
            int j = g.Displacement<double, F64>(i, s, out double dx, out double dy, out double dz);
            double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
            int p = ti * v.Species + g.Type[j];
            CoreRepulsion.NeighbourWeightAt(r, v.CoreInner[p], v.CoreOuter[p], v.Cutoff, v.EnvelopeP, out double dw);
            double kf = edgeFactor * dw / r;
            v.Gx[s] += kf * dx; v.Gy[s] += kf * dy; v.Gz[s] += kf * dz;
        }
    }

    /// <summary>h⁽⁰⁾[i, c] = W_emb[zᵢ, c] (thread i·C + c).</summary>
    public static void Embed<T>(Index1D index, ArrayView<int> type, EquivariantViews<T> v, ArrayView<T> h) where T : unmanaged
    {
        int i = index / v.C, c = index - i * v.C;
        h[index] = v.W[v.Embedding + type[i] * v.C + c];
    }

    /// <summary>
    /// out[i, lm, o] (+)= Σ_c W_l[c, o] in[i, lm, c] for l ≤ LMax (thread i·C + o); W_l of species zᵢ at
    /// Ints[Table + l·ns + zᵢ]; with Transpose, Σ_c W_l[o, c] in[i, lm, c] (ChannelLinear.Backward).
    /// </summary>
    public static void Linear<T>(Index1D index, ArrayView<int> type, EquivariantViews<T> v, LinearArgs<T> a) where T : unmanaged, INumber<T>
    {
        int C = v.C, i = index / C, o = index - i * C;
        for (int l = 0; l <= a.LMax; l++)
        {
            int w = v.Ints[a.Table + l * v.Species + type[i]];
            for (int lm = l * l; lm < (l + 1) * (l + 1); lm++)
            {
                T s = T.Zero;
                int row = i * a.InN + lm * C;
                if (a.Transpose != 0) for (int c = 0; c < C; c++) s += v.W[w + o * C + c] * a.In[row + c];
                else for (int c = 0; c < C; c++) s += v.W[w + c * C + o] * a.In[row + c];
                int at = i * a.OutN + lm * C + o;
                a.Out[at] = a.Accumulate != 0 ? a.Out[at] + s : s;
            }
        }
    }

    /// <summary>
    /// Whether chunk slot e (edge k′ of atom i = A0 + e mod CS) holds an edge of an atom of the chunk: threads run over every chunk
    /// slot. <paramref name="s"/> is the edge's slot in the whole list.
    /// </summary>
    private static bool IsEdge<T>(DeviceGeometry g, EquivariantViews<T> v, int e, out int i, out int s) where T : unmanaged
    {
        int li = e % v.CS, k = e / v.CS;
        i = v.A0 + li;
        s = 0;
        if (li >= v.CN || k >= v.EdgeCount[i]) return false;
        s = v.EdgeSlot[k * g.Stride + i];
        return true;
    }

    /// <summary>
    /// The radial MLP of chunk slot s (RadialMlp.Forward): z₁ = b W₀, aₖ = silu(zₖ), …, R = a_last W_last; keeps z and a for the
    /// adjoint. Weights [in][out] row-major.
    /// </summary>
    public static void Radial<T>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = index, S = v.S;
        if (!IsEdge(g, v, s, out _, out _)) return;
        int zIn = -1, zOut = 0;   // hidden-unit offset of the layer's input (−1: the Bessel features) and output
        for (int k = 0; k < L.Depth; k++)
        {
            int nin = v.Ints[L.MlpWidths + k], nout = v.Ints[L.MlpWidths + k + 1], w = v.Ints[L.MlpOffsets + k];
            bool last = k == L.Depth - 1;
            for (int o = 0; o < nout; o++)
            {
                T acc = T.Zero;
                for (int q = 0; q < nin; q++) acc += (zIn < 0 ? v.B[q * S + s] : lv.Act[(zIn + q) * S + s]) * v.W[w + q * nout + o];
                if (last) lv.Rad[o * S + s] = acc;
                else { lv.Z[(zOut + o) * S + s] = acc; lv.Act[(zOut + o) * S + s] = RadialMlp.Silu(acc); }
            }
            zIn = zOut; zOut += nout;
        }
    }

    /// <summary>
    /// The two per-atom gathers of the tensor product over i's edges e: i → j in list order (thread (i − A0)·C + c for the chunk's atoms;
    /// <see cref="GatherArgs{T}.Adjoint"/> selects):
    /// <code>
    ///   forward (TensorProduct.Forward):   A_i[lm₃, c]    = (1/n̄) Σ_e Σ_terms C R_e[p, c] h̃_j[lm₁, c] Y_e[lm₂]
    ///   adjoint (∂E/∂h̃ from edges j → i): ∂E/∂h̃_i[lm₁, c] = (1/n̄) Σ_e Σ_terms C R_e[p, c] ∂E/∂A_j[lm₃, c] (−1)^{l₂} Y_e[lm₂]
    /// </code>
    /// The adjoint runs over the edges into i through i's own entries: R(j→i) = R(i→j) (R depends on r only) and Y(−d) = (−1)^{l₂} Y(d).
    /// </summary>
    public static void TensorProductGather<T>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv, GatherArgs<T> a)
        where T : unmanaged, INumber<T>
    {
        int C = v.C, li = index / C, c = index - li * C, i = v.A0 + li, S = v.S;
        int o0 = i * a.OutN + c;
        for (int lm = 0; lm * C < a.OutN; lm++) a.Out[o0 + lm * C] = T.Zero;
        for (int k = 0, count = v.EdgeCount[i]; k < count; k++)
        {
            int s = k * v.CS + li;
            int x0 = g.J[v.EdgeSlot[k * g.Stride + i]] * a.NodeN + c;
            for (int q = L.TpStart; q < L.TpEnd; q++)
            {
                int p = v.Tp[5 * q], lm1 = v.Tp[5 * q + 1], lm2 = v.Tp[5 * q + 2], lm3 = v.Tp[5 * q + 3];
                T y = a.Adjoint != 0 && v.Tp[5 * q + 4] != 0 ? -v.Y[lm2 * S + s] : v.Y[lm2 * S + s];
                int from = a.Adjoint != 0 ? lm3 : lm1, to = a.Adjoint != 0 ? lm1 : lm3;
                a.Out[o0 + to * C] += v.TpCoef[q] * lv.Rad[(p * C + c) * S + s] * a.Node[x0 + from * C] * y;
            }
        }
        for (int lm = 0; lm * C < a.OutN; lm++) a.Out[o0 + lm * C] *= v.InverseAverage;
    }

    /// <summary>Pair products P_k[m₁₂, c] = Σ C A[lm_a, c] A[lm_b, c] of atom i, channel c (shared by the ν = 2 and ν = 3 terms).</summary>
    private static void PairProducts<T>(EquivariantViews<T> v, LayerPlan L, ArrayView<T> a, int i, int c) where T : unmanaged, INumber<T>
    {
        int C = v.C, p0 = i * v.PairRowsMax * C + c, a0 = i * L.NA + c;
        for (int row = 0; row < v.PairRowsMax; row++) v.P[p0 + row * C] = T.Zero;
        for (int q = L.PairStart; q < L.PairEnd; q++)
            v.P[p0 + v.Pair[3 * q] * C] += v.PairCoef[q] * a[a0 + v.Pair[3 * q + 1] * C] * a[a0 + v.Pair[3 * q + 2] * C];
    }

    /// <summary>
    /// B_i[LM, c] = Σ_η w[zᵢ, η, c] T_η (SymmetricContraction.Forward; thread i·C + c): T = A_L (ν = 1), P_L (ν = 2),
    /// (P ⊗ A_{l₃})_L (ν = 3).
    /// </summary>
    public static void Contract<T>(Index1D index, ArrayView<int> type, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv)
        where T : unmanaged, INumber<T>
    {
        int C = v.C, i = index / C, c = index - i * C;
        PairProducts(v, L, lv.AM, i, c);
        int a0 = i * L.NA + c, b0 = i * L.NOut + c, p0 = i * v.PairRowsMax * C + c;
        for (int lm = 0; lm * C < L.NOut; lm++) v.Bc[b0 + lm * C] = T.Zero;
        int w0 = L.ContractionWeights + type[i] * L.ContractionPaths * C + c;
        for (int e = L.PathStart; e < L.PathEnd; e++)
        {
            int nu = v.Path[5 * e], l = v.Path[5 * e + 1], po = v.Path[5 * e + 2], oL = l * l;
            T we = v.W[w0 + (e - L.PathStart) * C];
            if (nu == 1) for (int m = 0; m <= 2 * l; m++) v.Bc[b0 + (oL + m) * C] += we * lv.AM[a0 + (oL + m) * C];
            else if (nu == 2) for (int m = 0; m <= 2 * l; m++) v.Bc[b0 + (oL + m) * C] += we * v.P[p0 + (po + m) * C];
            else
                for (int q = v.Path[5 * e + 3]; q < v.Path[5 * e + 4]; q++)
                    v.Bc[b0 + (oL + v.Second[3 * q + 2]) * C] += we * v.SecondCoef[q] * v.P[p0 + (po + v.Second[3 * q]) * C] * lv.AM[a0 + v.Second[3 * q + 1] * C];
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Contract{T}"/> (SymmetricContraction.Backward): g = w ∂E/∂B, then ∂(x⊗y)/∂x = C·y, ∂/∂y = C·x through the
    /// ν = 3 couplings into ∂E/∂P and ∂E/∂A, and through the pair products into ∂E/∂A (thread i·C + c).
    /// </summary>
    public static void ContractAdjoint<T>(Index1D index, ArrayView<int> type, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv)
        where T : unmanaged, INumber<T>
    {
        int C = v.C, i = index / C, c = index - i * C;
        PairProducts(v, L, lv.AM, i, c);
        int a0 = i * L.NA + c, b0 = i * L.NOut + c, p0 = i * v.PairRowsMax * C + c;
        for (int row = 0; row < v.PairRowsMax; row++) v.GP[p0 + row * C] = T.Zero;
        for (int lm = 0; lm * C < L.NA; lm++) v.GAm[a0 + lm * C] = T.Zero;
        int w0 = L.ContractionWeights + type[i] * L.ContractionPaths * C + c;
        for (int e = L.PathStart; e < L.PathEnd; e++)
        {
            int nu = v.Path[5 * e], l = v.Path[5 * e + 1], po = v.Path[5 * e + 2], oL = l * l;
            T we = v.W[w0 + (e - L.PathStart) * C], gw = T.Zero;   // gw = ∂E/∂w[zᵢ, η, c] = Σ_m T_η[m] ∂E/∂B[LM, c] (atom i's term)
            if (nu == 1)
                for (int m = 0; m <= 2 * l; m++)
                {
                    T gb = v.GB[b0 + (oL + m) * C];
                    v.GAm[a0 + (oL + m) * C] += we * gb;
                    gw += lv.AM[a0 + (oL + m) * C] * gb;
                }
            else if (nu == 2)
                for (int m = 0; m <= 2 * l; m++)
                {
                    T gb = v.GB[b0 + (oL + m) * C];
                    v.GP[p0 + (po + m) * C] += we * gb;
                    gw += v.P[p0 + (po + m) * C] * gb;
                }
            else
                for (int q = v.Path[5 * e + 3]; q < v.Path[5 * e + 4]; q++)
                {
                    int m12 = v.Second[3 * q], lm3 = v.Second[3 * q + 1];
                    T gb = v.GB[b0 + (oL + v.Second[3 * q + 2]) * C], cg = v.SecondCoef[q] * we * gb;
                    v.GP[p0 + (po + m12) * C] += cg * lv.AM[a0 + lm3 * C];
                    v.GAm[a0 + lm3 * C] += cg * v.P[p0 + (po + m12) * C];
                    gw += v.SecondCoef[q] * v.P[p0 + (po + m12) * C] * lv.AM[a0 + lm3 * C] * gb;
                }
            if (v.ParameterGradient != 0) v.AtomGrad[(i * L.ContractionPaths + e - L.PathStart) * C + c] = gw;
        }
        for (int q = L.PairStart; q < L.PairEnd; q++)
        {
            int la = v.Pair[3 * q + 1], lb = v.Pair[3 * q + 2];
            T cg = v.PairCoef[q] * v.GP[p0 + v.Pair[3 * q] * C];
            v.GAm[a0 + la * C] += cg * lv.AM[a0 + lb * C];
            v.GAm[a0 + lb * C] += cg * lv.AM[a0 + la * C];
        }
    }

    /// <summary>
    /// The layer's readout of h′[l = 0] into E_i (Readout.Linear, Readout.Nonlinear: Σ_k v_k silu(Σ_c W_ck h_c)) and ∂E_t/∂h′ (thread i).
    /// </summary>
    public static void Readout<T, R>(Index1D index, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv, ArrayView<T> h)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int i = index, C = v.C, h0 = i * L.NOut, g0 = i * C;
        double e = 0;
        if (L.IsLast == 0)
        {
            for (int c = 0; c < C; c++)
            {
                T w = v.W[L.Readout1 + c];
                e += R.Widen(w * h[h0 + c]);
                lv.GRead[g0 + c] = w;
                if (v.ParameterGradient != 0) v.AtomGrad[g0 + c] = h[h0 + c];   // ∂Eᵢ/∂w_c
            }
        }
        else
        {
            int H = L.ReadoutHidden, K = C * H + H;   // ∂Eᵢ/∂W[c, k] at i·K + c·H + k, ∂Eᵢ/∂v_k at i·K + C·H + k
            for (int c = 0; c < C; c++) lv.GRead[g0 + c] = T.Zero;
            for (int k = 0; k < H; k++)
            {
                T z = T.Zero;
                for (int c = 0; c < C; c++) z += v.W[L.Readout1 + c * H + k] * h[h0 + c];
                T vk = v.W[L.Readout2 + k];
                T act = RadialMlp.SiluWithDerivative(z, out T slope);
                e += R.Widen(vk * act);
                T gz = vk * slope;
                for (int c = 0; c < C; c++) lv.GRead[g0 + c] += gz * v.W[L.Readout1 + c * H + k];
                if (v.ParameterGradient != 0)
                {
                    v.AtomGrad[i * K + C * H + k] = act;
                    for (int c = 0; c < C; c++) v.AtomGrad[i * K + c * H + k] = gz * h[h0 + c];
                }
            }
        }
        if (v.ParameterGradient != 0)
        {
            // the adjoint of a_s E (a_s: the weight of atom i's system) is a_s times that of E
            T a = v.Seed[i];
            int K = L.IsLast == 0 ? C : C * L.ReadoutHidden + L.ReadoutHidden;
            for (int c = 0; c < C; c++) lv.GRead[g0 + c] *= a;
            for (int k = 0; k < K; k++) v.AtomGrad[i * K + k] *= a;
        }
        v.AtomE[i] += e;
    }

    /// <summary>
    /// ∂E/∂h′ of a layer: the readout's l = 0 gradient (times the density fade's h_i where the model has one) plus (<paramref name="haveNext"/>)
    /// ∂E/∂h of the layer above (thread i·N_out + f).
    /// </summary>
    public static void OutputGradient<T, R>(Index1D index, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv, ArrayView<T> gNext, int haveNext, ArrayView<T> gOut)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int i = index / L.NOut, f = index - i * L.NOut;
        T g = haveNext != 0 ? gNext[index] : T.Zero;
        if (f < v.C) g += v.HasFade != 0 ? lv.GRead[i * v.C + f] * R.From(v.HFade[i]) : lv.GRead[i * v.C + f];
        gOut[index] = g;
    }

    /// <summary>
    /// Per chunk slot (edge i → j), the adjoint of the message (TensorProduct.Backward) and of the radial MLP (RadialMlp.Backward), then
    /// g_e += ∂E/∂d_e = (Σ_n ∂E/∂b_n db_n/dr) d/r + Σ_lm ∂E/∂Y_lm ∂Y_lm/∂d:
    /// <code>  ∂E/∂R_e[p, c] = (1/n̄) Σ C ∂E/∂A_i[lm₃, c] h̃_j[lm₁, c] Y[lm₂],   ∂E/∂Y[lm₂] = (1/n̄) Σ_c Σ C R_e[p, c] ∂E/∂A_i[lm₃, c] h̃_j[lm₁, c]  </code>
    /// </summary>
    public static void EdgeAdjoint<T, R>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int s = index, S = v.S, C = v.C;
        if (!IsEdge(g, v, s, out int i, out int slot)) return;
        int j = g.J[slot];
        for (int q = 0; q < v.Nsh; q++) v.GY[q * S + s] = T.Zero;
        for (int o = 0; o < L.PC; o++) v.G1[o * S + s] = T.Zero;
        int ga0 = i * L.NA, h0 = j * L.NIn;
        for (int q = L.TpStart; q < L.TpEnd; q++)
        {
            int p = v.Tp[5 * q], lm1 = v.Tp[5 * q + 1], lm2 = v.Tp[5 * q + 2], lm3 = v.Tp[5 * q + 3];
            T coef = v.TpCoef[q], y = v.Y[lm2 * S + s], gy = T.Zero;
            for (int c = 0; c < C; c++)
            {
                T x = coef * v.GA[ga0 + lm3 * C + c] * lv.HT[h0 + lm1 * C + c];
                v.G1[(p * C + c) * S + s] += x * y;
                gy += x * lv.Rad[(p * C + c) * S + s];
            }
            v.GY[lm2 * S + s] += gy;
        }
        for (int o = 0; o < L.PC; o++) v.G1[o * S + s] *= v.InverseAverage;
        // MLP adjoint: g_{a_{k−1}} = W_k g_{z_k}, g_{z_k} = silu′(z_k) g_{a_k}; ping-pong between G1 and G2
        ArrayView<T> src = v.G1, dst = v.G2;
        int zOut = L.HiddenTotal;
        for (int k = L.Depth - 1; k >= 0; k--)
        {
            int nin = v.Ints[L.MlpWidths + k], nout = v.Ints[L.MlpWidths + k + 1], w = v.Ints[L.MlpOffsets + k];
            if (v.ParameterGradient != 0) for (int o = 0; o < nout; o++) v.GZ[(zOut + o) * S + s] = src[o * S + s];   // ∂E/∂z_k
            zOut -= k > 0 ? nin : 0;
            for (int q = 0; q < nin; q++)
            {
                T acc = T.Zero;
                for (int o = 0; o < nout; o++) acc += v.W[w + q * nout + o] * src[o * S + s];
                dst[q * S + s] = k > 0 ? acc * RadialMlp.SiluDerivative(lv.Z[(zOut + q) * S + s]) : acc;
            }
            (src, dst) = (dst, src);
        }
        double gr = 0;
        for (int q = 0; q < v.Nb; q++) gr += R.Widen(src[q * S + s] * v.DB[q * S + s]);
        g.Displacement<double, F64>(i, slot, out double dx, out double dy, out double dz);
        double radial = gr / v.Dist[s], gx = radial * dx, gyy = radial * dy, gz = radial * dz;
        for (int q = 0; q < v.Nsh; q++)
        {
            T gq = v.GY[q * S + s] * v.InverseAverage;
            gx += R.Widen(gq * v.DY[q * S + s]); gyy += R.Widen(gq * v.DY[(v.Nsh + q) * S + s]); gz += R.Widen(gq * v.DY[(2 * v.Nsh + q) * S + s]);
        }
        v.Gx[slot] += gx; v.Gy[slot] += gyy; v.Gz[slot] += gz;
    }

    /// <summary>
    /// F_i = Σ_{e: i→j} g_e − Σ_{e: j→i} g_e (the second through each entry's mirror), W_i = −½ Σ_{e: i→j} (d ⊗ g + g ⊗ d), E_i (thread i).
    /// </summary>
    public static void Forces<T>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, AtomOutputs o) where T : unmanaged
    {
        int i = index, n = o.N;
        double fx = 0, fy = 0, fz = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        for (int k = 0, count = g.Count[i]; k < count; k++)
        {
            int s = k * g.Stride + i, m = v.Mirror[s];
            double gx = v.Gx[s], gy = v.Gy[s], gz = v.Gz[s];
            fx += gx - v.Gx[m]; fy += gy - v.Gy[m]; fz += gz - v.Gz[m];
            g.Displacement<double, F64>(i, s, out double dx, out double dy, out double dz);
            vxx -= dx * gx; vyy -= dy * gy; vzz -= dz * gz;
            vxy -= 0.5 * (dx * gy + dy * gx); vxz -= 0.5 * (dx * gz + dz * gx); vyz -= 0.5 * (dy * gz + dz * gy);
        }
        o.Fx[i] = fx; o.Fy[i] = fy; o.Fz[i] = fz; o.E[i] = v.AtomE[i];
        o.V[i] = vxx; o.V[n + i] = vyy; o.V[2 * n + i] = vzz; o.V[3 * n + i] = vxy; o.V[4 * n + i] = vxz; o.V[5 * n + i] = vyz;
    }
}
