using MlipEngine.Backends.Ilgpu;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using MlipEngine.Training.Gradients;
using Xunit;
using Xunit.Abstractions;

namespace MlipEngine.Tests.Ilgpu;

/// <summary>
/// The energy's parameter gradient ∂E/∂θ on ILGPU (<see cref="IEnergyParameterGradient"/> of <see cref="IlgpuEquivariantComputer{T, R}"/>,
/// ILGPU's CPU accelerator in CI) against the trainer's CPU gradient (<see cref="EquivariantParameterGradient"/> with no force or
/// stress direction: its ε part is then ∂E/∂θ), every parameter block, on the shapes of <see cref="EquivariantBackendChecks.Shapes"/>
/// and the model with a ZBL core; against central differences of the device's own energy; chunked edge stages; determinism.
/// </summary>
public class IlgpuEquivariantGradientTests(ITestOutputHelper output)
{
    private static ComputeOptions Ilgpu => new() { Backend = IlgpuBackend.Name, Precision = Precision.Float64, Skin = 1.0 };

    private static EquivariantModel Model(string name) => name == "core" ? CoreModels.MaceLike() : EquivariantBackendChecks.Shapes[name];

    private static AtomicStructure System(string name, string model)
    {
        string[] species = EquivariantBackendChecks.Species(model);
        double a = model == "core" ? 2.9 : 3.6;
        return name switch
        {
            "periodic" => Samples.Periodic(species, a, 21),
            "cluster" => Samples.Cluster(species, a, 23),
            "thin" => EquivariantBackendChecks.Thin(species),
            _ => throw new ArgumentException(name),
        };
    }

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var m in EquivariantBackendChecks.Shapes.Keys)
            foreach (var s in new[] { "periodic", "cluster", "thin" }) d.Add(m, s);
        d.Add("core", "periodic");
        return d;
    }

    /// <summary>Σ_s a_s ∂E_s/∂θ and E_s on the device computer <paramref name="c"/>.</summary>
    private static (double[] Energies, double[] Gradient) DeviceGradient(IForceComputer c, EquivariantModel model, SystemBatch batch, params double[] coefficients)
    {
        var grad = new double[model.ParameterCount];
        var energies = new double[batch.SystemCount];
        ((IEnergyParameterGradient)c).AccumulateEnergyGradient(batch, coefficients, grad, energies);
        return (energies, grad);
    }

    /// <summary>∂E/∂θ from the CPU trainer's dual pass (seed 1, no direction).</summary>
    private static double[] CpuGradient(EquivariantModel model, SystemBatch batch)
    {
        var grad = new double[model.ParameterCount];
        new EquivariantParameterGradient(model).Accumulate(FrameGraph.Build(model, batch), 1.0, [], [], grad);
        return grad;
    }

    /// <summary>
    /// fp64: both sides compute the same sums in other orders (the device sums each weight's terms per atom or per edge slot in one
    /// thread; the CPU accumulates per atom and per GEMM), so they differ by round-off, ~1e-15 relative; 1e-10 per block is the fp64
    /// bound the equivariant kernels are held to against the Reference. A block the energy does not depend on (W_mix above the
    /// contracted degrees) is exactly zero on both. The energy returned is the Reference's within the same bound (the trainer's dual
    /// pass leaves out the ZBL core's energy, which does not depend on θ, so the energy is checked against the Reference).
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void EnergyGradient_Float64_MatchesCpuParameterGradient(string model, string system)
    {
        var ff = Model(model);
        var batch = SystemBatch.FromStructure(System(system, model));
        var expected = CpuGradient(ff, batch);
        using var reference = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Reference });
        var r = new ForceResult();
        reference.Compute(batch, ForceOutputs.Energy, r);
        using var c = TestCatalog.Instance.Bind(ff, Ilgpu);
        var (e, grad) = DeviceGradient(c, ff, batch, 1.0);
        Assert.Equal(r.Energy[0], e[0], 1e-10 * Math.Abs(r.Energy[0]));
        AssertBlocksAgree(ff, expected, grad, 1e-10, $"{model} {system}");
    }

    /// <summary>
    /// fp32 (features, weights, the MLP and every adjoint in float, the sums over atoms and edges in fp64) against the fp64 CPU
    /// gradient: the bound of the fp32 kernels' forces against the Reference, 1e-5 relative, per block. Blocks the energy does not
    /// depend on are exactly zero here too (their terms are products with exact zeros).
    /// </summary>
    [Theory]
    [InlineData("l2-nu3-2layers", "periodic")]
    [InlineData("core", "periodic")]
    public void EnergyGradient_Float32_MatchesCpuWithinSinglePrecision(string model, string system)
    {
        var ff = Model(model);
        var batch = SystemBatch.FromStructure(System(system, model));
        var expected = CpuGradient(ff, batch);
        using var c = TestCatalog.Instance.Bind(ff, Ilgpu with { Precision = Precision.Float32 });
        var (_, grad) = DeviceGradient(c, ff, batch, 1.0);
        AssertBlocksAgree(ff, expected, grad, 1e-5, $"{model} {system} fp32");
    }

    /// <summary>
    /// A minibatch in one call: a periodic cell, a cluster and the thin slab with loss weights a = (0.7, −1.3, 2.0) give Σ_s a_s ∂E_s/∂θ
    /// of the CPU's per-frame gradients within the fp64 bound (1e-10 per block), and each system's energy bit-identical to a plain
    /// energy call of the same computer (the same forward pass). 82 atoms: the sums over atoms run in two ranges (<see cref="PartialSums"/>,
    /// 64 atoms each), the MLP's sums over edge slots in several.
    /// </summary>
    [Fact]
    public void EnergyGradient_Batch_IsWeightedSumOfPerFrameGradients()
    {
        var ff = Model("l2-nu3-2layers");
        AtomicStructure[] systems = [System("periodic", "l2-nu3-2layers"), System("cluster", "l2-nu3-2layers"), System("thin", "l2-nu3-2layers")];
        double[] a = [0.7, -1.3, 2.0];
        var expected = new double[ff.ParameterCount];
        for (int s = 0; s < systems.Length; s++)
        {
            var one = CpuGradient(ff, SystemBatch.FromStructure(systems[s]));
            for (int k = 0; k < expected.Length; k++) expected[k] += a[s] * one[k];
        }
        var batch = SystemBatch.FromStructures(systems);
        using var c = TestCatalog.Instance.Bind(ff, Ilgpu);
        var (energies, grad) = DeviceGradient(c, ff, batch, a);
        AssertBlocksAgree(ff, expected, grad, 1e-10, "batch of 3");
        var r = new ForceResult();
        c.Compute(batch, ForceOutputs.Energy, r);
        Assert.Equal(r.Energy.AsSpan(0, systems.Length).ToArray(), energies);
    }

    private void AssertBlocksAgree(EquivariantModel model, double[] expected, double[] actual, double tol, string label)
    {
        double worst = 0;
        foreach (var block in model.Tensors)
        {
            double num = 0, den = 0;
            for (int k = block.Offset; k < block.Offset + block.Length; k++)
            {
                num += (actual[k] - expected[k]) * (actual[k] - expected[k]);
                den += expected[k] * expected[k];
            }
            if (den == 0)
            {
                for (int k = block.Offset; k < block.Offset + block.Length; k++) Assert.True(actual[k] == 0, $"{label} {block.Name}[{k - block.Offset}] = {actual[k]}, CPU 0");
                continue;
            }
            double rel = Math.Sqrt(num / den);
            worst = Math.Max(worst, rel);
            Assert.True(rel <= tol, $"{label} {block.Name}: relative difference {rel:E2} from the CPU gradient");
        }
        output.WriteLine($"{label}: largest relative difference of a block {worst:E2}");
    }

    /// <summary>
    /// The gradient against fourth-order central differences of the device's own energy (h = 1e-3; truncation O(h⁴), round-off
    /// ~ε E / h ≈ 1e-12 relative), two parameters per block: 1e-6 per block, the bound the CPU trainer's gradient is held to (issue 5).
    /// "l2-nu3-2layers" on the periodic cell; "fading": the ZBL-core model with a density fade acting on the compressed cell
    /// (<see cref="CoreModels.MaceLikeFading"/>: E_i = E0 + core + h_i L_i, h_i &lt; 1 on some atoms — checked here), which the CPU
    /// trainer refuses (its gradient has no fade term), so differences are the only reference there.
    /// </summary>
    [Theory]
    [InlineData("l2-nu3-2layers")]
    [InlineData("fading")]
    public void EnergyGradient_MatchesCentralDifferencesOfDeviceEnergy(string name)
    {
        var src = name == "fading" ? CoreModels.MaceLikeFading() : EquivariantBackendChecks.Shapes[name];
        var model = new EquivariantModel(src.Hyper, src.E0, (double[])src.Parameters.Clone());
        var batch = SystemBatch.FromStructure(name == "fading" ? CoreModels.FadingSamples[0] : System("periodic", name));
        if (name == "fading")
            Assert.Throws<ArgumentException>(() => FrameGraph.Build(model, batch));   // the fade acts on this frame
        using var c = TestCatalog.Instance.Bind(model, Ilgpu);
        var (_, grad) = DeviceGradient(c, model, batch, 1.0);
        var result = new ForceResult();
        var p = model.Parameters;
        var rng = new Random(3);
        const double h = 1e-3;
        int checkedBlocks = 0;
        foreach (var block in model.Tensors)
        {
            double num = 0, den = 0;
            foreach (int k in new[] { block.Offset + rng.Next(block.Length), block.Offset + rng.Next(block.Length) }.Distinct())
            {
                double keep = p[k];
                double EnergyAt(double x) { p[k] = x; model.ParametersChanged(); c.Compute(batch, ForceOutputs.Energy, result); return result.Energy[0]; }
                double fd = (8 * (EnergyAt(keep + h) - EnergyAt(keep - h)) - (EnergyAt(keep + 2 * h) - EnergyAt(keep - 2 * h))) / (12 * h);
                p[k] = keep; model.ParametersChanged();
                num += (fd - grad[k]) * (fd - grad[k]);
                den += fd * fd;
            }
            if (den == 0) continue;   // W_mix above the contracted degrees: the exact zero is checked against the CPU gradient
            checkedBlocks++;
            double rel = Math.Sqrt(num / den);
            Assert.True(rel <= 1e-6, $"{name} {block.Name}: relative error {rel:E2} against central differences");
        }
        Assert.True(checkedBlocks >= model.Tensors.Count - 2, $"{checkedBlocks} of {model.Tensors.Count} blocks checked");
    }

    /// <summary>
    /// Edge stages in chunks of 40 atoms (a 108-atom skewed cell, ≥ 3 chunks; geometry and MLP recomputed per chunk in the adjoint): the
    /// MLP weights' edge sums are then grouped per chunk, so the gradient is the CPU's within the fp64 bound (not bit-identical to one
    /// chunk); two calls on one computer, and the energy coefficient a, give exactly a times the same gradient (bit-reproducible).
    /// </summary>
    [Fact]
    public void EnergyGradient_Chunked_MatchesCpuAndIsBitReproducible()
    {
        var ff = CoreModels.MaceLike();
        var batch = SystemBatch.FromStructure(Samples.Periodic(EquivariantBackendChecks.Species("core"), 2.9, 21, repeat: 3));
        var expected = CpuGradient(ff, batch);
        using var c = TestCatalog.Instance.Bind(ff, Ilgpu);
        var chunked = (IEdgeChunkedComputer)c;
        chunked.ChunkAtomsOverride = 40;
        var (_, first) = DeviceGradient(c, ff, batch, 1.0);
        Assert.True(chunked.Chunks >= 3, $"{chunked.Chunks} chunks");
        var (_, second) = DeviceGradient(c, ff, batch, 2.0);
        for (int k = 0; k < first.Length; k++) Assert.Equal(2 * first[k], second[k]);
        AssertBlocksAgree(ff, expected, first, 1e-10, $"core chunked ({chunked.Chunks} chunks)");
    }
}
