using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Equivariant;

/// <summary>Each stage alone: harmonics, radial basis, Clebsch–Gordan tables; the model's cutoff behaviour and precision.</summary>
public class EquivariantStageTests
{
    /// <summary>Exact quadrature on the sphere (Gauss–Legendre × uniform φ) for polynomials of degree ≤ 15.</summary>
    private static IEnumerable<(Vec3 U, double W)> Sphere()
    {
        var (z, w) = ClebschGordan.GaussLegendre(10);
        const int nPhi = 24;
        for (int a = 0; a < z.Length; a++)
            for (int b = 0; b < nPhi; b++)
            {
                double st = Math.Sqrt(1 - z[a] * z[a]), phi = 2 * Math.PI * b / nPhi;
                yield return (new Vec3(st * Math.Cos(phi), st * Math.Sin(phi), z[a]), w[a] * 2 * Math.PI / nPhi);
            }
    }

    private static double[] Y(Vec3 u) { var y = new double[16]; SphericalHarmonics.Evaluate(3, u.X, u.Y, u.Z, y, default); return y; }

    [Fact]
    public void SphericalHarmonics_AreOrthonormalWithComponentNormalisation()
    {
        var g = new double[16, 16];
        foreach (var (u, w) in Sphere())
        {
            var y = Y(u);
            for (int a = 0; a < 16; a++) for (int b = 0; b < 16; b++) g[a, b] += w * y[a] * y[b] / (4 * Math.PI);
        }
        for (int a = 0; a < 16; a++) for (int b = 0; b < 16; b++) Assert.True(Math.Abs(g[a, b] - (a == b ? 1 : 0)) < 1e-13, $"⟨Y{a}, Y{b}⟩ = {g[a, b]}");
    }

