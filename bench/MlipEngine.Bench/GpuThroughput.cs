using MlipEngine.Backends.Ilgpu;
using MlipEngine.Backends.OpenCl;
using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Bench;

/// <summary>
/// The same force call on the CPU backend, the OpenCL C kernels and the ILGPU kernels (fp64 and fp32),
/// for the decision issue 18 asks: where ILGPU on a GPU is at least as fast as OpenCL on the same GPU,
/// the OpenCL C path retires. Each accelerator backend is skipped with a note when it has no device.
/// See bench/gpu/run.sh.
/// </summary>
public static class GpuThroughput
{
    /// <summary>One force call per backend and precision (<paramref name="mdSteps"/> = 0), or NVE MD: CPU host loop, device-resident OpenCL and ILGPU.</summary>
    public static int Run(string style, int repeat, int reps, int openClDevice, int ilgpuDevice, int mdSteps = 0)
    {
        var (ff, s) = Systems.Create(style, repeat);
        Systems.Jitter(s);
        var batch = SystemBatch.FromStructure(s);
        Console.WriteLine($"# {style}, {s.AtomCount} atoms; CPU backend: {Environment.ProcessorCount} threads" + (mdSteps > 0 ? $"; MD: nve, dt 2 fs, skin 1 A, {mdSteps} steps" : ""));
        var configs = new List<(string, ComputeOptions)> { ("cpu fp64", new ComputeOptions { Backend = Backend.Cpu, Threads = Environment.ProcessorCount }) };
        try
        {
            var cl = OpenClRuntime.Device(openClDevice);
            Console.WriteLine($"# OpenCL device {openClDevice}: {cl.Name} ({cl.Type}, {cl.PlatformName}){(cl.Type == OpenClDeviceType.Cpu ? " — a CPU: not a GPU figure" : "")}");
            configs.Add(("opencl fp64", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = openClDevice }));
            configs.Add(("opencl fp32", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = openClDevice, Precision = Precision.Float32 }));
        }
        catch (Exception e) when (e is OpenClException or NotSupportedException or ArgumentOutOfRangeException) { Console.WriteLine($"# OpenCL skipped: {e.Message}"); }
        var devices = IlgpuDevices.Devices;
        if (ilgpuDevice < devices.Count)
        {
            var d = devices[ilgpuDevice];
            bool cpu = d.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU;
            Console.WriteLine($"# ILGPU device {ilgpuDevice}: {d.Name} ({d.AcceleratorType}){(cpu ? " — ILGPU's CPU accelerator: not a GPU figure" : "")}");
            configs.Add(("ilgpu fp64", new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice }));
            configs.Add(("ilgpu fp32", new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice, Precision = Precision.Float32 }));
        }
        else Console.WriteLine($"# ILGPU skipped: no device {ilgpuDevice} ({devices.Count} found)");
        if (mdSteps <= 0) { OpenClThroughput.Measure(ff, batch, configs, reps); return 0; }
        // MD: the CPU backend integrates on the host; the accelerators run device-resident
        OpenClMdThroughput.Measure(ff, s, style, mdSteps, configs.Select(c => (c.Item1 + (c.Item2.Backend == Backend.Cpu ? ", host integration" : ", device-resident"),
            c.Item2 with { Skin = 1.0 }, c.Item2.Backend != Backend.Cpu)));
        return 0;
    }

    /// <summary>
    /// The devices both accelerator backends find, and a preflight for bench/gpu/run.sh on a GPU machine: prints one line
    /// <c>gpu-check opencl=yes|no ilgpu=yes|no</c> saying whether OpenCL device <paramref name="openClDevice"/> and ILGPU device
    /// <paramref name="ilgpuDevice"/> exist and are GPUs, so that the script never times a ~1M-atom cell on a CPU stand-in.
    /// </summary>
    public static int Devices(int openClDevice, int ilgpuDevice)
    {
        bool clGpu = false, ilGpu = false;
        try
        {
            foreach (var d in OpenClRuntime.Devices())
                Console.WriteLine($"# opencl:{d.Index}  {d.Name} ({d.Type}, {d.PlatformName}, {d.DeviceVersion}, fp64 {(d.SupportsFp64 ? "yes" : "no")}, {d.GlobalMemoryBytes / (1L << 20)} MiB)");
            var all = OpenClRuntime.Devices();
            clGpu = openClDevice < all.Count && all[openClDevice].Type == OpenClDeviceType.Gpu;
        }
        catch (Exception e) when (e is OpenClException or NotSupportedException) { Console.WriteLine($"# OpenCL: {e.Message}"); }
        var devices = IlgpuDevices.Devices;
        for (int i = 0; i < devices.Count; i++)
            Console.WriteLine($"# ilgpu:{i}  {devices[i].Name} ({devices[i].AcceleratorType}, {devices[i].MemorySize / (1L << 20)} MiB)");
        ilGpu = ilgpuDevice < devices.Count && devices[ilgpuDevice].AcceleratorType != ILGPU.Runtime.AcceleratorType.CPU;
        Console.WriteLine($"gpu-check opencl={(clGpu ? "yes" : "no")} ilgpu={(ilGpu ? "yes" : "no")}");
        return 0;
    }

    /// <summary>
    /// Device memory of the equivariant model on ILGPU (fp64 and fp32): one force call (E, F, σ) of cu-mlearn on 4·REPEAT³ Cu atoms with
    /// the edge scratch budget <paramref name="budgetMiB"/> (0: the default), printing the chunks, the bytes held and the call's time.
    /// </summary>
    public static int Memory(int repeat, int budgetMiB, int ilgpuDevice)
    {
        var (ff, s) = Systems.Create("mlip", repeat);
        Systems.Jitter(s);
        var batch = SystemBatch.FromStructure(s);
        var d = IlgpuDevices.Devices[ilgpuDevice];
        Console.WriteLine($"# equivariant cu-mlearn, {s.AtomCount} atoms, skin 1 A; ILGPU device {ilgpuDevice}: {d.Name} ({d.AcceleratorType})" +
            (d.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU ? " — ILGPU's CPU accelerator: not a GPU figure" : ""));
        Console.WriteLine("precision  budget_MiB  chunks  chunk_atoms  edge_scratch_MB  device_MB  device_B/atom  first_call_s  second_call_s");
        foreach (var p in new[] { Precision.Float64, Precision.Float32 })
        {
            using var c = Systems.Catalog.Bind(ff, new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice, Precision = p, Skin = 1.0 });
            var m = (IEdgeChunkedComputer)c;
            m.EdgeScratchBudgetBytes = (long)budgetMiB << 20;
            var result = new ForceResult();
            var outputs = ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial;
            var t0 = System.Diagnostics.Stopwatch.StartNew();
            c.Compute(batch, outputs, result);
            double first = t0.Elapsed.TotalSeconds;
            t0.Restart();
            c.Compute(batch, outputs, result);
            double second = t0.Elapsed.TotalSeconds;
            if (p == Precision.Float64) Console.WriteLine($"# edge scratch {m.EdgeBytesPerSlot} B per chunk slot in fp64");
            Console.WriteLine($"{p,-9}  {budgetMiB,10}  {m.Chunks,6}  {m.ChunkAtoms,11}  {m.EdgeScratchBytes / 1e6,15:F1}  {m.DeviceBytes / 1e6,9:F1}  " +
                $"{(double)m.DeviceBytes / s.AtomCount,13:F0}  {first,12:F2}  {second,13:F2}");
        }
        return 0;
    }

    /// <summary>
    /// Training's energy parameter gradient for a minibatch of <paramref name="frames"/> jittered Cu cells of 4·REPEAT³ atoms (cu-mlearn,
    /// fp64): ∂E/∂θ of the whole minibatch in one ILGPU call (<see cref="MlipEngine.Potentials.Equivariant.IEnergyParameterGradient"/>)
    /// against the CPU trainer's dual pass frame by frame on one thread (<see cref="MlipEngine.Training.Gradients.EquivariantParameterGradient"/>),
    /// with no direction (∂E/∂θ, the same quantity) and with a force direction (the full loss gradient's cost, which the device does not
    /// do yet). Best of <paramref name="reps"/> after one warm-up call.
    /// </summary>
    public static int Gradient(int frames, int repeat, int reps, int ilgpuDevice)
    {
        var structures = new List<AtomicStructure>();
        IForceField ff = null!;
        for (int f = 0; f < frames; f++)
        {
            (ff, var s) = Systems.Create("mlip", repeat);
            Systems.Jitter(s, seed: 12345 + f);
            structures.Add(s);
        }
        var model = (MlipEngine.Potentials.Equivariant.EquivariantModel)ff;
        var batch = SystemBatch.FromStructures(structures);
        var d = IlgpuDevices.Devices[ilgpuDevice];
        Console.WriteLine($"# equivariant cu-mlearn, {frames} frames of {structures[0].AtomCount} atoms ({batch.AtomCount} in all), {model.ParameterCount} parameters; " +
            $"ILGPU device {ilgpuDevice}: {d.Name} ({d.AcceleratorType})" + (d.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU ? " — ILGPU's CPU accelerator: not a GPU figure" : ""));
        static double Best(int reps, Action a)
        {
            a();
            double best = double.MaxValue;
            for (int r = 0; r < reps; r++) { var t = System.Diagnostics.Stopwatch.StartNew(); a(); best = Math.Min(best, t.Elapsed.TotalSeconds); }
            return best;
        }
        var gradient = new double[model.ParameterCount];
        using var c = Systems.Catalog.Bind(ff, new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice, Skin = 1.0 });
        var coefficients = Enumerable.Repeat(1.0, frames).ToArray();
        var energies = new double[frames];
        double device = Best(reps, () => ((MlipEngine.Potentials.Equivariant.IEnergyParameterGradient)c).AccumulateEnergyGradient(batch, coefficients, gradient, energies));
        var graphs = structures.Select(s => MlipEngine.Training.Gradients.FrameGraph.Build(model, SystemBatch.FromStructure(s))).ToArray();
        var cpu = new MlipEngine.Training.Gradients.EquivariantParameterGradient(model);
        var u = new double[3 * structures[0].AtomCount];
        for (int k = 0; k < u.Length; k++) u[k] = Math.Sin(k);
        double cpuEnergy = Best(reps, () => { foreach (var g in graphs) cpu.Accumulate(g, 1.0, [], [], gradient); });
        double cpuForces = Best(reps, () => { foreach (var g in graphs) cpu.Accumulate(g, 1.0, u, [], gradient); });
        // the whole training step's gradient (E, F and σ terms; labels 0.1 eV/atom, 0.2 eV/Å and 0.01 eV/Å³ off the model):
        // the device's DeviceLossGradient (one force call + four ∂E/∂θ calls) vs the CPU trainer's FrameLossGradient per frame
        var weights = new MlipEngine.Training.Loss.LossWeights { Energy = 1, Forces = 10, Stress = 100 };
        using var probe = new MlipEngine.Training.Loss.FrameLossGradient(model);
        var samples = structures.Select((s, k) =>
        {
            var bare = new MlipEngine.Training.Loss.TrainingSample(model, s, new MlipEngine.Training.Loss.FrameLabels { AtomCount = s.AtomCount, Energy = 0 }, $"f{k}");
            var p = probe.Predict(bare);
            return new MlipEngine.Training.Loss.TrainingSample(model, s, new MlipEngine.Training.Loss.FrameLabels
            {
                AtomCount = s.AtomCount, Energy = p.Energy + 0.1 * s.AtomCount, Forces = p.Forces.Select((f, q) => f + 0.2 * Math.Sin(q + k)).ToArray(),
                Stress = p.Stress!.Select(x => x + 0.01).ToArray(),
            }, $"f{k}");
        }).ToArray();
        double cpuLoss = Best(reps, () => { foreach (var smp in samples) probe.Accumulate(smp, weights, frames, gradient, out _); });
        var losses = new double[frames];
        var predictions = new MlipEngine.Training.Loss.Prediction[frames];
        double deviceLoss64, deviceLoss32;
        using (var dev = new MlipEngine.Training.Loss.DeviceLossGradient(model, Systems.Catalog.Bind(ff, new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice, Skin = 1.0 })))
            deviceLoss64 = Best(reps, () => dev.Accumulate(samples, weights, frames, gradient, losses, predictions));
        using (var dev = new MlipEngine.Training.Loss.DeviceLossGradient(model, Systems.Catalog.Bind(ff, new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice, Skin = 1.0, Precision = Precision.Float32 }), float32: true))
            deviceLoss32 = Best(reps, () => dev.Accumulate(samples, weights, frames, gradient, losses, predictions));
        Console.WriteLine("what                                                   s/minibatch");
        Console.WriteLine($"ilgpu fp64 dE/dtheta, one call                         {device,11:F3}");
        Console.WriteLine($"cpu dual pass dE/dtheta, per frame, 1 thread           {cpuEnergy,11:F3}");
        Console.WriteLine($"cpu dual pass E+F direction, per frame, 1 thread       {cpuForces,11:F3}");
        Console.WriteLine($"cpu trainer E+F+stress loss gradient, per frame, 1 th. {cpuLoss,11:F3}");
        Console.WriteLine($"ilgpu fp64 E+F+stress loss gradient (1 + 4 calls)      {deviceLoss64,11:F3}");
        Console.WriteLine($"ilgpu fp32 E+F+stress loss gradient (1 + 4 calls)      {deviceLoss32,11:F3}");
        return 0;
    }

    /// <summary>
    /// A full neighbor-list rebuild for EAM Cu on 4·REPEAT³ atoms (list radius r_c + 1 Å): on the host (the CPU backend's builder on all
    /// cores, the neighbor-major copy and the upload, as ILGPU's host path does it) vs on the ILGPU device (<see cref="IlgpuForceComputer.RebuildOnDevice"/>:
    /// bin, sort, fill, no positions read back). Best of <paramref name="reps"/>.
    /// </summary>
    public static int ListBuild(int repeat, int reps, int ilgpuDevice)
    {
        var (ff, s) = Systems.Create("eam", repeat);
        Systems.Jitter(s);
        var batch = SystemBatch.FromStructure(s);
        int n = batch.AtomCount;
        var d = IlgpuDevices.Devices[ilgpuDevice];
        Console.WriteLine($"# EAM Cu, {n} atoms, list radius {ff.Cutoff + 1:F2} A; host: {Environment.ProcessorCount} threads; ILGPU device {ilgpuDevice}: {d.Name} ({d.AcceleratorType})" +
            (d.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU ? " — ILGPU's CPU accelerator: not a GPU figure" : ""));
        using var c = (IlgpuForceComputer)Systems.Catalog.Bind(ff, new ComputeOptions { Backend = IlgpuBackend.Name, DeviceIndex = ilgpuDevice, Skin = 1.0 });
        c.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces, new ForceResult());
        var a = c.Accelerator;
        using var rx = new DeviceArray<double>(a); using var ry = new DeviceArray<double>(a); using var rz = new DeviceArray<double>(a);
        using var system = new DeviceArray<int>(a); using var images = new DeviceArray<int>(a, 3L * n);
        using var count = new DeviceArray<int>(a); using var j = new DeviceArray<int>(a); using var code = new DeviceArray<int>(a);
        rx.Write(batch.X.AsSpan(0, n)); ry.Write(batch.Y.AsSpan(0, n)); rz.Write(batch.Z.AsSpan(0, n)); system.Write(batch.SystemIndex.AsSpan(0, n));
        var builder = new MlipEngine.Neighbors.NeighborListBuilder(Environment.ProcessorCount);
        var list = builder.Create(MlipEngine.Neighbors.NeighborListKind.Full);
        double host = double.MaxValue, device = double.MaxValue;
        int stride = (n + 63) / 64 * 64;
        for (int r = 0; r < reps + 1; r++)
        {
            var t0 = System.Diagnostics.Stopwatch.StartNew();
            builder.Build(batch, ff.Cutoff + 1.0, list);
            int cap = list.MaxNeighborCount();
            var ch = new int[n]; var jh = new int[cap * stride]; var codeh = new int[jh.Length];
            list.CopyNeighborMajor(stride, ch, jh, codeh);
            count.Write(ch); j.Write(jh); code.Write(codeh);
            a.Synchronize();
            if (r > 0) host = Math.Min(host, t0.Elapsed.TotalSeconds);
            t0.Restart();
            lock (c.DeviceLock) { c.RebuildOnDevice(batch, rx.View, ry.View, rz.View, system.View, images.View); a.Synchronize(); }
            if (r > 0) device = Math.Min(device, t0.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"host build + copy + upload {host * 1e3:F1} ms, device build {device * 1e3:F1} ms (best of {reps})");
        return 0;
    }
}
