using MlipEngine.Chemistry;
using MlipEngine.ForceFields;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>A named block of the flat parameter vector.</summary>
public sealed record ParameterTensor(string Name, int[] Shape, int Offset, int Length);

/// <summary>One interaction layer's plan: degrees, stages and where its weights live.</summary>
public sealed class EquivariantLayer
{
    public int Index { get; init; }
    /// <summary>Max degree of the input node features, of the atomic basis A, and of the output features.</summary>
    public int LIn { get; init; }
    public int LA { get; init; }
    public int LOut { get; init; }
    public bool IsLast { get; init; }
    public bool HasSkip { get; init; }
    public required TensorProduct TensorProduct { get; init; }
    public required SymmetricContraction Contraction { get; init; }
    public required RadialMlp Radial { get; init; }
    /// <summary>Offsets of W_up[l] (l ≤ LIn), W_mix[l] (l ≤ LA), W_out[L] (L ≤ LOut), each C×C.</summary>
    public required int[] Up { get; init; }
    public required int[] Mix { get; init; }
    public required int[] Out { get; init; }
    /// <summary>Skip[L][species] offsets of the species-dependent self-connection (when <see cref="HasSkip"/>).</summary>
    public required int[][] Skip { get; init; }
    /// <summary>Contraction weights [species][paths][C].</summary>
    public int ContractionWeights { get; init; }
    /// <summary>Readout: linear w [C], or last layer W [C][H] and v [H] at <see cref="Readout2"/>.</summary>
    public int Readout1 { get; init; }
    public int Readout2 { get; init; }
}

/// <summary>
/// An E(3)-equivariant message-passing potential of the MACE family (NequIP when ν = 1). Per layer t:
/// <code>
///   h̃ = W_up h                                  (per-l channel mixing)
///   A_i = W_mix (1/n̄) Σ_j TP(R(r_ij), h̃_j, Y(r̂_ij))   (atomic basis, 2-body)
///   B_i = SymmetricContraction_{z_i}(A_i)          (body order ν+1)
///   h′_i = W_out B_i + W_skip,z_i h_i             (residual for t ≥ 1)
///   E_i += readout_t(h′_i[l=0])
/// </code>
/// and E = Σ_i (E0_{z_i} + Σ_t readout_t). h⁽⁰⁾ is a species embedding (scalars). Hidden features keep
/// degrees ≤ HiddenLMax, the last layer only scalars. Forces −∂E/∂r and stress ∂E/∂ε/V are exact
/// derivatives computed by the adjoint of each stage (<see cref="EquivariantReference"/>).
/// </summary>
public sealed class EquivariantModel : IForceField
{
    public EquivariantModel(EquivariantHyperparameters hyper, double[] e0, double[] parameters)
    {
        hyper.Validate();
        Hyper = hyper;
        SpeciesNumbers = new int[hyper.Species.Length];
        for (int s = 0; s < hyper.Species.Length; s++)
        {
            if (!Element.TryAtomicNumber(hyper.Species[s], out SpeciesNumbers[s])) throw new ArgumentException($"unknown element '{hyper.Species[s]}'");
            for (int q = 0; q < s; q++) if (SpeciesNumbers[q] == SpeciesNumbers[s]) throw new ArgumentException($"species {hyper.Species[s]} is listed twice");
        }
        if (e0.Length != hyper.Species.Length) throw new ArgumentException($"E0 has {e0.Length} values for {hyper.Species.Length} species");
        E0 = e0;
        Basis = new RadialBasis(hyper.NumBessel, hyper.Cutoff, hyper.EnvelopeExponent);
        Core = hyper.Repulsion is null ? null : new CoreRepulsion(SpeciesNumbers, hyper.Repulsion, hyper.Cutoff, hyper.EnvelopeExponent);
        var tensors = new List<ParameterTensor>();
        int total = 0;
        int Add(string name, params int[] shape)
        {
            int n = 1; foreach (int d in shape) n *= d;
            tensors.Add(new ParameterTensor(name, shape, total, n));
            total += n;
            return total - n;
        }
        int c = hyper.Channels, ns = hyper.Species.Length;
        Embedding = Add("embedding", ns, c);
        var layers = new EquivariantLayer[hyper.Layers];
        for (int t = 0; t < hyper.Layers; t++)
        {
            bool last = t == hyper.Layers - 1;
            int lin = t == 0 ? 0 : hyper.HiddenLMax, la = hyper.ShLMax, lout = last ? 0 : hyper.HiddenLMax;
            var tp = new TensorProduct(lin, hyper.ShLMax, la);
            var sc = new SymmetricContraction(la, lout, hyper.Correlation);
            var up = new int[lin + 1];
            for (int l = 0; l <= lin; l++) up[l] = Add($"layer{t}.up.l{l}", c, c);
            var widths = new List<int> { hyper.NumBessel };
            widths.AddRange(hyper.RadialHidden);
            widths.Add(tp.Paths.Length * c);
            var mlpOffsets = new int[widths.Count - 1];
            for (int k = 0; k < mlpOffsets.Length; k++) mlpOffsets[k] = Add($"layer{t}.radial.w{k}", widths[k], widths[k + 1]);
            var mix = new int[la + 1];
            for (int l = 0; l <= la; l++) mix[l] = Add($"layer{t}.mix.l{l}", c, c);
            int cw = Add($"layer{t}.contraction", ns, sc.Paths.Length, c);
            var outW = new int[lout + 1];
            for (int l = 0; l <= lout; l++) outW[l] = Add($"layer{t}.out.l{l}", c, c);
            bool skip = hyper.Residual && t > 0;
            var skipW = new int[skip ? Math.Min(lin, lout) + 1 : 0][];
            for (int l = 0; l < skipW.Length; l++) skipW[l] = [Add($"layer{t}.skip.l{l}", ns, c, c)];
            for (int l = 0; l < skipW.Length; l++) skipW[l] = Enumerable.Range(0, ns).Select(s => skipW[l][0] + s * c * c).ToArray();
            int r1 = last ? Add($"layer{t}.readout.w", c, hyper.ReadoutHidden) : Add($"layer{t}.readout.w", c);
            int r2 = last ? Add($"layer{t}.readout.v", hyper.ReadoutHidden) : -1;
            layers[t] = new EquivariantLayer
            {
                Index = t, LIn = lin, LA = la, LOut = lout, IsLast = last, HasSkip = skip,
                TensorProduct = tp, Contraction = sc, Radial = new RadialMlp(widths.ToArray(), mlpOffsets),
                Up = up, Mix = mix, Out = outW, Skip = skipW, ContractionWeights = cw, Readout1 = r1, Readout2 = r2,
            };
        }
        Layers = layers;
        Tensors = tensors;
        ParameterCount = total;
        if (parameters.Length != total) throw new ArgumentException($"the architecture has {total} parameters but {parameters.Length} were given");
        Parameters = parameters;
    }

