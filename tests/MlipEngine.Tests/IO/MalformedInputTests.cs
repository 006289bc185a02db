using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.IO.Lammps;
using MlipEngine.IO.Vasp;
using Xunit;

namespace MlipEngine.Tests.IO;

/// <summary>Every malformed input gives a one-line StructureFormatException naming file, frame and line.</summary>
public class MalformedInputTests
{
    private const string GoodFrame = "2\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.0\nCu 0 0 0 0 0 0\nNi 1.5 1.5 1.5 0 0 0\n";

    private static StructureFormatException ReadXyz(string text, string expected)
    {
        return IoTestUtil.AssertFormatError(() => new ExtxyzReader().ReadFrames(new StringReader(text), "data.xyz").ToList(), expected);
    }

    [Fact]
    public void Extxyz_TooFewColumns_NamesFrameLineAndCounts()
    {
        var ex = ReadXyz(GoodFrame + GoodFrame + "2\nProperties=species:S:1:pos:R:3:forces:R:3\nCu 0 0 0 1 1 1\nNi 1 1 1 2 2\n",
            "expected 7 columns per atom from Properties, found 6");
        Assert.Equal("data.xyz, frame 2 (line 12): expected 7 columns per atom from Properties, found 6", ex.Message);
    }

    [Fact]
    public void Extxyz_BadAtomCount_IsReported()
    {
        var ex = ReadXyz(GoodFrame + "two\n", "expected the number of atoms, found 'two'");
        Assert.Equal(1, ex.FrameIndex);
        Assert.Equal(5, ex.LineNumber);
    }

    [Fact]
    public void Extxyz_NonNumericField_IsReported()
    {
        var ex = ReadXyz("1\nProperties=species:S:1:pos:R:3\nCu 0 abc 0\n", "column 3 ('pos'): 'abc' is not a number");
        Assert.Equal("data.xyz, frame 0 (line 3): column 3 ('pos'): 'abc' is not a number", ex.Message);
    }

    [Fact]
    public void Extxyz_UnknownElement_IsReported() =>
        ReadXyz("1\n\nXx 0 0 0\n", "data.xyz, frame 0 (line 3): column 1 ('species'): unknown element 'Xx'");

    [Fact]
    public void Extxyz_NaNPosition_IsReported() =>
        ReadXyz("1\n\nCu 0 nan 0\n", "data.xyz, frame 0 (line 3): position of atom 0 is not finite");

    [Fact]
    public void Extxyz_InfiniteLattice_IsReported() =>
        ReadXyz("1\nLattice=\"3 0 0 0 inf 0 0 0 3\"\nCu 0 0 0\n", "data.xyz, frame 0 (line 2): Lattice contains a non-finite number");

    [Fact]
    public void Extxyz_ZeroVolumePeriodicCell_IsReported() =>
        ReadXyz("1\nLattice=\"3 0 0 6 0 0 0 0 3\"\nCu 0 0 0\n", "data.xyz, frame 0 (line 2): invalid cell: periodic cell has zero volume");

    [Fact]
    public void Extxyz_PeriodicAxisWithoutLattice_IsReported() =>
        ReadXyz("1\npbc=\"T T T\"\nCu 0 0 0\n", "data.xyz, frame 0 (line 2): invalid cell: cell vector a is zero but the axis is periodic");

    [Fact]
    public void Extxyz_TruncatedFrame_IsReported()
    {
        var ex = ReadXyz(GoodFrame + "3\nProperties=species:S:1:pos:R:3\nCu 0 0 0\n", "file ends after 1 of 3 atom lines");
        Assert.Equal("data.xyz, frame 1 (line 8): file ends after 1 of 3 atom lines", ex.Message);
    }

    [Fact]
    public void Extxyz_MissingCommentLine_IsReported() =>
        ReadXyz("1\n", "data.xyz, frame 0 (line 2): file ends early: expected the comment line");

    [Fact]
    public void Extxyz_BadPropertiesAndLabels_AreReported()
    {
        ReadXyz("1\nProperties=species:S:1:pos:X:3\nCu 0 0 0\n", "unknown type 'X'");
        ReadXyz("1\nProperties=species:S:1:pos:R\nCu 0 0 0\n", "name:type:columns triplets");
        ReadXyz("1\nProperties=species:S:1:pos:R:2\nCu 0 0\n", "column 'pos' must be R:3, found R:2");
        ReadXyz("1\nProperties=species:S:1:pos:R:3 energy=abc\nCu 0 0 0\n", "energy must be one number");
        ReadXyz("1\nLattice=\"3 0 0 0 3 0 0 0 3\" stress=\"1 2 3\"\nCu 0 0 0\n", "stress must be 9 numbers");
        ReadXyz("1\nLattice=\"3 0 0 0 3 0 0 0\"\nCu 0 0 0\n", "Lattice must be 9 numbers");
        ReadXyz("1\nProperties=species:S:1:pos:R:3:Z:I:1\nCu 0 0 0 1.5\n", "column 5 ('Z'): '1.5' is not an integer");
        ReadXyz("1\nProperties=pos:R:3\n0 0 0\n", "neither a species:S:1 nor a Z:I:1 column");
    }

