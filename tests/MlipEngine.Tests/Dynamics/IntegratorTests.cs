using MlipEngine.Dynamics.Barostats;
using MlipEngine.Dynamics.Integrators;
using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Units;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Dynamics;

public class IntegratorTests(ITestOutputHelper log)
{
    /// <summary>Linear-fit slope of E(t), eV/ps, and the rms residual, eV.</summary>
    private static (double Slope, double Rms) Fit(List<double> t, List<double> e)
    {
        double mt = t.Average(), me = e.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < t.Count; i++) { sxy += (t[i] - mt) * (e[i] - me); sxx += (t[i] - mt) * (t[i] - mt); }
        double slope = sxy / sxx, rms = 0;
        for (int i = 0; i < t.Count; i++) { double r = e[i] - me - slope * (t[i] - mt); rms += r * r; }
        return (slope * 1000, Math.Sqrt(rms / t.Count));
    }

    private (double Slope, double Rms) RunNve(int repeat, int steps)
    {
        var s = MdTestSystems.Copper(repeat, 1.0, threads: 2);
        Velocities.InitializeMaxwellBoltzmann(s, 600, 17);
        s.ComputeForces();
        var vv = new VelocityVerlet();
        var t = new List<double>(); var e = new List<double>();
        for (int step = 1; step <= steps; step++)
        {
            vv.Step(s);
            if (step > steps / 10 && step % 10 == 0) { t.Add(step * 1.0); e.Add((s.PotentialEnergy + s.KineticEnergy()) / s.AtomCount); }
        }
        var fit = Fit(t, e);
        log.WriteLine($"{s.AtomCount} atoms, {steps} steps: drift {fit.Slope:E2} eV/atom/ps, rms fluctuation {fit.Rms:E2} eV/atom");
        return fit;
    }

    // 256-atom EAM Cu, 1 fs, 2000 steps from 600 K (≈300 K after equipartition). A velocity-Verlet
    // drift is a systematic slope; fluctuations of O(Δt²) are ~1e-6 eV/atom. The bound is
    // 1e-5 eV/atom/ps.
    [Fact]
    public void Nve_TotalEnergyDoesNotDrift_EamCu()
    {
        var (slope, rms) = RunNve(4, 2000);
        Assert.True(Math.Abs(slope) < 1e-5, $"drift {slope:E2} eV/atom/ps");
        Assert.True(rms < 1e-4, $"fluctuation {rms:E2} eV/atom");
    }

    /// <summary>The version: 500 atoms, 10,000 steps of 1 fs. Long: CI skips it (Category=Long).</summary>
    [Fact, Trait("Category", "Long")]
    public void Nve_TotalEnergyDoesNotDrift_EamCu500_10000Steps()
    {
        var (slope, _) = RunNve(5, 10000);
        Assert.True(Math.Abs(slope) < 1e-5, $"drift {slope:E2} eV/atom/ps");
    }

    // Velocity Verlet is time-reversible: N steps forward, v → −v, N steps back returns to the start.
    // Only round-off (amplified by the Lyapunov instability over 2×200 steps) separates them.
    [Fact]
    public void VelocityVerlet_IsTimeReversible()
    {
        var s = MdTestSystems.Argon(3, 5.0);
        Velocities.InitializeMaxwellBoltzmann(s, 60, 3);
        var x0 = (double[])s.Batch.X.Clone(); var y0 = (double[])s.Batch.Y.Clone();
        s.ComputeForces();
        var vv = new VelocityVerlet();
        for (int i = 0; i < 200; i++) vv.Step(s);
        s.ScaleVelocities(-1);
        for (int i = 0; i < 200; i++) vv.Step(s);
        double worst = 0;
        for (int i = 0; i < s.AtomCount; i++) worst = Math.Max(worst, Math.Max(Math.Abs(s.Batch.X[i] - x0[i]), Math.Abs(s.Batch.Y[i] - y0[i])));
        log.WriteLine($"max |Δr| after forward+back: {worst:E2} Å");
        Assert.True(worst < 1e-8, $"{worst:E2} Å");
    }

    // Canonical ensemble: ⟨K⟩ = N_f k_BT/2 and Var K = N_f (k_BT)²/2. Langevin thermostats every
    // Cartesian degree of freedom (N_f = 3N); Bussi and NHC conserve momentum (N_f = 3N − 3).
    // Errors from 10 block estimates; the bound is 4 standard errors (plus 3 % for the O(Δt²) bias).
    [Theory]
    [InlineData("nvt-langevin")]
    [InlineData("nvt-bussi")]
    [InlineData("nvt-nhc")]
    public void Thermostat_KineticEnergyIsCanonical(string type)
    {
        const double T = 50;
        var s = MdTestSystems.Argon(3, 5.0);
        Velocities.InitializeMaxwellBoltzmann(s, T, 5);
        s.ComputeForces();
        IIntegrator integ = type switch
        {
            "nvt-langevin" => new LangevinBaoab(T, 200, 9),
            "nvt-bussi" => new BussiNvt(T, 100, s.DegreesOfFreedom, 9),
            _ => new NoseHooverChainNvt(T, 200, 3, s.DegreesOfFreedom),
        };
        int nf = type == "nvt-langevin" ? 3 * s.AtomCount : s.DegreesOfFreedom;
        var k = new List<double>();
        for (int step = 0; step < 25000; step++)
        {
            integ.Step(s);
            if (step >= 2000 && step % 5 == 0) k.Add(s.KineticEnergy());
        }
        double kT = PhysicalConstants.Boltzmann * T;
        var (mean, meanErr) = MdTestSystems.BlockMean(k);
        var (variance, varErr) = MdTestSystems.BlockVariance(k);
        double expMean = 0.5 * nf * kT, expVar = 0.5 * nf * kT * kT;
        log.WriteLine($"{type}: <K> = {mean:F5} ± {meanErr:F5} (canonical {expMean:F5}); Var K = {variance:E4} ± {varErr:E2} (canonical {expVar:E4})");
        Assert.True(Math.Abs(mean - expMean) < 4 * meanErr + 0.01 * expMean, "mean kinetic energy");
        Assert.True(Math.Abs(variance - expVar) < 4 * varErr + 0.03 * expVar, "kinetic-energy variance");
    }

    // NPT: the time-averaged pressure (kinetic + virial) equals the target within its block error.
    // The cell changes every step, so NPT rebuilds the neighbor list every step: these runs are the
    // slowest dynamics tests; two couplings run in CI, the other two are Category=Long.
    [Theory]
    [InlineData("npt-mtk", PressureCoupling.Isotropic)]
    [InlineData("npt-crescale", PressureCoupling.Anisotropic)]
    public void Barostat_MeanPressureOnTarget(string type, PressureCoupling coupling) => MeanPressure(type, coupling, 10000);

    [Theory, Trait("Category", "Long")]
    [InlineData("npt-mtk", PressureCoupling.Triclinic)]
    [InlineData("npt-crescale", PressureCoupling.Isotropic)]
    [InlineData("npt-crescale", PressureCoupling.Triclinic)]
    public void Barostat_MeanPressureOnTarget_Long(string type, PressureCoupling coupling) => MeanPressure(type, coupling, 30000);

    private void MeanPressure(string type, PressureCoupling coupling, int steps)
    {
        const double T = 40, pGPa = 0.05;
        var s = MdTestSystems.Argon(3, 5.0);
        Velocities.InitializeMaxwellBoltzmann(s, T, 5);
        s.ComputeForces();
        double p = pGPa / PhysicalConstants.EvPerA3ToGPa;
        IIntegrator integ = type == "npt-mtk"
            ? new MtkNpt(T, 250, 3, p, 2500, coupling, s)
            : new CRescaleNpt(T, 250, p, 0.3 * PhysicalConstants.EvPerA3ToGPa, 1000, coupling, s, 4);
        var ps = new List<double>(); var vol = new List<double>();
        Span<double> pt = stackalloc double[9];
        for (int step = 0; step < steps; step++)
        {
            integ.Step(s);
            if (step >= steps / 6 && step % 5 == 0)
            {
                s.PressureTensor(pt);
                ps.Add((pt[0] + pt[4] + pt[8]) / 3 * PhysicalConstants.EvPerA3ToGPa);
                vol.Add(s.Cell.Volume);
            }
        }
        var (mean, err) = MdTestSystems.BlockMean(ps);
        log.WriteLine($"{type} {coupling}: <P> = {mean:F4} ± {err:F4} GPa (target {pGPa}); <V> = {vol.Average():F2} Å³");
        Assert.True(Math.Abs(mean - pGPa) < 4 * err + 0.005, $"<P> = {mean} ± {err} GPa");
    }

    [Fact]
    public void Rng_StateRoundTripsThroughSave()
    {
        var a = new Xoshiro256(99);
        for (int i = 0; i < 7; i++) a.NextGaussian();
        var ms = new MemoryStream();
        a.Save(new BinaryWriter(ms));
        var b = new Xoshiro256(1);
        ms.Position = 0;
        b.Load(new BinaryReader(ms));
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextGaussian(), b.NextGaussian());
    }

    [Fact]
    public void SymmetricEigen_Reconstructs()
    {
        double[] a = [2, 0.3, -0.7, 0.3, -1, 0.5, -0.7, 0.5, 0.25];
        Span<double> l = stackalloc double[3], q = stackalloc double[9], r = stackalloc double[9];
        SymmetricMatrix3.Eigen(a, l, q);
        SymmetricMatrix3.Compose(q, l, r);
        for (int k = 0; k < 9; k++) Assert.Equal(a[k], r[k], 1e-13);
    }
}
