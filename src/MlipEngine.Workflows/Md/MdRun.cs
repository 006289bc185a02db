using MlipEngine.Workflows;
using System.Diagnostics;
using System.Globalization;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Structures;
using MlipEngine.ForceFields;
using MlipEngine.IO;
using MlipEngine.Workflows.ForceFields;
using MlipEngine.State;
using MlipEngine.Units;

namespace MlipEngine.Workflows.Md;

/// <summary>A run stopped by a safety check (message names step and atoms); exit code 3.</summary>
public sealed class MdStopException(string message) : Exception(message);

/// <summary>
/// An MD run as a library call: builds the system from an <see cref="MdConfig"/>, binds the potential
/// through a <see cref="ForceFieldCatalog"/>, steps the integrator, writes thermo / trajectory /
/// checkpoints, checks safety, reports progress and timing. <c>mlip md</c> is this class plus config
/// parsing and Ctrl-C handling. Device-resident MD is used when the bound computer offers it
/// (<see cref="IResidentDynamicsSource"/>), whatever its backend.
/// The loop itself allocates nothing per step (forces go into one reused <see cref="ForceResult"/>;
/// output steps allocate their text).
/// </summary>
public sealed class MdRun
{
    private readonly MdConfig _cfg;
    private readonly TextWriter _out;
    private readonly ForceFieldCatalog _catalog;
    private volatile bool _interrupt;

    /// <param name="config">The run (typed; <c>mlip md</c> parses it from YAML).</param>
    /// <param name="output">Thermo table (console); null for stdout.</param>
    /// <param name="catalog">Binds the potential; null for <see cref="ForceFieldCatalog.CreateDefault"/>.</param>
    public MdRun(MdConfig config, TextWriter? output = null, ForceFieldCatalog? catalog = null)
    {
        _cfg = config; _out = output ?? Console.Out; _catalog = catalog ?? ForceFieldCatalog.CreateDefault();
    }

    /// <summary>Warnings, the device path and the timing report; stderr unless set.</summary>
    public TextWriter Log { get; init; } = Console.Error;

    /// <summary>Test hook: behave as if the process died right after this step (no checkpoint, no clean-up).</summary>
    public long? CrashAfterStep { get; set; }
    /// <summary>Test hook: behave as if Ctrl-C arrived during this step.</summary>
    public long? InterruptAtStep { get; set; }
    /// <summary>
    /// Called every <see cref="IMdObserver.Every"/> steps with the replicas' current state (forces,
    /// energies and velocities of that step); an observer that returns a reason stops the run there as
    /// a safety check does (last frame, checkpoint, <see cref="MdStopException"/> naming the reason).
    /// </summary>
    public List<IMdObserver> Observers { get; } = [];
    /// <summary>Makes the progress display for (atoms, first step, last step); null shows none.</summary>
    public Func<long, long, long, IWorkProgress>? Progress { get; set; }
    /// <summary>The (first) system of the last run (test hook).</summary>
    public MdSystem? System { get; private set; }
    /// <summary>Every replica of the last run, in config order (one for a plain run).</summary>
    public IReadOnlyList<MdSystem> Replicas { get; private set; } = [];
    public long FinalStep { get; private set; }
    /// <summary>Which path ran (OpenCL runs): the device-resident loop's description, or why the host integrates.</summary>
    public string? PathDescription { get; private set; }
    /// <summary>Neighbor-list builds of the last run (test hook).</summary>
    public int NeighborBuilds { get; private set; }
    /// <summary>
    /// Longest device-resident stretch between two syncs, steps: bounds the time between progress reports
    /// and energy checks. A sync costs a few small reductions and two tiny reads.
    /// </summary>
    public int ResidentChunkSteps { get; set; } = 100;

