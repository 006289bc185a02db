using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Reference backend: plain fp64 loops over atoms, edges, paths and channels, calling each stage's
/// readable forward and adjoint; stores everything; written to be obviously right (the oracle).
/// </summary>
/// <remarks>
/// Forces and stress. The energy depends on positions only through the edge vectors
/// d_e = r_j − r_i (+ lattice shift) of the full neighbour list, so with g_e = ∂E/∂d_e (from the
/// adjoint pass) F_i = Σ_{e: i→·} g_e − Σ_{e: ·→i} g_e. Under a homogeneous symmetric strain ε every
/// edge maps as d → d(I + ε) (rows), including the shifts, hence
/// <code>  ∂E/∂ε_ab = Σ_e d_a g_b,   σ = (1/V) ∂E/∂ε,   W = −∂E/∂ε  </code>
/// symmetrised, (W + Wᵀ)/2 (the antisymmetric part vanishes for a rotation-invariant E). This is the
/// exact strain derivative of a many-body energy, not a pair virial. The ZBL core (<see cref="CoreRepulsion"/>)
/// is one more term of E in the edge vectors: ½ E_core(r_e) per directed edge, adding ½ E_core′ d_e/r_e to g_e. Its density
/// fade scales atom i's learned energy by h_i: the readouts' adjoints start from h_i, and g_e gains L_i h′_i u′ d_e/r_e.
/// </remarks>
internal sealed class EquivariantReference : NeighborForceComputer
{
    private readonly EquivariantModel _m;

    public EquivariantReference(EquivariantModel model, ComputeOptions options) : base(model, options, NeighborListKind.Full) { _m = model; }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        var hp = _m.Hyper;
        var par = _m.Parameters;
        int n = batch.AtomCount, C = hp.Channels, nsh = Irreps.Count(hp.ShLMax), nb = hp.NumBessel;
        double cut = hp.Cutoff, invAvg = 1.0 / hp.AvgNeighbors;

