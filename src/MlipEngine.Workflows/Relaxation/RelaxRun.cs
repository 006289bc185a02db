using MlipEngine.Workflows;
using MlipEngine.Workflows.ForceFields;
using System.Diagnostics;
using System.Globalization;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Units;
using MlipEngine.Dynamics;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.State;

namespace MlipEngine.Workflows.Relaxation;

/// <summary>
/// Drives a <see cref="BatchRelaxer"/> over the candidates of a `mlip relax` run: skips what the
/// journal already holds, turns unreadable inputs and outcomes into <see cref="RelaxRecord"/>s and
/// journals each as soon as it is known; optionally writes per-candidate trajectories.
/// </summary>
public sealed class RelaxRun
{
    private readonly RelaxationSettings _settings;
    private readonly RelaxRunOptions _args;
    private readonly RelaxJournal _journal;
    private readonly Dictionary<long, ExtxyzWriter> _trajectories = new();

    private readonly object _journalGate = new();

    /// <summary>One relaxer per computer (each on its own thread when there are several; see <see cref="ParallelRelaxer"/>); <see cref="Relaxer"/> disposes the computers.</summary>
    public RelaxRun(IReadOnlyList<IForceComputer> computers, RelaxationSettings settings, RelaxRunOptions args, RelaxJournal journal)
    {
        _settings = settings; _args = args; _journal = journal;
        Relaxer = new ParallelRelaxer(computers, settings, args.BatchAtoms, args.Trajectory != null ? WriteTrajectoryFrame : null, ownsComputers: true);
    }

    public ParallelRelaxer Relaxer { get; }

    /// <summary>Why each input file that was cut (its frame boundaries lost) was cut, in input order.</summary>
    public List<string> CutFiles { get; } = [];

    public void Execute(IEnumerable<Candidate> candidates, Action<long> reportDone)
    {
        long done = _journal.Finished.Count;
        IEnumerable<RelaxationJob> Jobs()
        {
            foreach (var c in candidates)
            {
                if (c.Cut) lock (_journalGate) CutFiles.Add(c.Error!);
                if (_journal.Finished.ContainsKey(c.Index)) continue;
                if (c.Frame == null)
                {
                    lock (_journalGate)  // the job stream is pulled from worker threads (one at a time)
                    {
                        _journal.Append(new RelaxRecord
                        {
                            Index = c.Index, Id = c.Id, Source = c.Source, Frame = c.FrameIndex, Status = "unreadable", Reason = c.Error ?? "unreadable",
                        });
                        reportDone(++done);
                    }
                    continue;
                }
                yield return new RelaxationJob(c.Index, c.Frame.Structure, c);
            }
        }
        try
        {
            foreach (var outcome in Relaxer.Run(Jobs()))
            {
                CloseTrajectory(outcome.Job.Id);
                var record = ToRecord(outcome);
                long now;
                lock (_journalGate) { _journal.Append(record); now = ++done; reportDone(now); }
                if (_args.StopAfter is int stop && now - _journal.Resumed >= stop)
                    throw new RelaxInterruptedException($"stopped after {stop} candidate(s) (test hook)");
            }
        }
        finally
        {
            foreach (var w in _trajectories.Values) w.Dispose();
            _trajectories.Clear();
        }
    }

