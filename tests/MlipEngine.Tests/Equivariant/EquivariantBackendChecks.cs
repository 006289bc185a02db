using System.Diagnostics;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Equivariant;

/// <summary>
/// The checks every accelerator backend of the equivariant model passes (OpenCL, ILGPU), written once: agreement with
/// <see cref="EquivariantReference"/>, bit-reproducibility, weight reloads, and device-resident NVE against the CPU backend.
/// </summary>
internal static class EquivariantBackendChecks
{
    /// <summary>The model shapes both accelerator backends are held to.</summary>
    public static readonly Dictionary<string, EquivariantModel> Shapes = new()
    {
        // MACE-like: hidden L 2, harmonics L 3, ν 3, two layers (residual), two species
        ["l2-nu3-2layers"] = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2),
        // hidden L 1, harmonics L 2, ν 2, two layers, two species, another seed
        ["l1-nu2-2layers"] = SmallModels.Make(["Cu", "Ni"], 1, 2, 2, 2, seed: 5),
        // NequIP-like: ν 1, scalar hidden features, harmonics L 1, one layer, no residual, one species
        ["nequip-nu1-1layer"] = SmallModels.Make(["Cu"], 0, 1, 1, 1, residual: false, seed: 7),
    };

    /// <summary>The species of a shape's test systems.</summary>
    public static string[] Species(string shape) => shape.StartsWith("nequip") ? ["Cu"] : ["Cu", "Ni"];

    /// <summary>A 3×3×1 fcc slab cell (36 atoms), c = 3.6 Å below the test models' r_c = 4 Å: atoms see their own periodic images.</summary>
    public static AtomicStructure Thin(string[] species)
    {
        var s = TestStructures.Fcc("Cu", 3.6, 3, 3, 1, jitter: 0.1, seed: 22);
        var z = s.Numbers.Select((_, i) => MlipEngine.Chemistry.Element.AtomicNumber(species[i % 3 == 0 ? species.Length - 1 : 0])).ToArray();
        return new AtomicStructure(z, s.Positions, s.Cell);
    }

    /// <summary>Evaluates <paramref name="structures"/> in one batch with Reference and with <paramref name="c"/>, logs the errors and asserts agreement within <paramref name="tol"/>.</summary>
    public static void CompareWithReference(ITestOutputHelper output, EquivariantModel ff, AtomicStructure[] structures, IForceComputer c, double tol, string label)
    {
        using var rc = TestCatalog.Instance.Bind(ff, ComputeOptions.Reference);
        var reference = Eval.Batch(rc, structures);
        var got = Eval.Batch(c, structures);
        for (int s = 0; s < structures.Length; s++)
        {
            double fScale = reference[s].Forces.Max(f => f.Norm), worst = 0;
            for (int i = 0; i < reference[s].Forces.Length; i++) worst = Math.Max(worst, (reference[s].Forces[i] - got[s].Forces[i]).Norm / fScale);
            output.WriteLine($"{label} system {s} ({structures[s].AtomCount} atoms): max |ΔF| / max |F| = {worst:E2}, " +
                $"|ΔE|/|E| = {Math.Abs(reference[s].Energy - got[s].Energy) / Math.Abs(reference[s].Energy):E2}");
            AssertAgree(reference[s], got[s], tol, $"system {s}");
        }
    }

    /// <summary>
    /// The density fade (<see cref="CoreModels.MaceLikeFading"/>: atoms of every sample inside the fade window) on the backend of
    /// <paramref name="options"/> against the Reference: energies, per-atom energies, forces and virials of a batch, within
    /// <paramref name="tol"/> (<see cref="AssertAgree"/>), and the energies of an energies-only call (the pass without adjoints).
    /// </summary>
    public static void AssertDensityFadeMatchesReference(ITestOutputHelper output, ComputeOptions options, double tol)
    {
        var m = CoreModels.MaceLikeFading();
        using var c = TestCatalog.Instance.Bind(m, options);
        CompareWithReference(output, m, CoreModels.FadingSamples, c, tol, $"density fade {options.Backend} {options.Precision}");
        using var rc = TestCatalog.Instance.Bind(m, ComputeOptions.Reference);
        foreach (var s in CoreModels.FadingSamples)
        {
            double reference = Eval.One(rc, s).Energy, got = Eval.Energy(c, s);
            Assert.True(Math.Abs(reference - got) <= tol * Math.Abs(reference), $"energies only: {got:R} vs the Reference's {reference:R}");
        }
    }

    /// <summary>
    /// Forces within <paramref name="tol"/> of the largest reference force, E within tol of Σᵢ|Eᵢ|, each Eᵢ within tol of the largest
    /// |Eᵢ|, the virial within tol of its largest component. Σᵢ|Eᵢ| is the magnitude the energy's rounding accumulates over: on a
    /// compressed cell with a ZBL core the per-atom energies reach ±96 eV and sum to 28 eV, and the Cpu backend's fp32 energy is off by
    /// 1.6e-5 of |E| there (4.6e-4 eV) although every Eᵢ is within 2e-6 of the largest.
    /// </summary>
    public static void AssertAgree(Evaluation r, Evaluation o, double tol, string what)
    {
        double fScale = r.Forces.Max(f => f.Norm);
        for (int i = 0; i < r.Forces.Length; i++)
            Assert.True((r.Forces[i] - o.Forces[i]).Norm <= tol * fScale,
                $"{what} force {i}: reference {r.Forces[i]}, device {o.Forces[i]} (|Δ| = {(r.Forces[i] - o.Forces[i]).Norm:E2}, scale {fScale:E2})");
        Assert.True(Math.Abs(r.Energy - o.Energy) <= tol * r.AtomEnergies.Sum(Math.Abs), $"{what} energy {r.Energy:R} vs {o.Energy:R}");
        double eScale = r.AtomEnergies.Max(Math.Abs);
        for (int i = 0; i < r.AtomEnergies.Length; i++)
            Assert.True(Math.Abs(r.AtomEnergies[i] - o.AtomEnergies[i]) <= tol * eScale, $"{what} atom energy {i}: {r.AtomEnergies[i]:R} vs {o.AtomEnergies[i]:R}");
        double wScale = r.Virial.Max(Math.Abs);
        for (int k = 0; k < 9; k++)
            Assert.True(Math.Abs(r.Virial[k] - o.Virial[k]) <= tol * wScale, $"{what} virial[{k}] {r.Virial[k]:R} vs {o.Virial[k]:R}");
    }

    /// <summary>Gathers in a fixed order, no atomics: two calls of one computer and a second computer agree bit for bit on a batch of three systems.</summary>
    public static void AssertBitIdenticalAcrossRunsAndComputers(EquivariantModel ff, AtomicStructure[] systems, ComputeOptions options)
    {
        var batch = SystemBatch.FromStructures(systems);
        var first = new ForceResult(); var second = new ForceResult(); var third = new ForceResult();
        using (var a = TestCatalog.Instance.Bind(ff, options))
        {
            a.Compute(batch, ForceOutputs.All, first);
            a.Compute(batch, ForceOutputs.All, second);
        }
        using (var b = TestCatalog.Instance.Bind(ff, options)) b.Compute(batch, ForceOutputs.All, third);
        int n = batch.AtomCount, ns = systems.Length;
        foreach (var other in new[] { second, third })
        {
            Assert.Equal(first.Energy.AsSpan(0, ns).ToArray(), other.Energy.AsSpan(0, ns).ToArray());
            Assert.Equal(first.Fx.AsSpan(0, n).ToArray(), other.Fx.AsSpan(0, n).ToArray());
            Assert.Equal(first.Fy.AsSpan(0, n).ToArray(), other.Fy.AsSpan(0, n).ToArray());
            Assert.Equal(first.Fz.AsSpan(0, n).ToArray(), other.Fz.AsSpan(0, n).ToArray());
            Assert.Equal(first.Virial.AsSpan(0, 9 * ns).ToArray(), other.Virial.AsSpan(0, 9 * ns).ToArray());
        }
    }

    /// <summary>Weights edited in place (training) reach the device after <see cref="EquivariantModel.ParametersChanged"/>.</summary>
    public static void AssertParameterChangeReuploadsWeights(AtomicStructure s, ComputeOptions options)
    {
        var src = Shapes["l1-nu2-2layers"];
        var model = new EquivariantModel(src.Hyper, src.E0, (double[])src.Parameters.Clone());
        using var c = TestCatalog.Instance.Bind(model, options);
        Eval.One(c, s);
        for (int k = 0; k < model.Parameters.Length; k++) model.Parameters[k] *= 1.1;
        model.ParametersChanged();
        var o = Eval.One(c, s);
        var r = Eval.One(model, s, ComputeOptions.Reference);
        AssertAgree(r, o, 1e-10, "after the change");
    }

    private static readonly Lazy<EquivariantModel> CuModel = new(() =>
        EquivariantModelFile.Read(Path.Combine(MlipEngine.Tests.Interop.NativeLibrary.RepoRoot, "potentials", "cu-mlearn.mlip")));

    /// <summary>Cu fcc nx×ny×nz at a = 3.643 Å (the model's 3.634 Å), jittered 0.05 Å, 600 K, the shipped Cu model (with its ZBL core).</summary>
    private static MdSystem CuSystem(Backend backend, (int X, int Y, int Z) repeat, double skin, Precision precision = Precision.Float64, bool slab = false)
    {
        var s = MlipEngine.Dynamics.Structures.CrystalLattice.Build("fcc", "Cu", 3.643, repeat.X, repeat.Y, repeat.Z);
        if (slab) s = new AtomicStructure(s.Numbers, s.Positions, new MlipEngine.Geometry.Cell(s.Cell.Matrix, true, true, false));   // open along c: two surfaces
        var computer = TestCatalog.Instance.Bind(CuModel.Value, new ComputeOptions { Backend = backend, Threads = 2, Skin = skin, Precision = precision });
        var batch = SystemBatch.FromStructure(s);
        var rng = new Random(4);
        for (int i = 0; i < batch.AtomCount; i++)
        {
            batch.X[i] += 0.1 * (rng.NextDouble() - 0.5); batch.Y[i] += 0.1 * (rng.NextDouble() - 0.5); batch.Z[i] += 0.1 * (rng.NextDouble() - 0.5);
        }
        var sys = new MdSystem(batch, computer, timeStep: 1.0);
        Velocities.InitializeMaxwellBoltzmann(sys, 600, seed: 11);
        sys.ComputeForces();
        return sys;
    }

    /// <summary>
    /// <paramref name="steps"/> NVE steps (dt 1 fs) with the shipped Cu model: one CPU-backend host trajectory against device-resident
    /// runs on <paramref name="backend"/> in fp64 and fp32. fp64: step-0 forces within the kernel bound (1e-10 of the largest force);
    /// the trajectories then differ only by the force sums' round-off (~1e-15 relative per step) amplified by the dynamics, far less
    /// than 1e4 over these runs, so positions stay within 1e-10 of the RMS displacement (at least <paramref name="minRms"/>: not
    /// vacuous) and energies within 1e-10 relative, with the list rebuilt on the same steps (at least three builds). fp32: step-0 forces
    /// within the single-precision kernel bound 1e-5; the fp32 force error (~2e-6 relative per step) perturbs the trajectory by far
    /// less than the motion: positions within 1e-5 of the RMS displacement, energies within 1e-6 relative. With
    /// <paramref name="listOn"/>, the resident stepper's description must say where it rebuilds the list ("device" or "host"). With
    /// <paramref name="slab"/> the cell is open along c (two free surfaces; mixed boundaries). <paramref name="configure"/> sets up the
    /// device computers before the run.
    /// </summary>
    public static void AssertNveMatchesCpuBackend(ITestOutputHelper output, Backend backend, (int X, int Y, int Z) repeat, double skin, int steps, double minRms,
        string? listOn = null, bool slab = false, Action<IForceComputer>? configure = null)
    {
        var cpu = CuSystem(Backend.Cpu, repeat, skin, slab: slab);
        var dev = CuSystem(backend, repeat, skin, slab: slab);
        var dev32 = CuSystem(backend, repeat, skin, Precision.Float32, slab);
        configure?.Invoke(dev.Computer);
        configure?.Invoke(dev32.Computer);
        int n = cpu.AtomCount;
        double fmax = 0;
        for (int i = 0; i < n; i++)
            fmax = Math.Max(fmax, Math.Sqrt(cpu.Forces.Fx[i] * cpu.Forces.Fx[i] + cpu.Forces.Fy[i] * cpu.Forces.Fy[i] + cpu.Forces.Fz[i] * cpu.Forces.Fz[i]));
        Assert.True(MaxDiff(cpu.Forces.Fx, cpu.Forces.Fy, cpu.Forces.Fz, dev.Forces.Fx, dev.Forces.Fy, dev.Forces.Fz, n) <= 1e-10 * fmax, "fp64 step-0 forces");
        double df32 = MaxDiff(cpu.Forces.Fx, cpu.Forces.Fy, cpu.Forces.Fz, dev32.Forces.Fx, dev32.Forces.Fy, dev32.Forces.Fz, n);
        Assert.True(df32 <= 1e-5 * fmax, $"fp32 step-0 forces differ by {df32:E2} eV/Å (largest {fmax:F3})");

        double[] x0 = cpu.Batch.X[..n], y0 = cpu.Batch.Y[..n], z0 = cpu.Batch.Z[..n];
        var verlet = new VelocityVerlet();
        long t0 = Stopwatch.GetTimestamp();
        for (int s = 0; s < steps; s++) verlet.Step(cpu);
        double tCpu = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        t0 = Stopwatch.GetTimestamp();
        RunResident(dev, steps, listOn);
        double tDev = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        RunResident(dev32, steps, listOn);
        var bc = cpu.Batch;
        double ss = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = bc.X[i] - x0[i], dy = bc.Y[i] - y0[i], dz = bc.Z[i] - z0[i];
            ss += dx * dx + dy * dy + dz * dz;
        }
        double rms = Math.Sqrt(ss / n);
        double dr = MaxDiff(bc.X, bc.Y, bc.Z, dev.Batch.X, dev.Batch.Y, dev.Batch.Z, n), dr32 = MaxDiff(bc.X, bc.Y, bc.Z, dev32.Batch.X, dev32.Batch.Y, dev32.Batch.Z, n);
        output.WriteLine($"{n} atoms, {steps} steps: CPU backend {tCpu:F1} s, {backend} fp64 device-resident {tDev:F1} s (a CPU device in CI, not a GPU figure); " +
            $"RMS displacement {rms:F3} Å, max position difference fp64 {dr:E2} Å, fp32 {dr32:E2} Å; " +
            $"|ΔE|/|E| fp32 {Math.Abs(cpu.PotentialEnergy - dev32.PotentialEnergy) / Math.Abs(cpu.PotentialEnergy):E2}; builds {cpu.Computer.NeighborBuilds}");
        Assert.True(rms > minRms, $"atoms moved only {rms:E2} Å RMS: the comparison would be vacuous");
        Assert.True(dr <= 1e-10 * rms, $"positions differ by {dr:E2} Å (RMS displacement {rms:F3} Å)");
        Assert.True(Math.Abs(cpu.PotentialEnergy - dev.PotentialEnergy) <= 1e-10 * Math.Abs(cpu.PotentialEnergy), $"E {dev.PotentialEnergy:R} vs CPU {cpu.PotentialEnergy:R}");
        Assert.True(cpu.Computer.NeighborBuilds >= 3, $"only {cpu.Computer.NeighborBuilds} builds: the skin rebuild was not exercised");
        Assert.Equal(cpu.Computer.NeighborBuilds, dev.Computer.NeighborBuilds);
        Assert.True(dr32 <= 1e-5 * rms, $"fp32 positions differ by {dr32:E2} Å (RMS displacement {rms:F3} Å)");
        Assert.True(Math.Abs(cpu.PotentialEnergy - dev32.PotentialEnergy) <= 1e-6 * Math.Abs(cpu.PotentialEnergy), $"fp32 E {dev32.PotentialEnergy:R} vs CPU {cpu.PotentialEnergy:R}");
        foreach (var sys in new[] { cpu, dev, dev32 }) sys.Computer.Dispose();
    }

    private static void RunResident(MdSystem sys, int steps, string? listOn)
    {
        using var resident = ((IResidentDynamicsSource)sys.Computer).TryCreateResident(sys, new VelocityVerlet(), out string why) ?? throw new InvalidOperationException(why);
        if (listOn != null) Assert.Contains($"rebuilt on the {listOn}", resident.Description);
        resident.Upload();
        Assert.Equal(steps, resident.Advance(0, steps));
        resident.Synchronize(state: true);
    }

    private static double MaxDiff(double[] ax, double[] ay, double[] az, double[] bx, double[] by, double[] bz, int n)
    {
        double m = 0;
        for (int i = 0; i < n; i++) m = Math.Max(m, Math.Max(Math.Abs(ax[i] - bx[i]), Math.Max(Math.Abs(ay[i] - by[i]), Math.Abs(az[i] - bz[i]))));
        return m;
    }
}
