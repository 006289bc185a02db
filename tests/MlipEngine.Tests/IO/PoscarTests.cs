using System.Text.Json;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Vasp;
using MlipEngine.State;
using Xunit;

namespace MlipEngine.Tests.IO;

public class PoscarTests
{
    private static Frame Parse(string text, IReadOnlyList<string>? species = null) => Poscar.Read(new StringReader(text), "POSCAR", species);

    [Fact]
    public void Vasp5_DirectWithSelectiveDynamicsAndVelocities_IsRead()
    {
        var f = Parse("""
            CuNi test
            2.0
              2.0 0.0 0.0
              0.0 2.0 0.0
              0.0 0.0 2.5
              Cu Ni
              1 2
            Selective dynamics
            Direct
              0.0 0.0 0.0 T T F
              0.5 0.5 0.0 F F F
              0.25 0.5 0.5 T F T

              0.1 0.2 0.3
              0 0 0
              -1e-3 0 2
            """);
        var s = f.Structure;
        Assert.Equal(new[] { 29, 28, 28 }, s.Numbers);
        Assert.Equal(new Mat3(4, 0, 0, 0, 4, 0, 0, 0, 5), s.Cell.Matrix);
        Assert.True(s.Cell.FullyPeriodic);
        Assert.Equal(new Vec3(2, 2, 0), s.Positions[1]);
        Assert.Equal(new Vec3(1, 2, 2.5), s.Positions[2]);
        Assert.Equal(new Vec3(0.1, 0.2, 0.3), s.Velocities![0]);
        Assert.Equal(new Vec3(-1e-3, 0, 2), s.Velocities[2]);
        var flags = (bool[])f.Arrays.Single(a => a.Name == Poscar.SelectiveDynamicsArray).Data;
        Assert.Equal(new[] { true, true, false, false, false, false, true, false, true }, flags);
        Assert.Equal("CuNi test", f.GetInfo("comment"));
    }

    private const string Vasp4Body = """
        1.0
          3.0 0.0 0.0
          0.0 3.0 0.0
          0.0 0.0 3.0
          1 1
        Cartesian
          0.0 0.0 0.0
          1.5 1.5 1.5
        """;

    [Fact]
    public void Vasp4_TakesSpeciesFromCommentLineLikeAse()
    {
        var f = Parse("Fe Al B2 structure\n" + Vasp4Body);
        Assert.Equal(new[] { 26, 13 }, f.Structure.Numbers);
        var g = Parse("FeAl\n" + Vasp4Body);
        Assert.Equal(new[] { 26, 13 }, g.Structure.Numbers);
    }

    [Fact]
    public void Vasp4_TakesSpeciesFromCaller()
    {
        var f = Parse("no symbols here 123\n" + Vasp4Body, ["Ni", "Cu"]);
        Assert.Equal(new[] { 28, 29 }, f.Structure.Numbers);
    }

    [Fact]
    public void Vasp4_WithoutAnySpecies_FailsWithLineOfCounts()
    {
        var ex = IoTestUtil.AssertFormatError(() => Parse("1 2 3\n" + Vasp4Body), "VASP 4 POSCAR without a species line");
        Assert.Equal(6, ex.LineNumber);
        Assert.StartsWith("POSCAR, line 6: ", ex.Message);
    }

    [Fact]
    public void NegativeScale_IsTheTargetVolume()
    {
        var f = Parse("x\n-64.0\n 1 0 0\n 0 1 0\n 0 0 1\n Cu\n 1\nDirect\n 0.5 0.5 0.5\n");
        Assert.Equal(64.0, f.Structure.Cell.Volume, 12);
        Assert.Equal(new Vec3(2, 2, 2), f.Structure.Positions[0]);
    }

    [Fact]
    public void ThreeScaleFactors_ScaleCartesianComponentsOfLatticeAndCartesianPositions()
    {
        var f = Parse("x\n2 3 4\n 1 0 0\n 0 1 0\n 0.5 0 1\n Cu\n 1\nCartesian\n 1 1 1\n");
        Assert.Equal(new Mat3(2, 0, 0, 0, 3, 0, 1, 0, 4), f.Structure.Cell.Matrix);
        Assert.Equal(new Vec3(2, 3, 4), f.Structure.Positions[0]);
    }

    [Fact]
    public void CartesianPositions_AreScaledByTheScaleFactor()
    {
        var f = Parse("x\n2.0\n 1 0 0\n 0 1 0\n 0 0 1\n Cu_pv\n 1\nCartesian\n 0.25 0.5 0.1\n");
        Assert.Equal(new Vec3(0.5, 1.0, 0.2), f.Structure.Positions[0]);
        Assert.Equal(29, f.Structure.Numbers[0]);
    }