    private RelaxRecord ToRecord(RelaxationOutcome o)
    {
        var c = (Candidate)o.Job.Tag!;
        var input = c.Frame!;
        var st = o.Final;
        string status = o.Status switch
        {
            RelaxationStatus.Converged => "converged",
            RelaxationStatus.NotConverged => "not_converged",
            _ => "failed",
        };
        string? xyz = null;
        if (st != null && o.Status != RelaxationStatus.Failed)
        {
            var frame = OutputFrame(input, st);
            frame.SetInfo("converged", o.Status == RelaxationStatus.Converged);
            frame.SetInfo("steps", (long)o.Steps);
            frame.SetInfo("force_calls", (long)o.ForceCalls);
            frame.SetInfo("fmax", o.Fmax);
            frame.SetInfo("smax", o.Smax);
            frame.SetInfo("cell_mode", ModeName(o.CellMode));
            frame.SetInfo("relax_status", status);
            if (_settings.CellMode != CellMode.Fixed && o.CellMode != CellMode.Fixed && _settings.Pressure != 0)
            {
                frame.SetInfo("pressure_GPa", _args.PressureGPa);
                frame.SetInfo("enthalpy", st.Energy + _settings.Pressure * st.Cell.Volume);
            }
            xyz = ExtxyzWriter.ToText(frame);
        }
        return new RelaxRecord
        {
            Index = c.Index, Id = c.Id, Source = c.Source, Frame = c.FrameIndex,
            Formula = input.Structure.Formula, Atoms = input.Structure.AtomCount,
            Energy = st?.Energy ?? double.NaN,
            EnergyPerAtom = st != null ? st.Energy / st.AtomCount : double.NaN,
            Volume = st != null && st.Cell.AnyPeriodic ? st.Cell.Volume : double.NaN,
            Steps = o.Steps, ForceCalls = o.ForceCalls, Converged = o.Status == RelaxationStatus.Converged,
            Fmax = o.Fmax, Smax = o.Smax, WallTime = o.WallSeconds, Status = status, Reason = o.Reason, Xyz = xyz,
        };
    }

    private static string ModeName(CellMode m) => m switch
    {
        CellMode.Fixed => "fixed", CellMode.Frechet => "frechet", CellMode.Hydrostatic => "hydrostatic", _ => "constant-volume",
    };

    /// <summary>The input frame's info and per-atom columns with the relaxed structure and its labels.</summary>
    private static Frame OutputFrame(Frame input, SystemState st)
    {
        var r = new Vec3[st.AtomCount];
        for (int i = 0; i < r.Length; i++) r[i] = st.Position(i);
        var structure = new AtomicStructure(st.Numbers.ToArray(), r, st.Cell, (double[]?)input.Structure.Masses?.Clone());
        var f = new Frame(structure) { Source = input.Source, Index = input.Index };
        foreach (var kv in input.Info) f.Info.Add(kv);
        foreach (var a in input.Arrays) f.Arrays.Add(a);
        f.Energy = st.Energy;
        var forces = new Vec3[st.AtomCount];
        for (int i = 0; i < forces.Length; i++) forces[i] = st.Force(i);
        f.Forces = forces;
        f.Stress = double.IsFinite(st.Stress[0]) ? st.Stress.ToArray() : null;
        return f;
    }

    private void WriteTrajectoryFrame(ActiveRelaxation r)
    {
        if (!_trajectories.TryGetValue(r.Job.Id, out var w))
        {
            var c = (Candidate)r.Job.Tag!;
            string safe = new string(c.Id.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
            w = new ExtxyzWriter(Path.Combine(_args.Trajectory!, $"{c.Index:D6}_{safe}.xyz"));
            _trajectories[r.Job.Id] = w;
        }
        var frame = OutputFrame(((Candidate)r.Job.Tag!).Frame!, r.State);
        frame.SetInfo("step", (long)r.Steps);
        frame.SetInfo("fmax", r.Fmax);
        frame.SetInfo("smax", r.Smax);
        w.Write(frame);
    }

    private void CloseTrajectory(long id)
    {
        if (_trajectories.Remove(id, out var w)) w.Dispose();
    }

    /// <summary>Runs and reports counts (for tests and callers that want them).</summary>
    /// <summary>
    /// The whole <c>mlip relax</c> run: reads the candidates of <c>a.Input</c> lazily, relaxes them with
    /// the force field <c>a.Potential</c> bound through <paramref name="catalog"/>, journals each as it
    /// finishes (a rerun resumes), and writes <c>a.Output</c> and <c>a.Summary</c> atomically at the end.
    /// </summary>
    /// <param name="progress">Draws progress (total, already done, work); null runs silently.</param>
    /// <param name="log">Receives the one-line summary; null for none.</param>
    public static RelaxReport Run(RelaxRunOptions a, ForceFieldCatalog catalog, RelaxProgressHost? progress = null, TextWriter? log = null)
    {
        var settings = a.ToSettings();
        var ff = catalog.Load(a.Potential);
        (Backend backend, int deviceIndex) device;
        try { device = catalog.ParseDevice(a.Backend); }
        catch (FormatException e) { throw new UsageException(e.Message); }
        var (backend, deviceIndex) = device;
        if (a.Threads < 1) throw new UsageException("--threads must be at least 1");
        if (a.BatchAtoms < 0) throw new UsageException("--batch-atoms must be 0 (auto) or positive");
        if (a.Workers < 0) throw new UsageException("--workers must be 0 (auto) or positive");
        if (a.Workers > 1 && a.Trajectory != null) throw new UsageException("--trajectory needs --workers 1");
        if (a.Trajectory != null) Directory.CreateDirectory(a.Trajectory);
        var files = CandidateReader.Files(a.Input);
        long? total = CandidateReader.Count(files);
        if (total == 0) throw StructureFormatException.NoFrames(a.Input);

        // Output folders must exist before hours of work.
        foreach (var path in new[] { a.Output, a.Summary })
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(dir)) throw new UsageException($"output folder '{dir}' does not exist");
        }

