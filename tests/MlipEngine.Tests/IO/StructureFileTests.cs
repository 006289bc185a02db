using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using Xunit;

namespace MlipEngine.Tests.IO;

public class StructureFileTests
{
    [Theory]
    [InlineData("a/train.xyz", StructureFormat.Extxyz)]
    [InlineData("x.extxyz", StructureFormat.Extxyz)]
    [InlineData("POSCAR", StructureFormat.Poscar)]
    [InlineData("POSCAR_relaxed", StructureFormat.Poscar)]
    [InlineData("run/CONTCAR", StructureFormat.Poscar)]
    [InlineData("Cu.vasp", StructureFormat.Poscar)]
    [InlineData("Cu.poscar", StructureFormat.Poscar)]
    [InlineData("in.data", StructureFormat.LammpsData)]
    [InlineData("cell.lmp", StructureFormat.LammpsData)]
    [InlineData("cell.lammps-data", StructureFormat.LammpsData)]
    public void DetectFormat_UsesTheFileName(string path, StructureFormat expected) =>
        Assert.Equal(expected, StructureFile.DetectFormat(path));

    [Fact]
    public void WriteThenRead_EachFormatThroughTheDispatcher_GivesTheSameStructure()
    {
        var dir = IoTestUtil.TempDir();
        var s = IoTestUtil.RandomStructure(31, 4);
        var order = Enumerable.Range(0, 4).OrderBy(i => s.Numbers[i]).ToArray();
        s = new MlipEngine.State.AtomicStructure(order.Select(i => s.Numbers[i]).ToArray(), order.Select(i => s.Positions[i]).ToArray(),
            new MlipEngine.Geometry.Cell(new MlipEngine.Geometry.Mat3(5, 0, 0, 0.5, 5, 0, 0.25, -0.5, 5)));
        var frame = new Frame(s) { Energy = -1.25 };
        var opts = new StructureFileOptions { PoscarCartesian = true };
        foreach (var name in new[] { "a.xyz", "POSCAR", "b.data" })
        {
            var path = Path.Combine(dir, name);
            StructureFile.Write(path, frame, options: opts);
            var back = StructureFile.ReadFirst(path);
            IoTestUtil.AssertStructuresExactlyEqual(s, back.Structure);
        }
        Assert.Equal(-1.25, StructureFile.ReadFirst(Path.Combine(dir, "a.xyz")).Energy);
        Assert.Throws<ArgumentException>(() => StructureFile.Write(Path.Combine(dir, "two.vasp"), [frame, frame]));
    }

    [Fact]
    public void ReadingADirectory_YieldsFramesOfRecognisedFilesInSortedOrder()
    {
        var dir = IoTestUtil.TempDir();
        var s = IoTestUtil.RandomStructure(41, 3);
        var f = new Frame(s);
        StructureFile.Write(Path.Combine(dir, "b.xyz"), [f, f]);
        StructureFile.Write(Path.Combine(dir, "a.vasp"), f, options: new StructureFileOptions { PoscarCartesian = true });
        StructureFile.Write(Path.Combine(dir, "c.data"), f);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a structure");
        var frames = StructureFile.ReadFrames(dir).ToList();
        Assert.Equal(4, frames.Count);
        Assert.EndsWith("a.vasp", frames[0].Source);
        Assert.EndsWith("b.xyz", frames[1].Source);
        Assert.Equal(1, frames[2].Index);
        Assert.EndsWith("c.data", frames[3].Source);
    }

    [Fact]
    public void ExplicitFormat_OverridesTheFileName()
    {
        var dir = IoTestUtil.TempDir();
        var path = Path.Combine(dir, "frames.txt");
        StructureFile.Write(path, new Frame(IoTestUtil.RandomStructure(5, 2)), StructureFormat.Extxyz);
        Assert.Single(StructureFile.ReadFrames(path, StructureFormat.Extxyz));
    }

    [Fact]
    public void WriterFlushEachFrame_MakesFramesVisibleBeforeDispose()
    {
        var dir = IoTestUtil.TempDir();
        var path = Path.Combine(dir, "traj.xyz");
        using var w = new ExtxyzWriter(path, flushEachFrame: true);
        w.Write(new Frame(IoTestUtil.RandomStructure(6, 2)));
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Assert.Single(new ExtxyzReader().ReadFrames(new StreamReader(fs), path));
    }
}