    [Fact]
    public void Extxyz_ErrorInLaterFrame_ComesAfterEarlierFramesWereYielded()
    {
        var frames = new List<Frame>();
        var ex = Assert.Throws<StructureFormatException>(() =>
        {
            foreach (var f in new ExtxyzReader().ReadFrames(new StringReader(GoodFrame + "1\n\nCu 0 0\n"), "data.xyz")) frames.Add(f);
        });
        Assert.Single(frames);
        Assert.Equal(1, ex.FrameIndex);
    }

    private static StructureFormatException ReadPoscar(string text, string expected) =>
        IoTestUtil.AssertFormatError(() => Poscar.Read(new StringReader(text), "POSCAR"), expected);

    private const string PoscarHead = "x\n1.0\n 3 0 0\n 0 3 0\n 0 0 3\n Cu\n 2\nDirect\n";

    [Fact]
    public void Poscar_MalformedInputs_AreReportedWithLine()
    {
        ReadPoscar("x\n1.0\n 3 0 0\n 0 abc 0\n", "POSCAR, line 4: 'abc' is not a number");
        ReadPoscar("x\n1.0\n 3 0 0\n 0 3\n", "POSCAR, line 4: lattice vector b needs 3 numbers, found 2");
        ReadPoscar("x\n1.0\n 3 0 0\n 6 0 0\n 0 0 3\n Cu\n 1\nDirect\n 0 0 0\n", "POSCAR, line 5: invalid cell: periodic cell has zero volume");
        ReadPoscar(PoscarHead + " 0 0 0\n", "POSCAR, line 10: file ends after 1 of 2 atom positions");
        ReadPoscar(PoscarHead + " 0 0 0\n 0.5 0.5\n", "POSCAR, line 10: expected 3 coordinates, found 2 fields");
        ReadPoscar("x\n1.0\n 3 0 0\n 0 3 0\n 0 0 3\n Qq\n 1\nDirect\n 0 0 0\n", "POSCAR, line 6: unknown element 'Qq'");
        ReadPoscar("x\n1.0\n 3 0 0\n 0 3 0\n 0 0 3\n Cu\n two\n", "POSCAR, line 7: atom count 'two' is not a non-negative integer");
        ReadPoscar("x\n1.0\n 3 0 0\n", "POSCAR, line 4: file ends early: expected lattice vector b");
        ReadPoscar(PoscarHead.Replace("Direct", "Selective dynamics\nDirect") + " 0 0 0 T T X\n", "selective-dynamics flag 'X' is not T or F");
        ReadPoscar(PoscarHead + " 0 0 nan\n 0 0 0\n", "POSCAR, line 9: position of atom 0 is not finite");
    }

    private static StructureFormatException ReadLammps(string text, string expected) =>
        IoTestUtil.AssertFormatError(() => LammpsData.Read(new StringReader(text), "in.data"), expected);

    private const string LammpsHead = "t\n\n2 atoms\n1 atom types\n0 3 xlo xhi\n0 3 ylo yhi\n0 3 zlo zhi\n\nMasses\n\n1 63.546\n\nAtoms # atomic\n\n";

    [Fact]
    public void LammpsData_MalformedInputs_AreReportedWithLine()
    {
        ReadLammps(LammpsHead + "1 1 0 0 0\n", "in.data, line 16: file ends early: expected Atoms line 2 of 2");
        ReadLammps(LammpsHead + "1 1 0 0 0\n2 1 0 0\n", "in.data, line 16: expected 5 fields 'id type x y z' (or 8 with image flags) for atom_style atomic, found 4");
        ReadLammps(LammpsHead + "1 1 0 0 0\n2 2 0 0 0\n", "in.data, line 16: atom type 2 outside 1..1");
        ReadLammps(LammpsHead + "1 1 0 0 0\n2 1 0 x 0\n", "in.data, line 16: 'x' is not a number");
        ReadLammps(LammpsHead + "1 1 0 0 0\n2 1 0 inf 0\n", "in.data, line 16: position of atom 2 is not finite");
        ReadLammps(LammpsHead.Replace("# atomic", "# full") + "1 1 1 0 0 0 0\n", "in.data, line 13: atom_style 'full' is not supported (only atomic)");
        ReadLammps(LammpsHead.Replace("0 3 ylo", "3 3 ylo") + "1 1 0 0 0\n2 1 0 0 0\n", "in.data, line 6: box bounds ylo yhi give a non-positive length");
        ReadLammps("t\n\n1 atom types\n0 3 xlo xhi\n", "header has no 'N atoms' line");
        ReadLammps(LammpsHead + "1 1 0 0 0\n2 1 0 0 0\n3 1 0 0 0\n", "in.data, line 17: more lines in the Atoms section than the header counts");
    }

    [Fact]
    public void StructureFile_UnknownExtension_SaysToPassTheFormat()
    {
        var ex = Assert.Throws<ArgumentException>(() => StructureFile.DetectFormat("structure.foo"));
        Assert.Contains("pass the format", ex.Message);
    }
}
