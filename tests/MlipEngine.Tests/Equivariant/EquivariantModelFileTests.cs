using MlipEngine.Cli;
using MlipEngine.ForceFields;
using MlipEngine.Potentials;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Equivariant;

public class EquivariantModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-eqv-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Saved(out EquivariantModel model)
    {
        model = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2);
        string path = Path.Combine(_dir, "m.mlip");
        EquivariantModelFile.Write(model, path);
        return path;
    }

    [Fact]
    public void SavedAndLoadedModel_GivesBitIdenticalResults()
    {
        string path = Saved(out var model);
        var loaded = EquivariantModelFile.Read(path);
        Assert.Equal(model.Parameters, loaded.Parameters);
        Assert.Equal(model.E0, loaded.E0);
        var s = Samples.Periodic(["Cu", "Ni"], 3.6, 3);
        foreach (var b in new[] { Backend.Reference, Backend.Cpu })
        {
            var a = Eval.One(model, s, new ComputeOptions { Backend = b });
            var c = Eval.One(loaded, s, new ComputeOptions { Backend = b });
            Assert.Equal(a.Energy, c.Energy);
            for (int i = 0; i < s.AtomCount; i++) Assert.Equal(a.Forces[i], c.Forces[i]);
            Assert.Equal(a.Stress, c.Stress);
        }
    }

    [Fact]
    public void RandomInit_IsDeterministicForASeed()
    {
        var a = SmallModels.Make(["Cu"], 1, 2, 2, 2, seed: 9);
        var b = SmallModels.Make(["Cu"], 1, 2, 2, 2, seed: 9);
        var c = SmallModels.Make(["Cu"], 1, 2, 2, 2, seed: 10);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    [Fact]
    public void CorruptFile_GivesChecksumErrorNamingTheFile()
    {
        string path = Saved(out _);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<PotentialFileException>(() => EquivariantModelFile.Read(path));
        Assert.Contains("m.mlip", e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void UnknownVersion_TruncatedAndForeignFiles_GiveClearErrors()
    {
        string path = Saved(out _);
        var bytes = File.ReadAllBytes(path);
        var v = (byte[])bytes.Clone(); v[8] = 99;
        File.WriteAllBytes(path, v);
        Assert.Contains("version 99", Assert.Throws<PotentialFileException>(() => EquivariantModelFile.Read(path)).Message);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        Assert.Contains("truncated", Assert.Throws<PotentialFileException>(() => EquivariantModelFile.Read(path)).Message);
        File.WriteAllText(path, "pair_style eam\n");
        Assert.Contains("not an mlip model file", Assert.Throws<PotentialFileException>(() => EquivariantModelFile.Read(path)).Message);
    }

    [Fact]
    public void SpecAndBareModelPath_LoadTheSameModel()
    {
        string path = Saved(out var model);
        var viaSpec = (EquivariantModel)PotentialLoader.Load($"{{style: equivariant, file: {path}}}");
        var viaPath = (EquivariantModel)PotentialLoader.Load(path);
        Assert.Equal(model.Parameters, viaSpec.Parameters);
        Assert.Equal(model.Parameters, viaPath.Parameters);
        Assert.Equal("equivariant", viaPath.Style);
    }

    [Fact]
    public void ModelInitAndInfo_CommandsWriteAndDescribeAModel()
    {
        string path = Path.Combine(_dir, "cli.mlip");
        var cmd = MlipEngine.Cli.Commands.ModelCommand.Create();
        int rc = cmd.Parse(["init", "--species", "Cu,Ni", "--channels", "8", "--lmax", "1", "--correlation", "2", "--layers", "2", "--cutoff", "4.5", "--seed", "1", "--output", path]).Invoke();
        Assert.Equal(0, rc);
        var m = EquivariantModelFile.Read(path);
        Assert.Equal(8, m.Hyper.Channels); Assert.Equal(4.5, m.Cutoff); Assert.Equal(new[] { 29, 28 }, m.Species);
        var outText = new StringWriter(); var old = Console.Out;
        Console.SetOut(outText);
        try { Assert.Equal(0, cmd.Parse(["info", path]).Invoke()); } finally { Console.SetOut(old); }
        Assert.Contains($"parameters: {m.ParameterCount:N0}", outText.ToString());
    }
}
