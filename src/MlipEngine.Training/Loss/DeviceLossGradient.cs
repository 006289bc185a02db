using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;

namespace MlipEngine.Training.Loss;

/// <summary>
/// The loss and its parameter gradient for a whole mini-batch on a device computer that gives the energy's parameter gradient
/// (<see cref="IEnergyParameterGradient"/>: the ILGPU backend), so that training runs where the force calls run.
/// </summary>
/// <remarks>
/// <para>Every frame's loss gradient is ∂/∂θ [a E + D_δE] (<see cref="Gradients.EquivariantParameterGradient"/>): a = ∂L/∂E, and δ the
/// perturbation δr_i = u_i + r_i S, δ(cell row c_k) = c_k S, with u = −∂L/∂F and S = sym(∂L/∂σ)/V from <see cref="LossFunction"/>.
/// Along the straight path r(t) = r + tδ every edge moves exactly linearly, d_e(t) = d_e + t (u_j − u_i + d_e S), so with
/// g(t) = ∂E/∂θ at r(t) — which the device computes exactly by its reverse pass — the force and stress terms are g′(0). Fourth-order
/// central differences of that exact gradient at t = ±h, ±2h give both parts:
/// <code>
///   g′(0) = [8 (g(h) − g(−h)) − (g(2h) − g(−2h))] / (12 h) + O(h⁴)
///   g(0)  = [4 (g(h) + g(−h)) − (g(2h) + g(−2h))] / 6      + O(h⁴)
/// </code>
/// so four device calls, each seeding system s's energy adjoint with w_k a_s + c_k / h_s (w = 4/6, 4/6, −1/6, −1/6 and
/// c = 8/12, −8/12, −1/12, 1/12 at t = h, −h, 2h, −2h), give Σ_s ∂/∂θ [a_s E_s + D_δ E_s] — a Hessian-vector product by differences
/// of exact gradients, not of energies. Each system gets its own h_s = <see cref="Step"/>/m_s, m_s = 2 max_i |u_i| + ‖S‖_F r_c
/// bounding how far any of its edges moves per unit t, so no edge moves more than <see cref="Step"/> Å at t = h; a system whose
/// loss has no force or stress term (δ = 0) gets only the energy weights. The error is the O((h/ℓ)⁴) truncation plus round-off
/// ε|g|/h relative to g′. Measured against the CPU trainer's exact dual pass on the backend test shapes (energy, force and stress
/// terms), worst parameter block: fp64 at steps 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5 Å: 2.8e-5, 2.3e-7, 2.8e-9, 4.3e-11, 8.2e-11,
/// 1.9e-10 (truncation falls as h⁴ down to 3e-4 Å, round-off grows below it), so the fp64 step is 3e-4 Å (≤ 1.0e-10 on every shape,
/// the ZBL-core model included). In fp32 (float features, g ~1e-6 relative) the best steps are 1e-2 to 3e-2 Å: 7e-5 (MACE-like
/// shape), 1e-4 (second shape) and 2e-3 (ZBL core, atoms inside the core window) with the loss's directions from fp64 predictions;
/// the step is 1e-2 Å. A fp32 device's own predictions add their error to the loss itself (on a frame at 15 eV/Å³ of core
/// pressure with stress labels 0.01 eV/Å³ off, the worst block moves to 1.5e-2): fp32 training is for devices without fast fp64.</para>
/// <para>Cost per mini-batch: one force call for the predictions (E, F, σ) and four gradient calls (each a forward and a reverse
/// pass) — about twice the exact forward-over-reverse pass the CPU trainer runs, kept because it needs no second copy of the
/// kernels on dual numbers (the plan for that is in docs/backends.md). The ZBL core has no parameters and the density fade is a
/// function of positions only: both are inside E(r(t)), so the differences include them (frames the fade acts on train here,
/// which the CPU trainer's dual pass refuses).</para>
/// </remarks>
public sealed class DeviceLossGradient : IDisposable
{
    private readonly EquivariantModel _model;
    private readonly IForceComputer _computer;
    private readonly IEnergyParameterGradient _gradient;
    private readonly ForceResult _result = new();
    private readonly double[][] _parts = new double[4][];

    /// <summary>The stencil: t = T[k] h, with the weights of g(0) (W) and of h g′(0) (D).</summary>
    private static readonly double[] T = [1, -1, 2, -2], W = [4.0 / 6, 4.0 / 6, -1.0 / 6, -1.0 / 6], D = [8.0 / 12, -8.0 / 12, -1.0 / 12, 1.0 / 12];