    /// <summary>Requests a clean stop after the current step (Ctrl-C, SIGTERM): a checkpoint is written and <see cref="Run"/> returns <paramref name="exitCode"/> (130 for SIGINT, 143 for SIGTERM by convention). Thread-safe.</summary>
    public void Interrupt(int exitCode = 130) { _interruptExitCode = exitCode; _interrupt = true; }
    private volatile int _interruptExitCode = 130;

    public static AtomicStructure BuildStructure(MdConfig cfg)
    {
        var s = cfg.Structure;
        if (s.File != null)
        {
            if (!File.Exists(s.File)) throw new FormatException($"{cfg.Source}: structure.file: '{s.File}' not found");
            return StructureFile.ReadFirst(s.File).Structure;
        }
        try { return CrystalLattice.Build(s.Lattice!, s.Element!, s.A, s.Repeat[0], s.Repeat[1], s.Repeat[2], s.C); }
        catch (ArgumentException e) { throw new FormatException($"{cfg.Source}: structure: {e.Message}"); }
    }

    public static IIntegrator CreateIntegrator(MdConfig cfg, MdSystem system)
    {
        var i = cfg.Integrator;
        double dt = cfg.TimeStep;
        double t = i.Temperature ?? 0, tdamp = i.Tdamp ?? 100 * dt, pdamp = i.Pdamp ?? 1000 * dt;
        ulong seed = i.Seed ?? cfg.VelocitySeed + 1;
        double p = i.Pressure / PhysicalConstants.EvPerA3ToGPa;                 // GPa → eV/Å³
        double beta = i.Compressibility * PhysicalConstants.EvPerA3ToGPa;        // 1/GPa → Å³/eV
        try
        {
            return i.Type switch
            {
                "nve" => new VelocityVerlet(),
                "nvt-langevin" => new LangevinBaoab(t, tdamp, seed),
                "nvt-nhc" => new NoseHooverChainNvt(t, tdamp, i.Chain, system.DegreesOfFreedom),
                "nvt-bussi" => new BussiNvt(t, tdamp, system.DegreesOfFreedom, seed),
                "npt-mtk" => new MtkNpt(t, tdamp, i.Chain, p, pdamp, i.Couple, system),
                "npt-crescale" => new CRescaleNpt(t, tdamp, p, beta, pdamp, i.Couple, system, seed),
                _ => throw new FormatException($"{cfg.Source}: integrator.type: unknown '{i.Type}'"),
            };
        }
        catch (ArgumentException e) { throw new FormatException($"{cfg.Source}: integrator: {e.Message}"); }
    }

    /// <summary>
    /// One replica of the run (the only one for a plain run): its config, its view of the batch, its
    /// integrator, safety checks, output files and checkpoint.
    /// </summary>
    private sealed class Lane : IDisposable
    {
        public required MdConfig Config;
        public required MdSystem System;
        public required IIntegrator Integrator;
        public required string CheckpointPath;
        public readonly NeighborReference Neighbors = new();
        public SafetyChecks Safety = null!;
        public MdCheckpoint? Restart;
        public ThermoCsv? Thermo;
        public TrajectoryFile? Trajectory;
        /// <summary>Held for the run: a second run with the same checkpoint fails before step 0.</summary>
        public FileStream? CheckpointLock;
        public void Dispose() { Thermo?.Dispose(); Trajectory?.Dispose(); CheckpointLock?.Dispose(); }
    }

