using System.Diagnostics;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Lammps;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.IO;

public class LammpsDataTests
{
    private static Frame Parse(string text, LammpsDataReadOptions? o = null) => LammpsData.Read(new StringReader(text), "in.data", o);

    [Fact]
    public void Reader_HandlesTiltMassCommentsImageFlagsUnorderedIdsVelocitiesAndOtherSections()
    {
        var f = Parse("""
            LAMMPS data file

            3 atoms
            2 atom types
            0 bonds

            0.0 4.0 xlo xhi
            0.0 5.0 ylo yhi
            -1.0 5.0 zlo zhi
            1.0 0.5 -0.25 xy xz yz

            Masses

            1 63.546 # Cu
            2 58.6934

            Pair Coeffs # eam

            1 1.0
            2 1.0

            Atoms # atomic

            3 2 1.0 1.0 1.0 0 0 0
            1 1 0.5 0.5 0.5 1 -1 2 # comment
            2 1 2.0 2.0 2.0 0 0 0

            Velocities

            2 1.0 2.0 3.0
            1 -1.0 0 0
            3 0 0 1000
            """);
        var s = f.Structure;
        Assert.Equal(new Mat3(4, 0, 0, 1, 5, 0, 0.5, -0.25, 6), s.Cell.Matrix);
        Assert.Equal(new[] { 29, 29, 28 }, s.Numbers); // ids 1, 2, 3; type 2 by nearest mass → Ni
        // atom 1: (0.5,0.5,0.5) + 1·a − 1·b + 2·c
        Assert.Equal(new Vec3(0.5 + 4 - 1 + 1, 0.5 - 5 - 0.5, 0.5 + 12), s.Positions[0]);
        Assert.Equal(new Vec3(2, 2, 2), s.Positions[1]);
        Assert.Equal(new Vec3(-1e-3, 0, 0), s.Velocities![0]);   // Å/ps → Å/fs
        Assert.Equal(new Vec3(1e-3, 2e-3, 3e-3), s.Velocities[1]);
        Assert.Null(s.Masses); // standard masses
    }

    [Fact]
    public void Reader_UsesExplicitTypeMapOverCommentsAndKeepsNonStandardMasses()
    {
        const string text = "t\n\n2 atoms\n2 atom types\n0 3 xlo xhi\n0 3 ylo yhi\n0 3 zlo zhi\n\nMasses\n\n1 2.014 # H\n2 1.0\n\nAtoms\n\n1 1 0 0 0\n2 2 1 1 1\n";
        var byComment = Parse(text);
        Assert.Equal(new[] { 1, 1 }, byComment.Structure.Numbers); // type 2 mass 1.0 → nearest is H
        Assert.Equal(new[] { 2.014, 1.0 }, byComment.Structure.Masses);
        var mapped = Parse(text, new LammpsDataReadOptions { TypeToElement = new Dictionary<int, string> { [1] = "He", [2] = "Ar" } });
        Assert.Equal(new[] { 2, 18 }, mapped.Structure.Numbers);
    }

    private static Frame Sample(bool restricted)
    {
        var s = IoTestUtil.RandomStructure(9, 6);
        if (restricted) s.Cell = new Cell(new Mat3(5.1, 0, 0, 0.3, 4.9, 0, -0.2, 0.45, 5.3));
        s.Velocities = IoTestUtil.RandomVectors(10, 6, 0.02);
        return new Frame(s);
    }

    [Fact]
    public void RestrictedCell_WriteThenRead_RoundTripsPositionsAndCellBitForBit()
    {
        var f = Sample(restricted: true);
        var sw = new StringWriter();
        var t = LammpsData.Write(sw, f, new LammpsDataWriteOptions { Units = LammpsUnits.Real });
        Assert.True(t.IsIdentity);
        var back = Parse(sw.ToString(), new LammpsDataReadOptions { Units = LammpsUnits.Real });
        IoTestUtil.AssertStructuresExactlyEqual(f.Structure, back.Structure);
    }

    [Fact]
    public void MetalUnitVelocities_RoundTripWithinOneUlp()
    {
        var f = Sample(restricted: true);
        var sw = new StringWriter();
        LammpsData.Write(sw, f);
        Assert.Contains("Velocities", sw.ToString());
        var back = Parse(sw.ToString());
        for (int i = 0; i < f.Structure.AtomCount; i++)
        {
            Vec3 a = f.Structure.Velocities![i], b = back.Structure.Velocities![i];
            foreach (var (x, y) in new[] { (a.X, b.X), (a.Y, b.Y), (a.Z, b.Z) })
                Assert.True(ExtxyzTests.UlpDistance(x, y) <= 1, $"{x:R} vs {y:R}");
        }
    }

    private static double[] SortedDistances(AtomicStructure s)
    {
        // all pair distances including the 27 nearest images: invariant under rotation of everything
        var d = new List<double>();
        for (int i = 0; i < s.AtomCount; i++)
            for (int j = 0; j < s.AtomCount; j++)
                for (int a = -1; a <= 1; a++) for (int b = -1; b <= 1; b++) for (int c = -1; c <= 1; c++)
                        {
                            var r = s.Positions[j] - s.Positions[i] + a * s.Cell.A + b * s.Cell.B + c * s.Cell.C;
                            d.Add(r.Norm);
                        }
        d.Sort();
        return d.ToArray();
    }

