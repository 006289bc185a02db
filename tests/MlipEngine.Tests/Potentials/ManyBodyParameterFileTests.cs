using MlipEngine.Potentials;
using MlipEngine.Potentials.StillingerWeber;
using MlipEngine.Potentials.Tersoff;
using Xunit;

namespace MlipEngine.Tests.Potentials;

public class ManyBodyParameterFileTests
{
    private const string TwoElementTersoff = """
        # comment line
        A A A 3.0 1.0 0.0 100390 16.217 -0.59825 0.78734   # trailing comment
              1.1e-6 1.73222 471.18 2.85 0.15 2.4799 1830.8
        B B B 3.0 1.0 0.0 100390 16.217 -0.59825 0.78734 1.1e-6 1.73222 471.18 2.85 0.15 2.4799 1830.8

        X Y Z unused entries need no numbers: a b c d e f g h i
        """;

    [Fact]
    public void TersoffFile_EntriesSpanLinesAndCommentsAreStripped()
    {
        var f = TersoffParameterFile.Parse(TwoElementTersoff, "t.tersoff");
        Assert.Equal(3, f.Entries.Count);
        Assert.Equal(2, f.Entries[0].Line);
        Assert.Equal(4, f.Entries[1].Line);
    }

    [Fact]
    public void SelectingRealElements_ReadsTheRightEntry()
    {
        var ff = TersoffPotential.FromFile("/usr/share/lammps/potentials/SiC.tersoff", ["C", "Si"]);
        // type 0 = C, type 1 = Si; (Si, C, C) carries the Si–C pair parameters A = 1597.3111, R = 2.36
        Assert.Equal(1597.3111, ff.Parameters(1, 0, 0).A);
        Assert.Equal(2.36, ff.Parameters(1, 0, 0).R);
        Assert.Equal(1830.8, ff.Parameters(1, 1, 1).A);
        Assert.Equal(3.0, ff.Cutoff, 12); // Si–Si R + D = 2.85 + 0.15
        Assert.Equal(new[] { 6, 14 }, ff.Species);
    }

    [Fact]
    public void IllegalParameter_ErrorNamesFileAndLine()
    {
        string text = "Si Si Si 3.0 1.0 0.0 100390 16.217 -0.59825 0.78734\n 1.1e-6 1.73222 471.18 0.1 0.15 2.4799 1830.8\n";
        var ex = Assert.Throws<PotentialFileException>(() => new TersoffPotential(TersoffParameterFile.Parse(text, "bad.tersoff"), ["Si"]));
        Assert.Equal(1, ex.Line);
        Assert.Contains("bad.tersoff:1", ex.Message);
        Assert.Contains("D > R", ex.Message);
    }

    [Fact]
    public void DuplicateEntry_ErrorNamesBothLines()
    {
        string entry = "Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0\n";
        var ex = Assert.Throws<PotentialFileException>(() => new StillingerWeberPotential(StillingerWeberParameterFile.Parse(entry + "# x\n" + entry, "dup.sw"), ["Si"]));
        Assert.Contains("dup.sw:3", ex.Message);
        Assert.Contains("line 1", ex.Message);
    }

    [Fact]
    public void IncompleteEntry_ErrorNamesFileAndLine()
    {
        var ex = Assert.Throws<PotentialFileException>(() => StillingerWeberParameterFile.Parse("# head\nSi Si Si 2.1683 2.0951\n", "short.sw"));
        Assert.Contains("short.sw:2", ex.Message);
    }

    [Fact]
    public void NonNumericParameter_ErrorNamesParameter()
    {
        string text = "Si Si Si 2.1683 sigma? 1.80 21.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0\n";
        var ex = Assert.Throws<PotentialFileException>(() => new StillingerWeberPotential(StillingerWeberParameterFile.Parse(text, "nan.sw"), ["Si"]));
        Assert.Contains("nan.sw:1", ex.Message);
        Assert.Contains("sigma", ex.Message);
    }
}