    [Fact]
    public void SphericalHarmonics_GradientsMatchCentralDifferences()
    {
        var rng = new Random(2);
        var grad = new double[48]; var y = new double[16]; var yp = new double[16]; var ym = new double[16];
        for (int trial = 0; trial < 20; trial++)
        {
            var r = new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5) * 5;
            SphericalHarmonics.Evaluate(3, r.X, r.Y, r.Z, y, grad);
            const double h = 1e-6;
            for (int a = 0; a < 3; a++)
            {
                var e = a == 0 ? new Vec3(h, 0, 0) : a == 1 ? new Vec3(0, h, 0) : new Vec3(0, 0, h);
                SphericalHarmonics.Evaluate(3, (r + e).X, (r + e).Y, (r + e).Z, yp, default);
                SphericalHarmonics.Evaluate(3, (r - e).X, (r - e).Y, (r - e).Z, ym, default);
                for (int k = 0; k < 16; k++) Assert.True(Math.Abs((yp[k] - ym[k]) / (2 * h) - grad[a * 16 + k]) < 1e-7, $"dY{k}/dr{a}");
            }
        }
    }

    /// <summary>Wigner D of l for rotation R by projection: D_mm′ = (1/4π) ∫ Y_lm(R u) Y_lm′(u) dΩ.</summary>
    private static double[,] WignerD(int l, Mat3 rot)
    {
        int d = 2 * l + 1, o = l * l;
        var D = new double[d, d];
        foreach (var (u, w) in Sphere())
        {
            var yr = Y(rot * u); var y = Y(u);
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) D[a, b] += w * yr[o + a] * y[o + b] / (4 * Math.PI);
        }
        return D;
    }

    [Fact]
    public void SphericalHarmonics_RotateByOrthogonalWignerMatrices()
    {
        var rot = TestStructures.RandomRotation(5);
        var rng = new Random(4);
        for (int l = 0; l <= 3; l++)
        {
            var D = WignerD(l, rot);
            int d = 2 * l + 1, o = l * l;
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++)
            {
                double s = 0; for (int k = 0; k < d; k++) s += D[k, a] * D[k, b];
                Assert.True(Math.Abs(s - (a == b ? 1 : 0)) < 1e-12, $"DᵀD of l={l}");
            }
            for (int trial = 0; trial < 5; trial++)
            {
                var u = new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5);
                u /= u.Norm;
                var yr = Y(rot * u); var y = Y(u);
                for (int a = 0; a < d; a++)
                {
                    double s = 0; for (int b = 0; b < d; b++) s += D[a, b] * y[o + b];
                    Assert.True(Math.Abs(s - yr[o + a]) < 1e-12, $"Y(Ru) = D Y(u), l={l}");
                }
            }
        }
    }

    public static TheoryData<int, int, int> Couplings()
    {
        var d = new TheoryData<int, int, int>();
        for (int a = 0; a <= 3; a++) for (int b = 0; b <= 3; b++) for (int c = 0; c <= 3; c++) if (Irreps.Couples(a, b, c)) d.Add(a, b, c);
        return d;
    }

    [Theory, MemberData(nameof(Couplings))]
    public void ClebschGordan_AreOrthonormalAndEquivariant(int l1, int l2, int l3)
    {
        var t = ClebschGordan.Get(l1, l2, l3);
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        for (int a = 0; a < d3; a++) for (int b = 0; b < d3; b++)
        {
            double s = 0;
            for (int i = 0; i < d1; i++) for (int j = 0; j < d2; j++) s += t.Dense(i, j, a) * t.Dense(i, j, b);
            Assert.True(Math.Abs(s - (a == b ? 1 : 0)) < 1e-12, $"Σ C C for m3={a},{b}");
        }
        var rot = TestStructures.RandomRotation(11);
        double[,] D1 = WignerD(l1, rot), D2 = WignerD(l2, rot), D3 = WignerD(l3, rot);
        var rng = new Random(1);
        var x = Enumerable.Range(0, d1).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var y = Enumerable.Range(0, d2).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] Apply(double[,] D, double[] v) { var r = new double[v.Length]; for (int a = 0; a < v.Length; a++) for (int b = 0; b < v.Length; b++) r[a] += D[a, b] * v[b]; return r; }
        var outRot = new double[d3]; t.Accumulate(Apply(D1, x), Apply(D2, y), outRot, 1);
        var o = new double[d3]; t.Accumulate(x, y, o, 1);
        var rotOut = Apply(D3, o);
        for (int a = 0; a < d3; a++) Assert.True(Math.Abs(outRot[a] - rotOut[a]) < 1e-12, $"C(D x, D y) = D C(x, y), m3={a}");
    }

    [Fact]
    public void RadialBasis_DerivativesMatchCentralDifferences_AndVanishAtCutoff()
    {
        var rb = new RadialBasis(8, 5.0, 5);
        var v = new double[8]; var d = new double[8]; var vp = new double[8]; var vm = new double[8];
        for (double r = 0.5; r < 5.0; r += 0.37)
        {
            rb.Evaluate(r, v, d);
            rb.Evaluate(r + 1e-6, vp, new double[8]); rb.Evaluate(r - 1e-6, vm, new double[8]);
            for (int n = 0; n < 8; n++) Assert.True(Math.Abs((vp[n] - vm[n]) / 2e-6 - d[n]) < 1e-7);
        }
        rb.Evaluate(5.0, v, d);
        Assert.All(v, x => Assert.Equal(0.0, x));
        Assert.All(d, x => Assert.Equal(0.0, x));
        rb.Envelope(5.0 - 1e-3, out double u, out double du);
        Assert.True(u < 1e-7 && Math.Abs(du) < 1e-4, "u and u′ go to zero as (1−x)³ and (1−x)²");
    }

    [Theory]
    [InlineData(Backend.ReferenceName)]
    [InlineData(Backend.CpuName)]
    [InlineData(MlipEngine.Backends.Ilgpu.IlgpuBackend.Name)]
    public void DimerEnergyAndForce_GoContinuouslyToZeroAtCutoff(string backend)
    {
        var model = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2);
        using var c = TestCatalog.Instance.Bind(model, new ComputeOptions { Backend = backend });
        Evaluation Dimer(double r) => Eval.One(c, new AtomicStructure([29, 28], [new Vec3(0, 0, 0), new Vec3(r * 0.6, r * 0.8, 0)], Cell.Open));
        double eFar = Dimer(model.Cutoff + 1).Energy;
        Assert.Equal(-1.5 - 2.0, eFar, 12);  // isolated atoms: E0 only
        double prevE = double.PositiveInfinity;
        foreach (double h in new[] { 1e-1, 1e-2, 1e-3 })
        {
            var ev = Dimer(model.Cutoff - h);
            double de = Math.Abs(ev.Energy - eFar);
            Assert.True(de < 1e-1 * h * h, $"ΔE({h}) = {de}");   // u ∝ (1 − x)³ near the cutoff
            Assert.True(ev.Forces[0].Norm < 1e-1 * h, $"|F|({h}) = {ev.Forces[0].Norm}");
            Assert.True(de <= prevE);
            prevE = de;
        }
        Assert.Equal(eFar, Dimer(model.Cutoff).Energy, 14);
        Assert.True(Dimer(2.5).Forces[0].Norm > 1e-4, "the dimer interacts inside the cutoff");
    }

    [Fact]
    public void Float32_MatchesReference_WithinOneInTenToTheFive()
    {
        var model = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2, channels: 16);
        var s = Samples.Periodic(["Cu", "Ni"], 3.6, 21);
        var r = Eval.One(model, s, ComputeOptions.Reference);
        var f = Eval.One(model, s, new ComputeOptions { Backend = Backend.Cpu, Precision = Precision.Float32, Threads = 2 });
        double fmax = r.Forces.Max(v => v.Norm);
        for (int i = 0; i < s.AtomCount; i++)
            Assert.True((r.Forces[i] - f.Forces[i]).Norm <= 1e-5 * fmax, $"force {i}: {r.Forces[i]} vs fp32 {f.Forces[i]}");
        Assert.True(Math.Abs(r.Energy - f.Energy) <= 1e-5 * Math.Abs(r.Energy));
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(r.Stress[k] - f.Stress[k]) <= 1e-5 * r.Stress.Max(Math.Abs));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Cpu_MatchesReference_ForWidthsThatAreNotWholeVectors(int threads)
    {
        // 5 channels, MLP widths 7 and 3: every SIMD kernel runs its scalar tails and partial row blocks
        var model = EquivariantModel.Random(new EquivariantHyperparameters
        {
            Species = ["Cu", "Ni"], Channels = 5, HiddenLMax = 2, ShLMax = 3, Correlation = 3, Layers = 2,
            Cutoff = 4.0, NumBessel = 5, RadialHidden = [7, 3], ReadoutHidden = 3, AvgNeighbors = 20,
        }, 4);
        var s = Samples.Periodic(["Cu", "Ni"], 3.6, 8);
        var r = Eval.One(model, s, ComputeOptions.Reference);
        var c = Eval.One(model, s, new ComputeOptions { Backend = Backend.Cpu, Threads = threads });
        Assert.True(Math.Abs(r.Energy - c.Energy) <= 1e-12 * Math.Max(1, Math.Abs(r.Energy)));
        for (int i = 0; i < s.AtomCount; i++) Assert.True((r.Forces[i] - c.Forces[i]).Norm <= 1e-10 * Math.Max(1, r.Forces[i].Norm), $"force {i}");
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(r.Virial[k] - c.Virial[k]) <= 1e-10 * (1 + Math.Abs(r.Virial[k])), $"virial {k}");
    }
}
