using System.Globalization;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.Potentials.Committee;
using MlipEngine.Workflows;
using MlipEngine.Workflows.Evaluation;
using MlipEngine.Workflows.ForceFields;
using MlipEngine.Workflows.Md;
using MlipEngine.Workflows.Train;

namespace MlipEngine.Discovery.Active;

/// <summary>
/// The active-learning loop (DP-GEN's train → explore → label cycle) on the workflows library. Iteration i:
/// <list type="number">
/// <item>train the K members on the initial data and the labels of iterations &lt; i (<see cref="TrainRun"/>;
/// iteration 0 from random models with seeds 1…K and different validation splits, later iterations fine-tuned
/// from the member's previous model);</item>
/// <item>measure the committee on the test set (force/energy RMSE of the mean, spread calibration);</item>
/// <item>explore: MD replicas on the committee mean, watched by a <see cref="SpreadMonitor"/> (candidates, halt);</item>
/// <item>select frames in the trust band (<see cref="FrameSelection"/>), drop bad geometries (<see cref="GeometryFilter"/>),
/// label them (<see cref="LabelCache"/> over an <see cref="ILabeller"/>), append them to the data.</item>
/// </list>
/// After the last iteration (or a stop rule) the committee is trained once more on everything labelled.
/// </summary>
/// <remarks>
/// Output folder: <c>iterations.jsonl</c> (journal of finished iterations), <c>iterations.csv</c>,
/// <c>learning-curve.svg</c>, <c>labels.jsonl</c> (label cache), <c>data/initial.xyz</c> and <c>data/iter-NNN.xyz</c>
/// (labelled frames), <c>iter-NNN/member-K/</c> (each member's training folder and model),
/// <c>iter-NNN/pool.xyz</c> (every explored snapshot with its spread) and <c>iter-NNN/selected.xyz</c>.
/// Every file is written atomically or as a journal, and each stage is skipped when its output exists, so the
/// same command resumes an interrupted run where it stopped (inside a member's training: from its checkpoint).
/// </remarks>
public sealed class ActiveLearningRun(ActiveLearningOptions options, ILabeller labeller, ForceFieldCatalog catalog, TextWriter log)
{
    private readonly ActiveLearningOptions _o = options;
    private readonly CultureInfo _ci = CultureInfo.InvariantCulture;

    /// <summary>Progress of training epochs, exploration steps and labelling; null shows none.</summary>
    public ProgressFactory? Progress { get; init; }
    /// <summary>Test hook: stop (as if killed) after labelling this many frames in this process.</summary>
    public int? CrashAfterLabels { get; set; }
    private int _labelledThisProcess;

    public List<IterationRecord> Records { get; } = [];

    private string Dir(params string[] parts) => Path.Combine([_o.OutputDirectory, .. parts]);
    private static string Iter(int i) => $"iter-{i:D3}";

    /// <summary>Runs (or resumes) the loop; returns the records of every iteration, finished in this run or before.</summary>
    public IReadOnlyList<IterationRecord> Run(CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Dir("data"));
        using var journal = JsonLinesJournal.Open<IterationRecord>(Dir("iterations.jsonl"), _o.Fingerprint,
            $"{Dir("iterations.jsonl")} was written by an active-learning run with other settings; use another output folder or delete it to start again", Records.Add);
        using var cache = LabelCache.Open(Dir("labels.jsonl"), labeller.Identity);
        if (Records.Count > 0) log.WriteLine($"active-learn: resuming after iteration {Records[^1].Iteration} ({Records.Count} finished)");

