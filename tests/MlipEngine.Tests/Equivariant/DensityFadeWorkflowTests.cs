using MlipEngine.Cli.Commands;
using MlipEngine.Cli.Train;
using MlipEngine.Workflows.Train;
using MlipEngine.IO.Extxyz;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using MlipEngine.Tests.Training;
using MlipEngine.Training.Data;
using MlipEngine.Training.Gradients;
using Xunit;

namespace MlipEngine.Tests.Equivariant;

/// <summary>
/// The density fade of the core outside the backends: set from data by <c>mlip model repulsion --fade-data</c>, refused by the
/// training gradient where it would act, and raised by <c>mlip train</c> to a continued model's new data.
/// </summary>
public class DensityFadeWorkflowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-fade-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static int Cli(params string[] args)
    {
        var old = Console.Out;
        Console.SetOut(new StringWriter());
        try { return ModelCommand.Create().Parse(args).Invoke(); } finally { Console.SetOut(old); }
    }

    [Fact]
    public void ModelRepulsion_FadeData_SetsNFromTheData_KeepsTheRadii_AndIsRemovable()
    {
        var m = CoreModels.MaceLike();
        string model = Path.Combine(_dir, "m.mlip"), faded = Path.Combine(_dir, "f.mlip"), plain = Path.Combine(_dir, "p.mlip"), moved = Path.Combine(_dir, "o.mlip");
        string data = Path.Combine(_dir, "data.xyz");
        EquivariantModelFile.Write(m, model);
        ExtxyzWriter.Write(data, CoreModels.FadingSamples.Select(s => new MlipEngine.IO.Frame(s)).ToList());
        Assert.Equal(0, Cli("repulsion", model, "--fade-data", data, "--fade-width", "0.25", "-o", faded));
        var f = EquivariantModelFile.Read(faded);
        Assert.Equal(m.Hyper.Repulsion!.Inner, f.Hyper.Repulsion!.Inner);
        Assert.Equal(m.Hyper.Repulsion!.Outer, f.Hyper.Repulsion!.Outer);
        Assert.Equal(NeighbourDensities.Max(CoreModels.FadingSamples, m.SpeciesNumbers, m.Core!, m.Cutoff), f.Hyper.Repulsion!.DensityMax);
        Assert.Equal(0.25, f.Hyper.Repulsion!.DensityWidth);
        Assert.Equal(NeighbourDensities.Densest(CoreModels.FadingSamples, m).EdgeEnergy, f.Hyper.Repulsion!.DensityEnergy);
        Assert.Equal(0, Cli("repulsion", faded, "--no-fade", "-o", plain));
        var p = EquivariantModelFile.Read(plain);
        Assert.Null(p.Hyper.Repulsion!.DensityMax);
        Assert.Null(p.Hyper.Repulsion!.DensityEnergy);
        Assert.Equal(m.Hyper.Repulsion!.Outer, p.Hyper.Repulsion!.Outer);
        // new radii change n, so an old fade is dropped rather than kept with a stale N
        Assert.Equal(0, Cli("repulsion", faded, "--outer", "2.6", "--inner", "2.0", "-o", moved));
        Assert.Null(EquivariantModelFile.Read(moved).Hyper.Repulsion!.DensityMax);
        // ... but radii that come out as they were keep it (n is unchanged)
        string movedFaded = Path.Combine(_dir, "of.mlip"), same = Path.Combine(_dir, "same.mlip");
        Assert.Equal(0, Cli("repulsion", moved, "--fade-data", data, "-o", movedFaded));
        Assert.Equal(0, Cli("repulsion", movedFaded, "--outer", "2.6", "--inner", "2.0", "-o", same));
        var kept = EquivariantModelFile.Read(movedFaded).Hyper.Repulsion!;
        var again = EquivariantModelFile.Read(same).Hyper.Repulsion!;
        Assert.NotNull(again.DensityMax);
        Assert.Equal(kept.DensityMax, again.DensityMax);
        Assert.Equal(kept.DensityEnergy, again.DensityEnergy);
        Assert.Equal(kept.DensityWidth, again.DensityWidth);
        // a fade needs a core
        Assert.NotEqual(0, Cli("repulsion", faded, "--none", "--fade-data", data, "-o", moved));
    }

    [Fact]
    public void TrainingGradient_RefusesAFrameTheFadeActsOn()
    {
        var fading = CoreModels.MaceLikeFading();   // N below the densities of its own samples
        var e = Assert.Throws<ArgumentException>(() => FrameGraph.Build(fading, SystemBatch.FromStructure(CoreModels.FadingSamples[0])));
        Assert.Contains("density fade", e.Message);
        var m = CoreModels.MaceLike();
        var covering = CoreModels.WithCore(m, NeighbourDensities.WithFade(m.Hyper.Repulsion!, NeighbourDensities.Max(CoreModels.FadingSamples, m.SpeciesNumbers, m.Core!, m.Cutoff), 0.2));
        Assert.Equal(FrameGraph.Build(m, SystemBatch.FromStructure(CoreModels.FadingSamples[0])).EdgeCount,
                     FrameGraph.Build(covering, SystemBatch.FromStructure(CoreModels.FadingSamples[0])).EdgeCount);
    }

    [Fact]
    public void Training_AContinuedModel_RaisesNToItsData()
    {
        var frames = ClassicalData.Make(12, 3);
        ExtxyzWriter.Write(Path.Combine(_dir, "cu.xyz"), frames);
        var start = SmallModels.Make(["Cu"], 1, 2, 2, 2, seed: 4);
        start = new EquivariantModel(start.Hyper with { Repulsion = new CoreRepulsionSpec([1.8], [2.2]) { DensityMax = [1.0], DensityWidth = 0.2 } }, start.E0, start.Parameters);
        EquivariantModelFile.Write(start, Path.Combine(_dir, "start.mlip"));
        string config = Path.Combine(_dir, "train.yaml");
        File.WriteAllText(config, """
            data:
              train: cu.xyz
              validation: {fraction: 0.25, seed: 3}
            model: {init: start.mlip}
            loss: {energy: 10, forces: 100, stress: 100}
            optimizer: {type: amsgrad, lr: 0.001, batch_size: 4}
            epochs: 1
            threads: 1
            output: {dir: out, model: out/m.mlip}
            """);
        var console = new StringWriter();
        Assert.Equal(0, new TrainRun(TrainConfigParser.Load(config, []), console).Run(null, CancellationToken.None));
        Assert.Contains("density fade: N raised", console.ToString());
        var trained = EquivariantModelFile.Read(Path.Combine(_dir, "out", "m.mlip"));
        double dataMax = NeighbourDensities.Max(frames.Select(f => f.Structure), trained.SpeciesNumbers, trained.Core!, trained.Cutoff)[0];
        Assert.Equal(dataMax, trained.Hyper.Repulsion!.DensityMax![0]);
        Assert.Equal(0.2, trained.Hyper.Repulsion!.DensityWidth);
    }
}
