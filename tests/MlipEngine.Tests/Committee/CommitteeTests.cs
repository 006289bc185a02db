using System.Globalization;
using MlipEngine.Cli.Commands;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Potentials.Committee;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Cli;
using MlipEngine.Tests.Conformance;
using MlipEngine.Tests.Equivariant;
using MlipEngine.Tests.Support;
using MlipEngine.Workflows.Evaluation;
using Xunit;

namespace MlipEngine.Tests.Committee;

public class CommitteeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-committee-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Three different random models; the third lists its species in the other order, so its types are mapped.</summary>
    private static EquivariantModel[] ThreeModels() =>
    [
        SmallModels.Make(["Cu", "Ni"], 1, 2, 2, 2, seed: 21, channels: 4),
        SmallModels.Make(["Cu", "Ni"], 1, 2, 2, 2, seed: 22, channels: 4),
        SmallModels.Make(["Ni", "Cu"], 0, 1, 2, 1, seed: 23, channels: 4),
    ];

    private static ComputeOptions Options(string backend, int threads = 1) => new() { Backend = backend, Threads = threads };

    /// <summary>One call with every output and the spread.</summary>
    private static ForceResult Compute(IForceComputer c, SystemBatch batch, ForceOutputs outputs = ForceOutputs.All | ForceOutputs.Uncertainty)
    {
        var r = new ForceResult();
        c.Compute(batch, outputs, r);
        return r;
    }

    private static SystemBatch TwoSystems() =>
        SystemBatch.FromStructures([Samples.Periodic(["Cu", "Ni"], 3.6, 4), Samples.Cluster(["Cu", "Ni"], 3.6, 5)]);

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    public void CopiesOfOneModel_GiveTheModelExactly_AndZeroSpread(string backend)
    {
        var model = ThreeModels()[0];
        var committee = new CommitteeForceField([model, model, model]);
        var batch = TwoSystems();
        using var one = TestCatalog.Instance.Bind(model, Options(backend, threads: 2));
        using var k3 = TestCatalog.Instance.Bind(committee, Options(backend, threads: 2));
        var a = Compute(one, batch, ForceOutputs.All);
        var c = Compute(k3, batch);
        Assert.True((c.Computed & ForceOutputs.Uncertainty) != 0);
        // The first member is copied and identical members add x − x̄ = 0 to the mean: bit for bit, not to a tolerance.
        for (int s = 0; s < batch.SystemCount; s++)
        {
            Assert.Equal(a.Energy[s], c.Energy[s]);
            Assert.Equal(a.VirialOf(s).ToArray(), c.VirialOf(s).ToArray());
            Assert.Equal(a.StressOf(s).ToArray(), c.StressOf(s).ToArray());
            Assert.Equal(0.0, c.EnergyStd[s]);
            Assert.Equal(0.0, c.MaxForceStd[s]);
        }
        for (int i = 0; i < batch.AtomCount; i++)
        {
            Assert.Equal(a.Force(i), c.Force(i));
            Assert.Equal(a.AtomEnergies[i], c.AtomEnergies[i]);
            Assert.Equal(0.0, c.ForceStd[i]);
        }
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    public void DifferentModels_MeanAndSpread_EqualStatisticsOfSeparateEvaluations(string backend)
    {
        var models = ThreeModels();
        var committee = new CommitteeForceField(models);
        var batch = TwoSystems();
        int k = models.Length, ns = batch.SystemCount, na = batch.AtomCount;
        var alone = models.Select(m => { using var c = TestCatalog.Instance.Bind(m, Options(backend)); return Compute(c, batch, ForceOutputs.All); }).ToArray();
        using var cc = TestCatalog.Instance.Bind(committee, Options(backend));
        var r = Compute(cc, batch);

        // Each member sees the same list (same builder, same input) and its own kernels, so its part is bit-identical
        // to its separate run; the committee then differs from a two-pass mean/std only by the order of fp64 roundings
        // (a few ulps of the largest term): 1e-12 relative to the scale of each quantity is ~10⁴ ulps of margin.
        const double rel = 1e-12;
        double fScale = alone.Max(a => Enumerable.Range(0, na).Max(i => a.Force(i).Norm));
        double eScale = alone.Max(a => Enumerable.Range(0, ns).Max(s => Math.Abs(a.Energy[s])));
        double wScale = alone.Max(a => a.Virial.Take(9 * ns).Max(Math.Abs));
        double aeScale = alone.Max(a => a.AtomEnergies.Take(na).Max(Math.Abs));
        for (int s = 0; s < ns; s++)
        {
            double[] e = alone.Select(a => a.Energy[s]).ToArray();
            double mean = e.Average();
            Assert.True(Math.Abs(r.Energy[s] - mean) <= rel * eScale, $"system {s}: energy {r.Energy[s]:R} vs mean {mean:R}");
            double std = Math.Sqrt(e.Sum(x => (x - mean) * (x - mean)) / k);
            Assert.True(std > 1e-3, "the members should disagree");
            Assert.True(Math.Abs(r.EnergyStd[s] - std) <= rel * eScale, $"system {s}: energy spread {r.EnergyStd[s]:R} vs {std:R}");
            for (int c = 0; c < 9; c++)
            {
                double w = alone.Average(a => a.Virial[9 * s + c]);
                Assert.True(Math.Abs(r.Virial[9 * s + c] - w) <= rel * wScale, $"system {s} virial {c}");
            }
            var cell = batch.Cells[s];
            if (cell.AnyPeriodic) Assert.True(Math.Abs(r.Stress[9 * s] + r.Virial[9 * s] / cell.Volume) <= 1e-15 * wScale / cell.Volume, "stress is −W̄/V");
        }
        var maxStd = new double[ns];
        for (int i = 0; i < na; i++)
        {
            var mean = new Vec3(alone.Average(a => a.Fx[i]), alone.Average(a => a.Fy[i]), alone.Average(a => a.Fz[i]));
            Assert.True((r.Force(i) - mean).Norm <= rel * fScale, $"atom {i}: force {r.Force(i)} vs mean {mean}");
            Assert.True(Math.Abs(r.AtomEnergies[i] - alone.Average(a => a.AtomEnergies[i])) <= rel * aeScale, $"atom {i} energy");
            // σ_F,i = √((1/K) Σ_k |F_i^k − F̄_i|²), written out from the separate results
            double std = Math.Sqrt(alone.Sum(a => (a.Force(i) - mean).NormSquared) / k);
            Assert.True(Math.Abs(r.ForceStd[i] - std) <= rel * fScale, $"atom {i}: force spread {r.ForceStd[i]:R} vs {std:R}");
            int sys = batch.SystemIndex[i];
            maxStd[sys] = Math.Max(maxStd[sys], r.ForceStd[i]);
        }
        for (int s = 0; s < ns; s++) Assert.Equal(maxStd[s], r.MaxForceStd[s]);
    }

    [Fact]
    public void MeanForces_MatchCentralDifferencesOfMeanEnergy()
    {
        using var c = TestCatalog.Instance.Bind(new CommitteeForceField(ThreeModels()), Options("reference"));
        // step 1e-5 Å: truncation h²F‴/6 ~ 1e-10, round-off ε|E|/h ~ 1e-10 for |E| ~ 10 eV; 1e-6 as in the conformance suite
        ForceFieldConformance.AssertForcesMatchCentralDifferences(c, Samples.Cluster(["Cu", "Ni"], 3.6, 6), 1e-6);
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("cpu")]
    public void SharedList_IsBuiltOncePerCall_NotOncePerMember(string backend)
    {
        var models = ThreeModels();
        using var one = TestCatalog.Instance.Bind(models[0], Options(backend));
        using var committee = TestCatalog.Instance.Bind(new CommitteeForceField(models), Options(backend));
        var r = new ForceResult();
        for (int step = 0; step < 3; step++)
        {
            var batch = SystemBatch.FromStructure(Samples.Periodic(["Cu", "Ni"], 3.6, 10 + step));   // new positions: skin 0 rebuilds every call
            one.Compute(batch, ForceOutputs.All, r);
            committee.Compute(batch, ForceOutputs.All | ForceOutputs.Uncertainty, r);
        }
        Assert.Equal(3, one.NeighborBuilds);
        Assert.Equal(one.NeighborBuilds, committee.NeighborBuilds);
    }

    [Fact]
    public void MembersWithOtherElements_AreRejected_NamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => new CommitteeForceField(
            [SmallModels.Make(["Cu", "Ni"], 0, 1, 1, 1, channels: 4), SmallModels.Make(["Cu"], 0, 1, 1, 1, channels: 4)], ["a.mlip", "b.mlip"]));
        Assert.Contains("same elements", e.Message);
        Assert.Contains("a.mlip knows Cu, Ni", e.Message);
        Assert.Contains("b.mlip knows Cu", e.Message);
    }

    [Fact]
    public void MembersWithOtherCutoffs_AreRejected_NamingBoth()
    {
        var a = SmallModels.Make(["Cu"], 0, 1, 1, 1, channels: 4);
        var b = EquivariantModel.Random(a.Hyper with { Cutoff = 4.5 }, 1, [-1.5]);
        var e = Assert.Throws<ArgumentException>(() => new CommitteeForceField([a, b], ["a.mlip", "b.mlip"]));
        Assert.Contains("same cutoff", e.Message);
        Assert.Contains("a.mlip has 4 Å", e.Message);
        Assert.Contains("b.mlip has 4.5 Å", e.Message);
    }

    [Fact]
    public void OpenClBackend_IsRefusedWithAClearMessage()
    {
        var committee = new CommitteeForceField(ThreeModels());
        Assert.Equal([Backend.Reference, Backend.Cpu], committee.Backends);
        var e = Assert.Throws<NotSupportedException>(() => committee.CreateComputer(new ComputeOptions { Backend = Backend.OpenCl }));
        Assert.Contains("committee: backend opencl is not supported", e.Message);
    }

    [Fact]
    public void PlainComputers_LeaveUncertaintyOutOfComputed()
    {
        using var c = TestCatalog.Instance.Bind(ThreeModels()[0], Options("cpu"));
        var r = Compute(c, TwoSystems());
        Assert.Equal(ForceOutputs.All, r.Computed);
        Assert.False(((IForceField)ThreeModels()[0]).ProvidesUncertainty);
    }

    [Fact]
    public void Spec_LoadsModelFiles_SpecFiles_AndInlineMembers_RelativeToTheSpec()
    {
        var models = ThreeModels();
        string sub = Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName;
        for (int k = 0; k < 3; k++) EquivariantModelFile.Write(models[k], Path.Combine(sub, $"m{k}.mlip"));
        File.WriteAllText(Path.Combine(sub, "m1.yaml"), "{style: equivariant, file: m1.mlip}\n");
        string spec = Path.Combine(_dir, "committee.yaml");
        File.WriteAllText(spec, "style: committee\nmembers:\n  - models/m0.mlip\n  - models/m1.yaml\n  - {style: equivariant, file: models/m2.mlip}\n");
        var ff = Assert.IsType<CommitteeForceField>(TestCatalog.Instance.Load(spec));
        Assert.Equal(3, ff.Members.Length);
        var s = Samples.Cluster(["Cu", "Ni"], 3.6, 7);
        var fromFile = Eval.One(ff, s, Options("cpu"));
        var direct = Eval.One(new CommitteeForceField(models), s, Options("cpu"));
        Assert.Equal(direct.Energy, fromFile.Energy);

        File.WriteAllText(spec, "{style: committee, members: [models/m0.mlip, models/missing.mlip]}");
        var e = Assert.Throws<FormatException>(() => TestCatalog.Instance.Load(spec));
        Assert.Contains("missing.mlip", e.Message);
    }

    [Fact]
    public void Spec_MixedCutoffs_ErrorNamesTheSpecAndTheMembers()
    {
        var a = SmallModels.Make(["Cu"], 0, 1, 1, 1, channels: 4);
        EquivariantModelFile.Write(a, Path.Combine(_dir, "a.mlip"));
        string spec = Path.Combine(_dir, "c.yaml");
        File.WriteAllText(spec, "{style: committee, members: [a.mlip, {style: lj/cut, cutoff: 5.0, pairs: {Cu-Cu: {epsilon: 0.4, sigma: 2.3}}}]}");
        var e = Assert.Throws<FormatException>(() => TestCatalog.Instance.Load(spec));
        Assert.StartsWith("c.yaml: committee members must have the same cutoff", e.Message);
        Assert.Contains("a.mlip has 4 Å", e.Message);
        Assert.Contains("c.yaml member 1 has 5 Å", e.Message);
    }

    [Fact]
    public void Eval_OnCommitteeSpec_WritesSpreadsThatAseAndOurReaderReadBack()
    {
        var models = ThreeModels();
        for (int k = 0; k < 3; k++) EquivariantModelFile.Write(models[k], Path.Combine(_dir, $"m{k}.mlip"));
        string spec = Path.Combine(_dir, "committee.yaml");
        File.WriteAllText(spec, "{style: committee, members: [m0.mlip, m1.mlip, m2.mlip]}\n");
        var structures = new[] { Samples.Periodic(["Cu", "Ni"], 3.6, 8), Samples.Cluster(["Cu", "Ni"], 3.6, 9) };
        string input = Path.Combine(_dir, "in.xyz"), output = Path.Combine(_dir, "out.xyz");
        ExtxyzWriter.Write(input, structures.Select(s => new Frame(s)));
        Assert.Equal(0, EvalCommand.Run(spec, input, output, threads: 2, backendName: "cpu"));

        using var c = TestCatalog.Instance.Bind(new CommitteeForceField(models), Options("cpu", threads: 2));
        var frames = new ExtxyzReader().ReadFrames(output).ToList();
        Assert.Equal(2, frames.Count);
        // mlip eval batches consecutive frames into one call: compare with the same batch (per-thread sums depend on it)
        var batch = SystemBatch.FromStructures(structures);
        var r = Compute(c, batch);
        for (int f = 0; f < 2; f++)
        {
            int o = batch.SystemOffsets[f], n = batch.AtomCountOf(f);
            // the writer prints doubles in round-trip form, so values come back exactly
            Assert.Equal(r.Energy[f], frames[f].Energy!.Value);
            Assert.Equal(r.EnergyStd[f], Assert.IsType<double>(frames[f].GetInfo(FrameEvaluator.EnergyStdKey)));
            Assert.Equal(r.EnergyStd[f] / n, Assert.IsType<double>(frames[f].GetInfo(FrameEvaluator.EnergyStdPerAtomKey)));
            Assert.Equal(r.MaxForceStd[f], Assert.IsType<double>(frames[f].GetInfo(FrameEvaluator.MaxForceStdKey)));
            var col = Assert.Single(frames[f].Arrays, a => a.Name == FrameEvaluator.ForceStdKey);
            Assert.Equal(r.ForceStd.AsSpan(o, n).ToArray(), Assert.IsType<double[]>(col.Data));
            Assert.True(r.MaxForceStd[f] > 0);
        }
        string script = $$"""
            from ase.io import read
            for a in read('{{output}}', ':'):
                print(repr(a.info['energy_std']), repr(a.info['energy_std_per_atom']), repr(a.info['max_force_std']), repr(float(a.arrays['force_std'][3])), repr(float(a.arrays['force_std'].max())))
            """;
        var lines = EvalCommandTests.RunPython(script).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        for (int f = 0; f < 2; f++)
        {
            var v = lines[f].Split(' ').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(Assert.IsType<double>(frames[f].GetInfo(FrameEvaluator.EnergyStdKey)), v[0]);
            Assert.Equal(Assert.IsType<double>(frames[f].GetInfo(FrameEvaluator.EnergyStdPerAtomKey)), v[1]);
            Assert.Equal(Assert.IsType<double>(frames[f].GetInfo(FrameEvaluator.MaxForceStdKey)), v[2]);
            var fs = (double[])frames[f].Arrays.Single(a => a.Name == FrameEvaluator.ForceStdKey).Data;
            Assert.Equal(fs[3], v[3]);
            Assert.Equal(v[2], v[4]);   // max_force_std is the largest force_std of the frame
        }
    }
}

/// <summary>
/// The conformance suite on a committee of two cheap random models whose species orders differ (so types are
/// mapped): finite differences, invariances, batching and Cpu against Reference all hold for the mean.
/// </summary>
public class CommitteeConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = new CommitteeForceField(
    [
        SmallModels.Make(["Cu", "Ni"], 0, 1, 1, 1, residual: false, seed: 7, channels: 4),
        SmallModels.Make(["Ni", "Cu"], 0, 1, 2, 1, residual: false, seed: 8, channels: 4),
    ]);
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.6, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.6, seed);
}