    /// <summary>
    /// Runs to <c>Steps</c> (or from a checkpoint: <paramref name="restartPath"/>; a replica run restarts every
    /// replica from its own checkpoint file and ignores the path's name). Returns 0, 130 after
    /// <see cref="Interrupt"/>, or throws <see cref="MdStopException"/> on a safety stop.
    /// </summary>
    public int Run(string? restartPath = null)
    {
        var cfg = _cfg;
        var wall = Stopwatch.StartNew();
        var configs = cfg.Replicas.Count > 0 ? cfg.Replicas : [cfg];
        foreach (var c in configs) PrepareOutputFolders(c);
        var structures = configs.Select(BuildStructure).ToArray();
        var ff = cfg.ForceField
            ?? (cfg.PotentialFile != null ? _catalog.Load(cfg.PotentialFile)
            : cfg.Potential != null ? _catalog.Create(cfg.Potential)
            : throw new FormatException($"{cfg.Source}: potential: none given (a spec, a model file, or a force field)"));
        var batch = SystemBatch.FromStructures(structures);
        var frozen = new bool[configs.Count][];
        for (int k = 0; k < configs.Count; k++)
        {
            var c = configs[k];
            int o = batch.SystemOffsets[k], n = batch.AtomCountOf(k);
            frozen[k] = new bool[n];
            foreach (int i in c.FrozenIndices)
            {
                if (i >= n) throw new FormatException($"{c.Source}: frozen.indices: atom {i} does not exist ({n} atoms)");
                frozen[k][i] = true;
            }
            if (c.FrozenZBelow is double zb) for (int i = 0; i < n; i++) if (batch.Z[o + i] < zb) frozen[k][i] = true;
        }

        using var computer = _catalog.Bind(ff, new ComputeOptions { Backend = cfg.Backend, DeviceIndex = cfg.DeviceIndex, Threads = cfg.Threads, Precision = cfg.Precision, Skin = cfg.Skin });
        // One replica: a stand-alone system (it may run device-resident). Several: views of one batch,
        // stepped together with one force call per step.
        var replicas = configs.Count > 1 ? new ReplicaDynamics(batch, computer, cfg.TimeStep, frozen) : null;
        var lanes = new Lane[configs.Count];
        try
        {
            for (int k = 0; k < lanes.Length; k++)
            {
                var c = configs[k];
                var sys = replicas?.Systems[k] ?? new MdSystem(batch, computer, cfg.TimeStep, frozen[k]);
                lanes[k] = new Lane
                {
                    Config = c, System = sys, Integrator = CreateIntegrator(c, sys),
                    CheckpointPath = CheckpointPath(c),
                    Safety = new SafetyChecks(c.SafetyMinDistance),
                };
                lanes[k].CheckpointLock = MdOutputFile.OpenExclusive(lanes[k].CheckpointPath + ".lock", FileOptions.DeleteOnClose);
            }
            return Run(restartPath, wall, computer, replicas, lanes, PotentialFingerprint(cfg));
        }
        finally { foreach (var l in lanes) l?.Dispose(); }
    }

