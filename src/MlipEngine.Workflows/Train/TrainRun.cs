using MlipEngine.Workflows;
using System.Globalization;
using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.Workflows.ForceFields;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Training;
using MlipEngine.Training.Data;
using MlipEngine.Training.Loss;
using MlipEngine.Training.Optimization;
using MlipEngine.Training.Reports;
using MlipEngine.Units;

namespace MlipEngine.Workflows.Train;

/// <summary>
/// A training run (what <c>mlip train</c> runs) from a <see cref="TrainConfig"/>: reads and checks the data, splits it, fits E0,
/// builds (or loads) the model, scales its readout to the data, trains with <see cref="Trainer"/>, and
/// at the end evaluates the best model on every set, prints the error table (also per config_type)
/// and writes an HTML report with learning curves and parity plots.
/// </summary>
/// <remarks>
/// Output folder: <c>model.mlip</c> (or <c>output.model</c>; the best validation EMA model, rewritten
/// whenever it improves), <c>checkpoint.ckpt</c> (every epoch, for <c>--restart</c>), <c>epochs.csv</c>,
/// <c>train.log</c> (what the console showed), <c>split.csv</c> (each frame's set), <c>errors.csv</c> and <c>report.html</c>.
/// </remarks>
public sealed class TrainRun
{
    private readonly TrainConfig _c;
    private readonly TextWriter _out;
    private StreamWriter? _log;

    public TrainRun(TrainConfig config, TextWriter output) { _c = config; _out = output; }

    /// <summary>Makes the per-epoch progress display ("epoch 3/100", "frames"); null shows none.</summary>
    public ProgressFactory? Progress { get; set; }

    private void Say(string line)
    {
        _out.WriteLine(line);
        _log?.WriteLine(line);
        _log?.Flush();
    }

    public int Run(string? restart, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(_c.OutputDirectory);
        var modelDir = Path.GetDirectoryName(_c.ModelPath);
        if (!string.IsNullOrEmpty(modelDir)) Directory.CreateDirectory(modelDir);
        _log = new StreamWriter(Path.Combine(_c.OutputDirectory, "train.log"), append: restart is not null);
        string configCopy = Path.Combine(_c.OutputDirectory, "config.yaml");
        if (Path.GetFullPath(Path.Combine(_c.BaseDirectory, _c.Source)) != configCopy) File.Copy(Path.Combine(_c.BaseDirectory, _c.Source), configCopy, overwrite: true);
        if (_c.Overrides.Count > 0) Say($"overrides: {string.Join(" ", _c.Overrides.Select(o => "--set " + o))}");
        try { return RunCore(restart, cancel); }
        finally { _log.Dispose(); _log = null; }
    }