    /// <param name="model">The model being trained; the computer must be bound to it (it reloads the weights when they change).</param>
    /// <param name="computer">A computer of <paramref name="model"/> that implements <see cref="IEnergyParameterGradient"/>; owned (disposed) by this object.</param>
    /// <param name="step">The largest edge displacement (Å) at t = h; null: 3e-4 Å, or 1e-2 Å when <paramref name="float32"/> (see remarks).</param>
    /// <param name="float32">Whether the computer works in fp32 (only sets the default step).</param>
    public DeviceLossGradient(EquivariantModel model, IForceComputer computer, double? step = null, bool float32 = false)
    {
        _model = model;
        _computer = computer;
        _gradient = computer as IEnergyParameterGradient
            ?? throw new ArgumentException($"the {computer.GetType().Name} computer gives no parameter gradient; train on the CPU or on an ILGPU device");
        Step = step ?? (float32 ? 1e-2 : 3e-4);
        if (!(Step > 0) || !double.IsFinite(Step)) throw new ArgumentException($"finite-difference step must be positive, found {Step}");
        for (int k = 0; k < _parts.Length; k++) _parts[k] = new double[model.ParameterCount];
    }

    /// <summary>The largest edge displacement (Å) at the stencil's first point (see remarks).</summary>
    public double Step { get; }

    /// <summary>Energy, forces and (fully periodic frames) stress of every frame with the current parameters, in one device call.</summary>
    public void Predict(IReadOnlyList<TrainingSample> frames, Span<Prediction> predictions)
    {
        var batch = Concatenate(frames);
        var outputs = ForceOutputs.Energy | ForceOutputs.Forces;
        bool anyPeriodic = false;
        foreach (var f in frames) anyPeriodic |= double.IsFinite(f.Volume);
        if (anyPeriodic) outputs |= ForceOutputs.Virial;
        _computer.Compute(batch, outputs, _result);
        for (int s = 0; s < frames.Count; s++)
        {
            int o = batch.SystemOffsets[s], n = batch.AtomCountOf(s);
            var f = new double[3 * n];
            for (int i = 0; i < n; i++) { f[3 * i] = _result.Fx[o + i]; f[3 * i + 1] = _result.Fy[o + i]; f[3 * i + 2] = _result.Fz[o + i]; }
            bool periodic = double.IsFinite(frames[s].Volume);
            predictions[s] = new Prediction(_result.Energy[s], f, periodic ? _result.StressOf(s).ToArray() : null);
        }
    }

    /// <summary>Each frame's loss (as one of <paramref name="batchSize"/>) without a gradient.</summary>
    public void Loss(IReadOnlyList<TrainingSample> frames, LossWeights weights, int batchSize, Span<double> losses, Span<Prediction> predictions)
    {
        Predict(frames, predictions);
        for (int s = 0; s < frames.Count; s++)
        {
            var p = predictions[s];
            int n = frames[s].Batch.AtomCount;
            losses[s] = LossFunction.Evaluate(frames[s].Labels, weights, batchSize, p.Energy, p.Forces, p.Stress, frames[s].Volume,
                new double[3 * n], new double[9], out _).Loss;
        }
    }

    /// <summary>
    /// Adds Σ_f ∂L_f/∂θ over the mini-batch <paramref name="frames"/> to <paramref name="gradient"/> and writes each frame's loss L_f
    /// (as one of <paramref name="batchSize"/>) and prediction.
    /// </summary>
    public void Accumulate(IReadOnlyList<TrainingSample> frames, LossWeights weights, int batchSize, Span<double> gradient,
        Span<double> losses, Span<Prediction> predictions)
    {
        Predict(frames, predictions);
        AccumulateAt(frames, weights, batchSize, predictions, gradient, losses);
    }