        var clock = Stopwatch.StartNew();
        using var journal = RelaxJournal.Open(Path.GetFullPath(a.Output) + ".journal", a.Fingerprint(files));
        if (!(a.Skin >= 0)) throw new UsageException("--skin must be non-negative");
        // Small candidates on a CPU: one single-threaded relaxer per thread beats threading each force
        // call (a 20-atom call is too small to split) and keeps neighbor-list rebuilds per worker batch.
        // Auto does not look at how many candidates remain, so a restarted run computes each candidate
        // with the same thread layout as the first run (outputs stay byte-identical with one candidate
        // per batch). For a few large candidates, --workers 1 threads each force call instead.
        int workerCount = a.Workers > 0 ? a.Workers
            : backend != Backend.OpenCl && a.Trajectory == null ? a.Threads : 1;
        int threadsPerWorker = Math.Max(1, a.Threads / workerCount);
        // Auto batch budget. On the CPU one candidate at a time is fastest (bench/relax, 2026-11-22):
        // the batch's single Verlet list is rebuilt for every system whenever one system needs it, and
        // a 20-atom call gains nothing from sharing a call. A device amortises its launch cost over the batch.
        if (a.BatchAtoms == 0) a = a with { BatchAtoms = backend == Backend.OpenCl ? 4096 : 1 };
        var computers = new List<IForceComputer>();
        try
        {
            for (int w = 0; w < workerCount; w++)
                computers.Add(catalog.Bind(ff, new ComputeOptions { Backend = backend, DeviceIndex = deviceIndex, Threads = threadsPerWorker, Skin = a.Skin }));
        }
        catch { foreach (var c in computers) c.Dispose(); throw; }
        var run = new RelaxRun(computers, settings, a, journal);
        using var relaxer = run.Relaxer;   // owns the computers
        if (progress != null) progress(total, journal.Finished.Count, report => run.Execute(CandidateReader.Read(files), report));
        else run.Execute(CandidateReader.Read(files), _ => { });

        // Final outputs from the journal, in input order, each written atomically.
        var records = journal.Finished.Values.OrderBy(r => r.Index).ToList();
        using (var sink = new AtomicFileWriter(a.Output))
        {
            sink.Writer.NewLine = "\n";
            foreach (var r in records) if (r.Xyz != null) sink.Writer.Write(r.Xyz);
            sink.Commit();
        }
        using (var sink = new AtomicFileWriter(a.Summary))
        {
            SummaryCsv.Write(sink.Writer, records);
            sink.Commit();
        }
        journal.Delete();

        int converged = records.Count(r => r.Status == "converged");
        int notConverged = records.Count(r => r.Status == "not_converged");
        int failed = records.Count - converged - notConverged;
        log?.WriteLine(
            $"relax: {records.Count} candidate(s): {converged} converged, {notConverged} not converged, {failed} failed" +
            (journal.Resumed > 0 ? $" ({journal.Resumed} from an earlier run)" : "") +
            $"; {run.Relaxer.BatchForceCalls} batched force calls, {run.Relaxer.NeighborBuilds} neighbor-list builds, {run.Relaxer.BatchRebuilds} batch rebuilds, {run.Relaxer.SystemEvaluations} system evaluations, " +
            $"{run.Relaxer.Workers} worker(s) × {threadsPerWorker} thread(s), {clock.Elapsed.TotalSeconds:F2} s (forces {run.Relaxer.ForceSeconds:F2} s, optimizer {run.Relaxer.UpdateSeconds:F2} s) → {a.Output}, {a.Summary}");
        foreach (var cut in run.CutFiles) log?.WriteLine($"relax: {cut}");
        return new RelaxReport(records.Count, converged, notConverged, failed, journal.Resumed, run.Relaxer.SystemEvaluations, run.Relaxer.BatchForceCalls);
    }
}