        var data = new List<string>(_o.InitialData);
        if (_o.InitialRattle != null) data.Add(InitialFrames(cache, cancel));
        for (int i = 0; i < Records.Count; i++) if (File.Exists(Dir("data", Iter(i) + ".xyz"))) data.Add(Dir("data", Iter(i) + ".xyz"));
        if (Records.Count > 0 && Records[^1].Stop.Length > 0)
        {
            // A run ended by the iteration count or the label budget stopped its last iteration after training, before
            // exploring (Explored 0). When the settings now allow more (a larger `iterations` or `stop.labels`: they may
            // change on resume), that iteration goes on: its record is dropped and it explores with its trained committee.
            var last = Records[^1];
            bool extend = last.Explored == 0 && last.Iteration < _o.Iterations && !(_o.LabelBudget is int b && last.Labels - Initial(data) >= b);
            if (!extend) { log.WriteLine($"active-learn: finished earlier: {last.Stop}"); return Records; }
            log.WriteLine($"active-learn: extending: iteration {last.Iteration} ({last.Stop} earlier) explores now");
            Records.RemoveAt(Records.Count - 1);
            JsonLinesJournal.DropLast(journal);
        }
        var test = _o.TestData is string t ? StructureFile.ReadFrames(t).ToList() : null;

        for (int i = Records.Count; ; i++)
        {
            cancel.ThrowIfCancellationRequested();
            int labels = data.Sum(f => StructureFile.ReadFrames(f).Count());
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var models = TrainCommittee(i, data, cancel);
            double trainMinutes = clock.Elapsed.TotalMinutes;
            using var committee = BindCommittee(models);
            var record = new IterationRecord { Iteration = i, Labels = labels, TrainMinutes = trainMinutes };
            List<Frame>? testPredicted = null;
            if (test != null)
            {
                testPredicted = new FrameEvaluator(committee).Evaluate(test.Select(f => new Frame(f.Structure.Clone()))).ToList();
                var (e, fr) = Rmse(testPredicted, test);
                record = record with { TestEnergyRmse = e, TestForceRmse = fr, TestSpread = 1000 * testPredicted.Average(f => FrameSpread.Of(f).MaxForce) };
                var cal = SpreadCalibration.Compute(testPredicted, test);
                record = record with { Spearman = cal.Spearman, Coverage1 = cal.Coverage1, Coverage2 = cal.Coverage2, CalibrationSet = "test" };
            }
            log.WriteLine(string.Create(_ci, $"iteration {i}: committee of {_o.CommitteeSize} trained on {labels} frames ({trainMinutes:F1} min)") +
                (test != null ? string.Create(_ci, $"; test RMSE F {record.TestForceRmse:F1} meV/Å, E {record.TestEnergyRmse:F2} meV/atom; spread ρ {record.Spearman:F2}, coverage 1σ {record.Coverage1:P0} 2σ {record.Coverage2:P0}") : ""));

            string? stop = null;
            if (i >= _o.Iterations) stop = $"{_o.Iterations} iterations";
            else if (_o.LabelBudget is int budget && labels - Initial(data) >= budget) stop = $"label budget {budget} reached";
            if (stop != null) { Finish(journal, record with { Stop = stop }); break; }

            // ---- explore ----
            var (pool, replicas, halted) = Explore(i, models, committee, cancel);
            var spreads = pool.Select(c => c.Spread.MaxForce).Where(double.IsFinite).ToList();
            record = record with
            {
                Explored = pool.Count, Replicas = replicas, HaltedReplicas = halted,
                SpreadMean = spreads.Count > 0 ? 1000 * spreads.Average() : double.NaN, SpreadMax = spreads.Count > 0 ? 1000 * spreads.Max() : double.NaN,
                InBand = FrameSelection.InBand(pool, _o.Select).Band.Count,
                AboveBand = pool.Count(c => !(c.Spread.MaxForce < _o.Select.Upper)),
            };
            log.WriteLine(string.Create(_ci, $"  explored {pool.Count} frames in {replicas} replicas ({halted} halted): spread mean {record.SpreadMean:F0} max {record.SpreadMax:F0} meV/Å; {record.InBand} in the trust band, {record.AboveBand} above"));
            if (_o.StopSpread is double quiet && spreads.Count > 0 && spreads.Max() < quiet)
            {
                Finish(journal, record with { Stop = string.Create(_ci, $"spread below {quiet} eV/Å over iteration {i}") });
                break;
            }

            // ---- select, filter, label ----
            var selected = SelectFrames(i, pool);
            var labelled = new List<Frame>();
            var predicted = new List<Frame>();
            int filtered = 0, failed = 0;
            using (var bar = Progress?.Invoke($"label {Iter(i)}", "frames"))
            {
                int done = 0;
                foreach (var c in selected)
                {
                    cancel.ThrowIfCancellationRequested();
                    if (_o.Filter.Reject(c.Frame.Structure) is string why)
                    {
                        filtered++;
                        log.WriteLine($"  filtered: replica {c.Replica}, step {c.Step}: {why}");
                        continue;
                    }
                    var (outcome, _) = cache.GetOrLabel(c.Frame.Structure, labeller, i, cancel);
                    if (outcome.Failed)
                    {
                        failed++;
                        log.WriteLine($"  label failed: replica {c.Replica}, step {c.Step}: {outcome.Error}");
                    }
                    else
                    {
                        var f = outcome.ToFrame(c.Frame.Structure);
                        f.SetInfo("config_type", "al-" + Iter(i));
                        labelled.Add(f);
                        predicted.Add(c.Frame);
                    }
                    bar?.Report(++done, selected.Count);
                    if (++_labelledThisProcess == CrashAfterLabels) throw new OperationCanceledException("test hook: crash after labels");
                }
            }
            if (labelled.Count > 0)
            {
                WriteFrames(Dir("data", Iter(i) + ".xyz"), labelled);
                data.Add(Dir("data", Iter(i) + ".xyz"));
            }
            if (test == null && predicted.Count > 0)
            {
                var cal = SpreadCalibration.Compute(predicted, labelled);
                record = record with { Spearman = cal.Spearman, Coverage1 = cal.Coverage1, Coverage2 = cal.Coverage2, CalibrationSet = "new labels" };
            }
            record = record with { Selected = selected.Count, Filtered = filtered, LabelFailures = failed, Labelled = labelled.Count };
            log.WriteLine($"  selected {selected.Count} ({_o.Select.Method.ToString().ToLowerInvariant()}), filtered {filtered}, label failures {failed}, labelled {labelled.Count}");
            Finish(journal, record);
        }
        return Records;
    }

    private int Initial(List<string> data) => data.Where(f => !Path.GetFileName(f).StartsWith("iter-", StringComparison.Ordinal)).Sum(f => StructureFile.ReadFrames(f).Count());

    private void Finish(FileStream journal, IterationRecord record)
    {
        Records.Add(record);
        JsonLinesJournal.Append(journal, record);
        ActiveLearningOutputs.WriteCsv(Dir("iterations.csv"), Records);
        ActiveLearningOutputs.WriteLearningCurve(Dir("learning-curve.svg"), Records, _o.Select.Method.ToString().ToLowerInvariant());
    }

    /// <summary>The starting structures, each rattled <c>Frames</c> times by a uniform displacement of at most <c>Amplitude</c> Å per component, labelled (data/initial.xyz).</summary>
    private string InitialFrames(LabelCache cache, CancellationToken cancel)
    {
        string path = Dir("data", "initial.xyz");
        if (File.Exists(path)) return path;
        var rattle = _o.InitialRattle!;
        var rng = new Random(unchecked((int)rattle.Seed));
        var frames = new List<Frame>();
        var starts = _o.Explore.Structures.Select(s => MdRun.BuildStructure(new MdConfig { Structure = s, Steps = 0 })).ToList();
        using var bar = Progress?.Invoke("label initial frames", "frames");
        int done = 0;
        foreach (var s0 in starts)
            for (int k = 0; k < rattle.Frames; k++)
            {
                var s = s0.Clone();
                for (int a = 0; a < s.AtomCount; a++)
                    s.Positions[a] += new Vec3(rattle.Amplitude * (2 * rng.NextDouble() - 1), rattle.Amplitude * (2 * rng.NextDouble() - 1), rattle.Amplitude * (2 * rng.NextDouble() - 1));
                var (outcome, _) = cache.GetOrLabel(s, labeller, -1, cancel);
                if (outcome.Failed) log.WriteLine($"  initial frame {frames.Count}: label failed: {outcome.Error}");
                else { var f = outcome.ToFrame(s); f.SetInfo("config_type", "initial"); frames.Add(f); }
                bar?.Report(++done, starts.Count * rattle.Frames);
            }
        if (frames.Count == 0) throw new UsageException("active-learn: every initial frame failed to label");
        WriteFrames(path, frames);
        return path;
    }

    private static void WriteFrames(string path, IReadOnlyList<Frame> frames)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        StructureFile.Write(temp, frames, StructureFormat.Extxyz);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Trains (or resumes, or skips when done) the K members of iteration <paramref name="i"/>; returns their model files.</summary>
    private string[] TrainCommittee(int i, IReadOnlyList<string> data, CancellationToken cancel)
    {
        var models = new string[_o.CommitteeSize];
        for (int k = 0; k < _o.CommitteeSize; k++)
        {
            string dir = Dir(Iter(i), $"member-{k}");
            string model = Path.Combine(dir, "model.mlip"), done = Path.Combine(dir, "done");
            models[k] = model;
            if (File.Exists(done)) continue;
            string? init = i == 0 ? null : Dir(Iter(i - 1), $"member-{k}", "model.mlip");
            var config = _o.TrainConfig(new MemberTraining(i, k, k + 1, data.ToArray(), init, dir, model));
            string checkpoint = Path.Combine(dir, "checkpoint.ckpt");
            string? restart = File.Exists(checkpoint) ? checkpoint : null;
            log.WriteLine($"iteration {i}: training member {k + 1}/{_o.CommitteeSize}{(init != null ? " (fine-tuning)" : "")}{(restart != null ? " (resuming)" : "")}: {dir}");
            int exit = new TrainRun(config, TextWriter.Null) { Progress = Progress }.Run(restart, cancel);
            cancel.ThrowIfCancellationRequested();
            if (exit != 0) throw new InvalidOperationException($"training member {k} of iteration {i} failed (exit {exit}); see {Path.Combine(dir, "train.log")}");
            File.WriteAllText(done, "");
        }
        return models;
    }

    private IForceComputer BindCommittee(string[] models)
    {
        var ff = new CommitteeForceField(models.Select(catalog.Load).ToList(), models);
        return catalog.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = _o.Threads });
    }

    /// <summary>The exploration pool of iteration i (read back from pool.xyz when an earlier run got that far).</summary>
    private (List<ExploredFrame> Pool, int Replicas, int Halted) Explore(int i, string[] models, IForceComputer committee, CancellationToken cancel)
    {
        var x = _o.Explore;
        string poolPath = Dir(Iter(i), "pool.xyz");
        var lanes = (from s in x.Structures from t in x.Temperatures from p in x.Pressures select (s, t, p)).ToList();
        if (File.Exists(poolPath))
        {
            var frames = StructureFile.ReadFrames(poolPath).ToList();
            var back = frames.Select(f => new ExploredFrame(f, Convert.ToInt32(f.GetInfo("replica"), _ci), Convert.ToInt64(f.GetInfo("step"), _ci), FrameSpread.Of(f))
            { Halted = f.GetInfo("halted") is bool h && h }).ToList();
            return (back, lanes.Count, back.Count(c => c.Halted));
        }
        var ff = new CommitteeForceField(models.Select(catalog.Load).ToList(), models);
        var configs = new List<MdConfig>();
        for (int r = 0; r < lanes.Count; r++)
        {
            var (s, t, p) = lanes[r];
            ulong seed = x.Seed + (ulong)(1000 * i + r);
            configs.Add(new MdConfig
            {
                Source = $"explore-r{r}", BaseDirectory = Dir(Iter(i)), Structure = s, ForceField = ff,
                VelocityTemperature = t, VelocitySeed = seed,
                Integrator = new IntegratorConfig(x.Integrator, t, x.Tdamp, p, x.Pdamp, 3, Dynamics.Barostats.PressureCoupling.Isotropic, 0.01, seed + 1),
                TimeStep = x.TimeStep, Steps = x.Steps, Thermo = OutputConfig.None,
                Checkpoint = new OutputConfig(Dir(Iter(i), $"explore.r{r}.ckpt"), 0),
                Threads = _o.Threads, Backend = Backend.Cpu, SafetyMinDistance = x.SafetyMinDistance,
            });
        }
        var run = configs.Count == 1 ? configs[0] : new MdConfig
        {
            Source = "explore", BaseDirectory = Dir(Iter(i)), Structure = configs[0].Structure, ForceField = ff, TimeStep = x.TimeStep, Steps = x.Steps,
            Thermo = OutputConfig.None, Checkpoint = configs[0].Checkpoint, Threads = _o.Threads, Backend = Backend.Cpu, Replicas = configs,
        };
        var monitor = new SpreadMonitor(committee, x.SampleEvery, x.HaltSpread);
        var md = new MdRun(run, TextWriter.Null, catalog) { Log = TextWriter.Null };
        md.Observers.Add(monitor);
        if (Progress is { } progress) md.Progress = (_, first, last) => progress($"explore {Iter(i)}", "steps");
        using (cancel.Register(() => md.Interrupt()))
        {
            try { md.Run(); }
            catch (MdStopException e) when (monitor.Candidates.Count > 0) { log.WriteLine($"  exploration stopped: {e.Message}"); }
            catch (MdStopException e) { throw new UsageException($"exploration of {Iter(i)} could not run: {e.Message}"); }
        }
        cancel.ThrowIfCancellationRequested();
        foreach (var (r, step) in monitor.HaltedAt.OrderBy(h => h.Key))
            log.WriteLine(string.Create(_ci, $"  replica {r} ({lanes[r].t} K{(lanes[r].p != 0 ? $", {lanes[r].p} GPa" : "")}) halted at step {step}: committee spread reached {x.HaltSpread} eV/Å"));
        foreach (var c in monitor.Candidates) c.Frame.SetInfo("halted", c.Halted);
        WriteFrames(poolPath, monitor.Candidates.Select(c => c.Frame).ToList());
        return (monitor.Candidates, lanes.Count, monitor.HaltedAt.Count);
    }

    private List<ExploredFrame> SelectFrames(int i, List<ExploredFrame> pool)
    {
        string path = Dir(Iter(i), "selected.xyz");
        if (File.Exists(path))
            return StructureFile.ReadFrames(path).Select(f => new ExploredFrame(f, Convert.ToInt32(f.GetInfo("replica"), _ci), Convert.ToInt64(f.GetInfo("step"), _ci), FrameSpread.Of(f))).ToList();
        var selected = FrameSelection.Select(pool, _o.Select, i);
        WriteFrames(path, selected.Select(c => c.Frame).ToList());
        return selected;
    }

    /// <summary>RMSE of the committee mean against the labels (<see cref="Training.ErrorMetrics"/>): energy meV/atom, force components meV/Å.</summary>
    private static (double Energy, double Force) Rmse(IReadOnlyList<Frame> predicted, IReadOnlyList<Frame> reference)
    {
        var m = new Training.ErrorMetrics();
        for (int k = 0; k < predicted.Count; k++)
        {
            var (p, r) = (predicted[k], reference[k]);
            m.Add(r.Structure.AtomCount, r.Energy is double e ? (p.Energy!.Value, e) : null, r.Forces is { } f ? (p.Forces!, f) : null, null);
        }
        return (1000 * m.EnergyPerAtom.Rmse, 1000 * m.Force.Rmse);
    }
}