    private static Frame Sample()
    {
        var s = IoTestUtil.RandomStructure(3, 6);
        // group species so POSCAR keeps the atom order
        var order = Enumerable.Range(0, 6).OrderBy(i => s.Numbers[i]).ToArray();
        var sorted = new AtomicStructure(order.Select(i => s.Numbers[i]).ToArray(), order.Select(i => s.Positions[i]).ToArray(), s.Cell,
            velocities: IoTestUtil.RandomVectors(4, 6, 0.05));
        var f = new Frame(sorted);
        f.Arrays.Add(new PerAtomArray(Poscar.SelectiveDynamicsArray, 'L', 3, Enumerable.Range(0, 18).Select(i => i % 4 != 0).ToArray()));
        return f;
    }

    [Fact]
    public void CartesianWriteThenRead_RoundTripsBitForBit()
    {
        var f = Sample();
        var sw = new StringWriter();
        Poscar.Write(sw, f, cartesian: true);
        var back = Parse(sw.ToString());
        IoTestUtil.AssertStructuresExactlyEqual(f.Structure, back.Structure);
        Assert.Equal((bool[])f.Arrays[0].Data, (bool[])back.Arrays[0].Data);
    }

    [Fact]
    public void DirectWriteThenRead_MatchesToRoundingOfTheFractionalTransform()
    {
        // r → s = r·H⁻¹ → r' = s·H rounds twice: |r − r'| is a few ulps of |r| (≈1e-15 Å here).
        var f = Sample();
        var dir = IoTestUtil.TempDir();
        var path = Path.Combine(dir, "POSCAR");
        Poscar.Write(path, f);
        Assert.Contains("Direct", File.ReadAllText(path));
        var back = Poscar.Read(path);
        Assert.Equal(f.Structure.Numbers, back.Structure.Numbers);
        Assert.Equal(f.Structure.Cell, back.Structure.Cell);
        for (int i = 0; i < f.Structure.AtomCount; i++)
            Assert.True((f.Structure.Positions[i] - back.Structure.Positions[i]).Norm < 1e-13);
        Assert.Equal(f.Structure.Velocities, back.Structure.Velocities);
    }

    [Fact]
    public void AseReadsOurPoscar_AndWeReadAsesPoscar_WithExactValues()
    {
        var dir = IoTestUtil.TempDir();
        var f = Sample();
        f.Structure.Velocities = null;
        Poscar.Write(Path.Combine(dir, "POSCAR_ours"), f, cartesian: true);
        IoTestUtil.RunPython(dir, """
import json
from ase.io import read, write
from ase.build import bulk
a = read('POSCAR_ours', format='vasp')
json.dump(dict(numbers=a.numbers.tolist(), positions=a.positions.tolist(), cell=a.cell.array.tolist()), open('ours.json', 'w'))
b = bulk('Cu', 'fcc', a=3.61, cubic=True) * (1, 1, 2)
b.rattle(0.05, seed=1)
b.cell[2, 0] = 0.37
write('CONTCAR_ase', b, format='vasp', direct=False, vasp5=True)
c = read('CONTCAR_ase', format='vasp')
json.dump(dict(numbers=c.numbers.tolist(), positions=c.positions.tolist(), cell=c.cell.array.tolist()), open('ase.json', 'w'))
""");
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "ours.json"))))
        {
            Assert.Equal(f.Structure.Numbers, doc.RootElement.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()));
            Assert.Equal(f.Structure.Positions, Vectors(doc.RootElement.GetProperty("positions")));
            Assert.Equal(new[] { f.Structure.Cell.A, f.Structure.Cell.B, f.Structure.Cell.C }, Vectors(doc.RootElement.GetProperty("cell")));
        }
        var ase = StructureFile.ReadFirst(Path.Combine(dir, "CONTCAR_ase"));
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "ase.json"))))
        {
            Assert.Equal(doc.RootElement.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()), ase.Structure.Numbers);
            Assert.Equal(Vectors(doc.RootElement.GetProperty("positions")), ase.Structure.Positions);
            Assert.Equal(Vectors(doc.RootElement.GetProperty("cell")), new[] { ase.Structure.Cell.A, ase.Structure.Cell.B, ase.Structure.Cell.C });
        }
    }

    private static Vec3[] Vectors(JsonElement rows) =>
        rows.EnumerateArray().Select(r => new Vec3(r[0].GetDouble(), r[1].GetDouble(), r[2].GetDouble())).ToArray();
}