    /// <summary>
    /// <see cref="Accumulate"/> with the predictions given (the loss's a, u and S come from them): the tests give the CPU's fp64
    /// predictions here to measure the differences' own error apart from that of a fp32 device's predictions.
    /// </summary>
    internal void AccumulateAt(IReadOnlyList<TrainingSample> frames, LossWeights weights, int batchSize, ReadOnlySpan<Prediction> predictions,
        Span<double> gradient, Span<double> losses)
    {
        int ns = frames.Count;
        var batch = Concatenate(frames);
        var a = new double[ns];
        var h = new double[ns];
        var u = new double[3 * batch.AtomCount];
        var strains = new double[ns][];
        for (int s = 0; s < ns; s++)
        {
            var p = predictions[s];
            int o = batch.SystemOffsets[s], n = batch.AtomCountOf(s);
            var us = u.AsSpan(3 * o, 3 * n);
            strains[s] = new double[9];
            (losses[s], a[s]) = LossFunction.Evaluate(frames[s].Labels, weights, batchSize, p.Energy, p.Forces, p.Stress, frames[s].Volume,
                us, strains[s], out bool usesStress);
            if (!usesStress) Array.Clear(strains[s]);
            double umax = 0, sf = 0;
            for (int i = 0; i < n; i++) umax = Math.Max(umax, Math.Sqrt(us[3 * i] * us[3 * i] + us[3 * i + 1] * us[3 * i + 1] + us[3 * i + 2] * us[3 * i + 2]));
            foreach (double x in strains[s]) sf += x * x;
            double m = 2 * umax + Math.Sqrt(sf) * _model.Hyper.Cutoff;
            h[s] = m > 0 ? Step / m : 0;   // 0: no force or stress direction
        }
        var moved = new SystemBatch(Counts(batch));
        var seeds = new double[ns];
        var energies = new double[ns];
        for (int k = 0; k < T.Length; k++)
        {
            for (int s = 0; s < ns; s++)
            {
                double t = T[k] * h[s];
                Displace(batch, moved, s, u, strains[s], t);
                seeds[s] = W[k] * a[s] + (h[s] > 0 ? D[k] / h[s] : 0);
            }
            Array.Clear(_parts[k]);
            _gradient.AccumulateEnergyGradient(moved, seeds, _parts[k], energies);
        }
        // the ± pairs first: their derivative parts cancel to the difference
        for (int q = 0; q < gradient.Length; q++)
            gradient[q] += (_parts[0][q] + _parts[1][q]) + (_parts[2][q] + _parts[3][q]);
    }

    /// <summary>System s of <paramref name="batch"/> moved to t along δ: r_i + t (u_i + r_i S), cell rows c (I + t S).</summary>
    private static void Displace(SystemBatch batch, SystemBatch moved, int s, double[] u, double[] strain, double t)
    {
        var S = Mat3.FromRowMajor(strain);
        for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
        {
            var r = batch.Position(i);
            var dr = r * S;
            moved.X[i] = r.X + t * (u[3 * i] + dr.X);
            moved.Y[i] = r.Y + t * (u[3 * i + 1] + dr.Y);
            moved.Z[i] = r.Z + t * (u[3 * i + 2] + dr.Z);
            moved.Numbers[i] = batch.Numbers[i];
            moved.Mass[i] = batch.Mass[i];
        }
        var cell = batch.Cells[s];
        moved.Cells[s] = cell.WithMatrix(cell.Matrix + t * (cell.Matrix * S));
    }

    private static int[] Counts(SystemBatch b)
    {
        var c = new int[b.SystemCount];
        for (int s = 0; s < c.Length; s++) c[s] = b.AtomCountOf(s);
        return c;
    }

    /// <summary>The frames' one-system batches as one batch, in order.</summary>
    private static SystemBatch Concatenate(IReadOnlyList<TrainingSample> frames)
    {
        var counts = new int[frames.Count];
        for (int s = 0; s < counts.Length; s++) counts[s] = frames[s].Batch.AtomCount;
        var batch = new SystemBatch(counts);
        for (int s = 0; s < counts.Length; s++)
        {
            var one = frames[s].Batch;
            int o = batch.SystemOffsets[s], n = counts[s];
            one.X.AsSpan(0, n).CopyTo(batch.X.AsSpan(o)); one.Y.AsSpan(0, n).CopyTo(batch.Y.AsSpan(o)); one.Z.AsSpan(0, n).CopyTo(batch.Z.AsSpan(o));
            one.Numbers.AsSpan(0, n).CopyTo(batch.Numbers.AsSpan(o)); one.Mass.AsSpan(0, n).CopyTo(batch.Mass.AsSpan(o));
            batch.Cells[s] = one.Cells[0];
        }
        return batch;
    }

    public void Dispose() => _computer.Dispose();
}