public sealed record RelaxReport(int Candidates, int Converged, int NotConverged, int Failed, int Resumed, long SystemEvaluations, long BatchForceCalls);

/// <summary>Thrown by the test hook <see cref="RelaxRunOptions.StopAfter"/> to simulate an interrupted run.</summary>
public sealed class RelaxInterruptedException(string message) : Exception(message);

/// <summary>What a <c>mlip relax</c> run does (the command-line values, as the user wrote them).</summary>
public sealed record RelaxRunOptions
{
    public required string Potential { get; init; }
    public required string Input { get; init; }
    public required string Output { get; init; }
    public required string Summary { get; init; }
    public double Fmax { get; init; } = 0.02;
    public double Smax { get; init; } = 0.001;
    public string Cell { get; init; } = "frechet";
    public double PressureGPa { get; init; }
    public string Optimizer { get; init; } = "fire";
    public int MaxSteps { get; init; } = 1000;
    public string? Trajectory { get; init; }
    public int Threads { get; init; } = 1;
    /// <summary>Atom budget of one batch; 0 = auto (1 on the CPU, 4096 on OpenCL).</summary>
    public int BatchAtoms { get; init; }
    /// <summary>Independent relaxers (0 = auto, see the --workers option).</summary>
    public int Workers { get; init; }
    public string Backend { get; init; } = "cpu";
    /// <summary>Verlet skin, Å. Rebuilding the list for many small periodic cells costs several force calls, so a generous skin pays.</summary>
    public double Skin { get; init; } = 0.8;
    /// <summary>Test hook: stop (throw <see cref="RelaxInterruptedException"/>) after this many candidates were journaled in this run.</summary>
    public int? StopAfter { get; init; }

    public RelaxationSettings ToSettings()
    {
        var mode = Cell.ToLowerInvariant() switch
        {
            "frechet" or "full" => CellMode.Frechet,
            "fixed" or "none" => CellMode.Fixed,
            "hydrostatic" => CellMode.Hydrostatic,
            "constant-volume" or "constant_volume" => CellMode.ConstantVolume,
            _ => throw new UsageException($"unknown --cell '{Cell}' (frechet, fixed, hydrostatic, constant-volume)"),
        };
        var kind = Optimizer.ToLowerInvariant() switch
        {
            "fire" => OptimizerKind.Fire,
            "lbfgs" or "l-bfgs" => OptimizerKind.Lbfgs,
            "bfgs" => OptimizerKind.Bfgs,
            _ => throw new UsageException($"unknown --optimizer '{Optimizer}' (fire, lbfgs, bfgs)"),
        };
        if (!(Fmax > 0)) throw new UsageException("--fmax must be positive");
        if (!(Smax > 0)) throw new UsageException("--smax must be positive");
        if (MaxSteps < 0) throw new UsageException("--max-steps must be non-negative");
        if (!double.IsFinite(PressureGPa)) throw new UsageException("--pressure must be finite");
        return new RelaxationSettings
        {
            Optimizer = new OptimizerSettings { Kind = kind }, CellMode = mode, Pressure = PressureGPa / PhysicalConstants.EvPerA3ToGPa,
            Fmax = Fmax, Smax = Smax, MaxSteps = MaxSteps,
        };
    }

    /// <summary>What makes results differ: input, potential and relaxation options (not threads or batch size).</summary>
    public string Fingerprint(IReadOnlyList<string> files)
    {
        var c = CultureInfo.InvariantCulture;
        string inputs = string.Join("|", files.Select(f => $"{Path.GetFullPath(f)}:{new FileInfo(f).Length}"));
        string text = string.Join(";", Potential, inputs, Fmax.ToString("R", c), Smax.ToString("R", c), Cell, PressureGPa.ToString("R", c),
            Optimizer, MaxSteps.ToString(c), Backend);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>Runs <c>work</c>, handing it a callback that reports candidates done; draws progress over (total, already done).</summary>
public delegate void RelaxProgressHost(long? total, long alreadyDone, Action<Action<long>> work);
