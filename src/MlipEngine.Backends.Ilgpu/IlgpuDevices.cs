using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using MlipEngine.ForceFields;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The ILGPU devices of this process, in the order <c>--device ilgpu:INDEX</c> numbers them: CUDA GPUs,
/// then ILGPU's OpenCL devices, then its CPU accelerator — so <c>ilgpu</c> (index 0) is the first GPU
/// when there is one and the CPU accelerator otherwise. One ILGPU context per process, created on
/// first use; one accelerator per device, created when a computer first binds to it and kept for the
/// process (compiled kernels are cached per accelerator, so later computers bind without compiling).
/// </summary>
public static class IlgpuDevices
{
    private static readonly Lazy<Context> SharedContext = new(CreateContext, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Dictionary<int, IlgpuDevice> Opened = [];
    private static readonly object Gate = new();

    private static Context CreateContext()
    {
        // CUDA and ILGPU's OpenCL devices, and a CPU accelerator with one multiprocessor per core (ILGPU's default CPU device has
        // one, i.e. runs kernels on one thread) of one 2-thread warp. ILGPU's CPU runtime makes every thread of a group meet at a
        // barrier after each grid step and wakes all its threads per launch, so each thread beyond the cores costs wake-ups: with
        // 4 warps of 4 threads (32 threads on 2 cores) the test suite's ILGPU tests took 593 s, with 2 threads per core 336 s, and
        // a launch slows 15–50× when other work shares the cores (docs/verification.md, ILGPU). Two threads per group still run every
        // kernel's atomics concurrently. fp64 stays fp64 (MathMode.Default): the fp32 kernels are written with float types.
        var cpu = new CPUDevice(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 1, numMultiprocessors: Math.Max(1, Environment.ProcessorCount));
        var context = Context.Create(b => b.Cuda().OpenCL().CPU(cpu).Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { lock (Gate) { foreach (var d in Opened.Values) d.Accelerator.Dispose(); Opened.Clear(); } context.Dispose(); };
        return context;
    }

    /// <summary>The devices ILGPU found, GPUs first (see the class remarks).</summary>
    public static IReadOnlyList<Device> Devices =>
        SharedContext.Value.Devices.OrderBy(d => d.AcceleratorType switch { AcceleratorType.Cuda => 0, AcceleratorType.OpenCL => 1, _ => 2 }).ToArray();

    /// <summary>The device of <paramref name="index"/>, its accelerator created on first use.</summary>
    internal static IlgpuDevice Get(int index)
    {
        lock (Gate)
        {
            if (Opened.TryGetValue(index, out var open)) return open;
            var devices = Devices;
            if ((uint)index >= (uint)devices.Count)
                throw new ComputeBackendException($"no ILGPU device {index}: this machine has {devices.Count} ({string.Join(", ", devices.Select((d, k) => $"[{k}] {d.Name}"))}; see 'mlip info')");
            var d = devices[index];
            var device = new IlgpuDevice(index, d, d.CreateAccelerator(SharedContext.Value));
            Opened[index] = device;
            return device;
        }
    }

    /// <summary>One line per device for <c>mlip info</c>.</summary>
    public static IReadOnlyList<string> Describe()
    {
        IReadOnlyList<Device> devices;
        try { devices = Devices; }
        catch (Exception e) when (e is not OutOfMemoryException) { return [$"ilgpu: {e.Message}"]; }
        var lines = new List<string> { $"ilgpu accelerators ({devices.Count}; select with --device ilgpu:INDEX):" };
        for (int k = 0; k < devices.Count; k++)
        {
            var d = devices[k];
            lines.Add($"  [{k}] {d.Name} — {d.AcceleratorType}, {d.NumMultiprocessors} multiprocessors, warp {d.WarpSize}" +
                (d.AcceleratorType == AcceleratorType.CPU
                    ? " (ILGPU's CPU accelerator: runs the kernels for tests, not for speed)"
                    : $", {d.MemorySize / (1024.0 * 1024 * 1024):F1} GiB memory"));
        }
        return lines;
    }
}

/// <summary>An opened device: its accelerator and the lock that serialises launches on its default stream.</summary>
internal sealed class IlgpuDevice(int index, Device device, Accelerator accelerator)
{
    public int Index { get; } = index;
    public Device Device { get; } = device;
    public Accelerator Accelerator { get; } = accelerator;
    public object Sync { get; } = new();
    public bool IsCpu => Device.AcceleratorType == AcceleratorType.CPU;
}
