using System.Diagnostics;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Training.Loss;
using MlipEngine.Training.Optimization;
using MlipEngine.Training.Reports;

namespace MlipEngine.Training;

/// <summary>
/// MACE's "stage two": from <see cref="StartEpoch"/> on — or from the first epoch that begins after
/// <see cref="StartSeconds"/> of training time, whichever comes first — train with other loss weights
/// (typically a larger λ_E). The time rule lets a run with a wall-time budget spend a fixed share of it
/// in stage two without knowing its epoch rate in advance; the epoch it chose goes into the checkpoint,
/// so a resumed run repeats it exactly.
/// </summary>
public sealed record StageTwo(int StartEpoch, LossWeights Weights, double? LearningRate = null, double? StartSeconds = null);

/// <summary>
/// Training on a device (<see cref="DeviceLossGradient"/>): <paramref name="Name"/> (e.g. "ilgpu:0", recorded in the checkpoint's
/// fingerprint), <paramref name="Bind"/> binding the model to a computer that implements <see cref="IEnergyParameterGradient"/>,
/// whether it works in fp32, and the finite-difference step (null: the default for the precision).
/// </summary>
public sealed record DeviceTraining(string Name, Func<EquivariantModel, IForceComputer> Bind, bool Float32 = false, double? Step = null);

/// <summary>How to train (defaults follow MACE where it has one).</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 5;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Where the loss gradient runs: null, the CPU (<see cref="Threads"/> workers, each frame's exact dual pass); else a device, a mini-batch per call.</summary>
    public DeviceTraining? Device { get; init; }
    public int Seed { get; init; } = 1;
    public LossWeights Loss { get; init; } = new();
    public StageTwo? StageTwo { get; init; }
    public AdamOptions Adam { get; init; } = new();
    public required LearningRateScheduleOptions Schedule { get; init; }
    /// <summary>EMA decay of the weights; 0 disables EMA.</summary>
    public double EmaDecay { get; init; } = 0.99;
    /// <summary>Clip the mini-batch gradient to this global L2 norm; null: no clipping.</summary>
    public double? ClipNorm { get; init; } = 10;
    /// <summary>Stop when the validation loss has not improved for this many epochs; null: never.</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>Do not start an epoch that would end after this wall time (total over resumed runs).</summary>
    public TimeSpan? MaxTime { get; init; }
    /// <summary>Identifies the data (e.g. a hash of the data files); part of <see cref="Trainer.Fingerprint"/>, so a resume on other data is refused.</summary>
    public string DataFingerprint { get; init; } = "";
    /// <summary>The best-validation (EMA) model, written whenever it improves.</summary>
    public required string ModelPath { get; init; }
    public required string CheckpointPath { get; init; }
    public required string EpochTablePath { get; init; }
}

/// <summary>Live state for a progress display.</summary>
public readonly record struct TrainingStatus(int Epoch, int Epochs, int FramesDone, int FramesPerEpoch, double RunningLoss, double FramesPerSecond);

/// <summary>How a run ended.</summary>
public sealed record TrainingOutcome(int EpochsRun, int LastEpoch, int BestEpoch, double BestValidationLoss, string StopReason, double Seconds,
    IReadOnlyList<EpochRecord> Epochs);