    private int Run(string? restartPath, Stopwatch wall, IForceComputer computer, ReplicaDynamics? replicas, Lane[] lanes, string potentialFingerprint)
    {
        var cfg = _cfg;
        var sys = lanes[0].System;
        System = sys;
        Replicas = lanes.Select(l => l.System).ToArray();
        using var resident = replicas is null ? CreateResident(sys, lanes[0].Integrator) : null;

        long step = 0; double time = 0;
        foreach (var lane in lanes)
        {
            var (c, s, integrator) = (lane.Config, lane.System, lane.Integrator);
            if (restartPath != null)
            {
                string from = replicas is null ? restartPath : lane.CheckpointPath;
                var restart = MdCheckpoint.Read(from);
                if (restart.PotentialFingerprint.Length > 0 && potentialFingerprint.Length > 0 && restart.PotentialFingerprint != potentialFingerprint)
                    throw new FormatException($"{from}: checkpoint was written with another potential (or potential file) than this run's; restart with the run's original potential, or start a new run");
                restart.Restore(s, integrator);
                if (lane != lanes[0] && (restart.Step != step || restart.Time != time))
                    throw new FormatException($"{lane.CheckpointPath}: replica checkpoint is at step {restart.Step}, replica 0's at step {step}");
                step = restart.Step; time = restart.Time;
                NeighborReference.Replay(s, restart);
                lane.Restart = restart;
                if (restart.Settings != Settings(c, resident != null)) Log.WriteLine($"md: warning: settings differ from the checkpoint's ({restart.Settings} → {Settings(c, resident != null)}); the continuation is not the uninterrupted run");
            }
            else if (c.VelocityTemperature is double vt) Velocities.InitializeMaxwellBoltzmann(s, vt, c.VelocitySeed, c.ZeroMomentum);
            else s.ZeroFrozenVelocities();
        }

        if (replicas is null) sys.ComputeForces(); else replicas.ComputeForces();
        foreach (var lane in lanes) lane.Neighbors.Observe(lane.System);
        if (resident != null)
        {
            resident.Upload();
            resident.Synchronize(false);   // the kinetic tensor of step 0, for the first thermo line
        }

        foreach (var lane in lanes)
        {
            var c = lane.Config;
            long? Truncate(string key) => lane.Restart is null ? null : lane.Restart.Outputs.TryGetValue(key, out long v) ? v : 0;
            lane.Thermo = c.Thermo.File != null && c.Thermo.Every > 0 ? new ThermoCsv(c.Thermo.File, Truncate("thermo")) : null;
            lane.Trajectory = c.Trajectory.File != null && c.Trajectory.Every > 0 ? TrajectoryFile.Open(c.Trajectory.File, Truncate("trajectory")) : null;
        }
        bool anyTrajectory = lanes.Any(l => l.Trajectory != null);

        var outputClock = new Stopwatch();
        var integrateClock = new Stopwatch();
        var syncClock = new Stopwatch();
        bool consoleHeader = false;
        var ic = CultureInfo.InvariantCulture;
        void WriteThermo(Lane lane, long st, double t)
        {
            var (s, integrator) = (lane.System, lane.Integrator);
            var sample = resident != null
                ? ThermoSample.Measure(s, st, t, integrator.ExtendedEnergy(s), resident.KineticTensor)
                : ThermoSample.Measure(s, st, t, integrator.ExtendedEnergy(s));
            lane.Thermo?.Write(sample);
            string replicaColumn = replicas is null ? "" : string.Format(ic, "{0,4} ", s.SystemIndex);
            if (!consoleHeader)
            {
                _out.WriteLine((replicas is null ? "" : "   R ") + string.Format(ic, "{0,10} {1,12} {2,16} {3,14} {4,16} {5,10} {6,11} {7,12}", "Step", "Time(fs)", "PotEng(eV)", "KinEng(eV)", "TotEng(eV)", "Temp(K)", "Press(GPa)", "Volume(A3)"));
                consoleHeader = true;
            }
            _progress?.Clear();
            _out.WriteLine(replicaColumn + string.Format(ic, "{0,10} {1,12:F3} {2,16:F6} {3,14:F6} {4,16:F6} {5,10:F2} {6,11:F5} {7,12:F3}",
                st, t, sample.Potential, sample.Kinetic, sample.Potential + sample.Kinetic, sample.Temperature, sample.PressureGPa, sample.Volume));
        }
        void WriteCheckpoint(Lane lane, long st, double t)
        {
            var c = MdCheckpoint.Capture(lane.System, lane.Integrator, st, t, lane.Neighbors);
            c.Settings = Settings(lane.Config, resident != null);
            c.PotentialFingerprint = potentialFingerprint;
            if (lane.Thermo != null) c.Outputs["thermo"] = lane.Thermo.Length;
            if (lane.Trajectory != null) c.Outputs["trajectory"] = lane.Trajectory.Length;
            c.Write(lane.CheckpointPath);
        }
        bool Due(int every, long st) => every > 0 && st % every == 0;
        // Device-resident runs advance to the next step where the host needs something.
        long NextSync(long st)
        {
            long t = Math.Min(cfg.Steps, st + Math.Max(1, ResidentChunkSteps));
            void Next(int every) { if (every > 0) t = Math.Min(t, (st / every + 1) * every); }
            Next(cfg.Thermo.Every); if (anyTrajectory) Next(cfg.Trajectory.Every); Next(cfg.Checkpoint.Every);
            Next(cfg.SafetyEvery); Next(cfg.RemoveDriftEvery);
            foreach (var o in Observers) Next(o.Every);
            if (CrashAfterStep > st) t = Math.Min(t, CrashAfterStep.Value);
            if (InterruptAtStep > st) t = Math.Min(t, InterruptAtStep.Value);
            return t;
        }
        // The first replica whose safety check fails stops the run (all replicas share one clock).
        string? CheckAll(Func<Lane, string?> check)
        {
            foreach (var lane in lanes)
                if (check(lane) is string problem) return replicas is null ? problem : $"replica {lane.System.SystemIndex}: {problem}";
            return null;
        }
        bool stateOnHost = true;
        string? Observe(long st, double t)
        {
            foreach (var o in Observers)
                if (Due(o.Every, st) && o.Observe(st, t, Replicas) is string reason) return reason;
            return null;
        }

        if (lanes[0].Restart is null)
        {
            foreach (var lane in lanes)
            {
                if (cfg.Thermo.Every > 0) WriteThermo(lane, 0, 0);
                lane.Trajectory?.Write(lane.System, 0, 0);
            }
            string? bad = CheckAll(l => SafetyChecks.CheckEnergy(l.System) ?? l.Safety.CheckGeometry(l.System) ?? SafetyChecks.CheckKinetics(l.System));
            if (bad != null) throw new MdStopException($"step 0: {bad}; nothing was run");
        }

        long firstStep = step;
        if (restartPath != null)
            Log.WriteLine($"md: resuming from step {step} (t = {time.ToString("G6", CultureInfo.InvariantCulture)} fs) of {cfg.Steps}: {(replicas is null ? restartPath : $"{lanes.Length} replica checkpoints")}");
        double forceBefore = lanes.Sum(l => l.System.ForceSeconds), neighborBefore = computer is NeighborForceComputer nf0 ? nf0.NeighborSeconds : 0;
        _progress = Progress?.Invoke(batchAtoms(), firstStep, cfg.Steps);
        long batchAtoms() => lanes.Sum(l => (long)l.System.AtomCount);
        string? stop = null;
        // The virial costs a sixth of an EAM/pair force call; only barostats need it every step.
        // Otherwise it is computed for the steps whose pressure or stress is written.
        var fullOutputs = sys.Outputs;
        var leanOutputs = fullOutputs & ~ForceOutputs.Virial;
        bool virialEveryStep = lanes.Any(l => l.Integrator.NeedsVirial);
        var integrators = lanes.Select(l => l.Integrator).ToArray();
        try
        {
            while (step < cfg.Steps)
            {
                if (resident != null)
                {
                    // Device-resident: many steps without the host, then one sync. Positions and
                    // velocities come back only when an output, a safety check or drift removal needs them.
                    var lane = lanes[0];
                    long target = NextSync(step);
                    int asked = (int)(target - step);
                    integrateClock.Start();
                    int done = resident.Advance(step, asked, () => _interrupt);
                    integrateClock.Stop();
                    step += done;
                    time = step * cfg.TimeStep;
                    bool halted = done < asked && !_interrupt;   // a position went non-finite
                    stateOnHost = halted || _interrupt || step == cfg.Steps || CrashAfterStep == step || InterruptAtStep == step
                        || (anyTrajectory && Due(cfg.Trajectory.Every, step)) || Due(cfg.Checkpoint.Every, step)
                        || Due(cfg.SafetyEvery, step) || Due(cfg.RemoveDriftEvery, step) || Observers.Any(o => Due(o.Every, step));
                    syncClock.Start();
                    resident.Synchronize(stateOnHost);
                    if (stateOnHost) resident.CopyNeighborReference(lane.Neighbors);
                    if (Due(cfg.RemoveDriftEvery, step)) { Velocities.RemoveDrift(sys); resident.UploadVelocities(); }
                    syncClock.Stop();
                    stop = halted ? lane.Safety.CheckGeometry(sys) ?? SafetyChecks.CheckEnergy(sys) : SafetyChecks.CheckEnergy(sys);
                    if (stop == null && Due(cfg.SafetyEvery, step)) stop = lane.Safety.CheckGeometry(sys) ?? SafetyChecks.CheckKinetics(sys);
                    stop ??= Observe(step, time);
                    if (stop != null) break;
                }
                else
                {
                    long next = step + 1;
                    var outputs = virialEveryStep || next == cfg.Steps || Due(cfg.Thermo.Every, next) || (anyTrajectory && Due(cfg.Trajectory.Every, next))
                        ? fullOutputs : leanOutputs;
                    foreach (var lane in lanes) lane.System.Outputs = outputs;
                    integrateClock.Start();
                    if (replicas is null) integrators[0].Step(sys);
                    else replicas.Step(integrators);
                    step++;
                    time = step * cfg.TimeStep;
                    if (cfg.RemoveDriftEvery > 0 && step % cfg.RemoveDriftEvery == 0) foreach (var lane in lanes) Velocities.RemoveDrift(lane.System);
                    integrateClock.Stop();
                    foreach (var lane in lanes) lane.Neighbors.Observe(lane.System);

                    stop = CheckAll(l => SafetyChecks.CheckEnergy(l.System));
                    if (stop == null && Due(cfg.SafetyEvery, step)) stop = CheckAll(l => l.Safety.CheckGeometry(l.System) ?? SafetyChecks.CheckKinetics(l.System));
                    stop ??= Observe(step, time);
                    if (stop != null) break;
                }

                if (Due(cfg.Thermo.Every, step) || Due(cfg.Trajectory.Every, step) || Due(cfg.Checkpoint.Every, step))
                {
                    outputClock.Start();
                    foreach (var lane in lanes)
                    {
                        if (Due(cfg.Thermo.Every, step)) WriteThermo(lane, step, time);
                        if (lane.Trajectory != null && Due(cfg.Trajectory.Every, step)) lane.Trajectory.Write(lane.System, step, time);
                        if (Due(cfg.Checkpoint.Every, step)) WriteCheckpoint(lane, step, time);
                    }
                    outputClock.Stop();
                }
                if (CrashAfterStep == step) { FinalStep = step; return 99; }
                if (InterruptAtStep == step) _interrupt = true;
                _progress?.Report(step, cfg.Steps);
                if (_interrupt) break;
            }
        }
        finally
        {
            _progress?.Clear();
            _progress?.Dispose();
        }
        FinalStep = step;
        if (resident != null && !stateOnHost)
        {
            // Ctrl-C arrived after a sync that left the state on the device.
            resident.Synchronize(true);
            resident.CopyNeighborReference(lanes[0].Neighbors);
        }
        NeighborBuilds = computer.NeighborBuilds;

        // Final or emergency outputs: the checkpoint first (it records the output lengths), then the
        // last thermo line / frame if they were not due. A restart truncates those extra lines, so
        // the continued files match an uninterrupted run byte for byte.
        outputClock.Start();
        foreach (var lane in lanes) WriteCheckpoint(lane, step, time);
        if (sys.Outputs != fullOutputs)
        {
            // Stopped or interrupted on a step computed without the virial: the last frame and
            // thermo line need it (same positions, so the forces and the neighbor list are unchanged).
            foreach (var lane in lanes) lane.System.Outputs = fullOutputs;
            if (replicas is null) sys.ComputeForces(); else replicas.ComputeForces();
        }
        foreach (var lane in lanes)
        {
            // A safety stop breaks out before the step's outputs: its frame is always written here. An
            // interrupt breaks after them: write the frame only when the step was not a trajectory step.
            if (lane.Trajectory != null && (stop != null || (_interrupt && !Due(cfg.Trajectory.Every, step)))) lane.Trajectory.Write(lane.System, step, time);
            if (stop == null && cfg.Thermo.Every > 0 && !Due(cfg.Thermo.Every, step)) WriteThermo(lane, step, time);
            lane.Thermo?.Flush(); lane.Trajectory?.Flush();
        }
        outputClock.Stop();

        string ckptPath = lanes[0].CheckpointPath;
        string ckpts = replicas is null ? ckptPath : $"{ckptPath} (and one per replica)";
        if (stop != null)
        {
            var traj = lanes[0].Trajectory;
            throw new MdStopException($"step {step}: {stop}; stopped after writing the last frame{(traj != null ? $" to {traj.Path}" : "")} and a checkpoint to {ckpts}");
        }

        double forceSeconds = lanes.Sum(l => l.System.ForceSeconds) - forceBefore;
        Report(batchAtoms(), computer, forceSeconds, neighborBefore, step - firstStep, wall.Elapsed.TotalSeconds, integrateClock.Elapsed.TotalSeconds, outputClock.Elapsed.TotalSeconds, ckpts,
            resident != null ? syncClock.Elapsed.TotalSeconds : null);
        if (_interrupt)
        {
            Log.WriteLine($"md: interrupted at step {step}; checkpoint written to {ckpts} (continue with --restart {ckptPath})");
            return _interruptExitCode;
        }
        return 0;
    }

