using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MlipEngine.Cli.Workflows;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Units;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip relax</c>: relax many candidate structures (positions and cell) with in-flight batching.</summary>
public static class RelaxCommand
{
    public static Command Create()
    {
        var potential = new Option<string>("--potential", "-p") { Description = "Potential spec file (YAML) or inline spec '{style: ..., ...}'", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Candidates: multi-frame extxyz, a POSCAR/CONTCAR/extxyz file, or a directory of them", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Relaxed structures (extxyz, input order) with energy, forces, stress and convergence info", Required = true };
        var summary = new Option<string>("--summary", "-s") { Description = "CSV summary, one row per candidate", Required = true };
        var fmax = new Option<double>("--fmax") { Description = "Force criterion: max atomic force norm, eV/Å", DefaultValueFactory = _ => 0.02 };
        var smax = new Option<double>("--smax") { Description = "Stress criterion: max |σ + p·I| component, eV/Å³", DefaultValueFactory = _ => 0.001 };
        var cell = new Option<string>("--cell") { Description = "frechet (full cell), fixed, hydrostatic (uniform scaling) or constant-volume", DefaultValueFactory = _ => "frechet" };
        var pressure = new Option<double>("--pressure") { Description = "Target pressure, GPa", DefaultValueFactory = _ => 0.0 };
        var optimizer = new Option<string>("--optimizer") { Description = "fire, lbfgs or bfgs (ASE 3.22 defaults)", DefaultValueFactory = _ => "fire" };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps before a candidate is reported as not converged", DefaultValueFactory = _ => 1000 };
        var trajectory = new Option<string?>("--trajectory") { Description = "Folder for one extxyz trajectory per candidate" };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batchAtoms = new Option<int>("--batch-atoms") { Description = "Atom budget of one batch (0 = auto: 1, i.e. one candidate at a time per worker, on the CPU; 4096 on OpenCL)", DefaultValueFactory = _ => 0 };
        var backend = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl or opencl:INDEX (devices: mlip info)", DefaultValueFactory = _ => "cpu" };
        var workers = new Option<int>("--workers") { Description = "Independent relaxers, one per thread, each with a 1-thread force call (0 = auto: --threads on the CPU when there are at least that many candidates and no --trajectory; 1 = one relaxer whose force calls use --threads)", DefaultValueFactory = _ => 0 };
        var skin = new Option<double>("--skin") { Description = "Verlet skin, Å (the list survives moves and cell deformations within it)", DefaultValueFactory = _ => 0.8 };
        var cmd = new Command("relax", "Relax candidate structures (positions and cell), many at once")
        {
            potential, input, output, summary, fmax, smax, cell, pressure, optimizer, maxSteps, trajectory, threads, batchAtoms, workers, backend, skin,
        };
        cmd.SetAction(r => Run(new RelaxArguments
        {
            Potential = r.GetValue(potential)!, Input = r.GetValue(input)!, Output = r.GetValue(output)!, Summary = r.GetValue(summary)!,
            Fmax = r.GetValue(fmax), Smax = r.GetValue(smax), Cell = r.GetValue(cell)!, PressureGPa = r.GetValue(pressure),
            Optimizer = r.GetValue(optimizer)!, MaxSteps = r.GetValue(maxSteps), Trajectory = r.GetValue(trajectory),
            Threads = r.GetValue(threads), BatchAtoms = r.GetValue(batchAtoms), Workers = r.GetValue(workers), Backend = r.GetValue(backend)!, Skin = r.GetValue(skin),
        }));
        return cmd;
    }

    public static int Run(RelaxArguments a) { RunDetailed(a); return 0; }

    /// <summary>Runs and reports counts (for tests and callers that want them).</summary>
    public static RelaxReport RunDetailed(RelaxArguments a)
    {
        var settings = a.ToSettings();
        var ff = PotentialLoader.Load(a.Potential);
        var (backend, deviceIndex) = CliParsing.ParseDevice(a.Backend);
        if (a.Threads < 1) throw new UsageException("--threads must be at least 1");
        if (a.BatchAtoms < 0) throw new UsageException("--batch-atoms must be 0 (auto) or positive");
        if (a.Workers < 0) throw new UsageException("--workers must be 0 (auto) or positive");
        if (a.Workers > 1 && a.Trajectory != null) throw new UsageException("--trajectory needs --workers 1");
        if (a.Trajectory != null) Directory.CreateDirectory(a.Trajectory);
        var files = CandidateReader.Files(a.Input);
        long? total = CandidateReader.Count(files);

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
                computers.Add(ff.CreateComputer(new ComputeOptions { Backend = backend, DeviceIndex = deviceIndex, Threads = threadsPerWorker, Skin = a.Skin }));
        }
        catch { foreach (var c in computers) c.Dispose(); throw; }
        var run = new RelaxRun(computers, settings, a, journal);
        using var relaxer = run.Relaxer;   // owns the computers
        RelaxProgress.Run(total, journal.Finished.Count, progress => run.Execute(CandidateReader.Read(files), progress));

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
        Console.Error.WriteLine(
            $"relax: {records.Count} candidate(s): {converged} converged, {notConverged} not converged, {failed} failed" +
            (journal.Resumed > 0 ? $" ({journal.Resumed} from an earlier run)" : "") +
            $"; {run.Relaxer.BatchForceCalls} batched force calls, {run.Relaxer.NeighborBuilds} neighbor-list builds, {run.Relaxer.BatchRebuilds} batch rebuilds, {run.Relaxer.SystemEvaluations} system evaluations, " +
            $"{run.Relaxer.Workers} worker(s) × {threadsPerWorker} thread(s), {clock.Elapsed.TotalSeconds:F2} s (forces {run.Relaxer.ForceSeconds:F2} s, optimizer {run.Relaxer.UpdateSeconds:F2} s) → {a.Output}, {a.Summary}");
        return new RelaxReport(records.Count, converged, notConverged, failed, journal.Resumed, run.Relaxer.SystemEvaluations, run.Relaxer.BatchForceCalls);
    }
}

/// <summary>Counts of a finished `mlip relax` run; <see cref="Resumed"/> candidates came from the journal of an interrupted run.</summary>
public sealed record RelaxReport(int Candidates, int Converged, int NotConverged, int Failed, int Resumed, long SystemEvaluations, long BatchForceCalls);

/// <summary>Thrown by the test hook <see cref="RelaxArguments.StopAfter"/> to simulate an interrupted run.</summary>
public sealed class RelaxInterruptedException(string message) : Exception(message);

/// <summary>Command-line values of <c>mlip relax</c>.</summary>
public sealed record RelaxArguments
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