/// <summary>
/// Mini-batch training of an <see cref="EquivariantModel"/> on energies, forces and stresses.
/// </summary>
/// <remarks>
/// Per step: the frames of the mini-batch are spread over the worker threads (each owns a
/// <see cref="FrameLossGradient"/>); every frame's gradient goes to its own buffer and the buffers are
/// summed in batch order, so the result does not depend on which thread ran which frame — runs are
/// deterministic for a seed (and, beyond that, for any thread count). Then: clip the global norm,
/// Adam/AMSGrad step with the scheduled learning rate, EMA update. After each epoch the EMA weights
/// are evaluated on the validation set; the best of them is exported as a model file, the learning
/// rate schedule and early stopping see that loss, and a checkpoint is written, so a resumed run
/// continues to the identical result. Epoch order: a permutation drawn from (seed, epoch). When stage
/// two begins, the selection of the best model, the plateau rule and early stopping restart, because
/// the loss changes its weights (as MACE keeps separate stage-two checkpoints).
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly EquivariantModel _model;
    private readonly IReadOnlyList<TrainingSample> _train, _valid;
    private readonly TrainerOptions _o;
    private readonly FrameLossGradient[] _workers;
    private readonly DeviceLossGradient? _device;

    public Trainer(EquivariantModel model, IReadOnlyList<TrainingSample> train, IReadOnlyList<TrainingSample> validation, TrainerOptions options)
    {
        if (train.Count == 0) throw new ArgumentException("no training frames");
        if (validation.Count == 0) throw new ArgumentException("no validation frames");
        if (options.BatchSize < 1) throw new ArgumentException("batch size must be at least 1");
        _model = model; _train = train; _valid = validation; _o = options;
        if (options.Device is { } d)
        {
            _workers = [];
            _device = new DeviceLossGradient(model, d.Bind(model), d.Step, d.Float32);
            return;
        }
        _workers = new FrameLossGradient[Math.Max(1, options.Threads)];
        for (int k = 0; k < _workers.Length; k++) _workers[k] = new FrameLossGradient(model);
        // the CPU pass needs every frame's graph: build them now, so a frame it cannot take fails before the first epoch
        foreach (var s in train) _ = s.Graph;
        foreach (var s in validation) _ = s.Graph;
    }

    /// <summary>What must match between a checkpoint and the run that resumes it.</summary>
    public string Fingerprint => $"P={_model.ParameterCount};train={_train.Count};valid={_valid.Count};batch={_o.BatchSize};seed={_o.Seed};ema={_o.EmaDecay}" +
        (_o.DataFingerprint.Length > 0 ? $";data={_o.DataFingerprint}" : "") + (_o.Device is { } d ? $";device={d.Name}{(d.Float32 ? "/fp32" : "")}" : "");

    public TrainingOutcome Run(string? resumeFrom = null, Action<TrainingStatus>? progress = null, Action<EpochRecord>? epochDone = null,
        CancellationToken cancel = default)
    {
        var p = _model.Parameters;
        int P = p.Length;
        var adam = new AdamOptimizer(P, _o.Adam);
        var ema = _o.EmaDecay > 0 ? new ExponentialMovingAverage(p, _o.EmaDecay, warmUp: true) : null;
        var schedule = new LearningRateSchedule(_o.Schedule);
        var early = _o.EarlyStoppingPatience is int pat ? new EarlyStopping(pat) : null;
        int startEpoch = 0, bestEpoch = -1;
        int stageTwoEpoch = -1;   // the epoch stage two began; -1: not yet
        double bestLoss = double.PositiveInfinity, secondsBefore = 0;
        var bestParams = (double[])p.Clone();
        if (resumeFrom is not null)
        {
            var ck = TrainingCheckpoint.Read(resumeFrom);
            if (ck.Fingerprint != Fingerprint)
                throw new InvalidDataException($"{resumeFrom}: checkpoint was written by a different run ({ck.Fingerprint}; this run: {Fingerprint})");
            Array.Copy(ck.Parameters, p, P);
            if (ck.E0.Length != _model.E0.Length) throw new InvalidDataException($"{resumeFrom}: checkpoint has {ck.E0.Length} E0 values for {_model.E0.Length} species");
            Array.Copy(ck.E0, _model.E0, ck.E0.Length);
            adam.ImportState(ck.Adam);
            if (ema is not null && ck.Ema is not null) ema.ImportState(ck.Ema);
            schedule.ImportState(ck.Schedule);
            if (early is not null && ck.EarlyStopping is not null) early.ImportState(ck.EarlyStopping);
            startEpoch = ck.Epoch + 1; bestLoss = ck.BestValidationLoss; bestEpoch = ck.BestEpoch; bestParams = ck.BestParameters;
            secondsBefore = ck.Seconds;
            stageTwoEpoch = ck.StageTwoEpoch;
            _model.ParametersChanged();
        }
        using var table = EpochTable.Open(_o.EpochTablePath, resumeFrom is null ? null : startEpoch - 1);
        var records = new List<EpochRecord>();
        int B = _o.BatchSize;
        var frameGrad = new double[Math.Min(B, _train.Count)][];
        for (int k = 0; k < frameGrad.Length; k++) frameGrad[k] = _device is null ? new double[P] : [];
        var grad = new double[P];
        var live = new double[P];
        var frameLoss = new double[frameGrad.Length];
        var framePred = new Prediction[frameGrad.Length];
        var clock = Stopwatch.StartNew();
        string reason = "completed all epochs";
        int epoch = startEpoch - 1, epochsRun = 0;
        double lastEpochSeconds = 0, secondsAtEpochEnd = secondsBefore;

        for (epoch = startEpoch; epoch < _o.Epochs; epoch++)
        {
            if (cancel.IsCancellationRequested) { reason = "interrupted"; epoch--; break; }
            double elapsed = secondsBefore + clock.Elapsed.TotalSeconds;
            if (_o.MaxTime is TimeSpan max && epochsRun > 0 && elapsed + lastEpochSeconds > max.TotalSeconds) { reason = $"time limit ({max.TotalMinutes:F0} min)"; epoch--; break; }
            var epochClock = Stopwatch.StartNew();
            // the time rule looks at the training time of completed epochs (0 before the first), not at the clock now
            if (stageTwoEpoch < 0 && _o.StageTwo is { } s2 && (epoch >= s2.StartEpoch || (s2.StartSeconds is double t2 && secondsAtEpochEnd >= t2)))
                stageTwoEpoch = epoch;
            var stage = stageTwoEpoch >= 0 ? _o.StageTwo : null;
            if (stage is not null && epoch == stageTwoEpoch)
            {
                // New loss weights make losses incomparable with stage one's: the best model, the plateau
                // rule and early stopping start over (the best stage-one model stays on disk until beaten).
                bestLoss = double.PositiveInfinity;
                schedule.ImportState(schedule.ExportState() with { BestLoss = double.PositiveInfinity, BadEpochs = 0, CooldownRemaining = 0 });
                early?.ImportState(new EarlyStoppingState(-1, double.PositiveInfinity, 0));
            }
            var weights = stage?.Weights ?? _o.Loss;
            double lr = stage?.LearningRate ?? schedule.LearningRate(epoch);
            var order = Permutation(_train.Count, _o.Seed, epoch);
            var trainMetrics = new ErrorMetrics();
            double lossSum = 0;
            int done = 0;
            for (int start = 0; start < order.Length; start += B)
            {
                int nb = Math.Min(B, order.Length - start);
                Array.Clear(grad);
                if (_device is not null)
                {
                    var frames = new TrainingSample[nb];
                    for (int k = 0; k < nb; k++) frames[k] = _train[order[start + k]];
                    _device.Accumulate(frames, weights, nb, grad, frameLoss.AsSpan(0, nb), framePred.AsSpan(0, nb));
                }
                else
                {
                    RunParallel(nb, (w, k) =>
                    {
                        Array.Clear(frameGrad[k]);
                        frameLoss[k] = _workers[w].Accumulate(_train[order[start + k]], weights, nb, frameGrad[k], out framePred[k]);
                    });
                    for (int k = 0; k < nb; k++)
                    {
                        var fg = frameGrad[k];
                        for (int q = 0; q < P; q++) grad[q] += fg[q];
                    }
                }
                for (int k = 0; k < nb; k++)
                {
                    AddTrainedMetrics(trainMetrics, _train[order[start + k]], framePred[k]);
                    lossSum += frameLoss[k] * nb;
                }
                if (_o.ClipNorm is double clip) GradientClipping.ClipByGlobalNorm(grad, clip);
                adam.Step(p, grad, lr);
                _model.ParametersChanged();
                ema?.Update(p);
                done += nb;
                progress?.Invoke(new TrainingStatus(epoch, _o.Epochs, done, order.Length, lossSum / done, done / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds)));
                if (cancel.IsCancellationRequested) break;
            }
            if (cancel.IsCancellationRequested) { reason = "interrupted"; epoch--; break; }   // the partial epoch is not checkpointed

            // validation with the EMA weights
            Array.Copy(p, live, P);
            if (ema is not null) { ema.CopyTo(p); _model.ParametersChanged(); }
            var (validLoss, validMetrics, _) = Evaluate(_valid, weights);
            if (validLoss < bestLoss)
            {
                bestLoss = validLoss; bestEpoch = epoch; Array.Copy(p, bestParams, P);
                EquivariantModelFile.Write(new EquivariantModel(_model.Hyper, _model.E0, (double[])p.Clone()), _o.ModelPath);
            }
            Array.Copy(live, p, P); _model.ParametersChanged();
            schedule.EndEpoch(epoch, validLoss);
            early?.Observe(epoch, validLoss);
            lastEpochSeconds = epochClock.Elapsed.TotalSeconds;
            secondsAtEpochEnd = secondsBefore + clock.Elapsed.TotalSeconds;
            var rec = new EpochRecord(epoch, lr, lossSum / order.Length, validLoss, trainMetrics.ToSetErrors(), validMetrics.ToSetErrors(), lastEpochSeconds)
                { StageTwo = stage is not null };
            records.Add(rec);
            table.Append(rec);
            new TrainingCheckpoint
            {
                Epoch = epoch, Fingerprint = Fingerprint, Parameters = (double[])p.Clone(), E0 = (double[])_model.E0.Clone(), Adam = adam.ExportState(), Ema = ema?.ExportState(),
                Schedule = schedule.ExportState(), EarlyStopping = early?.ExportState(), BestValidationLoss = bestLoss, BestEpoch = bestEpoch,
                BestParameters = bestParams, Seconds = secondsAtEpochEnd, StageTwoEpoch = stageTwoEpoch,
            }.Write(_o.CheckpointPath);
            epochsRun++;
            epochDone?.Invoke(rec);
            if (early is { ShouldStop: true }) { reason = $"early stopping (no improvement for {early.Patience} epochs)"; break; }
        }
        if (epoch >= _o.Epochs) epoch = _o.Epochs - 1;
        return new TrainingOutcome(epochsRun, epoch, bestEpoch, bestLoss, reason, secondsBefore + clock.Elapsed.TotalSeconds, records);
    }

    /// <summary>Mean loss (each frame weighted as in a batch of the whole set), error metrics and the predictions.</summary>
    public (double Loss, ErrorMetrics Metrics, Prediction[] Predictions) Evaluate(IReadOnlyList<TrainingSample> set, LossWeights weights)
    {
        var loss = new double[set.Count];
        var pred = new Prediction[set.Count];
        if (_device is not null)
            for (int start = 0; start < set.Count; start += _o.BatchSize)
            {
                int nb = Math.Min(_o.BatchSize, set.Count - start);
                var frames = new TrainingSample[nb];
                for (int k = 0; k < nb; k++) frames[k] = set[start + k];
                _device.Loss(frames, weights, set.Count, loss.AsSpan(start, nb), pred.AsSpan(start, nb));
            }
        else RunParallel(set.Count, (w, k) => loss[k] = _workers[w].Loss(set[k], weights, set.Count, out pred[k]));
        var metrics = new ErrorMetrics();
        double total = 0;
        for (int k = 0; k < set.Count; k++) { total += loss[k]; AddMetrics(metrics, set[k], pred[k]); }
        return (total, metrics, pred);
    }

    private static void AddMetrics(ErrorMetrics m, TrainingSample s, Prediction p) =>
        m.Add(s.Labels.AtomCount, p.Energy, s.Labels.Energy, p.Forces, s.Labels.Forces, p.Stress, s.Labels.Stress);

    /// <summary>
    /// The training column counts what is trained: a term whose weight is zero (w_f m = 0, such as a config_type group switched off)
    /// is left out, so frames kept for their other terms, or kept at weight 0 (deep compressed crystals a new model's energies are
    /// 10⁶ eV/atom off on), do not swamp the figures.
    /// </summary>
    private static void AddTrainedMetrics(ErrorMetrics m, TrainingSample s, Prediction p)
    {
        var l = s.Labels;
        bool e = l.Weight * l.Terms.Energy > 0, f = l.Weight * l.Terms.Forces > 0, st = l.Weight * l.Terms.Stress > 0;
        if (!e && !f && !st) return;
        m.Add(l.AtomCount, p.Energy, e ? l.Energy : null, p.Forces, f ? l.Forces : null, p.Stress, st ? l.Stress : null);
    }

    /// <summary>Runs body(worker, item) for items 0…count−1, handing items out dynamically to the workers.</summary>
    private void RunParallel(int count, Action<int, int> body)
    {
        int next = -1;
        int workers = Math.Min(_workers.Length, count);
        if (workers <= 1) { for (int k = 0; k < count; k++) body(0, k); return; }
        var threads = new Thread[workers - 1];
        Exception? error = null;
        void Work(int w)
        {
            try { for (int k; (k = Interlocked.Increment(ref next)) < count;) body(w, k); }
            catch (Exception e) { error ??= e; }
        }
        for (int w = 1; w < workers; w++) { int id = w; threads[w - 1] = new Thread(() => Work(id)) { IsBackground = true }; threads[w - 1].Start(); }
        Work(0);
        foreach (var t in threads) t.Join();
        if (error is not null) throw new AggregateException(error);
    }

    /// <summary>A Fisher–Yates permutation of 0…n−1 drawn from (seed, epoch).</summary>
    public static int[] Permutation(int n, int seed, int epoch)
    {
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new Random(unchecked(seed * 1_000_003 + epoch * 7919 + 17));
        for (int i = n - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        return order;
    }

    public void Dispose() { foreach (var w in _workers) w.Dispose(); _device?.Dispose(); }
}
