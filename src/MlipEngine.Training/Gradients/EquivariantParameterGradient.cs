using MlipEngine.Potentials.Equivariant;

namespace MlipEngine.Training.Gradients;

/// <summary>
/// Exact parameter gradients of an <see cref="EquivariantModel"/> for losses on energy, forces and
/// stress, by forward-over-reverse differentiation.
/// </summary>
/// <remarks>
/// <para>A loss on forces needs mixed second derivatives. For weights c_i on the force errors,
/// <code>  Σ_i c_i · ∂F_i/∂θ = −∂/∂θ Σ_i c_i · ∂E/∂r_i = ∂/∂θ D_u E,   u_i = −c_i,  </code>
/// where D_u E is the derivative of E along the displacement r_i → r_i + ε u_i. For the stress
/// σ = (1/V) ∂E/∂ε with weights s, Σ s_ab ∂σ_ab/∂θ = ∂/∂θ D_S E with the homogeneous strain
/// d → d (I + ε S), S = sym(s)/V, applied to every edge vector d. E depends on positions only through
/// the edge vectors, so both directions become one perturbation of each edge,
/// <code>  δd_e = u_j − u_i + d_e S   (edge i → j).  </code></para>
/// <para>The forward pass runs on dual numbers (value, derivative along δd): the edge inputs are
/// Y(d) + ε ∇Y·δd and b(r) + ε b′(r) d̂·δd (exact to first order), parameters are plain reals, so
/// every intermediate carries its directional derivative and the energy comes out as E + ε D_δE. The
/// reverse (adjoint) pass over the parameters is then run on the same dual numbers: the adjoint of a
/// parameter θ comes out as ∂E/∂θ + ε ∂(D_δE)/∂θ. Seeding the energy's adjoint with 1 + ε a instead
/// of 1 makes the ε part of every parameter adjoint equal to
/// <code>  ∂/∂θ [ a E + D_δ E ]  </code>
/// which is exactly the loss gradient when a = ∂L/∂E (see <see cref="Loss.LossFunction"/>). Only that ε
/// part is accumulated. Cost: one dual forward and one dual adjoint pass per frame (≈ 3–4 real
/// passes); the reverse pass w.r.t. positions is not needed here.</para>
/// <para>The stages mirror <see cref="EquivariantReference"/> one for one; the tests check the value
/// part against it (energy, and D_δE = Σ g·δd from its forces and stress) and the gradient against
/// central finite differences of the loss for every parameter block.</para>
/// </remarks>
public sealed class EquivariantParameterGradient
{
    private readonly EquivariantModel _m;
    private readonly int _C, _nsh, _nb;
    private readonly int[][][] _skipBySpecies;   // [layer][species] → offsets per l

    // edge inputs and per-layer stored forward values (grown, reused)
    private Dual[] _y = [], _b = [];
    private Dual[][] _hIn = [], _hT = [], _a = [], _aM = [], _bc = [], _act = [], _rad = [];
    private Dual[] _gNext = [], _gA = [], _gHT = [], _gHIn = [], _gOut = [], _gB = [], _gAm = [], _gR = [];

    public EquivariantParameterGradient(EquivariantModel model)
    {
        _m = model;
        var hp = model.Hyper;
        _C = hp.Channels; _nsh = Irreps.Count(hp.ShLMax); _nb = hp.NumBessel;
        int T = model.Layers.Length, ns = hp.Species.Length;
        _skipBySpecies = new int[T][][];
        for (int t = 0; t < T; t++)
        {
            var L = model.Layers[t];
            _skipBySpecies[t] = new int[ns][];
            for (int s = 0; s < ns; s++) _skipBySpecies[t][s] = L.Skip.Select(o => o[s]).ToArray();
        }
        _hIn = new Dual[T + 1][]; _hT = new Dual[T][]; _a = new Dual[T][]; _aM = new Dual[T][]; _bc = new Dual[T][];
        _act = new Dual[T][]; _rad = new Dual[T][];
        for (int t = 0; t <= T; t++) _hIn[t] = [];
        for (int t = 0; t < T; t++) { _hT[t] = []; _a[t] = []; _aM[t] = []; _bc[t] = []; _act[t] = []; _rad[t] = []; }
    }