    public EquivariantHyperparameters Hyper { get; }
    public double[] E0 { get; }
    public double[] Parameters { get; }
    /// <summary>
    /// Bumped by <see cref="ParametersChanged"/> after <see cref="Parameters"/> is edited in place (training);
    /// backends that keep converted copies of the weights reload them when it differs from theirs.
    /// </summary>
    public int ParameterVersion => _parameterVersion;
    private int _parameterVersion;
    /// <summary>Call after writing into <see cref="Parameters"/> so existing computers pick up the new weights.</summary>
    public void ParametersChanged() => Interlocked.Increment(ref _parameterVersion);
    public IReadOnlyList<ParameterTensor> Tensors { get; }
    public int ParameterCount { get; }
    public int[] SpeciesNumbers { get; }
    public RadialBasis Basis { get; }
    /// <summary>The ZBL core below the learned model, or null (see <see cref="CoreRepulsion"/>).</summary>
    public CoreRepulsion? Core { get; }

    /// <summary>
    /// The radial basis of an edge between types ti → tj at distance r: <see cref="RadialBasis.Evaluate"/> at r,
    /// or where the model has a core at its learned distance ρ(r) (db/dr = b′(ρ) ρ′). Every backend and the trainer call this.
    /// </summary>
    public void EdgeBasis(int ti, int tj, double r, Span<double> values, Span<double> derivatives)
    {
        if (Core is null) { Basis.Evaluate(r, values, derivatives); return; }
        double rho = Core.LearnedDistance(ti, tj, r, out double drho);
        Basis.Evaluate(rho, values, derivatives);
        if (drho != 1) for (int q = 0; q < Basis.Count; q++) derivatives[q] *= drho;
    }
    public EquivariantLayer[] Layers { get; }
    /// <summary>Offset of the species embedding [species][C].</summary>
    public int Embedding { get; }
    /// <summary>File the model was read from, if any (for messages).</summary>
    public string? SourcePath { get; init; }

