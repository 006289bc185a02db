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
    /// <summary>Makes the progress display for (atoms, first step, last step); null shows none.</summary>
    public Func<long, long, long, IWorkProgress>? Progress { get; set; }
    public MdSystem? System { get; private set; }
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

    /// <summary>Requests a clean stop after the current step (Ctrl-C): a checkpoint is written and <see cref="Run"/> returns 130. Thread-safe.</summary>
    public void Interrupt() => _interrupt = true;

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

    public int Run(string? restartPath = null)
    {
        var cfg = _cfg;
        var wall = Stopwatch.StartNew();
        var structure = BuildStructure(cfg);
        if (cfg.PotentialFile != null && !cfg.PotentialFile.EndsWith(".mlip", StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"{cfg.Source}: potential: '{cfg.PotentialFile}' is neither a potential spec (.yaml) nor a model file (.mlip)");
        var ff = cfg.PotentialFile != null ? _catalog.Load(cfg.PotentialFile) : _catalog.Create(cfg.Potential!);
        var batch = SystemBatch.FromStructure(structure);
        var frozen = new bool[batch.AtomCount];
        foreach (int i in cfg.FrozenIndices)
        {
            if (i >= batch.AtomCount) throw new FormatException($"{cfg.Source}: frozen.indices: atom {i} does not exist ({batch.AtomCount} atoms)");
            frozen[i] = true;
        }
        if (cfg.FrozenZBelow is double zb) for (int i = 0; i < batch.AtomCount; i++) if (batch.Z[i] < zb) frozen[i] = true;

        using var computer = _catalog.Bind(ff, new ComputeOptions { Backend = cfg.Backend, DeviceIndex = cfg.DeviceIndex, Threads = cfg.Threads, Precision = cfg.Precision, Skin = cfg.Skin });
        var sys = new MdSystem(batch, computer, cfg.TimeStep, frozen);
        System = sys;
        var integrator = CreateIntegrator(cfg, sys);
        using var resident = CreateResident(sys, integrator);
        var neighbors = new NeighborReference();
        var safety = new SafetyChecks(cfg.SafetyMinDistance);
        string ckptPath = cfg.Checkpoint.File ?? Path.GetFullPath(Path.ChangeExtension(cfg.Source, ".ckpt"));

        long step = 0; double time = 0;
        MdCheckpoint? restart = null;
        if (restartPath != null)
        {
            restart = MdCheckpoint.Read(restartPath);
            restart.Restore(sys, integrator);
            step = restart.Step; time = restart.Time;
            NeighborReference.Replay(sys, restart);
            neighbors.Observe(sys);
            if (restart.Settings != Settings(cfg, resident != null)) Log.WriteLine($"md: warning: settings differ from the checkpoint's ({restart.Settings} → {Settings(cfg, resident != null)}); the continuation is not the uninterrupted run");
        }
        else if (cfg.VelocityTemperature is double vt) Velocities.InitializeMaxwellBoltzmann(sys, vt, cfg.VelocitySeed, cfg.ZeroMomentum);
        else sys.ZeroFrozenVelocities();

        sys.ComputeForces();
        neighbors.Observe(sys);
        if (resident != null)
        {
            resident.Upload();
            resident.Synchronize(false);   // the kinetic tensor of step 0, for the first thermo line
        }

        long? Truncate(string key) => restart is null ? null : restart.Outputs.TryGetValue(key, out long v) ? v : 0;
        using var thermo = cfg.Thermo.File != null && cfg.Thermo.Every > 0 ? new ThermoCsv(cfg.Thermo.File, Truncate("thermo")) : null;
        using var traj = cfg.Trajectory.File != null && cfg.Trajectory.Every > 0 ? TrajectoryFile.Open(cfg.Trajectory.File, Truncate("trajectory")) : null;

        var outputClock = new Stopwatch();
        var integrateClock = new Stopwatch();
        var syncClock = new Stopwatch();
        bool consoleHeader = false;
        void WriteThermo(long st, double t)
        {
            var sample = resident != null
                ? ThermoSample.Measure(sys, st, t, integrator.ExtendedEnergy(sys), resident.KineticTensor)
                : ThermoSample.Measure(sys, st, t, integrator.ExtendedEnergy(sys));
            thermo?.Write(sample);
            var ic = CultureInfo.InvariantCulture;
            if (!consoleHeader)
            {
                _out.WriteLine(string.Format(ic, "{0,10} {1,12} {2,16} {3,14} {4,16} {5,10} {6,11} {7,12}", "Step", "Time(fs)", "PotEng(eV)", "KinEng(eV)", "TotEng(eV)", "Temp(K)", "Press(GPa)", "Volume(A3)"));
                consoleHeader = true;
            }
            _progress?.Clear();
            _out.WriteLine(string.Format(ic, "{0,10} {1,12:F3} {2,16:F6} {3,14:F6} {4,16:F6} {5,10:F2} {6,11:F5} {7,12:F3}",
                st, t, sample.Potential, sample.Kinetic, sample.Potential + sample.Kinetic, sample.Temperature, sample.PressureGPa, sample.Volume));
        }
        void WriteCheckpoint(long st, double t)
        {
            var c = MdCheckpoint.Capture(sys, integrator, st, t, neighbors);
            c.Settings = Settings(cfg, resident != null);
            if (thermo != null) c.Outputs["thermo"] = thermo.Length;
            if (traj != null) c.Outputs["trajectory"] = traj.Length;
            c.Write(ckptPath);
        }
        bool Due(int every, long st) => every > 0 && st % every == 0;
        // Device-resident runs advance to the next step where the host needs something.
        long NextSync(long st)
        {
            long t = Math.Min(cfg.Steps, st + Math.Max(1, ResidentChunkSteps));
            void Next(int every) { if (every > 0) t = Math.Min(t, (st / every + 1) * every); }
            Next(cfg.Thermo.Every); if (traj != null) Next(cfg.Trajectory.Every); Next(cfg.Checkpoint.Every);
            Next(cfg.SafetyEvery); Next(cfg.RemoveDriftEvery);
            if (CrashAfterStep > st) t = Math.Min(t, CrashAfterStep.Value);
            if (InterruptAtStep > st) t = Math.Min(t, InterruptAtStep.Value);
            return t;
        }
        bool stateOnHost = true;

        if (restart is null)
        {
            if (cfg.Thermo.Every > 0) WriteThermo(0, 0);
            if (traj != null) traj.Write(sys, 0, 0);
            string? bad = SafetyChecks.CheckEnergy(sys) ?? safety.CheckGeometry(sys);
            if (bad != null) throw new MdStopException($"step 0: {bad}; nothing was run");
        }

        long firstStep = step;
        double forceBefore = sys.ForceSeconds, neighborBefore = computer is NeighborForceComputer nf0 ? nf0.NeighborSeconds : 0;
        _progress = Progress?.Invoke(sys.AtomCount, firstStep, cfg.Steps);
        string? stop = null;
        // The virial costs a sixth of an EAM/pair force call; only barostats need it every step.
        // Otherwise it is computed for the steps whose pressure or stress is written.
        var fullOutputs = sys.Outputs;
        var leanOutputs = fullOutputs & ~ForceOutputs.Virial;
        bool virialEveryStep = integrator.NeedsVirial;
        try
        {
            while (step < cfg.Steps)
            {
                if (resident != null)
                {
                    // Device-resident: many steps without the host, then one sync. Positions and
                    // velocities come back only when an output, a safety check or drift removal needs them.
                    long target = NextSync(step);
                    int asked = (int)(target - step);
                    integrateClock.Start();
                    int done = resident.Advance(step, asked, () => _interrupt);
                    integrateClock.Stop();
                    step += done;
                    time = step * cfg.TimeStep;
                    bool halted = done < asked && !_interrupt;   // a position went non-finite
                    stateOnHost = halted || _interrupt || step == cfg.Steps || CrashAfterStep == step || InterruptAtStep == step
                        || (traj != null && Due(cfg.Trajectory.Every, step)) || Due(cfg.Checkpoint.Every, step)
                        || Due(cfg.SafetyEvery, step) || Due(cfg.RemoveDriftEvery, step);
                    syncClock.Start();
                    resident.Synchronize(stateOnHost);
                    if (stateOnHost) resident.CopyNeighborReference(neighbors);
                    if (Due(cfg.RemoveDriftEvery, step)) { Velocities.RemoveDrift(sys); resident.UploadVelocities(); }
                    syncClock.Stop();
                    stop = halted ? safety.CheckGeometry(sys) ?? SafetyChecks.CheckEnergy(sys) : SafetyChecks.CheckEnergy(sys);
                    if (stop == null && Due(cfg.SafetyEvery, step)) stop = safety.CheckGeometry(sys);
                    if (stop != null) break;
                }
                else
                {
                    long next = step + 1;
                    sys.Outputs = virialEveryStep || next == cfg.Steps || Due(cfg.Thermo.Every, next) || (traj != null && Due(cfg.Trajectory.Every, next))
                        ? fullOutputs : leanOutputs;
                    integrateClock.Start();
                    integrator.Step(sys);
                    step++;
                    time = step * cfg.TimeStep;
                    if (cfg.RemoveDriftEvery > 0 && step % cfg.RemoveDriftEvery == 0) Velocities.RemoveDrift(sys);
                    integrateClock.Stop();
                    neighbors.Observe(sys);

                    stop = SafetyChecks.CheckEnergy(sys);
                    if (stop == null && Due(cfg.SafetyEvery, step)) stop = safety.CheckGeometry(sys);
                    if (stop != null) break;
                }

                if (Due(cfg.Thermo.Every, step) || Due(cfg.Trajectory.Every, step) || Due(cfg.Checkpoint.Every, step))
                {
                    outputClock.Start();
                    if (Due(cfg.Thermo.Every, step)) WriteThermo(step, time);
                    if (traj != null && Due(cfg.Trajectory.Every, step)) traj.Write(sys, step, time);
                    if (Due(cfg.Checkpoint.Every, step)) WriteCheckpoint(step, time);
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
            resident.CopyNeighborReference(neighbors);
        }
        NeighborBuilds = computer.NeighborBuilds;

        // Final or emergency outputs: the checkpoint first (it records the output lengths), then the
        // last thermo line / frame if they were not due. A restart truncates those extra lines, so
        // the continued files match an uninterrupted run byte for byte.
        outputClock.Start();
        WriteCheckpoint(step, time);
        if (sys.Outputs != fullOutputs)
        {
            // Stopped or interrupted on a step computed without the virial: the last frame and
            // thermo line need it (same positions, so the forces and the neighbor list are unchanged).
            sys.Outputs = fullOutputs;
            sys.ComputeForces();
        }
        if (traj != null && (stop != null || _interrupt) && !Due(cfg.Trajectory.Every, step)) traj.Write(sys, step, time);
        if (stop == null && cfg.Thermo.Every > 0 && !Due(cfg.Thermo.Every, step)) WriteThermo(step, time);
        outputClock.Stop();
        thermo?.Flush(); traj?.Flush();

        if (stop != null)
            throw new MdStopException($"step {step}: {stop}; stopped after writing the last frame{(traj != null ? $" to {traj.Path}" : "")} and a checkpoint to {ckptPath}");

        Report(sys, computer, forceBefore, neighborBefore, step - firstStep, wall.Elapsed.TotalSeconds, integrateClock.Elapsed.TotalSeconds, outputClock.Elapsed.TotalSeconds, ckptPath,
            resident != null ? syncClock.Elapsed.TotalSeconds : null);
        if (_interrupt)
        {
            Log.WriteLine($"md: interrupted at step {step}; checkpoint written to {ckptPath} (continue with --restart {ckptPath})");
            return 130;
        }
        return 0;
    }

    private IWorkProgress? _progress;

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

    private void Report(MdSystem sys, IForceComputer computer, double forceBefore, double neighborBefore, long steps, double wallSeconds, double integrateWithForce, double output, string ckpt,
        double? residentSync = null)
    {
        double loop = integrateWithForce + output + (residentSync ?? 0);
        double force = sys.ForceSeconds - forceBefore, neighbor = computer is NeighborForceComputer nf ? nf.NeighborSeconds - neighborBefore : 0;
        double integrate = Math.Max(0, integrateWithForce - force);
        double perSecond = loop > 0 ? steps / loop : 0;
        double nsPerDay = perSecond * _cfg.TimeStep * 1e-6 * 86400;
        var ic = CultureInfo.InvariantCulture;
        var err = Log;
        err.WriteLine(string.Format(ic, "Loop time of {0:F3} s for {1} steps with {2} atoms ({3} thread(s), {4})", loop, steps, sys.AtomCount, _cfg.Threads, computer.ForceField.Style));
        err.WriteLine(string.Format(ic, "Performance: {0:F3} ns/day, {1:F3} hours/ns, {2:F3} timesteps/s, {3:E3} atom-steps/s",
            nsPerDay, nsPerDay > 0 ? 24 / nsPerDay : 0, perSecond, perSecond * sys.AtomCount));
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

