using System.Diagnostics;
using MlipEngine.Backends.OpenCl;
using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Bench;

/// <summary>
/// Throughput of one force call (energy + forces, host positions in, host forces out) on the CPU
/// backend and on OpenCL (fp64 and fp32), with the neighbor list reused (skin 1 Å, positions
/// unchanged) and rebuilt every call (skin 0). Reports atom-steps/s = atoms / seconds per call, the
/// minimum over REPS after warm-up. See bench/opencl/README.md.
/// </summary>
public static class OpenClThroughput
{
    public static int Run(string style, int repeat, int reps, int device)
    {
        var (ff, s) = Systems.Create(style, repeat);
        Systems.Jitter(s);
        var batch = SystemBatch.FromStructure(s);
        var info = OpenClRuntime.Device(device);
        Console.WriteLine($"# {style}, {s.AtomCount} atoms; CPU backend: {Environment.ProcessorCount} threads; OpenCL device {device}: {info.Name} ({info.Type}, {info.PlatformName}, {info.ComputeUnits} compute units)");
        if (info.Type == OpenClDeviceType.Cpu)
            Console.WriteLine($"# NOTE: this OpenCL device is a CPU ({info.ComputeUnits} cores): these are not GPU figures.");
        var configs = new (string Name, ComputeOptions Options)[]
        {
            ("cpu fp64", new ComputeOptions { Backend = Backend.Cpu, Threads = Environment.ProcessorCount }),
            ("opencl fp64", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = device }),
            ("opencl fp32", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = device, Precision = Precision.Float32 }),
        };
        Measure(ff, batch, configs, reps);
        return 0;
    }

    /// <summary>
    /// Times one force call per configuration, with the list reused (skin 1 Å) and rebuilt (skin 0): the
    /// minimum over <paramref name="reps"/> calls after two warm-up calls, one table row each.
    /// </summary>
    public static void Measure(IForceField ff, SystemBatch batch, IEnumerable<(string Name, ComputeOptions Options)> configs, int reps)
    {
        int atoms = batch.AtomCount;
        Console.WriteLine("# backend            list      s/call      atom-steps/s   energy (eV)");
        foreach (var (name, options) in configs)
            foreach (var (listName, skin) in new[] { ("reused", 1.0), ("rebuilt", 0.0) })
            {
                using var c = Systems.Catalog.Bind(ff, options with { Skin = skin });
                var r = new ForceResult();
                for (int w = 0; w < 2; w++) c.Compute(batch, ForceOutputs.EnergyAndForces, r);
                double best = double.PositiveInfinity;
                for (int k = 0; k < reps; k++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    c.Compute(batch, ForceOutputs.EnergyAndForces, r);
                    best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
                }
                Console.WriteLine($"{name,-20} {listName,-8} {best,10:F4}  {atoms / best,14:E3}   {r.Energy[0]:F6}");
                if (c is OpenClEquivariantComputer eq && eq.KernelSeconds.Count > 0)
                    Console.WriteLine("#   kernels (MLIP_PROFILE=1, s over all calls): " + string.Join(", ", eq.KernelSeconds.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:F3}")));
            }
    }
}