    public EquivariantModel Model => _m;

    /// <summary>
    /// Adds ∂/∂θ [a E + D_δ E] to <paramref name="gradient"/> (length = parameter count) for the
    /// perturbation δr_i = <paramref name="displacement"/>[3i…3i+2] (empty: none) and the strain
    /// direction <paramref name="strain"/> (9 numbers, row-major, symmetric; empty: none), and returns
    /// E + ε D_δE (eV).
    /// </summary>
    public Dual Accumulate(FrameGraph g, double energyCoefficient, ReadOnlySpan<double> displacement, ReadOnlySpan<double> strain, Span<double> gradient)
    {
        var hp = _m.Hyper;
        var par = _m.Parameters;
        if (gradient.Length != par.Length) throw new ArgumentException($"gradient has {gradient.Length} entries for {par.Length} parameters");
        int n = g.AtomCount, ne = g.EdgeCount, C = _C, nsh = _nsh, nb = _nb, T = _m.Layers.Length;
        if (!displacement.IsEmpty && displacement.Length != 3 * n) throw new ArgumentException("displacement needs 3 numbers per atom");
        if (!strain.IsEmpty && strain.Length != 9) throw new ArgumentException("strain needs 9 numbers");
        double invAvg = 1.0 / hp.AvgNeighbors;
        var types = g.Types;

        // edge inputs on dual numbers: Y(d) + ε ∇Y·δd, b(r) + ε b′(r) (d·δd)/r
        var y = Grow(ref _y, ne * nsh); var b = Grow(ref _b, ne * nb);
        for (int e = 0; e < ne; e++)
        {
            int i = g.Source[e], j = g.Target[e];
            double d0 = g.Vector[3 * e], d1 = g.Vector[3 * e + 1], d2 = g.Vector[3 * e + 2];
            double p0 = 0, p1 = 0, p2 = 0;
            if (!displacement.IsEmpty)
            {
                p0 = displacement[3 * j] - displacement[3 * i];
                p1 = displacement[3 * j + 1] - displacement[3 * i + 1];
                p2 = displacement[3 * j + 2] - displacement[3 * i + 2];
            }
            if (!strain.IsEmpty)
            {
                p0 += d0 * strain[0] + d1 * strain[3] + d2 * strain[6];
                p1 += d0 * strain[1] + d1 * strain[4] + d2 * strain[7];
                p2 += d0 * strain[2] + d1 * strain[5] + d2 * strain[8];
            }
            int oy = e * nsh, ody = e * 3 * nsh;
            for (int q = 0; q < nsh; q++)
                y[oy + q] = new Dual(g.Harmonics[oy + q],
                    g.HarmonicsGradient[ody + q] * p0 + g.HarmonicsGradient[ody + nsh + q] * p1 + g.HarmonicsGradient[ody + 2 * nsh + q] * p2);
            double dr = (d0 * p0 + d1 * p1 + d2 * p2) / g.Length[e];
            for (int q = 0; q < nb; q++) b[e * nb + q] = new Dual(g.Basis[e * nb + q], g.BasisDerivative[e * nb + q] * dr);
        }

        // ---------------- forward ----------------
        var h0 = Grow(ref _hIn[0], n * C);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < C; c++) h0[i * C + c] = new Dual(par[_m.Embedding + types[i] * C + c], 0);
        var energy = Dual.Zero;
        for (int i = 0; i < n; i++) energy += new Dual(_m.E0[types[i]], 0);
        for (int t = 0; t < T; t++)
        {
            var L = _m.Layers[t];
            int nIn = Irreps.Count(L.LIn) * C, nA = Irreps.Count(L.LA) * C, nOut = Irreps.Count(L.LOut) * C;
            int pc = L.Radial.Outputs, hid = L.Radial.HiddenTotal;
            var hIn = _hIn[t];
            var hT = Grow(ref _hT[t], n * nIn);
            for (int i = 0; i < n; i++) LinearForward(par, L.Up, L.LIn, hIn.AsSpan(i * nIn, nIn), hT.AsSpan(i * nIn, nIn));
            var a = Grow(ref _a[t], n * nA);
            var act = Grow(ref _act[t], ne * 2 * hid); var rad = Grow(ref _rad[t], ne * pc);
            for (int e = 0; e < ne; e++)
            {
                MlpForward(par, L.Radial, b.AsSpan(e * nb, nb), act.AsSpan(e * 2 * hid, 2 * hid), rad.AsSpan(e * pc, pc));
                TensorProductForward(L.TensorProduct, rad.AsSpan(e * pc, pc), hT.AsSpan(g.Target[e] * nIn, nIn), y.AsSpan(e * nsh, nsh),
                    a.AsSpan(g.Source[e] * nA, nA), invAvg);
            }
            var aM = Grow(ref _aM[t], n * nA); var bc = Grow(ref _bc[t], n * nOut); var hOut = Grow(ref _hIn[t + 1], n * nOut);
            int np = L.Contraction.Paths.Length;
            for (int i = 0; i < n; i++)
            {
                LinearForward(par, L.Mix, L.LA, a.AsSpan(i * nA, nA), aM.AsSpan(i * nA, nA));
                ContractionForward(L.Contraction, aM.AsSpan(i * nA, nA), par.AsSpan(L.ContractionWeights + types[i] * np * C, np * C), bc.AsSpan(i * nOut, nOut));
                var ho = hOut.AsSpan(i * nOut, nOut);
                LinearForward(par, L.Out, L.LOut, bc.AsSpan(i * nOut, nOut), ho);
                if (L.HasSkip) LinearForward(par, _skipBySpecies[t][types[i]], L.Skip.Length - 1, hIn.AsSpan(i * nIn, nIn), ho, accumulate: true);
                energy += L.IsLast ? NonlinearReadout(par, L, ho[..C]) : LinearReadout(par, L, ho[..C]);
            }
        }

