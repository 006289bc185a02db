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
    private Dual[] _y = [];
    private double[] _bV = [], _bD = [];
    private Dual[][] _hIn = [], _hT = [], _a = [], _aM = [], _bc = [], _rad = [];
    // radial MLP per layer t and hidden layer k, [edge][width], value and tangent parts kept apart for the SIMD GEMMs
    private double[][][] _zV = [], _zD = [], _sV = [], _sD = [];
    private double[] _rV = [], _rD = [], _gV = [], _gD = [], _pV = [], _pD = [], _xT = [];
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
        _rad = new Dual[T][];
        _zV = new double[T][][]; _zD = new double[T][][]; _sV = new double[T][][]; _sD = new double[T][][];
        for (int t = 0; t <= T; t++) _hIn[t] = [];
        for (int t = 0; t < T; t++)
        {
            _hT[t] = []; _a[t] = []; _aM[t] = []; _bc[t] = []; _rad[t] = [];
            int hidden = model.Layers[t].Radial.Widths.Length - 2;
            _zV[t] = new double[hidden][]; _zD[t] = new double[hidden][]; _sV[t] = new double[hidden][]; _sD[t] = new double[hidden][];
            for (int k = 0; k < hidden; k++) { _zV[t][k] = []; _zD[t][k] = []; _sV[t][k] = []; _sD[t][k] = []; }
        }
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
        var y = Grow(ref _y, ne * nsh);
        var bV = GrowReal(ref _bV, ne * nb); var bD = GrowReal(ref _bD, ne * nb);
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
            for (int q = 0; q < nb; q++) { bV[e * nb + q] = g.Basis[e * nb + q]; bD[e * nb + q] = g.BasisDerivative[e * nb + q] * dr; }
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
            int pc = L.Radial.Outputs;
            var hIn = _hIn[t];
            var hT = Grow(ref _hT[t], n * nIn);
            for (int i = 0; i < n; i++) LinearForward(par, L.Up, L.LIn, hIn.AsSpan(i * nIn, nIn), hT.AsSpan(i * nIn, nIn));
            var a = Grow(ref _a[t], n * nA);
            var rad = Grow(ref _rad[t], ne * pc);
            MlpForward(par, t, L.Radial, ne, bV, bD, rad);
            for (int e = 0; e < ne; e++)
            {
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
            int pc = L.Radial.Outputs, np = L.Contraction.Paths.Length;
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
            var gR = Grow(ref _gR, ne * pc);
            var hT = _hT[t];
            for (int e = 0; e < ne; e++)
                TensorProductAdjoint(L.TensorProduct, _rad[t].AsSpan(e * pc, pc), hT.AsSpan(g.Target[e] * nIn, nIn), y.AsSpan(e * nsh, nsh),
                    gA.AsSpan(g.Source[e] * nA, nA), invAvg, gHT.AsSpan(g.Target[e] * nIn, nIn), gR.AsSpan(e * pc, pc));
            MlpAdjoint(par, t, L.Radial, ne, bV, bD, gR, gradient);
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

    /// <summary>
    /// Radial MLP of layer t for all edges at once, on value and tangent parts separately (the weights
    /// are real, so Z = X W splits into Z_V = X_V W and Z_D = X_D W — two SIMD GEMMs per layer):
    /// hidden a = silu(z) with a_D = silu′(z_V) z_D; the output R = a W goes to <paramref name="radial"/>.
    /// </summary>
    private void MlpForward(double[] par, int t, RadialMlp mlp, int ne, double[] inV, double[] inD, Dual[] radial)
    {
        if (ne == 0) return;
        var widths = mlp.Widths;
        int K = widths.Length - 1;
        double[] xV = inV, xD = inD;
        for (int k = 0; k < K; k++)
        {
            int nin = widths[k], nout = widths[k + 1];
            var w = new ReadOnlySpan<double>(par, mlp.WeightOffsets[k], nin * nout);
            bool last = k == K - 1;
            var zV = last ? GrowReal(ref _rV, ne * nout) : GrowReal(ref _zV[t][k], ne * nout);
            var zD = last ? GrowReal(ref _rD, ne * nout) : GrowReal(ref _zD[t][k], ne * nout);
            ChannelKernels<double>.GemmNN(xV, nin, w, zV, nout, ne, nin, nout, accumulate: false);
            ChannelKernels<double>.GemmNN(xD, nin, w, zD, nout, ne, nin, nout, accumulate: false);
            if (last)
            {
                for (int q = 0; q < ne * nout; q++) radial[q] = new Dual(zV[q], zD[q]);
                break;
            }
            var aV = GrowReal(ref _sV[t][k], ne * nout); var aD = GrowReal(ref _sD[t][k], ne * nout);
            for (int q = 0; q < ne * nout; q++)
            {
                var a = Dual.Silu(new Dual(zV[q], zD[q]));
                aV[q] = a.V; aD[q] = a.D;
            }
            xV = aV; xD = aD;
        }
    }

    /// <summary>
    /// MLP adjoint for all edges given g = ∂/∂R (dual, [edge][outputs]); accumulates only parameter
    /// gradients (b depends on positions alone): ε part of ∂W_k = X_Vᵀ G_D + X_Dᵀ G_V, and
    /// G ← (G Wᵀ) ⊙ silu′(z) on duals, silu′(z) = silu′(z_V) + ε silu″(z_V) z_D.
    /// </summary>
    private void MlpAdjoint(double[] par, int t, RadialMlp mlp, int ne, double[] inV, double[] inD, Dual[] gOutput, Span<double> gradient)
    {
        if (ne == 0) return;
        var widths = mlp.Widths;
        int K = widths.Length - 1, pc = widths[K];
        var gV = GrowReal(ref _gV, ne * pc); var gD = GrowReal(ref _gD, ne * pc);
        for (int q = 0; q < ne * pc; q++) { gV[q] = gOutput[q].V; gD[q] = gOutput[q].D; }
        for (int k = K - 1; k >= 0; k--)
        {
            int nin = widths[k], nout = widths[k + 1];
            var w = new ReadOnlySpan<double>(par, mlp.WeightOffsets[k], nin * nout);
            var gw = gradient.Slice(mlp.WeightOffsets[k], nin * nout);
            double[] xV = k == 0 ? inV : _sV[t][k - 1], xD = k == 0 ? inD : _sD[t][k - 1];
            // ∂W += X_Vᵀ G_D + X_Dᵀ G_V as GEMMs on the transposed inputs (nin × ne)
            var xT = GrowReal(ref _xT, nin * ne);
            Transpose(xV, ne, nin, xT);
            ChannelKernels<double>.GemmNN(xT, ne, gD, gw, nout, nin, ne, nout, accumulate: true);
            Transpose(xD, ne, nin, xT);
            ChannelKernels<double>.GemmNN(xT, ne, gV, gw, nout, nin, ne, nout, accumulate: true);
            if (k == 0) break;
            var pV = GrowReal(ref _pV, ne * nin); var pD = GrowReal(ref _pD, ne * nin);
            ChannelKernels<double>.GemmNT(gV, nout, w, pV, nin, ne, nin, nout, accumulate: false);
            ChannelKernels<double>.GemmNT(gD, nout, w, pD, nin, ne, nin, nout, accumulate: false);
            var zV = _zV[t][k - 1]; var zD = _zD[t][k - 1];
            for (int q = 0; q < ne * nin; q++)
            {
                var s = Dual.SiluDerivative(new Dual(zV[q], zD[q]));
                double v = pV[q] * s.V, d = pD[q] * s.V + pV[q] * s.D;
                pV[q] = v; pD[q] = d;
            }
            (_gV, _pV) = (_pV, _gV); (_gD, _pD) = (_pD, _gD);
            gV = _gV; gD = _gD;
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

    /// <summary>dst (cols × rows) = srcᵀ, src rows × cols row-major.</summary>
    private static void Transpose(double[] src, int rows, int cols, double[] dst)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
    }

    private static double[] GrowReal(ref double[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new double[size];
        return buffer;
    }

    /// <summary>Grows a buffer to at least <paramref name="size"/> and clears the first size entries.</summary>
    private static Dual[] Grow(ref Dual[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new Dual[size];
        else Array.Clear(buffer, 0, size);
        return buffer;
    }
}