        // edges within the cutoff
        var src = new List<int>(); var dst = new List<int>(); var vec = new List<double[]>();
        for (int i = 0; i < n; i++)
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                var d = list.Displacement(batch, i, k);
                if (d.Norm >= cut) continue;
                src.Add(i); dst.Add(list.Neighbors[k]); vec.Add([d.X, d.Y, d.Z]);
            }
        int ne = src.Count;
        var Y = new double[ne][]; var dY = new double[ne][]; var b = new double[ne][]; var db = new double[ne][]; var r = new double[ne];
        for (int e = 0; e < ne; e++)
        {
            var d = vec[e];
            r[e] = Math.Sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            Y[e] = new double[nsh]; dY[e] = new double[3 * nsh]; b[e] = new double[nb]; db[e] = new double[nb];
            SphericalHarmonics.Evaluate(hp.ShLMax, d[0], d[1], d[2], Y[e], dY[e]);
            _m.EdgeBasis(types[src[e]], types[dst[e]], r[e], b[e], db[e]);
        }

        // forward
        int T = _m.Layers.Length;
        var hIn = new double[T + 1][][];
        hIn[0] = new double[n][];
        for (int i = 0; i < n; i++) { hIn[0][i] = new double[C]; Embedding.Lookup(par, _m.Embedding, types[i], C, hIn[0][i]); }
        var hT = new double[T][][]; var aM = new double[T][][];
        var pre = new double[T][][]; var rad = new double[T][][];
        var gRead = new double[T][][];
        var atomE = new double[n];
        for (int i = 0; i < n; i++) atomE[i] = _m.E0[types[i]];
        for (int t = 0; t < T; t++)
        {
            var L = _m.Layers[t];
            int nIn = Irreps.Count(L.LIn) * C, nA = Irreps.Count(L.LA) * C, nOut = Irreps.Count(L.LOut) * C;
            hT[t] = new double[n][]; aM[t] = new double[n][]; hIn[t + 1] = new double[n][]; gRead[t] = new double[n][];
            for (int i = 0; i < n; i++) { hT[t][i] = new double[nIn]; ChannelLinear.Forward(par, L.Up, L.LIn, C, hIn[t][i], hT[t][i], false); }
            var a = new double[n][];
            for (int i = 0; i < n; i++) a[i] = new double[nA];
            pre[t] = new double[ne][]; rad[t] = new double[ne][];
            for (int e = 0; e < ne; e++)
            {
                pre[t][e] = new double[L.Radial.HiddenTotal]; rad[t][e] = new double[L.Radial.Outputs];
                L.Radial.Forward(par, b[e], pre[t][e], rad[t][e]);
                L.TensorProduct.Forward(C, rad[t][e], hT[t][dst[e]], Y[e], a[src[e]], invAvg);
            }
            for (int i = 0; i < n; i++)
            {
                aM[t][i] = new double[nA];
                ChannelLinear.Forward(par, L.Mix, L.LA, C, a[i], aM[t][i], false);
                var bb = new double[nOut];
                var w = par.AsSpan(L.ContractionWeights + types[i] * L.Contraction.Paths.Length * C, L.Contraction.Paths.Length * C);
                L.Contraction.Forward(C, aM[t][i], w, bb);
                var ho = new double[nOut];
                ChannelLinear.Forward(par, L.Out, L.LOut, C, bb, ho, false);
                if (L.HasSkip)
                {
                    var skipOffsets = L.Skip.Select(s => s[types[i]]).ToArray();
                    ChannelLinear.Forward(par, skipOffsets, L.Skip.Length - 1, C, hIn[t][i], ho, true);
                }
                hIn[t + 1][i] = ho;
                gRead[t][i] = new double[nOut];
                atomE[i] += L.IsLast
                    ? Readout.Nonlinear(par.AsSpan(L.Readout1, C * hp.ReadoutHidden), par.AsSpan(L.Readout2, hp.ReadoutHidden), ho.AsSpan(0, C), gRead[t][i])
                    : Readout.Linear(par.AsSpan(L.Readout1, C), ho.AsSpan(0, C), gRead[t][i]);
            }
        }
        // the ZBL core: ½ E_core(r) per directed edge (each pair is listed both ways), its gradient ½ E_core′ d/r
        var gCore = new double[ne];
        if (_m.Core is { HasDensityFade: true } fading)
        {
            // density fade: E_i = E0 + C + h_i (L_i − C), h_i = h(n_i), n_i = Σ_e∈i u(ρ_e); ∂E/∂r_e gains (L_i − C) h′(n_i) du/dr_e
            var density = new double[n]; var dw = new double[ne];
            for (int e = 0; e < ne; e++) density[src[e]] += fading.NeighbourWeight(types[src[e]], types[dst[e]], r[e], out dw[e]);
            var learnedDh = new double[n];
            for (int i = 0; i < n; i++)
            {
                double h = fading.Fade(types[i], density[i], out double dh);
                if (h == 1 && dh == 0) continue;
                atomE[i] = _m.E0[types[i]] + CoreRepulsion.FadedEnergy(atomE[i] - _m.E0[types[i]], h, dh, fading.FadeEnergy(types[i]), out learnedDh[i]);
                for (int t = 0; t < T; t++) for (int k = 0; k < gRead[t][i].Length; k++) gRead[t][i][k] *= h;
            }
            for (int e = 0; e < ne; e++) gCore[e] = learnedDh[src[e]] * dw[e] / r[e];
        }
        if (_m.Core is { } core)
            for (int e = 0; e < ne; e++)
            {
                atomE[src[e]] += 0.5 * core.PairEnergy(types[src[e]], types[dst[e]], r[e], out double dEdr);
                gCore[e] += 0.5 * dEdr / r[e];
            }
        var sys = batch.SystemIndex;
        for (int i = 0; i < n; i++)
        {
            result.Energy[sys[i]] += atomE[i];
            if ((outputs & ForceOutputs.AtomEnergies) != 0) result.AtomEnergies[i] = atomE[i];
        }
        if ((outputs & (ForceOutputs.Forces | ForceOutputs.Virial)) == 0) return;

        // backward: g = ∂E/∂(…) layer by layer, from the readouts down to the edges
        var gEdge = new double[ne][];
        for (int e = 0; e < ne; e++) gEdge[e] = [gCore[e] * vec[e][0], gCore[e] * vec[e][1], gCore[e] * vec[e][2]];
        double[][]? gNext = null;   // ∂E/∂h⁽ᵗ⁺¹⁾ from layer t+1
        for (int t = T - 1; t >= 0; t--)
        {
            var L = _m.Layers[t];
            int nIn = Irreps.Count(L.LIn) * C, nA = Irreps.Count(L.LA) * C, nOut = Irreps.Count(L.LOut) * C;
            var gA = new double[n][]; var gHIn = new double[n][];
            for (int i = 0; i < n; i++)
            {
                var gOut = (double[])gRead[t][i].Clone();
                if (gNext != null) for (int k = 0; k < nOut; k++) gOut[k] += gNext[i][k];
                var gB = new double[nOut];
                ChannelLinear.Backward(par, L.Out, L.LOut, C, gOut, gB);
                gHIn[i] = new double[nIn];
                if (L.HasSkip) ChannelLinear.Backward(par, L.Skip.Select(s => s[types[i]]).ToArray(), L.Skip.Length - 1, C, gOut, gHIn[i]);
                var gAm = new double[nA];
                var w = par.AsSpan(L.ContractionWeights + types[i] * L.Contraction.Paths.Length * C, L.Contraction.Paths.Length * C);
                L.Contraction.Backward(C, aM[t][i], w, gB, gAm);
                gA[i] = new double[nA];
                ChannelLinear.Backward(par, L.Mix, L.LA, C, gAm, gA[i]);
            }
            var gHT = new double[n][];
            for (int i = 0; i < n; i++) gHT[i] = new double[nIn];
            var gR = new double[L.Radial.Outputs]; var gY = new double[nsh]; var gb = new double[nb];
            for (int e = 0; e < ne; e++)
            {
                Array.Clear(gR); Array.Clear(gY);
                L.TensorProduct.Backward(C, rad[t][e], hT[t][dst[e]], Y[e], gA[src[e]], invAvg, gHT[dst[e]], gY, gR);
                L.Radial.Backward(par, pre[t][e], gR, gb);
                double gr = 0;
                for (int q = 0; q < nb; q++) gr += gb[q] * db[e][q];
                for (int x = 0; x < 3; x++)
                {
                    double s = gr * vec[e][x] / r[e];
                    for (int q = 0; q < nsh; q++) s += gY[q] * dY[e][x * nsh + q];
                    gEdge[e][x] += s;
                }
            }
            for (int i = 0; i < n; i++) ChannelLinear.Backward(par, L.Up, L.LIn, C, gHT[i], gHIn[i]);
            gNext = gHIn;
        }

        for (int e = 0; e < ne; e++)
        {
            int i = src[e], j = dst[e];
            var g = gEdge[e];
            if ((outputs & ForceOutputs.Forces) != 0)
            {
                result.Fx[i] += g[0]; result.Fy[i] += g[1]; result.Fz[i] += g[2];
                result.Fx[j] -= g[0]; result.Fy[j] -= g[1]; result.Fz[j] -= g[2];
            }
            if ((outputs & ForceOutputs.Virial) != 0)
            {
                var v = result.VirialOf(sys[i]);
                for (int a = 0; a < 3; a++)
                    for (int c = 0; c < 3; c++) v[3 * a + c] -= 0.5 * (vec[e][a] * g[c] + vec[e][c] * g[a]);
            }
        }
    }
}