        // ---------------- adjoint over parameters (seed 1 + ε a) ----------------
        var seed = new Dual(1, energyCoefficient);
        Dual[] gNext = [];
        for (int t = T - 1; t >= 0; t--)
        {
            var L = _m.Layers[t];
            int nIn = Irreps.Count(L.LIn) * C, nA = Irreps.Count(L.LA) * C, nOut = Irreps.Count(L.LOut) * C;
            int pc = L.Radial.Outputs, hid = L.Radial.HiddenTotal, np = L.Contraction.Paths.Length;
            var hIn = _hIn[t]; var hOut = _hIn[t + 1];
            var gA = Grow(ref _gA, n * nA); var gHIn = Grow(ref _gHIn, n * nIn);
            var gOut = Grow(ref _gOut, nOut).AsSpan(0, nOut); var gB = Grow(ref _gB, nOut).AsSpan(0, nOut); var gAm = Grow(ref _gAm, nA).AsSpan(0, nA);
            for (int i = 0; i < n; i++)
            {
                if (t == T - 1) gOut.Clear(); else gNext.AsSpan(i * nOut, nOut).CopyTo(gOut);
                var ho = hOut.AsSpan(i * nOut, nOut);
                if (L.IsLast) NonlinearReadoutAdjoint(par, L, ho[..C], seed, gOut[..C], gradient);
                else LinearReadoutAdjoint(par, L, ho[..C], seed, gOut[..C], gradient);
                gB.Clear();
                LinearAdjoint(par, L.Out, L.LOut, _bc[t].AsSpan(i * nOut, nOut), gOut, gB, gradient);
                if (L.HasSkip) LinearAdjoint(par, _skipBySpecies[t][types[i]], L.Skip.Length - 1, hIn.AsSpan(i * nIn, nIn), gOut, gHIn.AsSpan(i * nIn, nIn), gradient);
                gAm.Clear();
                int wo = L.ContractionWeights + types[i] * np * C;
                ContractionAdjoint(L.Contraction, _aM[t].AsSpan(i * nA, nA), par.AsSpan(wo, np * C), gB, gAm, gradient.Slice(wo, np * C));
                LinearAdjoint(par, L.Mix, L.LA, _a[t].AsSpan(i * nA, nA), gAm, gA.AsSpan(i * nA, nA), gradient);
            }
            var gHT = Grow(ref _gHT, n * nIn);
            var gR = Grow(ref _gR, pc).AsSpan(0, pc);
            var hT = _hT[t];
            for (int e = 0; e < ne; e++)
            {
                gR.Clear();
                TensorProductAdjoint(L.TensorProduct, _rad[t].AsSpan(e * pc, pc), hT.AsSpan(g.Target[e] * nIn, nIn), y.AsSpan(e * nsh, nsh),
                    gA.AsSpan(g.Source[e] * nA, nA), invAvg, gHT.AsSpan(g.Target[e] * nIn, nIn), gR);
                MlpAdjoint(par, L.Radial, b.AsSpan(e * nb, nb), _act[t].AsSpan(e * 2 * hid, 2 * hid), gR, gradient);
            }
            for (int i = 0; i < n; i++) LinearAdjoint(par, L.Up, L.LIn, hIn.AsSpan(i * nIn, nIn), gHT.AsSpan(i * nIn, nIn), gHIn.AsSpan(i * nIn, nIn), gradient);
            // hand ∂/∂h⁽ᵗ⁾ to the layer below (swap buffers)
            (_gNext, _gHIn) = (_gHIn, _gNext);
            gNext = _gNext;
        }
        // embedding: h⁽⁰⁾_i = W_emb[z_i]
        for (int i = 0; i < n; i++)
            for (int c = 0; c < C; c++) gradient[_m.Embedding + types[i] * C + c] += gNext[i * C + c].D;
        return energy;
    }

    // ---------------- stages on dual numbers ----------------

    /// <summary>out[lm, o] (+)= Σ_i W_l[i, o] in[lm, i] for l ≤ lmax.</summary>
    private void LinearForward(double[] par, int[] offsets, int lmax, ReadOnlySpan<Dual> input, Span<Dual> output, bool accumulate = false)
    {
        int C = _C;
        if (!accumulate) output[..(Irreps.Count(lmax) * C)].Clear();
        for (int l = 0; l <= lmax; l++)
        {
            var w = par.AsSpan(offsets[l], C * C);
            for (int lm = Irreps.Offset(l); lm < Irreps.Offset(l + 1); lm++)
            {
                var o = output.Slice(lm * C, C);
                for (int i = 0; i < C; i++)
                {
                    var x = input[lm * C + i];
                    var wr = w.Slice(i * C, C);
                    for (int k = 0; k < C; k++) o[k] += x * wr[k];
                }
            }
        }
    }

    /// <summary>gIn[lm, i] += Σ_o W[i, o] gOut[lm, o];  ∂W[i, o] += ε-part of Σ_lm in[lm, i] gOut[lm, o].</summary>
    private void LinearAdjoint(double[] par, int[] offsets, int lmax, ReadOnlySpan<Dual> input, ReadOnlySpan<Dual> gOut, Span<Dual> gIn, Span<double> gradient)
    {
        int C = _C;
        for (int l = 0; l <= lmax; l++)
        {
            var w = par.AsSpan(offsets[l], C * C);
            var gw = gradient.Slice(offsets[l], C * C);
            for (int lm = Irreps.Offset(l); lm < Irreps.Offset(l + 1); lm++)
            {
                var go = gOut.Slice(lm * C, C);
                for (int i = 0; i < C; i++)
                {
                    var x = input[lm * C + i];
                    var wr = w.Slice(i * C, C); var gwr = gw.Slice(i * C, C);
                    var s = Dual.Zero;
                    for (int k = 0; k < C; k++) { s += go[k] * wr[k]; gwr[k] += Dual.Tangent(x, go[k]); }
                    gIn[lm * C + i] += s;
                }
            }
        }
    }

    /// <summary>Radial MLP; act holds [z (hidden total)][silu(z)] of this edge.</summary>
    private static void MlpForward(double[] par, RadialMlp mlp, ReadOnlySpan<Dual> input, Span<Dual> act, Span<Dual> output)
    {
        var widths = mlp.Widths;
        int hid = mlp.HiddenTotal, zo = 0;
        ReadOnlySpan<Dual> x = input;
        for (int k = 0; k < widths.Length - 1; k++)
        {
            int nin = widths[k], nout = widths[k + 1];
            var w = par.AsSpan(mlp.WeightOffsets[k], nin * nout);
            bool last = k == widths.Length - 2;
            var z = last ? output[..nout] : act.Slice(zo, nout);
            z.Clear();
            for (int i = 0; i < nin; i++)
            {
                var xi = x[i]; var wr = w.Slice(i * nout, nout);
                for (int o = 0; o < nout; o++) z[o] += xi * wr[o];
            }
            if (last) break;
            var a = act.Slice(hid + zo, nout);
            for (int o = 0; o < nout; o++) a[o] = Dual.Silu(z[o]);
            x = a; zo += nout;
        }
    }

    /// <summary>MLP adjoint: parameter gradients only (the input b depends on positions, not parameters).</summary>
    private static void MlpAdjoint(double[] par, RadialMlp mlp, ReadOnlySpan<Dual> input, ReadOnlySpan<Dual> act, ReadOnlySpan<Dual> gOutput, Span<double> gradient)
    {
        var widths = mlp.Widths;
        int hid = mlp.HiddenTotal, maxw = widths.Max();
        Span<Dual> g = stackalloc Dual[maxw], prev = stackalloc Dual[maxw];
        gOutput.CopyTo(g);
        int zo = hid;
        for (int k = widths.Length - 2; k >= 0; k--)
        {
            int nin = widths[k], nout = widths[k + 1];
            var w = par.AsSpan(mlp.WeightOffsets[k], nin * nout);
            var gw = gradient.Slice(mlp.WeightOffsets[k], nin * nout);
            ReadOnlySpan<Dual> x = k == 0 ? input : act.Slice(hid + zo - nin, nin);
            for (int i = 0; i < nin; i++)
            {
                var xi = x[i]; var gwr = gw.Slice(i * nout, nout);
                for (int o = 0; o < nout; o++) gwr[o] += Dual.Tangent(xi, g[o]);
            }
            if (k == 0) break;
            zo -= nin;
            for (int i = 0; i < nin; i++)
            {
                var wr = w.Slice(i * nout, nout);
                var s = Dual.Zero;
                for (int o = 0; o < nout; o++) s += g[o] * wr[o];
                prev[i] = s * Dual.SiluDerivative(act[zo + i]);
            }
            prev[..nin].CopyTo(g);
        }
    }

    /// <summary>message[l₃m₃, c] += scale Σ_p R[p, c] C h̃[l₁m₁, c] Y[l₂m₂].</summary>
    private void TensorProductForward(TensorProduct tp, ReadOnlySpan<Dual> radial, ReadOnlySpan<Dual> node, ReadOnlySpan<Dual> sh, Span<Dual> message, double scale)
    {
        int C = _C;
        for (int p = 0; p < tp.Paths.Length; p++)
        {
            var t = tp.Paths[p].Table;
            int o1 = Irreps.Offset(t.L1), o2 = Irreps.Offset(t.L2), o3 = Irreps.Offset(t.L3);
            var r = radial.Slice(p * C, C);
            for (int k = 0; k < t.Count; k++)
            {
                var cy = sh[o2 + t.M2[k]] * (scale * t.Coef[k]);
                var h = node.Slice((o1 + t.M1[k]) * C, C); var m = message.Slice((o3 + t.M3[k]) * C, C);
                for (int c = 0; c < C; c++) m[c] += cy * r[c] * h[c];
            }
        }
    }

    /// <summary>gNode += scale R C Y g;  gRadial += scale C Y h g (the ∂/∂Y part is not needed).</summary>
    private void TensorProductAdjoint(TensorProduct tp, ReadOnlySpan<Dual> radial, ReadOnlySpan<Dual> node, ReadOnlySpan<Dual> sh, ReadOnlySpan<Dual> gMessage,
        double scale, Span<Dual> gNode, Span<Dual> gRadial)
    {
        int C = _C;
        for (int p = 0; p < tp.Paths.Length; p++)
        {
            var t = tp.Paths[p].Table;
            int o1 = Irreps.Offset(t.L1), o2 = Irreps.Offset(t.L2), o3 = Irreps.Offset(t.L3);
            var r = radial.Slice(p * C, C); var gr = gRadial.Slice(p * C, C);
            for (int k = 0; k < t.Count; k++)
            {
                var cy = sh[o2 + t.M2[k]] * (scale * t.Coef[k]);
                var h = node.Slice((o1 + t.M1[k]) * C, C); var gh = gNode.Slice((o1 + t.M1[k]) * C, C);
                var gm = gMessage.Slice((o3 + t.M3[k]) * C, C);
                for (int c = 0; c < C; c++)
                {
                    var cg = cy * gm[c];
                    gh[c] += cg * r[c];
                    gr[c] += cg * h[c];
                }
            }
        }
    }

    /// <summary>B[LM, c] = Σ_η w[η, c] T_η[c, LM](A) (see <see cref="SymmetricContraction"/>).</summary>
    private void ContractionForward(SymmetricContraction sc, ReadOnlySpan<Dual> a, ReadOnlySpan<double> w, Span<Dual> output)
    {
        int C = _C;
        output[..(Irreps.Count(sc.OutputLMax) * C)].Clear();
        Span<Dual> tt = stackalloc Dual[7], p12 = stackalloc Dual[7];
        for (int c = 0; c < C; c++)
            for (int e = 0; e < sc.Paths.Length; e++)
            {
                var path = sc.Paths[e];
                int oL = Irreps.Offset(path.L), dL = Irreps.Dim(path.L);
                PathTerm(path, a, c, tt, p12);
                double we = w[e * C + c];
                for (int m = 0; m < dL; m++) output[(oL + m) * C + c] += tt[m] * we;
            }
    }

    /// <summary>gA += ∂/∂A and the ε part of ∂/∂w for upstream gB.</summary>
    private void ContractionAdjoint(SymmetricContraction sc, ReadOnlySpan<Dual> a, ReadOnlySpan<double> w, ReadOnlySpan<Dual> gB, Span<Dual> gA, Span<double> gW)
    {
        int C = _C;
        Span<Dual> tt = stackalloc Dual[7], p12 = stackalloc Dual[7], g = stackalloc Dual[7];
        Span<Dual> g1 = stackalloc Dual[7], g2 = stackalloc Dual[7], g3 = stackalloc Dual[7], gp = stackalloc Dual[7];
        Span<Dual> x1 = stackalloc Dual[7], x2 = stackalloc Dual[7], x3 = stackalloc Dual[7];
        for (int c = 0; c < C; c++)
            for (int e = 0; e < sc.Paths.Length; e++)
            {
                var path = sc.Paths[e];
                int oL = Irreps.Offset(path.L), dL = Irreps.Dim(path.L);
                PathTerm(path, a, c, tt, p12);
                double we = w[e * C + c], gw = 0;
                for (int m = 0; m < dL; m++)
                {
                    var gb = gB[(oL + m) * C + c];
                    gw += Dual.Tangent(tt[m], gb);
                    g[m] = gb * we;
                }
                gW[e * C + c] += gw;
                g1.Clear(); g2.Clear(); g3.Clear(); gp.Clear();
                Gather(a, path.L1, c, x1);
                if (path.Nu == 1) g[..dL].CopyTo(g1);
                else
                {
                    Gather(a, path.L2, c, x2);
                    if (path.Nu == 2) AdjointPair(path.First!, x1, x2, g, g1, g2);
                    else
                    {
                        Gather(a, path.L3, c, x3);
                        AdjointPair(path.Second!, p12, x3, g, gp, g3);
                        AdjointPair(path.First!, x1, x2, gp, g1, g2);
                    }
                }
                Scatter(g1, path.L1, c, gA);
                if (path.Nu >= 2) Scatter(g2, path.L2, c, gA);
                if (path.Nu == 3) Scatter(g3, path.L3, c, gA);
            }
    }

    /// <summary>T_η on channel c into t (length 2L+1); p12 keeps the intermediate (A⊗A)_{l₁₂} for ν = 3.</summary>
    private void PathTerm(ContractionPath path, ReadOnlySpan<Dual> a, int c, Span<Dual> t, Span<Dual> p12)
    {
        Span<Dual> x1 = stackalloc Dual[7], x2 = stackalloc Dual[7], x3 = stackalloc Dual[7];
        int dL = Irreps.Dim(path.L);
        t[..dL].Clear();
        Gather(a, path.L1, c, x1);
        if (path.Nu == 1) { x1[..dL].CopyTo(t); return; }
        Gather(a, path.L2, c, x2);
        if (path.Nu == 2) { Couple(path.First!, x1, x2, t); return; }
        p12.Clear();
        Couple(path.First!, x1, x2, p12);
        Gather(a, path.L3, c, x3);
        Couple(path.Second!, p12, x3, t);
    }

    private static void Couple(CouplingTable t, ReadOnlySpan<Dual> x, ReadOnlySpan<Dual> y, Span<Dual> output)
    {
        for (int k = 0; k < t.Count; k++) output[t.M3[k]] += x[t.M1[k]] * y[t.M2[k]] * t.Coef[k];
    }

    /// <summary>For out = Σ C x y: gx[m₁] += Σ C y g, gy[m₂] += Σ C x g.</summary>
    private static void AdjointPair(CouplingTable t, ReadOnlySpan<Dual> x, ReadOnlySpan<Dual> y, ReadOnlySpan<Dual> g, Span<Dual> gx, Span<Dual> gy)
    {
        for (int k = 0; k < t.Count; k++)
        {
            var cg = g[t.M3[k]] * t.Coef[k];
            gx[t.M1[k]] += cg * y[t.M2[k]];
            gy[t.M2[k]] += cg * x[t.M1[k]];
        }
    }

    private void Gather(ReadOnlySpan<Dual> a, int l, int c, Span<Dual> x)
    {
        int o = Irreps.Offset(l);
        for (int m = 0; m < Irreps.Dim(l); m++) x[m] = a[(o + m) * _C + c];
    }

    private void Scatter(ReadOnlySpan<Dual> g, int l, int c, Span<Dual> gA)
    {
        int o = Irreps.Offset(l);
        for (int m = 0; m < Irreps.Dim(l); m++) gA[(o + m) * _C + c] += g[m];
    }

    // ---------------- readouts ----------------

    private static Dual LinearReadout(double[] par, EquivariantLayer L, ReadOnlySpan<Dual> h)
    {
        var e = Dual.Zero;
        for (int c = 0; c < h.Length; c++) e += h[c] * par[L.Readout1 + c];
        return e;
    }

    private static void LinearReadoutAdjoint(double[] par, EquivariantLayer L, ReadOnlySpan<Dual> h, Dual seed, Span<Dual> gH, Span<double> gradient)
    {
        for (int c = 0; c < h.Length; c++)
        {
            gradient[L.Readout1 + c] += Dual.Tangent(h[c], seed);
            gH[c] += seed * par[L.Readout1 + c];
        }
    }

    /// <summary>Eᵢ = Σ_k v_k silu(Σ_c W[c, k] h_c).</summary>
    private Dual NonlinearReadout(double[] par, EquivariantLayer L, ReadOnlySpan<Dual> h)
    {
        int hidden = _m.Hyper.ReadoutHidden;
        var e = Dual.Zero;
        for (int k = 0; k < hidden; k++)
        {
            var z = Dual.Zero;
            for (int c = 0; c < h.Length; c++) z += h[c] * par[L.Readout1 + c * hidden + k];
            e += Dual.Silu(z) * par[L.Readout2 + k];
        }
        return e;
    }

    private void NonlinearReadoutAdjoint(double[] par, EquivariantLayer L, ReadOnlySpan<Dual> h, Dual seed, Span<Dual> gH, Span<double> gradient)
    {
        int hidden = _m.Hyper.ReadoutHidden;
        for (int k = 0; k < hidden; k++)
        {
            var z = Dual.Zero;
            for (int c = 0; c < h.Length; c++) z += h[c] * par[L.Readout1 + c * hidden + k];
            gradient[L.Readout2 + k] += Dual.Tangent(Dual.Silu(z), seed);
            var gz = seed * Dual.SiluDerivative(z) * par[L.Readout2 + k];
            for (int c = 0; c < h.Length; c++)
            {
                gradient[L.Readout1 + c * hidden + k] += Dual.Tangent(h[c], gz);
                gH[c] += gz * par[L.Readout1 + c * hidden + k];
            }
        }
    }

    /// <summary>Grows a buffer to at least <paramref name="size"/> and clears the first size entries.</summary>
    private static Dual[] Grow(ref Dual[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new Dual[size];
        else Array.Clear(buffer, 0, size);
        return buffer;
    }
}