    private IWorkProgress? _progress;

    private static string CheckpointPath(MdConfig c) => c.Checkpoint.File ?? Path.GetFullPath(Path.ChangeExtension(c.Source, ".ckpt"));

    /// <summary>
    /// Before any work: every output's folder exists (created when missing) and takes a file, so a
    /// bad path fails at once, naming the key, instead of after the run.
    /// </summary>
    private static void PrepareOutputFolders(MdConfig c)
    {
        foreach (var (key, path) in new[] { ("thermo.file", c.Thermo.Every > 0 ? c.Thermo.File : null), ("trajectory.file", c.Trajectory.Every > 0 ? c.Trajectory.File : null), ("checkpoint.file", CheckpointPath(c)) })
        {
            if (path is null) continue;
            string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            try
            {
                Directory.CreateDirectory(dir);
                string probe = Path.Combine(dir, $".mlip-write-test.{Environment.ProcessId}.tmp");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"{c.Source}: {key}: cannot write into folder '{dir}': {e.Message}");
            }
        }
    }

    /// <summary>
    /// SHA-256 (16 hex digits) of what defines the potential: a model or spec file's bytes, an inline
    /// spec's keys and values, and the bytes of every file a spec names. Empty for a force field built
    /// by the program (nothing to compare). A restart with another potential is refused.
    /// </summary>
    private static string PotentialFingerprint(MdConfig c)
    {
        if (c.ForceField != null) return "";
        using var sha = global::System.Security.Cryptography.IncrementalHash.CreateHash(global::System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Text(string t) => sha.AppendData(global::System.Text.Encoding.UTF8.GetBytes(t + "\n"));
        void FileBytes(string path) { if (File.Exists(path)) sha.AppendData(File.ReadAllBytes(path)); else Text("missing " + path); }
        void Spec(MlipEngine.Potentials.Spec.PotentialSpec spec)
        {
            foreach (var key in spec.Fields.Keys.Order(StringComparer.Ordinal))
            {
                Text(key);
                Value(spec.Fields[key], key is "file" or "files" or "members", spec.BaseDirectory);
            }
        }
        void Value(object? v, bool isPath, string baseDir)
        {
            switch (v)
            {
                case string str:
                    Text(str);
                    if (isPath) FileBytes(Path.IsPathRooted(str) ? str : Path.Combine(baseDir, str));
                    break;
                case IEnumerable<KeyValuePair<string, object?>> map:
                    foreach (var (k, x) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { Text(k); Value(x, false, baseDir); }
                    break;
                case IEnumerable<object?> list:
                    foreach (var x in list) Value(x, isPath, baseDir);
                    break;
            }
        }
        if (c.PotentialFile is string f)
        {
            if (Path.GetExtension(f).ToLowerInvariant() is ".yaml" or ".yml") Spec(PotentialSpecLoader.FromFile(f));
            else FileBytes(f);
        }
        else if (c.Potential != null) Spec(c.Potential);
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }

    private static string Settings(MdConfig c, bool resident) =>
        FormattableString.Invariant($"{c.Integrator.Type} dt={c.TimeStep} skin={c.Skin} threads={c.Threads} {c.Precision}{(resident ? " opencl-resident" : "")}");

    /// <summary>The device-resident stepper when the computer and integrator allow one; logs which path runs.</summary>
    private IResidentDynamics? CreateResident(MdSystem sys, IIntegrator integrator)
    {
        if (sys.Computer is not IResidentDynamicsSource source) return null;
        var r = source.TryCreateResident(sys, integrator, out string why);
        PathDescription = r?.Description ?? why;
        Log.WriteLine($"md: {PathDescription}");
        return r;
    }

    private void Report(long atoms, IForceComputer computer, double force, double neighborBefore, long steps, double wallSeconds, double integrateWithForce, double output, string ckpt,
        double? residentSync = null)
    {
        double loop = integrateWithForce + output + (residentSync ?? 0);
        double neighbor = computer is NeighborForceComputer nf ? nf.NeighborSeconds - neighborBefore : 0;
        double integrate = Math.Max(0, integrateWithForce - force);
        double perSecond = loop > 0 ? steps / loop : 0;
        double nsPerDay = perSecond * _cfg.TimeStep * 1e-6 * 86400;
        var ic = CultureInfo.InvariantCulture;
        var err = Log;
        err.WriteLine(string.Format(ic, "Loop time of {0:F3} s for {1} steps with {2} atoms ({3} thread(s), {4})", loop, steps, atoms, _cfg.Threads, computer.ForceField.Style));
        err.WriteLine(string.Format(ic, "Performance: {0:F3} ns/day, {1:F3} hours/ns, {2:F3} timesteps/s, {3:E3} atom-steps/s",
            nsPerDay, nsPerDay > 0 ? 24 / nsPerDay : 0, perSecond, perSecond * atoms));
        err.WriteLine($"Neighbor list builds: {computer.NeighborBuilds}");
        err.WriteLine("Section    |   time (s) | %total");
        void Line(string name, double t) => err.WriteLine(string.Format(ic, "{0,-10} | {1,10:F4} | {2,6:F2}", name, t, loop > 0 ? 100 * t / loop : 0));
        if (residentSync is double sync)
        {
            // Kernels run asynchronously, so force, neighbor and integration time are not separable on the host.
            Line("Device", integrateWithForce);
            Line("Sync", sync);
        }
        else
        {
            Line("Force", force - neighbor);
            Line("Neighbor", neighbor);
            Line("Integrate", integrate);
        }
        Line("Output", output);
        err.WriteLine(string.Format(ic, "Total wall time {0:F2} s (setup included); checkpoint {1}", wallSeconds, ckpt));
    }
}

/// <summary>
/// Watches an MD run (e.g. the committee spread of active learning, a property average): called on
/// the host every <see cref="Every"/> steps with the state of that step.
/// </summary>
public interface IMdObserver
{
    /// <summary>Interval in steps (≥ 1).</summary>
    int Every { get; }
    /// <summary>Looks at the replicas (one for a plain run) at <paramref name="step"/> (time in fs); returns a reason to stop the run, or null.</summary>
    string? Observe(long step, double time, IReadOnlyList<MdSystem> replicas);
}
