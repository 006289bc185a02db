using Xunit;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using MlipEngine.Training.Gradients;
using MlipEngine.Training.Loss;

namespace MlipEngine.Tests.Training;

/// <summary>
/// The exact loss gradient (forward-over-reverse, <see cref="EquivariantParameterGradient"/>) against
/// central finite differences of the loss, for every parameter block of several model shapes, with
/// energy, force and stress terms, squared and Huber errors (issue 5: relative error ≤ 1e-6 in fp64).
/// </summary>
public class ParameterGradientTests
{
    private static (TrainingSample[] Samples, LossWeights Weights) Problem(EquivariantModel model, string[] elements, double? huber, int seed)
    {
        var structures = new[] { Samples.Periodic(elements, 3.6, seed, repeat: 1), Samples.Cluster(elements, 3.6, seed + 1) };
        using var probe = new FrameLossGradient(model);
        var samples = NoisyLabels.Near(model, structures, seed, probe.Predict);
        // λ_σ large enough that the stress term is comparable to the others
        return (samples, new LossWeights { Energy = 1, Forces = 10, Stress = 1000, HuberDelta = huber });
    }

    private static double TotalLoss(FrameLossGradient eval, TrainingSample[] samples, LossWeights w) =>
        samples.Sum(s => eval.Loss(s, w, samples.Length, out _));

    [Theory]
    [InlineData(1, 2, 3, 2, null)]     // MACE-like: hidden L = 1, harmonics L = 2, ν = 3, two layers
    [InlineData(2, 3, 2, 2, null)]     // hidden L = 2, harmonics L = 3, ν = 2
    [InlineData(0, 1, 1, 1, null)]     // NequIP-like single layer
    [InlineData(1, 2, 3, 3, 0.05)]     // three layers with the Huber error
    [InlineData(1, 2, 3, 2, null, true)]   // with a ZBL core whose window holds the nearest neighbours (learned distance ρ(r), E_core in the predictions)
    public void LossGradientMatchesCentralDifferencesForEveryParameterBlock(int hiddenL, int shL, int nu, int layers, double? huber, bool core = false)
    {
        string[] elements = ["Cu", "Ni"];
        var model = SmallModels.Make(elements, hiddenL, shL, nu, layers, seed: 11, channels: 3);
        if (core) model = CoreModels.WithCore(model, CoreRepulsionSpec.Uniform(2, 2.0, 2.7));
        var (samples, weights) = Problem(model, elements, huber, 7);
        using var eval = new FrameLossGradient(model);
        var grad = new double[model.ParameterCount];
        foreach (var s in samples) eval.Accumulate(s, weights, samples.Length, grad, out _);

        var rng = new Random(5);
        var p = model.Parameters;
        const double h = 1e-4;
        foreach (var block in model.Tensors)
        {
            var picks = Enumerable.Range(0, 6).Select(_ => block.Offset + rng.Next(block.Length)).Distinct().ToArray();
            double num = 0, den = 0, ana = 0;
            foreach (int k in picks)
            {
                // fourth-order central difference: truncation O(h⁴), so fp64 round-off (≈ ε L / h) dominates
                double keep = p[k];
                double LossAt(double x) { p[k] = x; model.ParametersChanged(); return TotalLoss(eval, samples, weights); }
                double fd = (8 * (LossAt(keep + h) - LossAt(keep - h)) - (LossAt(keep + 2 * h) - LossAt(keep - 2 * h))) / (12 * h);
                p[k] = keep; model.ParametersChanged();
                num += (fd - grad[k]) * (fd - grad[k]);
                den += fd * fd;
                ana += grad[k] * grad[k];
            }
            if (den == 0)
            {
                // e.g. W_mix for l = 1 when only scalars are contracted: then the gradient must be exactly zero too
                Assert.True(ana == 0, $"{block.Name}: the loss does not depend on these parameters but the gradient is not zero");
                continue;
            }
            double rel = Math.Sqrt(num / den);
            Assert.True(rel <= 1e-6, $"{block.Name}: relative error {rel:E2} of the analytic gradient");
        }
    }

    [Fact]
    public void DualPassEnergyAndDirectionalDerivativeMatchTheReferenceBackend()
    {
        string[] elements = ["Cu", "Ni"];
        var model = SmallModels.Make(elements, 2, 3, 3, 2, seed: 4, channels: 4);
        var s = Samples.Periodic(elements, 3.6, 3, repeat: 1);
        var batch = SystemBatch.FromStructure(s);
        var graph = FrameGraph.Build(model, batch);
        using var reference = TestCatalog.Instance.Bind(model, new ComputeOptions { Backend = Backend.Reference });
        var r = new ForceResult();
        reference.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, r);

        var rng = new Random(2);
        var u = Enumerable.Range(0, 3 * s.AtomCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var sRaw = Enumerable.Range(0, 9).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var strain = new double[9];
        for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) strain[3 * a + b] = 0.5 * (sRaw[3 * a + b] + sRaw[3 * b + a]);
        var e = new EquivariantParameterGradient(model).Accumulate(graph, 0.3, u, strain, new double[model.ParameterCount]);

        // D_δE = Σ u·∂E/∂r + Σ S_ab ∂E/∂ε_ab = −Σ u·F − Σ S_ab W_ab
        double expected = 0;
        for (int i = 0; i < s.AtomCount; i++) expected -= u[3 * i] * r.Fx[i] + u[3 * i + 1] * r.Fy[i] + u[3 * i + 2] * r.Fz[i];
        var w = r.VirialOf(0);
        for (int q = 0; q < 9; q++) expected -= strain[q] * w[q];
        Assert.Equal(r.Energy[0], e.V, 1e-12 * Math.Abs(r.Energy[0]) + 1e-12);
        Assert.True(Math.Abs(e.D - expected) <= 1e-10 * (Math.Abs(expected) + 1), $"D_δE {e.D} vs {expected}");
    }

    [Fact]
    public void GradientIsSumOfPerFrameGradientsAndIndependentOfEvaluatorReuse()
    {
        string[] elements = ["Cu", "Ni"];
        var model = SmallModels.Make(elements, 1, 2, 3, 2, seed: 9, channels: 3);
        var (samples, weights) = Problem(model, elements, null, 3);
        using var eval = new FrameLossGradient(model);
        var all = new double[model.ParameterCount];
        foreach (var s in samples) eval.Accumulate(s, weights, samples.Length, all, out _);
        var sum = new double[model.ParameterCount];
        foreach (var s in samples)
        {
            using var fresh = new FrameLossGradient(model);
            var one = new double[model.ParameterCount];
            fresh.Accumulate(s, weights, samples.Length, one, out _);
            for (int k = 0; k < sum.Length; k++) sum[k] += one[k];
        }
        for (int k = 0; k < sum.Length; k++) Assert.Equal(sum[k], all[k], 1e-12 * (Math.Abs(sum[k]) + 1e-9));
    }
}
