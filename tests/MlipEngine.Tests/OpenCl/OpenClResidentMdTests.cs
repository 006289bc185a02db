using MlipEngine.Backends.Ilgpu;
using MlipEngine.Backends.OpenCl;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Structures;
using MlipEngine.ForceFields;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using MlipEngine.Tests.Dynamics;
using Xunit;

namespace MlipEngine.Tests.OpenCl;

/// <summary>
/// Device-resident MD (kernels/md.cl, <see cref="OpenClResidentDynamics"/>; the NVE tests also
/// <see cref="IlgpuResidentDynamics"/>) against the host integrators on the CPU backend, on PoCL and ILGPU's
/// CPU accelerator in CI.
/// </summary>
public class OpenClResidentMdTests
{
    /// <summary>
    /// 108-atom crystals (3×3×3 fcc, jittered, device-built lists) and a small open cluster (host-built list
    /// uploaded on each rebuild). Velocities at 600 K (Cu) / 80 K (Ar) so that atoms move well past
    /// skin/2 = 0.15 Å within 200 steps and the list is rebuilt several times.
    /// </summary>
    private static MdSystem System(string name, Backend backend, Precision precision = Precision.Float64)
    {
        (string spec, AtomicStructure s, double t) = name switch
        {
            "eam-cu" => (MdTestSystems.CopperSpec, CrystalLattice.Build("fcc", "Cu", 3.615, 3, 3, 3), 600.0),
            "lj-ar" => (MdTestSystems.ArgonSpec, CrystalLattice.Build("fcc", "Ar", 5.26, 3, 3, 3), 80.0),
            "eam-cu-cluster" => (MdTestSystems.CopperSpec, Samples.Cluster(["Cu"], 3.615, 5), 600.0),
            // three-body sw (ILGPU only): 2×2×2 diamond Si (10.9 Å), 1500 K so atoms pass skin/2 within 200 steps
            "sw-si" => ($"{{style: sw, file: {GoldenFiles.LammpsPotential("Si.sw")}, elements: [Si]}}", TestStructures.Diamond("Si", 5.431, 2, 2, 2), 1500.0),
            _ => throw new ArgumentException(name),
        };
        var ff = PotentialFactory.Create(PotentialSpecLoader.Resolve(spec));
        var computer = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = backend, Threads = 1, Skin = 0.3, Precision = precision });
        var batch = SystemBatch.FromStructure(s);
        var rng = new Random(4);   // 0.05 Å jitter: nonzero step-0 forces, so the force comparison says something
        for (int i = 0; i < batch.AtomCount; i++)
        {
            batch.X[i] += 0.1 * (rng.NextDouble() - 0.5); batch.Y[i] += 0.1 * (rng.NextDouble() - 0.5); batch.Z[i] += 0.1 * (rng.NextDouble() - 0.5);
        }
        var sys = new MdSystem(batch, computer, timeStep: 1.0);
        Velocities.InitializeMaxwellBoltzmann(sys, t, seed: 11);
        sys.ComputeForces();
        return sys;
    }

    private static IResidentDynamics Resident(MdSystem sys, IIntegrator integrator)
    {
        var r = ((IResidentDynamicsSource)sys.Computer).TryCreateResident(sys, integrator, out string why) ?? throw new InvalidOperationException(why);
        r.Upload();
        return r;
    }

    private static double MaxAbsDiff(double[] a, double[] b, int n)
    {
        double m = 0;
        for (int i = 0; i < n; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    private static double RmsDisplacement(SystemBatch b, double[] x0, double[] y0, double[] z0)
    {
        double s = 0;
        for (int i = 0; i < b.AtomCount; i++)
        {
            double dx = b.X[i] - x0[i], dy = b.Y[i] - y0[i], dz = b.Z[i] - z0[i];
            s += dx * dx + dy * dy + dz * dz;
        }
        return Math.Sqrt(s / b.AtomCount);
    }

    /// <summary>
    /// 200 NVE steps (dt 1 fs) on the device track the host velocity Verlet on the CPU backend. The
    /// kernels do the host's update arithmetic operation for operation (no FMA contraction); the force
    /// sums differ in order (full-list gather vs half-list scatter), ~1e-16 relative per step, and 200 fs
    /// of a 600 K crystal amplify that by far less than 1e4, so fp64 positions stay within 1e-10 of the
    /// RMS displacement (which is ≥ 0.1 Å, so the comparison is not vacuous) and energies within 1e-10
    /// relative (measured: positions 3e-14 of the RMS displacement, energies 3e-16 relative). The list is
    /// rebuilt on the same steps as the CPU's VerletNeighborList (same skin/2 rule)
    /// and at least twice, so rebuilds on the device are exercised: on ILGPU the crystals' lists are rebuilt by its device builder
    /// (sw's mirrors found on the device too), the cluster's on the host.
    /// </summary>
    [Theory]
    [InlineData("eam-cu", Backend.OpenClName)]
    [InlineData("lj-ar", Backend.OpenClName)]
    [InlineData("eam-cu-cluster", Backend.OpenClName)]
    [InlineData("eam-cu", IlgpuBackend.Name)]
    [InlineData("lj-ar", IlgpuBackend.Name)]
    [InlineData("eam-cu-cluster", IlgpuBackend.Name)]
    [InlineData("sw-si", IlgpuBackend.Name)]
    public void Nve_Trajectory_MatchesCpuBackend(string name, string backend)
    {
        var cpu = System(name, Backend.Cpu);
        var dev = System(name, backend);
        int n = cpu.AtomCount;
        var b0 = cpu.Batch;
        double[] x0 = b0.X[..n], y0 = b0.Y[..n], z0 = b0.Z[..n];
        double k0 = cpu.KineticEnergy();
        var verlet = new VelocityVerlet();
        using var resident = Resident(dev, new VelocityVerlet());
        if (backend == IlgpuBackend.Name)   // every cell shape, the cluster's open boundaries too (a box drawn around the atoms)
            Assert.Contains("rebuilt on the device", resident.Description);
        for (int chunk = 0; chunk < 4; chunk++)
        {
            for (int s = 0; s < 50; s++) verlet.Step(cpu);
            Assert.Equal(50, resident.Advance(50L * chunk, 50));
            resident.Synchronize(state: true);
        }
        var bc = cpu.Batch; var bd = dev.Batch;
        double rms = RmsDisplacement(bc, x0, y0, z0);
        Assert.True(rms > 0.1, $"atoms moved only {rms:E2} Å RMS: the comparison would be vacuous");
        double dr = Math.Max(MaxAbsDiff(bc.X, bd.X, n), Math.Max(MaxAbsDiff(bc.Y, bd.Y, n), MaxAbsDiff(bc.Z, bd.Z, n)));
        Assert.True(dr <= 1e-10 * rms, $"positions differ by {dr:E2} Å (RMS displacement {rms:F3} Å)");
        double dv = Math.Max(MaxAbsDiff(bc.VX, bd.VX, n), Math.Max(MaxAbsDiff(bc.VY, bd.VY, n), MaxAbsDiff(bc.VZ, bd.VZ, n)));
        double vMax = Math.Max(bc.VX[..n].Max(Math.Abs), Math.Max(bc.VY[..n].Max(Math.Abs), bc.VZ[..n].Max(Math.Abs)));
        Assert.True(dv <= 1e-10 * vMax, $"velocities differ by {dv:E2} Å/fs (largest component {vMax:E2})");

        double ec = cpu.PotentialEnergy, ed = dev.PotentialEnergy;
        Assert.True(Math.Abs(ec - ed) <= 1e-10 * Math.Abs(ec), $"E {ed} vs CPU {ec}");
        double kc = cpu.KineticEnergy();
        Span<double> kt = stackalloc double[9];
        resident.KineticTensor.CopyTo(kt);
        double kd = 0.5 * (kt[0] + kt[4] + kt[8]);
        Assert.True(Math.Abs(kc - kd) <= 1e-10 * kc, $"K {kd} vs CPU {kc}");
        Assert.True(Math.Abs(kc - k0) > 0.1 * k0, "kinetic energy barely changed: not a meaningful trajectory");
        double fd = MaxAbsDiff(cpu.Forces.Fx, dev.Forces.Fx, n);
        Assert.True(fd <= 1e-10 * MaxForce(cpu), $"forces differ by {fd:E2} eV/Å");

        Assert.True(cpu.Computer.NeighborBuilds >= 3, $"only {cpu.Computer.NeighborBuilds} builds: the skin rebuild was not exercised");
        Assert.Equal(cpu.Computer.NeighborBuilds, dev.Computer.NeighborBuilds);
        dev.Computer.Dispose(); cpu.Computer.Dispose();
    }

    private static double MaxForce(MdSystem s)
    {
        double m = 0;
        for (int i = 0; i < s.AtomCount; i++)
            m = Math.Max(m, Math.Sqrt(s.Forces.Fx[i] * s.Forces.Fx[i] + s.Forces.Fy[i] * s.Forces.Fy[i] + s.Forces.Fz[i] * s.Forces.Fz[i]));
        return m;
    }

    /// <summary>
    /// fp32 kernels: forces at step 0 within 1e-5 of the largest force (the kernel tests' single-precision
    /// bound); after 200 steps the fp32 force error (~1e-6 relative per step) has perturbed the trajectory,
    /// but by far less than the motion: positions within 1e-5 of the RMS displacement and the potential
    /// energy within 1e-6 relative (measured on PoCL: step-0 forces 1.6e-6 of the largest force, positions
    /// 5e-7 (EAM) and 1e-7 (LJ) of the RMS displacement, energies 3e-8 and 4e-8 relative).
    /// </summary>
    [Theory]
    [InlineData("eam-cu", Backend.OpenClName)]
    [InlineData("lj-ar", Backend.OpenClName)]
    [InlineData("eam-cu", IlgpuBackend.Name)]
    [InlineData("lj-ar", IlgpuBackend.Name)]
    public void Nve_Float32_AgreesWithCpuBackend(string name, string backend)
    {
        var cpu = System(name, Backend.Cpu);
        var dev = System(name, backend, Precision.Float32);
        int n = cpu.AtomCount;
        double fmax = MaxForce(cpu);
        double df = Math.Max(MaxAbsDiff(cpu.Forces.Fx, dev.Forces.Fx, n), Math.Max(MaxAbsDiff(cpu.Forces.Fy, dev.Forces.Fy, n), MaxAbsDiff(cpu.Forces.Fz, dev.Forces.Fz, n)));
        Assert.True(df <= 1e-5 * fmax, $"step-0 forces differ by {df:E2} eV/Å (max force {fmax:F3})");

        var b0 = cpu.Batch;
        double[] x0 = b0.X[..n], y0 = b0.Y[..n], z0 = b0.Z[..n];
        var verlet = new VelocityVerlet();
        using var resident = Resident(dev, new VelocityVerlet());
        for (int s = 0; s < 200; s++) verlet.Step(cpu);
        Assert.Equal(200, resident.Advance(0, 200));
        resident.Synchronize(state: true);
        double rms = RmsDisplacement(cpu.Batch, x0, y0, z0);
        double dr = Math.Max(MaxAbsDiff(cpu.Batch.X, dev.Batch.X, n), Math.Max(MaxAbsDiff(cpu.Batch.Y, dev.Batch.Y, n), MaxAbsDiff(cpu.Batch.Z, dev.Batch.Z, n)));
        Assert.True(dr <= 1e-5 * rms, $"fp32 positions differ by {dr:E2} Å (RMS displacement {rms:F3} Å)");
        Assert.True(Math.Abs(cpu.PotentialEnergy - dev.PotentialEnergy) <= 1e-6 * Math.Abs(cpu.PotentialEnergy),
            $"fp32 E {dev.PotentialEnergy} vs CPU {cpu.PotentialEnergy}");
        dev.Computer.Dispose(); cpu.Computer.Dispose();
    }

    /// <summary>
    /// Velocity Verlet conserves K + U up to O(Δt²) fluctuations without drift: over 1000 steps (dt 1 fs,
    /// EAM Cu at 600 K) the spread of K + U sampled every 10 steps is below 1 % of the spread of K, and the
    /// mean of the last fifth differs from that of the first fifth by less than three times that spread
    /// (measured σ(K+U)/σ(K) = 3.5e-4).
    /// </summary>
    /// (OpenCL only: ILGPU's NVE is held to the CPU trajectory step for step by <see cref="Nve_Trajectory_MatchesCpuBackend"/>,
    /// and 1000 steps on its CPU accelerator cost ~12 s of CI.)
    [Theory]
    [InlineData(Backend.OpenClName)]
    public void Nve_ConservesEnergyOnDevice(string backend)
    {
        var dev = System("eam-cu", backend);
        using var resident = Resident(dev, new VelocityVerlet());
        var total = new List<double>(); var kinetic = new List<double>();
        for (int c = 0; c < 100; c++)
        {
            resident.Advance(10L * c, 10);
            resident.Synchronize(state: false);
            double k = 0.5 * (resident.KineticTensor[0] + resident.KineticTensor[4] + resident.KineticTensor[8]);
            kinetic.Add(k); total.Add(k + dev.PotentialEnergy);
        }
        double sdE = StdDev(total), sdK = StdDev(kinetic);
        Assert.True(sdE < 0.01 * sdK, $"σ(K+U) = {sdE:E2} eV vs σ(K) = {sdK:E2} eV");
        double drift = total.Skip(80).Average() - total.Take(20).Average();
        Assert.True(Math.Abs(drift) < 3 * sdE, $"drift {drift:E2} eV, σ(K+U) {sdE:E2} eV");
        dev.Computer.Dispose();
    }

    private static double StdDev(IReadOnlyList<double> x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Count - 1));
    }

    /// <summary>
    /// Counter-based noise makes Langevin runs reproducible: two runs are bit-identical, and so are runs
    /// synced on different schedules (one 120-step stretch vs 12 × 10: the fused closing/opening half
    /// kicks do the same arithmetic as separate ones). A different seed gives a different trajectory.
    /// </summary>
    [Theory]
    [InlineData(Backend.OpenClName)]
    [InlineData(IlgpuBackend.Name)]
    public void Langevin_IsDeterministicAndIndependentOfSyncSchedule(string backend)
    {
        double[] Run(ulong seed, int chunk)
        {
            var sys = System("lj-ar", backend);
            using var r = Resident(sys, new LangevinBaoab(80, 50, seed));
            for (long s = 0; s < 120; s += chunk) r.Advance(s, chunk);
            r.Synchronize(state: true);
            var b = sys.Batch;
            var result = b.X[..sys.AtomCount].Concat(b.VZ[..sys.AtomCount]).Append(sys.PotentialEnergy).ToArray();
            sys.Computer.Dispose();
            return result;
        }
        var a = Run(7, 120);
        Assert.Equal(a, Run(7, 120));
        Assert.Equal(a, Run(7, 10));
        Assert.NotEqual(a, Run(8, 120));
    }

    /// <summary>
    /// ILGPU's BAOAB draws OpenCL's Philox stream and does its arithmetic, so 60 Langevin steps of LJ argon on the two
    /// devices agree to round-off in the force sums (the lists are built in different orders): positions within 1e-9
    /// of the RMS displacement, the bath heat within 1e-9 relative.
    /// </summary>
    [Fact]
    public void Langevin_IlgpuMatchesOpenCl()
    {
        var cl = System("lj-ar", Backend.OpenCl); var il = System("lj-ar", IlgpuBackend.Name);
        int n = cl.AtomCount;
        double[] x0 = cl.Batch.X[..n], y0 = cl.Batch.Y[..n], z0 = cl.Batch.Z[..n];
        var bathCl = new LangevinBaoab(80, 50, 5); var bathIl = new LangevinBaoab(80, 50, 5);
        using (var a = Resident(cl, bathCl)) { a.Advance(0, 60); a.Synchronize(state: true); }
        using (var b = Resident(il, bathIl)) { b.Advance(0, 60); b.Synchronize(state: true); }
        double rms = RmsDisplacement(cl.Batch, x0, y0, z0);
        double dr = Math.Max(MaxAbsDiff(cl.Batch.X, il.Batch.X, n), Math.Max(MaxAbsDiff(cl.Batch.Y, il.Batch.Y, n), MaxAbsDiff(cl.Batch.Z, il.Batch.Z, n)));
        Assert.True(rms > 0.05, $"atoms moved only {rms:E2} Å");
        Assert.True(dr <= 1e-9 * rms, $"positions differ by {dr:E2} Å (RMS displacement {rms:F3} Å)");
        Assert.True(Math.Abs(bathCl.Heat - bathIl.Heat) <= 1e-9 * Math.Abs(bathCl.Heat), $"heat {bathIl.Heat} vs OpenCL {bathCl.Heat}");
        cl.Computer.Dispose(); il.Computer.Dispose();
    }

    /// <summary>
    /// BAOAB samples the canonical ensemble: the mean kinetic energy of 108 LJ argon atoms is
    /// (3N/2) k_B T (the noise does not conserve momentum, so all 3N degrees of freedom are thermal),
    /// within 4 standard errors from block averages (10 blocks of 300 samples, 3000 steps of 5 fs, γ⁻¹ =
    /// 100 fs; σ_K/K = √(2/3N) = 7.9 % per sample, ≈ 1.5 % for the mean).
    /// </summary>
    /// (OpenCL only: ILGPU's BAOAB is held to OpenCL's trajectory step for step by <see cref="Langevin_IlgpuMatchesOpenCl"/>.)
    [Theory]
    [InlineData(Backend.OpenClName)]
    public void Langevin_MeanKineticEnergyIsCanonical(string backend)
    {
        const double t = 60;
        var sys = System("lj-ar", backend);
        sys.TimeStep = 5.0;
        using var r = Resident(sys, new LangevinBaoab(t, 100, 3));
        r.Advance(0, 400);   // equilibrate from 80 K
        var k = new List<double>();
        for (int c = 0; c < 3000; c++)
        {
            r.Advance(400 + c, 1);
            r.Synchronize(state: false);
            k.Add(0.5 * (r.KineticTensor[0] + r.KineticTensor[4] + r.KineticTensor[8]));
        }
        double expected = 1.5 * sys.AtomCount * Units.PhysicalConstants.Boltzmann * t;
        var (mean, err) = MdTestSystems.BlockMean(k);
        Assert.True(Math.Abs(mean - expected) < 4 * err, $"<K> = {mean:F5} ± {err:F5} eV, canonical {expected:F5} eV");
        Assert.True(err < 0.03 * expected, $"standard error {err:E2} too large to test anything");
        sys.Computer.Dispose();
    }

    /// <summary>
    /// A non-finite position stops the device loop after the step that produced it (no list build from
    /// NaN coordinates), and the sync reports a non-finite energy so the run loop's safety check fires.
    /// </summary>
    [Theory]
    [InlineData(Backend.OpenClName)]
    [InlineData(IlgpuBackend.Name)]
    public void Advance_StopsAtTheFirstNonFinitePosition(string backend)
    {
        var sys = System("lj-ar", backend);
        sys.Batch.VX[5] = double.NaN;
        using var r = Resident(sys, new VelocityVerlet());
        Assert.Equal(1, r.Advance(0, 50));
        Assert.Equal(0, r.Advance(1, 50));
        r.Synchronize(state: true);
        Assert.True(double.IsNaN(sys.PotentialEnergy));
        Assert.True(double.IsNaN(sys.Batch.X[5]));
        Assert.Equal("atom 5 has a non-finite position or velocity", new SafetyChecks(0.5).CheckGeometry(sys));
        sys.Computer.Dispose();
    }

    /// <summary>Philox-4x32-10 on the device reproduces the known-answer vectors of Random123 (kat_vectors).</summary>
    [Fact]
    public void Philox_MatchesRandom123KnownAnswers()
    {
        uint[] ctr = [0, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];
        uint[] key = [0, 0, 0xffffffff, 0xffffffff, 0xa4093822, 0x299f31d0];
        uint[] expected = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
            0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1];
        var ilgpu = new uint[12];   // the C# Philox the ILGPU kernels call
        for (int t = 0; t < 3; t++)
        {
            uint c0 = ctr[4 * t], c1 = ctr[4 * t + 1], c2 = ctr[4 * t + 2], c3 = ctr[4 * t + 3];
            MlipEngine.Backends.Ilgpu.Philox.Round10(ref c0, ref c1, ref c2, ref c3, key[2 * t], key[2 * t + 1]);
            ilgpu[4 * t] = c0; ilgpu[4 * t + 1] = c1; ilgpu[4 * t + 2] = c2; ilgpu[4 * t + 3] = c3;
        }
        Assert.Equal(expected, ilgpu);
        var ctx = OpenClContext.ForDevice(0);
        var program = ctx.GetProgram(true, ["common.cl", "md.cl"]);
        using var q = ctx.CreateQueue();
        using var k = program.CreateKernel("md_philox_test");
        using var c = new DeviceBuffer<uint>(ctx, 12); using var kb = new DeviceBuffer<uint>(ctx, 6); using var o = new DeviceBuffer<uint>(ctx, 12);
        c.Write(q, ctr); kb.Write(q, key);
        k.Value(0, 3).Arg(1, c).Arg(2, kb).Arg(3, o).Launch(q, 3, 1);
        var got = new uint[12];
        o.Read(q, got);
        Assert.Equal(expected, got);
    }
}