    private int RunCore(string? restart, CancellationToken cancel)
    {
        var keys = new ExtxyzOptions { EnergyKey = _c.EnergyKey, ForcesKey = _c.ForcesKey, StressKey = _c.StressKey };
        var req = new LabelRequirements { Energy = true, Forces = true };
        List<Frame> Load(string[] files) => files.SelectMany(f => TrainingSet.Load(f, keys, req)).ToList();
        var pool = Load(_c.TrainFiles);
        List<Frame> train, valid;
        if (_c.ValidationFiles.Length > 0) { train = pool; valid = Load(_c.ValidationFiles); }
        else
        {
            var split = DatasetSplit.Split(pool, _c.ValidationFraction, 0, _c.SplitSeed);
            train = split.Train; valid = split.Validation;
            if (valid.Count == 0) throw new TrainingDataException($"validation fraction {_c.ValidationFraction} of {pool.Count} frames leaves no validation frame");
        }
        // The model's starting point (E0, the ZBL core radii, the mean neighbour count, the readout scale and the E0
        // centring) comes from these frames alone: train_only frames, such as crystals compressed to V/V0 0.25, would
        // otherwise set it (a from-scratch Si run had its E0 shifted by 20 eV/atom and its core moved to 1.49 Å).
        var main = train;
        if (_c.TrainOnlyFiles.Length > 0)
        {
            var extra = Load(_c.TrainOnlyFiles);
            Say($"data: {extra.Count} frames of {string.Join(", ", _c.TrainOnlyFiles.Select(Path.GetFileName))} added to training only (after the split)");
            train = [.. train, .. extra];
        }
        var test = Load(_c.TestFiles);
        Say($"data: {train.Count} training, {valid.Count} validation{(test.Count > 0 ? $", {test.Count} test" : "")} frames " +
            $"({train.Sum(f => f.Structure.AtomCount)} training atoms; {train.Count(f => f.Stress is not null)} frames with stress)");
        WriteSplitCsv(Path.Combine(_c.OutputDirectory, "split.csv"), main, train.Skip(main.Count), valid, test);

        // ---- model ----
        EquivariantModel model;
        if (_c.Model.InitFrom is string init)
        {
            model = EquivariantModelFile.Read(init);
            Say($"model: continuing from {init} ({model.ParameterCount} parameters)");
        }
        else model = NewModel(train, main);
        model = CoverDensities(model, train.Concat(valid).Concat(test));
        var known = model.SpeciesNumbers.ToHashSet();
        foreach (var f in train.Concat(valid).Concat(test)) TrainingSet.Check(f, keys, req with { Species = known });
        AuditStress(train, valid, test);
        var weighting = Weighting(model, train.Concat(valid).Concat(test));
        ReportGroupWeights(weighting, train, valid, test);

        TrainingSample Sample(Frame f)
        {
            string? ct = ConfigType(f);
            double w = f.GetInfo("weight") is double fw ? fw : 1.0;
            var forces = f.Forces!.SelectMany(v => new[] { v.X, v.Y, v.Z }).ToArray();
            var labels = new FrameLabels
            {
                AtomCount = f.Structure.AtomCount, Energy = f.Energy!.Value, Forces = forces, Stress = f.Stress, Weight = w,
                Terms = weighting.For(ct, f.Structure.Numbers), ConfigType = ct,
            };
            return new TrainingSample(model, f.Structure, labels, $"{Path.GetFileName(f.Source)}, frame {f.Index}");
        }
        var trainS = train.Select(Sample).ToList();
        var validS = valid.Select(Sample).ToList();
        var testS = test.Select(Sample).ToList();
        if (_c.Model.InitFrom is null && restart is null) { ScaleReadout(model, trainS[..main.Count]); AlignE0(model, main, trainS[..main.Count]); }

        var schedule = new LearningRateScheduleOptions
        {
            InitialLearningRate = _c.LearningRate, TotalEpochs = _c.Epochs, WarmupEpochs = _c.Warmup, MinLearningRate = _c.MinLearningRate,
            PlateauFactor = _c.ScheduleFactor, PlateauPatience = _c.SchedulePatience,
            Annealing = _c.Schedule switch { "cosine" => LearningRateAnnealing.Cosine, "constant" => LearningRateAnnealing.Constant, _ => LearningRateAnnealing.ReduceOnPlateau },
        };
        var options = new TrainerOptions
        {
            Epochs = _c.Epochs, BatchSize = _c.BatchSize, Threads = _c.Threads, Seed = _c.Seed, Loss = _c.Loss,
            StageTwo = _c.StageTwo is var (start, w2, lr2, t2) ? new StageTwo(start, w2, lr2, t2 * 60) : null,
            Adam = new AdamOptions { AmsGrad = _c.AmsGrad, WeightDecay = _c.WeightDecay }, Schedule = schedule, EmaDecay = _c.Ema, ClipNorm = _c.Clip,
            EarlyStoppingPatience = _c.EarlyStopping, MaxTime = _c.MaxMinutes is double m ? TimeSpan.FromMinutes(m) : null,
            ModelPath = _c.ModelPath, CheckpointPath = Path.Combine(_c.OutputDirectory, "checkpoint.ckpt"),
            EpochTablePath = Path.Combine(_c.OutputDirectory, "epochs.csv"),
            DataFingerprint = DataFingerprint(_c.TrainFiles.Concat(_c.TrainOnlyFiles).Concat(_c.ValidationFiles).Concat(_c.TestFiles)),
            Device = DeviceTraining(),
        };
        CheckVirial(model, trainS);
        Say($"training: {_c.Epochs} epochs, batch {_c.BatchSize}, {(_c.AmsGrad ? "AMSGrad" : "Adam")} lr {_c.LearningRate:G3} ({_c.Schedule}), " +
            $"EMA {_c.Ema}, loss λE {_c.Loss.Energy} λF {_c.Loss.Forces} λσ {_c.Loss.Stress}{(_c.Loss.HuberDelta is double h ? $" Huber δ {h}" : "")}" +
            $"{(options.StageTwo is { } s2 ? $", stage two from epoch {s2.StartEpoch}{(s2.StartSeconds is double t ? $" or {t / 60:0.#} min" : "")} (λE {s2.Weights.Energy})" : "")}, " +
            (options.Device is { } dv ? $"on {dv.Name} ({(dv.Float32 ? "fp32" : "fp64")}; loss gradient from differences of the device's ∂E/∂θ)" : $"{_c.Threads} threads") +
            $"{(_c.MaxMinutes is double mm ? $", time limit {mm} min" : "")}");
        Say("RMSE per epoch (train: live weights over the epoch, terms weighted 0 left out; valid: EMA weights at its end); MAE in epochs.csv");
        Say("epoch        lr      loss  | train E meV/atom  F meV/Å | valid E meV/atom  F meV/Å  σ meV/Å³ |    s");

        Trainer NewTrainer()
        {
            try { return new Trainer(model, trainS, validS, options); }
            catch (ArgumentException e) when (options.Device is not null) { throw new InvalidOperationException($"{_c.Source}: device '{_c.Device}': {e.Message}", e); }
        }
        using var trainer = NewTrainer();
        if (restart is not null) Say($"resuming from {restart}");
        IWorkProgress? bar = null;
        int barEpoch = -1;
        bool stageTwoAnnounced = false;
        var outcome = trainer.Run(restart, status =>
        {
            if (status.Epoch != barEpoch) { bar?.Dispose(); bar = Progress?.Invoke($"epoch {status.Epoch + 1}/{status.Epochs}", "frames"); barEpoch = status.Epoch; }
            bar?.Report(status.FramesDone, status.FramesPerEpoch);
        }, rec =>
        {
            bar?.Dispose(); bar = null; barEpoch = -1;
            if (rec.StageTwo && !stageTwoAnnounced && options.StageTwo is { } st2)
                Say(string.Create(CultureInfo.InvariantCulture, $"stage two from epoch {rec.Epoch + 1}: λE {st2.Weights.Energy} λF {st2.Weights.Forces} λσ {st2.Weights.Stress}"));
            stageTwoAnnounced |= rec.StageTwo;
            string S(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "–";
            Say(string.Create(CultureInfo.InvariantCulture,
                $"{rec.Epoch + 1,5} {rec.LearningRate,9:E2} {rec.TrainLoss,9:E3} | {rec.Train.EnergyRmse,16:F2} {rec.Train.ForceRmse,8:F1} | {rec.Validation.EnergyRmse,16:F2} {rec.Validation.ForceRmse,8:F1} {S(rec.Validation.StressRmse),9} | {rec.Seconds,5:F1}"));
        }, cancel);
        bar?.Dispose();
        Say($"stopped: {outcome.StopReason} after {outcome.LastEpoch + 1} epochs, {outcome.Seconds / 60:F1} min; best validation loss {outcome.BestValidationLoss:E3} at epoch {outcome.BestEpoch + 1}");
        Say($"model: {_c.ModelPath}");
        if (outcome.BestEpoch < 0) return outcome.StopReason == "interrupted" ? InterruptExitCode : 1;

        // ---- final evaluation of the best model ----
        var best = EquivariantModelFile.Read(_c.ModelPath);
        Array.Copy(best.Parameters, model.Parameters, model.ParameterCount);
        model.ParametersChanged();
        var rows = new List<(string, ErrorMetrics)>();
        var sections = new List<ParitySection>();
        foreach (var (name, set) in new[] { ("train", trainS), ("validation", validS), ("test", testS) })
        {
            if (set.Count == 0) continue;
            var (_, metrics, pred) = trainer.Evaluate(set, _c.Loss);
            rows.Add((name, metrics));
            // per config_type, when the set has more than one
            if (set.Select(s => s.Labels.ConfigType).Distinct().Count() >= 2)
                foreach (var group in set.Select((s, k) => (s, k)).GroupBy(x => x.s.Labels.ConfigType).Where(g => g.Key is not null).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var gm = new ErrorMetrics();
                    foreach (var (s, k) in group) gm.Add(s.Labels.AtomCount, pred[k].Energy, s.Labels.Energy, pred[k].Forces, s.Labels.Forces, pred[k].Stress, s.Labels.Stress);
                    rows.Add(($"{name}: {group.Key}", gm));
                }
            sections.Add(Parity(name, set, pred));
        }
        var table = new StringWriter();
        Evaluation.ErrorTable.Write(rows, table);
        Say(table.ToString().TrimEnd());
        WriteErrorsCsv(rows, Path.Combine(_c.OutputDirectory, "errors.csv"));
        var epochs = EpochTable.Read(options.EpochTablePath);
        string report = Path.Combine(_c.OutputDirectory, "report.html");
        TrainingReport.Write(report, new TrainingReportContent
        {
            Title = $"mlip train — {_c.Source}",
            Epochs = epochs,
            Parity = sections,
            Summary =
            [
                new("model", $"{_c.ModelPath} ({model.ParameterCount} parameters, {string.Join(" ", model.Hyper.Species)})"),
                new("data", $"{trainS.Count} train / {validS.Count} validation / {testS.Count} test frames"),
                new("stopped", $"{outcome.StopReason}; best epoch {outcome.BestEpoch + 1}; {outcome.Seconds / 60:F1} min on {_c.Threads} threads"),
            ],
        });
        Say($"report: {report}");
        // Interrupted (Ctrl-C, SIGTERM): the last completed epoch's checkpoint is there to --restart from.
        if (outcome.StopReason == "interrupted")
        {
            Say($"interrupted: continue with --restart {options.CheckpointPath}");
            return InterruptExitCode;
        }
        return 0;
    }

    /// <summary>Exit code <see cref="Run"/> returns when the token cancels the run (130, as for Ctrl-C; a host may set 143 for SIGTERM).</summary>
    public int InterruptExitCode { get; set; } = 130;

    /// <summary>A new random model over the species of <paramref name="all"/> training frames, with E0, the core radii and the mean
    /// neighbour count taken from <paramref name="train"/>, the training frames of the split (without train_only).</summary>
    private EquivariantModel NewModel(List<Frame> all, List<Frame> train)
    {
        var m = _c.Model;
        var species = m.Species ?? all.SelectMany(f => f.Structure.Numbers).Distinct().Order().Select(Element.Symbol).ToArray();
        var numbers = species.Select(Element.AtomicNumber).ToArray();
        var e0map = _c.E0.Mode switch
        {
            "isolated" => ReferenceEnergies.FromIsolatedAtoms(all),
            "fixed" => _c.E0.Values!.ToDictionary(kv => Element.AtomicNumber(kv.Key), kv => kv.Value),
            _ => ReferenceEnergies.FitLeastSquares(train, numbers),
        };
        foreach (var z in numbers)
            if (!e0map.ContainsKey(z)) throw new TrainingDataException($"no E0 for {Element.Symbol(z)} ({_c.E0.Mode}): add an isolated-atom frame or give data.e0 values");
        var defaults = new EquivariantHyperparameters { Species = species };
        var hyper = defaults with
        {
            Cutoff = m.Cutoff ?? defaults.Cutoff, NumBessel = m.NumBessel ?? defaults.NumBessel, EnvelopeExponent = m.EnvelopeExponent ?? defaults.EnvelopeExponent,
            RadialHidden = m.RadialHidden ?? defaults.RadialHidden, Channels = m.Channels ?? defaults.Channels, HiddenLMax = m.HiddenLMax ?? defaults.HiddenLMax,
            ShLMax = m.ShLMax ?? defaults.ShLMax, Correlation = m.Correlation ?? defaults.Correlation, Layers = m.Layers ?? defaults.Layers,
            ReadoutHidden = m.ReadoutHidden ?? defaults.ReadoutHidden, Residual = m.Residual ?? defaults.Residual,
        };
        hyper = hyper with { AvgNeighbors = m.AvgNeighbors ?? MeanNeighbors(train, hyper.Cutoff) };
        if (m.RepulsionWidth is double width)
        {
            var shortest = ShortestDistances.PerPair(train.Select(f => f.Structure), numbers, hyper.Cutoff);
            hyper = hyper with { Repulsion = ShortestDistances.CoreRadii(shortest, species.Length, width) };
            Say("repulsion: ZBL core below the data's shortest distances: " + hyper.Repulsion.Describe(species));
        }
        var e0 = numbers.Select(z => e0map[z]).ToArray();
        var model = EquivariantModel.Random(hyper, m.Seed, e0);
        Say(string.Create(CultureInfo.InvariantCulture,
            $"model: {model.ParameterCount} parameters; species {string.Join(" ", species)}; E0 ({_c.E0.Mode}) {string.Join(" ", e0.Select(x => x.ToString("F4", CultureInfo.InvariantCulture)))} eV; " +
            $"cutoff {hyper.Cutoff} Å, mean neighbours {hyper.AvgNeighbors:F1}, C {hyper.Channels}, L {hyper.HiddenLMax}/{hyper.ShLMax}, ν {hyper.Correlation}, {hyper.Layers} layers"));
        return model;
    }

    /// <summary>
    /// A continued model's density fade (<see cref="Potentials.Equivariant.CoreRepulsion"/>) must not act on the frames it is trained
    /// and judged on: the parameter gradient (<see cref="Training.Gradients.EquivariantParameterGradient"/>) has no fade term. Where
    /// the data are denser than the model's N, N is raised to the data's largest density, so h ≡ 1 on every frame, as it is for the
    /// data the fade was set from. The edge energies C stay as they are: training changes the learned energy of the densest atom,
    /// so the log says to set the fade again after training (<c>mlip model repulsion --fade-data</c>).
    /// </summary>
    private EquivariantModel CoverDensities(EquivariantModel model, IEnumerable<Frame> frames)
    {
        if (model.Core is not { HasDensityFade: true } core) return model;
        var spec = core.Spec;
        var data = NeighbourDensities.Max(frames.Select(f => f.Structure), model.SpeciesNumbers, core, model.Cutoff);
        var raised = spec.DensityMax!.Zip(data, Math.Max).ToArray();
        if (raised.SequenceEqual(spec.DensityMax!)) return model;
        var species = model.Hyper.Species;
        Say("density fade: N raised to the data's largest neighbour density (the fade must be inactive on every frame trained on): " +
            string.Join(", ", species.Select((e, k) => string.Create(CultureInfo.InvariantCulture, $"{e} {spec.DensityMax![k]:0.###} → {raised[k]:0.###}"))) +
            (spec.DensityEnergy is not null ? "; its edge energies are kept: after training, set the fade again (mlip model repulsion --fade-data)" : ""));
        return new EquivariantModel(model.Hyper with { Repulsion = spec with { DensityMax = raised } }, model.E0, model.Parameters) { SourcePath = model.SourcePath };
    }

    private static double MeanNeighbors(List<Frame> frames, double cutoff)
    {
        long edges = 0, atoms = 0;
        var builder = new Neighbors.NeighborListBuilder();
        var list = builder.Create(Neighbors.NeighborListKind.Full);
        foreach (var f in frames)
        {
            var batch = State.SystemBatch.FromStructure(f.Structure);
            builder.Build(batch, cutoff, list);
            for (int i = 0; i < batch.AtomCount; i++)
                for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                    if (list.Displacement(batch, i, k).Norm < cutoff) edges++;
            atoms += batch.AtomCount;
        }
        return Math.Max(1, (double)edges / Math.Max(1, atoms));
    }

    /// <summary>
    /// E is linear in the readout weights of every layer, so scaling them all by k scales the model's
    /// energies (beyond E0) and forces by k. The random model's force RMS is matched to the data's,
    /// so training starts at the right scale (MACE scales its output by the force RMS for the same reason).
    /// </summary>
    private void ScaleReadout(EquivariantModel model, List<TrainingSample> train)
    {
        using var eval = new FrameLossGradient(model);
        double sm = 0, sd = 0;
        foreach (var s in train.Take(32))
        {
            var p = eval.Predict(s);
            foreach (double f in p.Forces) sm += f * f;
            foreach (double f in s.Labels.Forces!) sd += f * f;
        }
        if (!(sm > 0) || !(sd > 0)) return;
        double k = Math.Sqrt(sd / sm);
        foreach (var L in model.Layers)
        {
            int offset = L.IsLast ? L.Readout2 : L.Readout1, length = L.IsLast ? model.Hyper.ReadoutHidden : model.Hyper.Channels;
            for (int q = 0; q < length; q++) model.Parameters[offset + q] *= k;
        }
        model.ParametersChanged();
        Say(string.Create(CultureInfo.InvariantCulture, $"readout scaled by {k:F3} (force RMS of the data {Math.Sqrt(sd / Math.Max(1, train.Take(32).Sum(s => 3 * s.Labels.AtomCount))):F3} eV/Å)"));
    }

    /// <summary>
    /// The random model's mean atomic energy is not zero; shift E0 by the least-squares fit of the
    /// residuals E_label − E_model (same fit as E0 itself), so training starts with unbiased energies.
    /// </summary>
    private void AlignE0(EquivariantModel model, List<Frame> frames, List<TrainingSample> samples)
    {
        using var eval = new FrameLossGradient(model);
        var residual = new List<Frame>();
        for (int k = 0; k < samples.Count; k++)
            residual.Add(new Frame(frames[k].Structure) { Energy = samples[k].Labels.Energy - eval.Predict(samples[k]).Energy, Source = frames[k].Source, Index = frames[k].Index });
        var shift = ReferenceEnergies.FitLeastSquares(residual, model.SpeciesNumbers);
        for (int s = 0; s < model.E0.Length; s++) model.E0[s] += shift[model.SpeciesNumbers[s]];
        Say(string.Create(CultureInfo.InvariantCulture, $"E0 shifted by {string.Join(" ", model.SpeciesNumbers.Select(z => (1000 * shift[z]).ToString("F1", CultureInfo.InvariantCulture)))} meV to centre the initial energies"));
    }

    private string? ConfigType(Frame f) => f.GetInfo(_c.ConfigTypeKey)?.ToString();

    /// <summary>
    /// Stress labels at load: asymmetric ones are warned about (frame named; the model's stress is symmetric,
    /// so the antisymmetric part stays as error); frames without one simply have no stress term; a data set
    /// without any is said so, since then the elastic response is learned from energies (and forces) alone.
    /// </summary>
    private void AuditStress(List<Frame> train, List<Frame> valid, List<Frame> test)
    {
        var all = StressLabelAudit.Of(train.Concat(valid).Concat(test));
        var trainAudit = StressLabelAudit.Of(train);
        const int shown = 5;
        foreach (var (f, a) in all.Asymmetric.Take(shown))
            Say(string.Create(CultureInfo.InvariantCulture,
                $"warning: {Path.GetFileName(f.Source)}, frame {f.Index}: stress label is not symmetric (max |σ_ab − σ_ba| = {a * PhysicalConstants.EvPerA3ToGPa:G3} GPa); the model's stress is, so that part is not fitted"));
        if (all.Asymmetric.Count > shown) Say($"warning: {all.Asymmetric.Count - shown} more frames with asymmetric stress labels");
        if (trainAudit.HasNoStress)
            Say($"stress: the training data has no stress labels ('{_c.StressKey}'): elastic response is learned only from energies of strained frames" +
                (_c.Loss.Stress > 0 ? $" (λσ {_c.Loss.Stress.ToString(CultureInfo.InvariantCulture)} has no effect)" : ""));
        else if (trainAudit.FramesWithStress < trainAudit.Frames)
            Say($"stress: {trainAudit.FramesWithStress} of {trainAudit.Frames} training frames have a stress label; the stress term is skipped for the others");
    }

    /// <summary>
    /// The loss weighting of the config: every named config_type group must occur in the data, every element
    /// of stress_weight_per_element must be a species of the model — else an error naming the key.
    /// </summary>
    private FrameWeighting Weighting(EquivariantModel model, IEnumerable<Frame> frames)
    {
        var groups = new Dictionary<string, TermWeights>(_c.ConfigTypeWeights, StringComparer.Ordinal);
        var perElement = new Dictionary<int, double>();
        foreach (var (symbol, w) in _c.StressWeightPerElement)
        {
            int z = Element.AtomicNumber(symbol);
            if (Array.IndexOf(model.SpeciesNumbers, z) < 0)
                throw new FormatException($"{_c.Source}: loss.stress_weight_per_element.{symbol}: {symbol} is not a species of the model ({string.Join(" ", model.Hyper.Species)})");
            perElement[z] = w;
        }
        var weighting = new FrameWeighting(groups, perElement);
        var present = frames.Select(ConfigType).ToList();
        var absent = weighting.GroupsAbsentFrom(present);
        if (absent.Count > 0)
        {
            var found = present.Where(c => c is not null).Distinct().OrderBy(c => c, StringComparer.Ordinal).ToList();
            throw new FormatException($"{_c.Source}: loss.config_type_weights.{absent[0]}: no frame has {_c.ConfigTypeKey}={absent[0]} " +
                (found.Count > 0 ? $"(the data has {string.Join(", ", found)})" : $"(no frame of the data has a '{_c.ConfigTypeKey}' key)"));
        }
        return weighting;
    }

    /// <summary>Prints the weight multipliers used per config_type group, with its frame counts (train/validation/test, and with stress).</summary>
    private void ReportGroupWeights(FrameWeighting weighting, List<Frame> train, List<Frame> valid, List<Frame> test)
    {
        bool any = weighting.ConfigTypes.Count > 0 || weighting.StressPerElement.Count > 0;
        var names = train.Concat(valid).Concat(test).Select(ConfigType).Distinct().OrderBy(c => c ?? "\uffff", StringComparer.Ordinal).ToList();
        if (!any && names.Count <= 1) return;
        Say($"loss weights per {_c.ConfigTypeKey} (multipliers of λE λF λσ; frames train / validation{(test.Count > 0 ? " / test" : "")}, with stress):");
        foreach (var name in names)
        {
            var w = weighting.ForGroup(name);
            int Count(List<Frame> set) => set.Count(f => ConfigType(f) == name);
            Say(string.Create(CultureInfo.InvariantCulture,
                $"  {name ?? "(none)",-16} E {w.Energy,-6:G4} F {w.Forces,-6:G4} σ {w.Stress,-6:G4} {Count(train),5} / {Count(valid)}{(test.Count > 0 ? $" / {Count(test)}" : "")}, " +
                $"{train.Count(f => ConfigType(f) == name && f.Stress is not null)} with stress"));
        }
        if (weighting.StressPerElement.Count > 0)
            Say("  stress weight per element (× mean over a frame's atoms): " + string.Join(", ", weighting.StressPerElement.OrderBy(x => x.Key)
                .Select(x => string.Create(CultureInfo.InvariantCulture, $"{Element.Symbol(x.Key)} {x.Value:G4}"))));
    }

    /// <summary>The stress the trainer fits must be the model's strain derivative (see <see cref="VirialConsistency"/>); checked on the first periodic frames.</summary>
    /// <summary>The device the loss gradient runs on (<see cref="TrainConfig.Device"/>), bound through the default catalogue; null: the CPU.</summary>
    private DeviceTraining? DeviceTraining()
    {
        var catalog = ForceFieldCatalog.CreateDefault();
        var (backend, index) = catalog.ParseDevice(_c.Device);
        if (backend == Backend.Cpu) return null;
        var options = new ComputeOptions { Backend = backend, DeviceIndex = index, Precision = _c.Precision, Threads = _c.Threads };
        return new DeviceTraining(_c.Device.Trim().ToLowerInvariant(), m => catalog.Bind(m, options), _c.Precision == Precision.Float32);
    }

    private void CheckVirial(EquivariantModel model, List<TrainingSample> samples)
    {
        using var eval = new FrameLossGradient(model);
        var check = VirialConsistency.Check(eval, samples.Where(s => s.Labels.Stress is not null).Concat(samples.Where(s => s.Labels.Stress is null)));
        if (check.Frames == 0) return;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"virial check: model stress vs (1/V) Σ_e d_e⊗∂E/∂d_e on {check.Frames} periodic frames: max deviation {check.MaxDeviation:E1} eV/Å³ (stress scale {check.MaxStress:E1})");
        if (!check.Consistent)
            throw new InvalidOperationException($"{line}, worst {check.WorstFrame}: the stress the trainer fits is not the strain derivative of the model's energy");
        Say(line + " — consistent");
    }

