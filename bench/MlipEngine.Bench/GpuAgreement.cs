using MlipEngine.Backends.Ilgpu;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Bench;

/// <summary>
/// Before timing anything on a GPU, bench/gpu/run.sh checks that the accelerator backends compute the same forces as the CPU
/// backend there: lj/cut, morse, eam, sw, tersoff and the shipped equivariant Cu model on small jittered periodic cells, ILGPU
/// and OpenCL in fp64 and fp32, energy, forces and virial against the CPU backend's fp64. The CI suite holds these bounds on
/// ILGPU's CPU accelerator and PoCL; a GPU compiles the same kernels through other compilers (PTX, NVIDIA's OpenCL), so the
/// first run there has to show they hold too. The cells are compressed by 3 % so that the virial is not a sum that cancels
/// to near zero (at the lattice constant it is, and its own scale would be round-off). Bounds: fp64 1e-10 of the largest |F| (energy: of |E|, virial: of the largest
/// |W|); fp32 1e-5 (the test suite's fp32 bound for forces) or 4× what the CPU backend's own fp32 gives on that system.
/// </summary>
public static class GpuAgreement
{
    /// <summary>
    /// Device-resident NVE (fp64, 200 steps of 1 fs at 600 K, skin 0.3 Å: several list rebuilds) against the CPU backend's
    /// host loop on EAM Cu in three cell shapes: a periodic 3×3×3 crystal, a 3×3×3 cube with every axis open, and a 3×3×2 slab open
    /// along c. Bound: positions within 1e-9 of the RMS displacement (the suite holds 1e-10 on the CPU stand-ins). Returns the failures.
    /// </summary>
    private static int ResidentMd(int openClDevice, int ilgpuDevice)
    {
        Console.WriteLine("# device-resident NVE vs the CPU backend's host loop: EAM Cu, 200 steps, fp64; max |Δr| / RMS displacement (bound 1e-9)");
        int failed = 0;
        foreach (var (shape, periodic, repeat) in new[] { ("periodic", (true, true, true), (3, 3, 3)), ("cluster", (false, false, false), (3, 3, 3)), ("slab", (true, true, false), (3, 3, 2)) })
        {
            MdSystem Make(ComputeOptions options)
            {
                var cube = Systems.Fcc(29, 3.615, Math.Max(repeat.Item1, repeat.Item3));
                var keep = cube.Positions.Select((r, i) => (r, i)).Where(x => x.r.Z < repeat.Item3 * 3.615 - 1e-6).Select(x => x.i).ToArray();
                var h = Geometry.Mat3.Diagonal(repeat.Item1 * 3.615, repeat.Item2 * 3.615, repeat.Item3 * 3.615);
                var s = new AtomicStructure(keep.Select(i => cube.Numbers[i]).ToArray(), keep.Select(i => cube.Positions[i]).ToArray(),
                    new Cell(h, periodic.Item1, periodic.Item2, periodic.Item3));
                Systems.Jitter(s);
                var ff = Systems.Catalog.Load($"{{style: eam, file: {PotentialFile("Cu_u3.eam")}, elements: [Cu]}}");
                var sys = new MdSystem(SystemBatch.FromStructure(s), Systems.Catalog.Bind(ff, options with { Skin = 0.3 }), timeStep: 1.0);
                Dynamics.Md.Velocities.InitializeMaxwellBoltzmann(sys, 600, seed: 11);
                sys.ComputeForces();
                return sys;
            }
            var cpu = Make(new ComputeOptions { Backend = Backend.Cpu, Threads = Environment.ProcessorCount });
            int n = cpu.Batch.AtomCount;
            double[] x0 = cpu.Batch.X[..n], y0 = cpu.Batch.Y[..n], z0 = cpu.Batch.Z[..n];
            var verlet = new VelocityVerlet();
            for (int k = 0; k < 200; k++) verlet.Step(cpu);
            double ss = 0;
            for (int i = 0; i < n; i++)
            {
                double dx = cpu.Batch.X[i] - x0[i], dy = cpu.Batch.Y[i] - y0[i], dz = cpu.Batch.Z[i] - z0[i];
                ss += dx * dx + dy * dy + dz * dz;
            }
            double rms = Math.Sqrt(ss / n);
            foreach (var (name, backend, index) in new[] { ("ilgpu", IlgpuBackend.Name, ilgpuDevice), ("opencl", Backend.OpenCl, openClDevice) })
            {
                string where;
                double dr = 0;
                try
                {
                    var dev = Make(new ComputeOptions { Backend = backend, DeviceIndex = index });
                    using var resident = ((IResidentDynamicsSource)dev.Computer).TryCreateResident(dev, new VelocityVerlet(), out string why)
                        ?? throw new NotSupportedException(why);
                    where = resident.Description.Contains("rebuilt on the device") ? "device lists"
                        : resident.Description.Contains("rebuilt on the host") ? "host lists" : "lists as docs/backends.md says";
                    resident.Upload();
                    resident.Advance(0, 200);
                    resident.Synchronize(state: true);
                    for (int i = 0; i < n; i++)
                        dr = Math.Max(dr, Math.Max(Math.Abs(cpu.Batch.X[i] - dev.Batch.X[i]), Math.Max(Math.Abs(cpu.Batch.Y[i] - dev.Batch.Y[i]), Math.Abs(cpu.Batch.Z[i] - dev.Batch.Z[i]))));
                }
                catch (Exception e) when (e is NotSupportedException or ArgumentException or ComputeBackendException or InvalidOperationException)
                {
                    Console.WriteLine($"{"md " + shape,-26} {name,-17} {n,6}  n/a: {e.Message.Split('\n')[0]}");
                    continue;
                }
                bool ok = dr <= 1e-9 * rms;
                if (!ok) failed++;
                Console.WriteLine($"{"md " + shape,-26} {name + " fp64",-17} {n,6} {dr / rms,10:E2}  {where}, RMS displacement {rms:F3} Å  {(ok ? "ok" : "FAIL")}");
            }
        }
        return failed;
    }

