using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Training.Gradients;

namespace MlipEngine.Training.Loss;

/// <summary>
/// A training frame prepared once: the structure as a one-system batch, its labels, and the CPU trainer's graph, built when first
/// asked for (<see cref="DeviceLossGradient"/> never asks, so a device run does not hold every frame's edge tables in memory).
/// </summary>
public sealed class TrainingSample
{
    private readonly Lazy<FrameGraph> _graph;

    public TrainingSample(EquivariantModel model, AtomicStructure structure, FrameLabels labels, string name)
    {
        Batch = SystemBatch.FromStructure(structure);
        Labels = labels;
        Name = name;
        var cell = structure.Cell;
        Volume = cell.FullyPeriodic ? Math.Abs(cell.Volume) : double.NaN;
        _graph = new Lazy<FrameGraph>(() =>
        {
            try { return FrameGraph.Build(model, Batch); }
            catch (ArgumentException e) { throw new ArgumentException($"{name}: {e.Message}", e); }
        });
    }

    public SystemBatch Batch { get; }
    /// <summary>The frame's graph for the CPU trainer's dual pass (<see cref="FrameGraph.Build"/>, on first use; an error names the frame).</summary>
    public FrameGraph Graph => _graph.Value;
    /// <summary>The cell volume (Å³) of a frame periodic in all three directions, NaN otherwise (no stress term).</summary>
    public double Volume { get; }
    public FrameLabels Labels { get; }
    /// <summary>"file, frame k" for messages.</summary>
    public string Name { get; }
}

/// <summary>What the model predicts for one frame (eV, eV/Å [3N], eV/Å³ [9] or null).</summary>
public sealed record Prediction(double Energy, double[] Forces, double[]? Stress);

/// <summary>
/// One worker's evaluator of the loss and its exact parameter gradient, frame by frame: (1) energy,
/// forces and stress from the fused CPU backend (fp64, one thread); (2) the loss and its derivatives
/// from <see cref="LossFunction"/>; (3) the parameter gradient from one dual forward-over-reverse
/// pass of <see cref="EquivariantParameterGradient"/>. Not thread-safe: one per worker.
/// </summary>
public sealed class FrameLossGradient : IDisposable
{
    private readonly EquivariantModel _model;
    private readonly IForceComputer _computer;
    private readonly ForceResult _result = new();
    private readonly EquivariantParameterGradient _gradient;
    private double[] _u = [];
    private readonly double[] _strain = new double[9];

    public FrameLossGradient(EquivariantModel model)
    {
        _model = model;
        _computer = model.CreateComputer(new ComputeOptions { Backend = Backend.Cpu, Threads = 1, Precision = Precision.Float64 });
        _gradient = new EquivariantParameterGradient(model);
    }

    /// <summary>Energy, forces and (periodic frames) stress with the current parameters.</summary>
    public Prediction Predict(TrainingSample sample)
    {
        var outputs = ForceOutputs.Energy | ForceOutputs.Forces;
        bool periodic = double.IsFinite(sample.Volume);
        if (periodic) outputs |= ForceOutputs.Virial;
        _computer.Compute(sample.Batch, outputs, _result);
        int n = sample.Batch.AtomCount;
        var f = new double[3 * n];
        for (int i = 0; i < n; i++) { f[3 * i] = _result.Fx[i]; f[3 * i + 1] = _result.Fy[i]; f[3 * i + 2] = _result.Fz[i]; }
        return new Prediction(_result.Energy[0], f, periodic ? _result.StressOf(0).ToArray() : null);
    }

    /// <summary>The frame's loss (as one of <paramref name="batchSize"/>) without a gradient.</summary>
    public double Loss(TrainingSample sample, LossWeights weights, int batchSize, out Prediction prediction)
    {
        prediction = Predict(sample);
        EnsureBuffers(sample.Batch.AtomCount);
        return LossFunction.Evaluate(sample.Labels, weights, batchSize, prediction.Energy, prediction.Forces, prediction.Stress,
            sample.Volume, _u.AsSpan(0, 3 * sample.Batch.AtomCount), _strain, out _).Loss;
    }

    /// <summary>Adds ∂L_f/∂θ to <paramref name="gradient"/> and returns L_f.</summary>
    public double Accumulate(TrainingSample sample, LossWeights weights, int batchSize, Span<double> gradient, out Prediction prediction)
    {
        prediction = Predict(sample);
        int n = sample.Batch.AtomCount;
        EnsureBuffers(n);
        var (loss, a) = LossFunction.Evaluate(sample.Labels, weights, batchSize, prediction.Energy, prediction.Forces, prediction.Stress,
            sample.Volume, _u.AsSpan(0, 3 * n), _strain, out bool usesStress);
        _gradient.Accumulate(sample.Graph, a, _u.AsSpan(0, 3 * n), usesStress ? _strain : ReadOnlySpan<double>.Empty, gradient);
        return loss;
    }

    /// <summary>
    /// The stress the stress-loss gradient differentiates, σ_ab = (1/V) ∂E/∂ε_ab (eV/Å³, ASE sign), from the
    /// dual pass of <see cref="EquivariantParameterGradient"/> along the six symmetric unit strain directions S
    /// (every edge moves by δd_e = d_e S). Since E depends on positions only through the edge vectors d_e,
    /// ∂E/∂ε = Σ_e d_e ⊗ ∂E/∂d_e — the virial −Σ_i r_i ⊗ F_i of a cluster, with lattice images counted
    /// through their edges; plus the parameter-free ZBL core's pair virial when the model has one (the dual pass
    /// differentiates the learned energy only). Null for a frame that is not periodic in all three directions.
    /// </summary>
    public double[]? StrainDerivativeStress(TrainingSample sample)
    {
        double volume = sample.Volume;
        if (!double.IsFinite(volume)) return null;
        int n = sample.Batch.AtomCount;
        var u = new double[3 * n];
        var strain = new double[9];
        var scratch = new double[_model.ParameterCount];
        var sigma = new double[9];
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++)
            {
                Array.Clear(strain);
                strain[3 * a + b] += 0.5; strain[3 * b + a] += 0.5;      // sym(e_a ⊗ e_b): D_S E = ∂E/∂ε_ab
                double d = _gradient.Accumulate(sample.Graph, 0, u, strain, scratch).D;
                sigma[3 * a + b] = sigma[3 * b + a] = d / volume;
            }
        if (_model.Core is { } core) AddCoreStress(core, sample.Graph, sigma);
        return sigma;
    }

    /// <summary>
    /// The ZBL core's part of σ = (1/V) Σ_e d_e ⊗ ∂E/∂d_e: a pair term E_core(r) counted half per directed edge, so
    /// ∂E/∂d_e = ½ E_core'(r) d_e / r. It has no parameters, so the dual pass (which differentiates the learned
    /// energy) leaves it out; the model's stress includes it.
    /// </summary>
    private static void AddCoreStress(CoreRepulsion core, FrameGraph graph, double[] sigma)
    {
        double volume = graph.Volume;
        for (int e = 0; e < graph.EdgeCount; e++)
        {
            double r = graph.Length[e];
            core.PairEnergy(graph.Types[graph.Source[e]], graph.Types[graph.Target[e]], r, out double dEdr);
            if (dEdr == 0) continue;
            double k = 0.5 * dEdr / r / volume;
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++) sigma[3 * p + q] += k * graph.Vector[3 * e + p] * graph.Vector[3 * e + q];
        }
    }

    private void EnsureBuffers(int n) { if (_u.Length < 3 * n) _u = new double[3 * n]; }

    public void Dispose() => _computer.Dispose();
}