    private static ParitySection Parity(string name, List<TrainingSample> set, Prediction[] pred)
    {
        var quantities = new List<ParityData>
        {
            ParityData.EnergyPerAtom(set.Select(s => s.Labels.Energy / s.Labels.AtomCount).ToArray(), pred.Select((p, k) => p.Energy / set[k].Labels.AtomCount).ToArray()),
            ParityData.ForceComponents(set.SelectMany(s => s.Labels.Forces!).ToArray(), pred.SelectMany(p => p.Forces).ToArray()),
        };
        var withStress = set.Select((s, k) => (s, k)).Where(x => x.s.Labels.Stress is not null && pred[x.k].Stress is not null).ToList();
        if (withStress.Count > 0)
            quantities.Add(ParityData.StressComponents(withStress.SelectMany(x => x.s.Labels.Stress!).ToArray(), withStress.SelectMany(x => pred[x.k].Stress!).ToArray()));
        return new ParitySection(name, quantities);
    }

    /// <summary>
    /// <c>split.csv</c>: which frame of which file went to which set (train, train_only, validation, test), so that the held-out
    /// frames of a run can be evaluated again elsewhere (bench/validity/paired_errors.py reads it). Written before the first epoch.
    /// </summary>
    private void WriteSplitCsv(string path, IEnumerable<Frame> train, IEnumerable<Frame> trainOnly, IEnumerable<Frame> valid, IEnumerable<Frame> test)
    {
        using var sink = new AtomicFileWriter(path);
        sink.Writer.WriteLine($"set,file,index,{_c.ConfigTypeKey},atoms");
        static string Field(string? v) => v is null ? "" : v.Contains(',') || v.Contains('"') ? $"\"{v.Replace("\"", "\"\"")}\"" : v;
        foreach (var (name, set) in new[] { ("train", train), ("train_only", trainOnly), ("validation", valid), ("test", test) })
            foreach (var f in set)
                sink.Writer.WriteLine(string.Join(",", name, Field(f.Source), f.Index.ToString(CultureInfo.InvariantCulture), Field(ConfigType(f)),
                    f.Structure.AtomCount.ToString(CultureInfo.InvariantCulture)));
        sink.Commit();
    }

    private static void WriteErrorsCsv(List<(string, ErrorMetrics)> rows, string path)
    {
        using var sink = new AtomicFileWriter(path);
        sink.Writer.WriteLine("set,frames,atoms,energy_mae_meV_atom,energy_rmse_meV_atom,force_mae_meV_A,force_rmse_meV_A,stress_mae_meV_A3,stress_rmse_meV_A3");
        static string R(double v) => double.IsNaN(v) ? "" : (1000 * v).ToString("G6", CultureInfo.InvariantCulture);
        foreach (var (g, m) in rows)
            sink.Writer.WriteLine(string.Join(",", g.Contains(',') ? $"\"{g}\"" : g, m.Frames, m.Atoms, R(m.EnergyPerAtom.Mae), R(m.EnergyPerAtom.Rmse),
                R(m.Force.Mae), R(m.Force.Rmse), R(m.Stress.Mae), R(m.Stress.Rmse)));
        sink.Commit();
    }

    /// <summary>SHA-256 (first 16 hex digits) over the data files' bytes, in order: a resume on edited data is refused.</summary>
    private static string DataFingerprint(IEnumerable<string> files)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var f in files)
        {
            using var s = File.OpenRead(f);
            int n;
            while ((n = s.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }
}