    /// <summary>A file of LAMMPS' potentials: beside the packed executable (bench/gpu/pack.sh copies them), else Debian's lammps-data.</summary>
    public static string PotentialFile(string name)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "potentials", name);
        return File.Exists(beside) ? beside : Path.Combine("/usr/share/lammps/potentials", name);
    }

    /// <summary>Diamond (zincblende for two species) cells: fcc of <paramref name="za"/> plus the same shifted by (¼, ¼, ¼) a of <paramref name="zb"/>.</summary>
    private static AtomicStructure Diamond(int za, int zb, double a, int repeat)
    {
        var fcc = Systems.Fcc(za, a, repeat);
        int n = fcc.AtomCount;
        var z = new int[2 * n];
        var pos = new Vec3[2 * n];
        for (int i = 0; i < n; i++)
        {
            z[i] = za; pos[i] = fcc.Positions[i];
            z[n + i] = zb; pos[n + i] = fcc.Positions[i] + (a / 4) * new Vec3(1, 1, 1);
        }
        return new AtomicStructure(z, pos, fcc.Cell);
    }

    public static int Run(int openClDevice, int ilgpuDevice)
    {
        var cases = new (string Name, string Spec, AtomicStructure S)[]
        {
            ("lj/cut Ar", "{style: lj/cut, cutoff: 8.5, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}}}", Systems.Fcc(18, 0.97 * 5.26, 4)),
            ("morse Cu", "{style: morse, cutoff: 6.0, shift: true, pairs: {Cu-Cu: {d0: 0.3429, alpha: 1.3588, r0: 2.866}}}", Systems.Fcc(29, 0.97 * 3.615, 4)),
            ("eam Cu_u3", $"{{style: eam, file: {PotentialFile("Cu_u3.eam")}, elements: [Cu]}}", Systems.Fcc(29, 0.97 * 3.615, 4)),
            ("sw Si", $"{{style: sw, file: {PotentialFile("Si.sw")}, elements: [Si]}}", Diamond(14, 14, 0.97 * 5.431, 3)),
            ("tersoff SiC", $"{{style: tersoff, file: {PotentialFile("SiC.tersoff")}, elements: [Si, C]}}", Diamond(14, 6, 0.97 * 4.36, 3)),
            ("equivariant cu-mlearn", $"{{style: equivariant, file: {Systems.RepositoryFile("potentials/cu-mlearn.mlip")}}}", Systems.Fcc(29, 0.97 * 3.643, 4)),
            // V/V0 0.22: every pair inside the ZBL core's switch and the density fade acting on every atom
            ("equivariant si, core+fade", $"{{style: equivariant, file: {Systems.RepositoryFile("potentials/si-mlearn.mlip")}}}", Diamond(14, 14, 0.6 * 5.469, 3)),
        };
        // fp32 is held to what fp32 arithmetic gives on this system at all: the CPU backend's own fp32 (fp32 arithmetic, fp64 sums) is
        // the floor, and a device's fp32 must stay within 4× of it (other summation orders) or 1e-5, whichever is larger. At
        // extreme compression the learned energies are large and fp32 loses digits on the CPU as well (Si at V/V0 0.22: 5e-5).
        var backends = new List<(string Name, ComputeOptions Options, bool Fp32)>();
        foreach (var (name, backend, index) in new[] { ("ilgpu", IlgpuBackend.Name, ilgpuDevice), ("opencl", Backend.OpenCl, openClDevice) })
        {
            backends.Add(($"{name} fp64", new ComputeOptions { Backend = backend, DeviceIndex = index }, false));
            backends.Add(($"{name} fp32", new ComputeOptions { Backend = backend, DeviceIndex = index, Precision = Precision.Float32 }, true));
        }
        var cpuOptions = new ComputeOptions { Backend = Backend.Cpu, Threads = Environment.ProcessorCount };
        Console.WriteLine("# agreement with the CPU backend's fp64: |ΔE|/|E|, max |ΔF|/max |F|, max |ΔW|/max |W| (W the virial; cells compressed 3 %)");
        Console.WriteLine("# bound: fp64 1e-10; fp32 max(1e-5, 4 × the CPU backend's own fp32 figure on that system, the row \"cpu fp32 (floor)\")");
        Console.WriteLine($"{"system",-26} {"backend",-17} {"atoms",6} {"dE",10} {"dF",10} {"dW",10}  verdict");
        int failed = 0;
        foreach (var (name, spec, s) in cases)
        {
            Systems.Jitter(s);
            var batch = SystemBatch.FromStructure(s);
            var outputs = ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial;
            IForceField ff;
            try { ff = Systems.Catalog.Load(spec); }
            catch (Exception e) { Console.WriteLine($"{name,-26} skipped: {e.Message}"); continue; }
            ForceResult Compute(ComputeOptions options)
            {
                var r = new ForceResult();
                using var c = Systems.Catalog.Bind(ff, options);
                c.Compute(batch, outputs, r);
                return r;
            }
            var reference = Compute(cpuOptions);
            double fScale = 0, wScale = 0;
            for (int i = 0; i < s.AtomCount; i++) fScale = Math.Max(fScale, reference.Force(i).Norm);
            foreach (double w in reference.Virial) wScale = Math.Max(wScale, Math.Abs(w));
            (double E, double F, double W) Deviation(ForceResult r)
            {
                double dF = 0, dW = 0;
                for (int i = 0; i < s.AtomCount; i++) dF = Math.Max(dF, (r.Force(i) - reference.Force(i)).Norm / fScale);
                for (int k = 0; k < 9; k++) dW = Math.Max(dW, Math.Abs(r.Virial[k] - reference.Virial[k]) / wScale);
                return (Math.Abs(r.Energy[0] - reference.Energy[0]) / Math.Abs(reference.Energy[0]), dF, dW);
            }
            (double E, double F, double W) floor = (0, 0, 0);
            try
            {
                floor = Deviation(Compute(cpuOptions with { Precision = Precision.Float32 }));
                Console.WriteLine($"{name,-26} {"cpu fp32 (floor)",-17} {s.AtomCount,6} {floor.E,10:E2} {floor.F,10:E2} {floor.W,10:E2}");
            }
            catch (NotSupportedException) { Console.WriteLine($"{name,-26} {"cpu fp32 (floor)",-17} {s.AtomCount,6}  n/a (the CPU backend has no fp32 here: fp32 bound 1e-5)"); }
            foreach (var (bname, options, fp32) in backends)
            {
                (double E, double F, double W) d;
                try { d = Deviation(Compute(options)); }
                catch (Exception e) when (e is NotSupportedException or ArgumentException or ComputeBackendException or InvalidOperationException)
                {
                    Console.WriteLine($"{name,-26} {bname,-17} {s.AtomCount,6}  n/a: {e.Message.Split('\n')[0]}");
                    continue;
                }
                static double Bound(bool fp32, double floor) => fp32 ? Math.Max(1e-5, 4 * floor) : 1e-10;
                bool ok = d.E <= Bound(fp32, floor.E) && d.F <= Bound(fp32, floor.F) && d.W <= Bound(fp32, floor.W);
                if (!ok) failed++;
                Console.WriteLine($"{name,-26} {bname,-17} {s.AtomCount,6} {d.E,10:E2} {d.F,10:E2} {d.W,10:E2}  {(ok ? "ok" : "FAIL")}");
            }
        }
        failed += ResidentMd(openClDevice, ilgpuDevice);
        Console.WriteLine(failed == 0 ? "agreement: every backend within its bound" : $"agreement: {failed} FAILED");
        return failed == 0 ? 0 : 1;
    }
}