    public string Style => "equivariant";
    public double Cutoff => Hyper.Cutoff;
    public IReadOnlyList<int> Species => SpeciesNumbers;
    public IReadOnlyList<Backend> Backends { get; } = [Backend.Reference, Backend.Cpu];

    public IForceComputer CreateComputer(ComputeOptions options) => options.Backend.Name switch
    {
        Backend.ReferenceName when options.Precision == Precision.Float64 => new EquivariantReference(this, options),
        Backend.ReferenceName => throw new NotSupportedException("equivariant: the Reference backend is fp64 only"),
        Backend.CpuName when options.Precision == Precision.Float64 => new EquivariantCpu<double>(this, options),
        Backend.CpuName => new EquivariantCpu<float>(this, options),
        _ => throw new NotSupportedException($"equivariant: backend {options.Backend} is not available"),
    };

    /// <summary>
    /// A randomly initialised model, deterministic for a seed: weights ~ N(0, σ²) with σ = 1/√fan-in
    /// (SiLU layers ×1.7 to keep the second moment), contraction weights 1/√(paths), so energies are
    /// O(1) eV per atom and forces O(1) eV/Å.
    /// </summary>
    public static EquivariantModel Random(EquivariantHyperparameters hyper, int seed, double[]? e0 = null)
    {
        var probe = new EquivariantModel(hyper, e0 ?? new double[hyper.Species.Length], new double[CountParameters(hyper)]);
        var rng = new Random(seed);
        var p = probe.Parameters;
        foreach (var t in probe.Tensors)
        {
            double std;
            if (t.Name == "embedding") std = 1;
            else if (t.Name.Contains(".radial.w"))
            {
                bool lastMlp = t.Name.EndsWith($".w{hyper.RadialHidden.Length}");
                std = (lastMlp ? RadialOutputGain : 1.7) / Math.Sqrt(t.Shape[0]);
                if (t.Name.EndsWith(".w0")) std *= 4;   // Bessel features are ~0.1–0.3 in size
            }
            else if (t.Name.EndsWith(".contraction")) std = 1 / Math.Sqrt(t.Shape[1]);
            else if (t.Name.Contains(".skip.")) std = 1 / Math.Sqrt(t.Shape[1]);
            else if (t.Name.EndsWith(".readout.v")) std = ReadoutGain / Math.Sqrt(t.Shape[0]);
            else if (t.Name.EndsWith(".readout.w") && t.Shape.Length == 1) std = ReadoutGain / Math.Sqrt(t.Shape[0]);
            else std = 1 / Math.Sqrt(t.Shape[0]);
            for (int k = 0; k < t.Length; k++) p[t.Offset + k] = std * Gaussian(rng);
        }
        return probe;
    }

    /// <summary>Init gains: the radial output makes A = (1/n̄) Σ_j R h̃ Y of order one; the readout sets the energy scale.</summary>
    public const double RadialOutputGain = 6;
    public const double ReadoutGain = 2;

    public static int CountParameters(EquivariantHyperparameters hyper)
    {
        // build the plan with a placeholder vector of the right length: count by a dry construction
        int c = hyper.Channels, ns = hyper.Species.Length, total = ns * c;
        for (int t = 0; t < hyper.Layers; t++)
        {
            bool last = t == hyper.Layers - 1;
            int lin = t == 0 ? 0 : hyper.HiddenLMax, la = hyper.ShLMax, lout = last ? 0 : hyper.HiddenLMax;
            int paths = new TensorProduct(lin, hyper.ShLMax, la).Paths.Length;
            int cpaths = new SymmetricContraction(la, lout, hyper.Correlation).Paths.Length;
            total += (lin + 1) * c * c;
            var widths = new List<int> { hyper.NumBessel };
            widths.AddRange(hyper.RadialHidden);
            widths.Add(paths * c);
            for (int k = 0; k < widths.Count - 1; k++) total += widths[k] * widths[k + 1];
            total += (la + 1) * c * c + ns * cpaths * c + (lout + 1) * c * c;
            if (hyper.Residual && t > 0) total += (Math.Min(lin, lout) + 1) * ns * c * c;
            total += last ? c * hyper.ReadoutHidden + hyper.ReadoutHidden : c;
        }
        return total;
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
