using System.Diagnostics;
using MlipEngine.Backends.OpenCl;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.State;

namespace MlipEngine.Bench;

/// <summary>
/// NVE MD throughput (velocity Verlet, skin 1 Å, dt 2 fs, velocities at 300 K for Cu (EAM and the equivariant model) / 40 K for Ar) in
/// atom-steps/s = atoms × steps / seconds, for: the CPU backend (all cores, host integration); OpenCL
/// forces with host integration (positions uploaded and forces read back every step — the path
/// `mlip md` takes for integrators without a device kernel); and device-resident MD on OpenCL (fp64,
/// fp32), synced once at the end. Timed after 10 warm-up steps; one run each. Prints the total energy
/// after the run so the variants can be checked against each other. See bench/opencl/README.md.
/// </summary>
public static class OpenClMdThroughput
{
    public static int Run(string style, int repeat, int steps, int device)
    {
        var (ff, s) = Systems.Create(style, repeat);
        Systems.Jitter(s);
        var info = OpenClRuntime.Device(device);
        Console.WriteLine($"# MD (nve, dt 2 fs, skin 1 A) {style}, {s.AtomCount} atoms, {steps} steps; CPU backend: {Environment.ProcessorCount} threads; OpenCL device {device}: {info.Name} ({info.Type}, {info.PlatformName})");
        if (info.Type == OpenClDeviceType.Cpu)
            Console.WriteLine($"# NOTE: this OpenCL device is a CPU ({info.ComputeUnits} cores): these are not GPU figures.");
        var variants = new (string Name, ComputeOptions Options, bool Resident)[]
        {
            ("cpu fp64, host integration", new ComputeOptions { Backend = Backend.Cpu, Threads = Environment.ProcessorCount, Skin = 1.0 }, false),
            ("opencl fp64, per-step upload", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = device, Skin = 1.0 }, false),
            ("opencl fp64, device-resident", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = device, Skin = 1.0 }, true),
            ("opencl fp32, device-resident", new ComputeOptions { Backend = Backend.OpenCl, DeviceIndex = device, Skin = 1.0, Precision = Precision.Float32 }, true),
        };
        Measure(ff, s, style, steps, variants);
        return 0;
    }

    /// <summary>
    /// Times <paramref name="steps"/> NVE steps per variant after 10 warm-up steps: host integration, or the
    /// computer's device-resident stepper (<see cref="IResidentDynamicsSource"/>) synced once at the end. One row each.
    /// </summary>
    public static void Measure(IForceField ff, AtomicStructure s, string style, int steps, IEnumerable<(string Name, ComputeOptions Options, bool Resident)> variants)
    {
        Console.WriteLine("# variant                               s/step      atom-steps/s   builds   E+K after (eV)");
        double temperature = style == "lj" ? 40 : 300;
        foreach (var (name, options, resident) in variants)
        {
            using var computer = Systems.Catalog.Bind(ff, options);
            var sys = new MdSystem(SystemBatch.FromStructure(s), computer, 2.0);
            Velocities.InitializeMaxwellBoltzmann(sys, temperature, 7);
            sys.Outputs = ForceOutputs.EnergyAndForces;
            sys.ComputeForces();
            var verlet = new VelocityVerlet();
            double seconds, energy;
            if (resident)
            {
                using var r = ((IResidentDynamicsSource)computer).TryCreateResident(sys, verlet, out string why) ?? throw new InvalidOperationException(why);
                r.Upload();
                r.Advance(0, 10);
                r.Synchronize(false);
                long t0 = Stopwatch.GetTimestamp();
                r.Advance(10, steps);
                r.Synchronize(false);   // waits for the queue and reduces E, K
                seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                energy = sys.PotentialEnergy + 0.5 * (r.KineticTensor[0] + r.KineticTensor[4] + r.KineticTensor[8]);
            }
            else
            {
                for (int k = 0; k < 10; k++) verlet.Step(sys);
                long t0 = Stopwatch.GetTimestamp();
                for (int k = 0; k < steps; k++) verlet.Step(sys);
                seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                energy = sys.PotentialEnergy + sys.KineticEnergy();
            }
            Console.WriteLine($"{name,-36} {seconds / steps,10:F4}  {(double)s.AtomCount * steps / seconds,14:E3}   {computer.NeighborBuilds,6}   {energy:F6}");
        }
    }
}