using System.Diagnostics;
using MlipEngine.Backends.Ilgpu;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Ilgpu;

/// <summary>
/// The equivariant model's ILGPU kernels (<see cref="IlgpuEquivariantComputer{T, R}"/>) against <see cref="EquivariantReference"/> on
/// ILGPU's CPU accelerator in CI: the model shapes of <see cref="OpenCl.OpenClEquivariantTests"/> on small periodic (skewed, and
/// thinner than the cutoff) and open systems and on a batch of systems of different sizes, the ZBL core, determinism and weight
/// reloads. (The conformance suite runs on ILGPU through <see cref="Conformance.AlsoOnIlgpuAttribute"/> on the L2/ν3, NequIP-like
/// and core drivers; the cutoff test through <see cref="EquivariantStageTests"/>.)
/// </summary>
public class IlgpuEquivariantTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, EquivariantModel> Models = new()
    {
        // MACE-like: hidden L 2, harmonics L 3, ν 3, two layers (residual), two species
        ["l2-nu3-2layers"] = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2),
        // hidden L 1, harmonics L 2, ν 2, two layers, two species, another seed
        ["l1-nu2-2layers"] = SmallModels.Make(["Cu", "Ni"], 1, 2, 2, 2, seed: 5),
        // NequIP-like: ν 1, scalar hidden features, harmonics L 1, one layer, no residual, one species
        ["nequip-nu1-1layer"] = SmallModels.Make(["Cu"], 0, 1, 1, 1, residual: false, seed: 7),
        // the MACE-like model with a ZBL core, on a compressed cell (pairs below, inside and above the windows)
        ["core"] = CoreModels.MaceLike(),
    };

    private static AtomicStructure[] Systems(string name, string model)
    {
        string[] species = model.StartsWith("nequip") ? ["Cu"] : ["Cu", "Ni"];
        double a = model == "core" ? 2.9 : 3.6;
        return name switch
        {
            // 32 atoms, skewed 2×2×2 fcc cell (faces ≈ 7 Å)
            "periodic" => [Samples.Periodic(species, a, 21)],
            "cluster" => [Samples.Cluster(species, a, 23)],
            // 3×3×1 fcc slab cell, c = 3.6 Å < r_c = 4 Å: atoms see their own periodic images
            "thin" => [Thin(species)],
            // a batch of three systems of different sizes: 32-atom cell, a cluster, a 9-atom slab
            "batch" => [Samples.Periodic(species, a, 24), Samples.Cluster(species, a, 25), Thin(species)],
            _ => throw new ArgumentException(name),
        };
    }

    private static AtomicStructure Thin(string[] species)
    {
        var s = TestStructures.Fcc("Cu", 3.6, 3, 3, 1, jitter: 0.1, seed: 22);
        var z = s.Numbers.Select((_, i) => MlipEngine.Chemistry.Element.AtomicNumber(species[i % 3 == 0 ? species.Length - 1 : 0])).ToArray();
        return new AtomicStructure(z, s.Positions, s.Cell);
    }

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var m in new[] { "l2-nu3-2layers", "l1-nu2-2layers", "nequip-nu1-1layer" })
            foreach (var s in new[] { "periodic", "cluster", "batch", "thin" }) d.Add(m, s);
        d.Add("core", "periodic");
        d.Add("core", "batch");
        return d;
    }

    public static TheoryData<string, string> Float32Cases() => new() { { "l2-nu3-2layers", "periodic" }, { "l2-nu3-2layers", "batch" }, { "core", "periodic" } };

    private static ComputeOptions Ilgpu(Precision p) => new() { Backend = IlgpuBackend.Name, Precision = p, Skin = 1.0 };

    /// <summary>
    /// fp64: the Reference's arithmetic in another order (gathers over full lists, per-atom instead of per-edge sums), so the
    /// differences are summation round-off, ~1e-15 relative; 1e-10 (the OpenCL kernels' bound) leaves room for cancellation.
    /// Errors are relative to the largest force, Σᵢ|Eᵢ| (for E), the largest |Eᵢ| and the largest |W| component.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Float64_MatchesReference(string model, string systems) => Compare(model, systems, Precision.Float64, 1e-10);

    /// <summary>
    /// fp32: features, weights, the MLP, tensor product, contraction, linear maps and their adjoints round to float (ε = 6e-8)
    /// through ~20 stages of sums of ~10–50 terms; the edge geometry, g_e, forces, energies and virials are fp64. The bound is the
    /// OpenCL kernels' and the Cpu backend's fp32 bound, 1e-5 of the largest force (and relative on E, E_i and W).
    /// </summary>
    [Theory, MemberData(nameof(Float32Cases))]
    public void Float32_MatchesReferenceWithinSinglePrecision(string model, string systems) => Compare(model, systems, Precision.Float32, 1e-5);

    private void Compare(string model, string systems, Precision precision, double tol)
    {
        var ff = Models[model];
        var structures = Systems(systems, model);
        using var rc = TestCatalog.Instance.Bind(ff, ComputeOptions.Reference);
        var reference = Eval.Batch(rc, structures);
        using var c = TestCatalog.Instance.Bind(ff, Ilgpu(precision));
        Assert.IsAssignableFrom<IlgpuForceComputer>(c);
        var got = Eval.Batch(c, structures);
        for (int s = 0; s < structures.Length; s++)
        {
            double fScale = reference[s].Forces.Max(f => f.Norm), worst = 0;
            for (int i = 0; i < reference[s].Forces.Length; i++) worst = Math.Max(worst, (reference[s].Forces[i] - got[s].Forces[i]).Norm / fScale);
            output.WriteLine($"{model} {systems} {precision} system {s} ({structures[s].AtomCount} atoms): max |ΔF| / max |F| = {worst:E2}, " +
                $"|ΔE|/|E| = {Math.Abs(reference[s].Energy - got[s].Energy) / Math.Abs(reference[s].Energy):E2}");
            AssertAgree(reference[s], got[s], tol, $"system {s}");
        }
    }

    private static void AssertAgree(Evaluation r, Evaluation o, double tol, string what)
    {
        double fScale = r.Forces.Max(f => f.Norm);
        for (int i = 0; i < r.Forces.Length; i++)
            Assert.True((r.Forces[i] - o.Forces[i]).Norm <= tol * fScale,
                $"{what} force {i}: reference {r.Forces[i]}, ILGPU {o.Forces[i]} (|Δ| = {(r.Forces[i] - o.Forces[i]).Norm:E2}, scale {fScale:E2})");
        // the energy's scale is Σᵢ|Eᵢ|, the magnitude its rounding errors accumulate over: on the compressed core cell the per-atom
        // energies reach ±96 eV (ZBL against the learned part) and sum to 28 eV, and the Cpu backend's fp32 energy is off by
        // 1.6e-5 of |E| there too (4.6e-4 eV; ILGPU fp32 8.9e-4 eV = 1.9e-6 of Σ|Eᵢ|), though each Eᵢ is within 2.4e-6 of max |Eᵢ|
        Assert.True(Math.Abs(r.Energy - o.Energy) <= tol * r.AtomEnergies.Sum(Math.Abs), $"{what} energy {r.Energy:R} vs {o.Energy:R}");
        double eScale = r.AtomEnergies.Max(Math.Abs);
        for (int i = 0; i < r.AtomEnergies.Length; i++)
            Assert.True(Math.Abs(r.AtomEnergies[i] - o.AtomEnergies[i]) <= tol * eScale, $"{what} atom energy {i}: {r.AtomEnergies[i]:R} vs {o.AtomEnergies[i]:R}");
        double wScale = r.Virial.Max(Math.Abs);
        for (int k = 0; k < 9; k++)
            Assert.True(Math.Abs(r.Virial[k] - o.Virial[k]) <= tol * wScale, $"{what} virial[{k}] {r.Virial[k]:R} vs {o.Virial[k]:R}");
    }

    /// <summary>Gathers in a fixed order, no atomics: repeated calls and separate computers agree bit for bit.</summary>
    [Fact]
    public void Results_BitIdenticalAcrossRunsAndComputers()
    {
        var ff = Models["l2-nu3-2layers"];
        var batch = SystemBatch.FromStructures(Systems("batch", "l2-nu3-2layers"));
        var first = new ForceResult(); var second = new ForceResult(); var third = new ForceResult();
        using (var a = TestCatalog.Instance.Bind(ff, Ilgpu(Precision.Float32)))
        {
            a.Compute(batch, ForceOutputs.All, first);
            a.Compute(batch, ForceOutputs.All, second);
        }
        using (var b = TestCatalog.Instance.Bind(ff, Ilgpu(Precision.Float32))) b.Compute(batch, ForceOutputs.All, third);
        int n = batch.AtomCount;
        foreach (var other in new[] { second, third })
        {
            Assert.Equal(first.Energy.AsSpan(0, 3).ToArray(), other.Energy.AsSpan(0, 3).ToArray());
            Assert.Equal(first.Fx.AsSpan(0, n).ToArray(), other.Fx.AsSpan(0, n).ToArray());
            Assert.Equal(first.Fy.AsSpan(0, n).ToArray(), other.Fy.AsSpan(0, n).ToArray());
            Assert.Equal(first.Fz.AsSpan(0, n).ToArray(), other.Fz.AsSpan(0, n).ToArray());
            Assert.Equal(first.Virial.AsSpan(0, 27).ToArray(), other.Virial.AsSpan(0, 27).ToArray());
        }
    }

    /// <summary>Weights edited in place (training) reach the device after <see cref="EquivariantModel.ParametersChanged"/>.</summary>
    [Fact]
    public void ParameterChange_ReuploadsWeights()
    {
        var src = Models["l1-nu2-2layers"];
        var model = new EquivariantModel(src.Hyper, src.E0, (double[])src.Parameters.Clone());
        var s = Systems("cluster", "l1-nu2-2layers")[0];
        using var c = TestCatalog.Instance.Bind(model, Ilgpu(Precision.Float64));
        Eval.One(c, s);
        for (int k = 0; k < model.Parameters.Length; k++) model.Parameters[k] *= 1.1;
        model.ParametersChanged();
        var o = Eval.One(c, s);
        var r = Eval.One(model, s, ComputeOptions.Reference);
        AssertAgree(r, o, 1e-10, "after the change");
    }

    private static readonly Lazy<EquivariantModel> CuModel = new(() =>
        EquivariantModelFile.Read(Path.Combine(MlipEngine.Tests.Interop.NativeLibrary.RepoRoot, "potentials", "cu-mlearn.mlip")));

    /// <summary>
    /// 8 Cu atoms (2×1×1 fcc at a = 3.643 Å, jittered 0.05 Å: a cell thinner than the cutoff, so atoms see their own images), 600 K,
    /// skin 0.1 Å (rebuilds every ~10 steps), the shipped Cu model with its ZBL core. Small because ILGPU's CPU accelerator is slow.
    /// </summary>
    private static MdSystem CuSystem(Backend backend, Precision precision = Precision.Float64)
    {
        var s = MlipEngine.Dynamics.Structures.CrystalLattice.Build("fcc", "Cu", 3.643, 2, 1, 1);
        var computer = TestCatalog.Instance.Bind(CuModel.Value, new ComputeOptions { Backend = backend, Threads = 2, Skin = 0.1, Precision = precision });
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
    /// 60 NVE steps (dt 1 fs) with the shipped Cu model: a CPU-backend host trajectory against device-resident runs on ILGPU
    /// (<see cref="IlgpuResidentDynamics"/>) in fp64 and fp32 — the bounds of OpenClEquivariantMdTests and their reasoning:
    /// fp64 step-0 forces within the kernel bound 1e-10 of the largest force; then only the force sums' round-off (~1e-15 per
    /// step) amplified by 60 fs, so positions within 1e-10 of the RMS displacement (≥ 0.05 Å, not vacuous), energies within
    /// 1e-10 relative, the list rebuilt on the same steps (≥ 3 builds). fp32: step-0 forces within 1e-5; positions within 1e-5
    /// of the RMS displacement and energies within 1e-6 relative.
    /// </summary>
    [Fact]
    public void Nve_Trajectory_MatchesCpuBackend()
    {
        var cpu = CuSystem(Backend.Cpu);
        var dev = CuSystem(IlgpuBackend.Name);
        var dev32 = CuSystem(IlgpuBackend.Name, Precision.Float32);
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
        for (int s = 0; s < Steps; s++) verlet.Step(cpu);
        double tCpu = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        t0 = Stopwatch.GetTimestamp();
        RunResident(dev);
        double tDev = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        RunResident(dev32);
        var bc = cpu.Batch;
        double ss = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = bc.X[i] - x0[i], dy = bc.Y[i] - y0[i], dz = bc.Z[i] - z0[i];
            ss += dx * dx + dy * dy + dz * dz;
        }
        double rms = Math.Sqrt(ss / n);
        double dr = MaxDiff(bc.X, bc.Y, bc.Z, dev.Batch.X, dev.Batch.Y, dev.Batch.Z, n), dr32 = MaxDiff(bc.X, bc.Y, bc.Z, dev32.Batch.X, dev32.Batch.Y, dev32.Batch.Z, n);
        output.WriteLine($"{Steps} steps: CPU backend {tCpu:F1} s, ILGPU fp64 device-resident (CPU accelerator, not a GPU) {tDev:F1} s; RMS displacement {rms:F3} Å, " +
            $"max position difference fp64 {dr:E2} Å, fp32 {dr32:E2} Å; |ΔE|/|E| fp32 {Math.Abs(cpu.PotentialEnergy - dev32.PotentialEnergy) / Math.Abs(cpu.PotentialEnergy):E2}");
        Assert.True(rms > 0.05, $"atoms moved only {rms:E2} Å RMS: the comparison would be vacuous");
        Assert.True(dr <= 1e-10 * rms, $"positions differ by {dr:E2} Å (RMS displacement {rms:F3} Å)");
        Assert.True(Math.Abs(cpu.PotentialEnergy - dev.PotentialEnergy) <= 1e-10 * Math.Abs(cpu.PotentialEnergy), $"E {dev.PotentialEnergy:R} vs CPU {cpu.PotentialEnergy:R}");
        Assert.True(cpu.Computer.NeighborBuilds >= 3, $"only {cpu.Computer.NeighborBuilds} builds: the skin rebuild was not exercised");
        Assert.Equal(cpu.Computer.NeighborBuilds, dev.Computer.NeighborBuilds);
        Assert.True(dr32 <= 1e-5 * rms, $"fp32 positions differ by {dr32:E2} Å (RMS displacement {rms:F3} Å)");
        Assert.True(Math.Abs(cpu.PotentialEnergy - dev32.PotentialEnergy) <= 1e-6 * Math.Abs(cpu.PotentialEnergy), $"fp32 E {dev32.PotentialEnergy:R} vs CPU {cpu.PotentialEnergy:R}");
        foreach (var sys in new[] { cpu, dev, dev32 }) sys.Computer.Dispose();
    }

    private const int Steps = 60;

    private static void RunResident(MdSystem sys)
    {
        using var resident = IlgpuResidentDynamics.TryCreate(sys, new VelocityVerlet(), out string why) ?? throw new InvalidOperationException(why);
        resident.Upload();
        Assert.Equal(Steps, resident.Advance(0, Steps));
        resident.Synchronize(state: true);
    }

    private static double MaxDiff(double[] ax, double[] ay, double[] az, double[] bx, double[] by, double[] bz, int n)
    {
        double m = 0;
        for (int i = 0; i < n; i++) m = Math.Max(m, Math.Max(Math.Abs(ax[i] - bx[i]), Math.Max(Math.Abs(ay[i] - by[i]), Math.Abs(az[i] - bz[i]))));
        return m;
    }
}
