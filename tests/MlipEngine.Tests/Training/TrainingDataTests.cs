using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.State;
using MlipEngine.Training.Data;
using Xunit;

namespace MlipEngine.Tests.Training;

public class TrainingDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-train-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string SharedData(string rel)
    {
        // ../shared/data next to the repository (read in place, never copied)
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !Directory.Exists(Path.Combine(d.FullName, "shared", "data"))) d = d.Parent;
        return d is null ? Path.Combine("/work/shared/data", rel) : Path.Combine(d.FullName, "shared", "data", rel);
    }

    [Fact]
    public void LeastSquaresE0_RecoversExactReferenceEnergies()
    {
        var e0 = new Dictionary<int, double> { [29] = -3.7, [28] = -5.1, [13] = -2.2 };
        var rng = new Random(3);
        var frames = new List<Frame>();
        for (int f = 0; f < 12; f++)
        {
            int n = 4 + rng.Next(10);
            var z = Enumerable.Range(0, n).Select(_ => new[] { 29, 28, 13 }[rng.Next(3)]).ToArray();
            var s = new AtomicStructure(z, z.Select((_, i) => new Vec3(i, 0, 0)).ToArray(), Cell.Open);
            frames.Add(new Frame(s) { Energy = z.Sum(x => e0[x]), Index = f });
        }
        var fit = ReferenceEnergies.FitLeastSquares(frames, [29, 28, 13]);
        foreach (var (z, e) in e0) Assert.Equal(e, fit[z], 10);
    }

    [Fact]
    public void LeastSquaresE0_ProportionalCompositions_AreRejectedWithAClearMessage()
    {
        var frames = Enumerable.Range(1, 5).Select(k =>
        {
            var z = Enumerable.Repeat(29, k).Concat(Enumerable.Repeat(28, k)).ToArray();
            return new Frame(new AtomicStructure(z, z.Select((_, i) => new Vec3(i, 0, 0)).ToArray(), Cell.Open)) { Energy = -9.0 * k };
        }).ToList();
        var e = Assert.Throws<TrainingDataException>(() => ReferenceEnergies.FitLeastSquares(frames, [29, 28]));
        Assert.Contains("isolated-atom", e.Message);
    }

    [Fact]
    public void IsolatedAtomFrames_GiveE0()
    {
        // The shared GAP-18 Si subsample (../shared/data/misc/Si_tiny.xyz) when it is next to the
        // repository, else a stand-in with the same isolated-atom frame; read in place, never copied.
        string path = SharedData(Path.Combine("misc", "Si_tiny.xyz"));
        if (!File.Exists(path))
        {
            path = Path.Combine(_dir, "si.xyz");
            File.WriteAllText(path,
                "2\nLattice=\"5.4 0 0 0 5.4 0 0 0 5.4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-326.1 pbc=\"T T T\"\nSi 0 0 0 0.1 0 0\nSi 1.3 1.4 1.35 -0.1 0 0\n" +
                "1\nLattice=\"20 0 0 0 20 0 0 0 20\" Properties=species:S:1:pos:R:3:forces:R:3 config_type=isolated_atom energy=-158.54496821 pbc=\"T T T\"\nSi 0 0 0 0 0 0\n");
        }
        var frames = TrainingSet.Load(path, ExtxyzOptions.Default, new LabelRequirements { Forces = true });
        var e0 = ReferenceEnergies.FromIsolatedAtoms(frames);
        Assert.Equal(-158.54496821, e0[14], 8);
    }

    [Theory]
    [InlineData("2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3\nSi 0 0 0 0 0 0\nSi 1 1 1 0 0 0\n", "no energy label")]
    [InlineData("1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=nan\nSi 0 0 0 0 0 0\n", "not finite")]
    [InlineData("1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 energy=-1\nSi 0 0 0\n", "no forces")]
    [InlineData("1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\nSi 0 0 0 0 inf 0\n", "force on atom 0")]
    [InlineData("1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\nGe 0 0 0 0 0 0\n", "Ge")]
    public void BadFrames_AreErrorsNamingFileAndFrame(string content, string expected)
    {
        string path = Path.Combine(_dir, "bad.xyz");
        File.WriteAllText(path, "1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1\nSi 0 0 0 0 0 0\n" + content);
        var req = new LabelRequirements { Species = new HashSet<int> { Element.AtomicNumber("Si") } };
        var e = Assert.ThrowsAny<Exception>(() => TrainingSet.Load(path, ExtxyzOptions.Default, req));
        Assert.Contains("bad.xyz, frame 1", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void SeededSplit_IsDeterministicDisjointAndComplete()
    {
        var items = Enumerable.Range(0, 101).ToList();
        var a = DatasetSplit.Split(items, 0.1, 0.2, seed: 7);
        var b = DatasetSplit.Split(items, 0.1, 0.2, seed: 7);
        Assert.Equal(a.Train, b.Train); Assert.Equal(a.Validation, b.Validation); Assert.Equal(a.Test, b.Test);
        Assert.Equal(10, a.Validation.Count); Assert.Equal(20, a.Test.Count); Assert.Equal(71, a.Train.Count);
        Assert.Equal(items, a.Train.Concat(a.Validation).Concat(a.Test).Order());
        Assert.NotEqual(a.Validation, DatasetSplit.Split(items, 0.1, 0.2, seed: 8).Validation);
    }
}