    [Fact]
    public void GeneralTriclinicCell_IsRotatedToRestrictedForm_PreservingDistancesAndVolume()
    {
        var f = Sample(restricted: false);
        var rot = Mat3.Rotation(new Vec3(1, 2, 3), 0.7);
        var s = f.Structure;
        var rotated = new AtomicStructure(s.Numbers, s.Positions.Select(p => p * rot).ToArray(), s.Cell.WithMatrix(s.Cell.Matrix * rot));
        var frame = new Frame(rotated);
        var sw = new StringWriter();
        var t = LammpsData.Write(sw, frame);
        Assert.False(t.IsIdentity);
        Assert.False(t.IsReflection);
        var back = Parse(sw.ToString()).Structure;
        var h = back.Cell.Matrix;
        Assert.Equal(0.0, h.XY); Assert.Equal(0.0, h.XZ); Assert.Equal(0.0, h.YZ);
        Assert.True(h.XX > 0 && h.YY > 0 && h.ZZ > 0);
        Assert.Equal(rotated.Cell.Volume, back.Cell.Volume, 1e-12 * rotated.Cell.Volume);
        var d0 = SortedDistances(rotated);
        var d1 = SortedDistances(back);
        for (int i = 0; i < d0.Length; i++) Assert.Equal(d0[i], d1[i], 1e-12);
        // The transform maps vectors back: a force written in LAMMPS' frame returns to the original.
        var force = new Vec3(0.3, -1.2, 0.7);
        var back2 = t.FromLammps(t.ToLammps(force));
        Assert.True((back2 - force).Norm < 1e-15);
        var stress = new double[] { 1, 0.2, 0.3, 0.2, 2, 0.4, 0.3, 0.4, 3 };
        var sBack = t.StressFromLammps(t.StressToLammps(stress));
        for (int i = 0; i < 9; i++) Assert.Equal(stress[i], sBack[i], 1e-14);
        for (int i = 0; i < rotated.AtomCount; i++)
            Assert.True((t.FromLammps(back.Positions[i]) - rotated.Positions[i]).Norm < 1e-13);
    }

    [Fact]
    public void LeftHandedCell_IsRefusedWithAClearMessage_OrMirroredOnRequest()
    {
        var s = IoTestUtil.RandomStructure(12, 4);
        var m = s.Cell.Matrix;
        s.Cell = new Cell(new Mat3(m.YX, m.YY, m.YZ, m.XX, m.XY, m.XZ, m.ZX, m.ZY, m.ZZ)); // swap a and b → det < 0
        Assert.True(s.Cell.Determinant < 0);
        var f = new Frame(s);
        var ex = Assert.Throws<ArgumentException>(() => LammpsData.Write(new StringWriter(), f));
        Assert.Contains("left-handed", ex.Message);
        var sw = new StringWriter();
        var t = LammpsData.Write(sw, f, new LammpsDataWriteOptions { AllowReflection = true });
        Assert.True(t.IsReflection);
        var back = Parse(sw.ToString()).Structure;
        Assert.Equal(s.Cell.Volume, back.Cell.Volume, 1e-12 * s.Cell.Volume);
        var d0 = SortedDistances(s);
        var d1 = SortedDistances(back);
        for (int i = 0; i < d0.Length; i++) Assert.Equal(d0[i], d1[i], 1e-12);
    }

    [Fact]
    public void LammpsItself_ReadsOurTriclinicFile_AndItsWriteDataMatches()
    {
        if (!File.Exists("/usr/bin/lmp")) return;
        var dir = IoTestUtil.TempDir();
        var s = IoTestUtil.RandomStructure(21, 8);
        s.Cell = s.Cell.WithMatrix(s.Cell.Matrix * Mat3.Rotation(new Vec3(0.3, -1, 0.2), 1.1));
        var rotated = new AtomicStructure(s.Numbers, s.Positions.Select(p => p * Mat3.Rotation(new Vec3(0.3, -1, 0.2), 1.1)).ToArray(), s.Cell);
        var t = LammpsData.Write(Path.Combine(dir, "ours.data"), new Frame(rotated));
        File.WriteAllText(Path.Combine(dir, "in.lmp"), "units metal\natom_style atomic\nread_data ours.data\nwrite_data back.data\n");
        var (code, _, err) = ChildProcess.Run(new ProcessStartInfo("/usr/bin/lmp", "-in in.lmp -log none -screen none") { WorkingDirectory = dir });
        Assert.True(code == 0, err);
        var back = LammpsData.Read(Path.Combine(dir, "back.data")).Structure;
        Assert.Equal(rotated.Numbers, back.Numbers);
        Assert.Equal(rotated.Cell.Volume, back.Cell.Volume, 1e-9);
        for (int i = 0; i < rotated.AtomCount; i++)
        {
            // LAMMPS wraps atoms into the box and writes image flags, which the reader unwraps.
            var expected = t.ToLammps(rotated.Positions[i]);
            Assert.True((back.Positions[i] - expected).Norm < 1e-9, $"atom {i}: {back.Positions[i]} vs {expected}");
        }
    }
}
