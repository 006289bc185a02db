using System.Text.RegularExpressions;
using System.Xml.Linq;
using MlipEngine.Training.Reports;
using MlipEngine.IO.Svg;
using Xunit;

namespace MlipEngine.Tests.Training;

public class TrainingReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static List<EpochRecord> Epochs(int count, bool stress)
    {
        var list = new List<EpochRecord>();
        for (int e = 0; e < count; e++)
        {
            double decay = Math.Exp(-0.1 * e);
            var train = new SetErrors(10 * decay, 12 * decay, 100 * decay, 130 * decay, stress ? 3 * decay : null, stress ? 4 * decay : null);
            var valid = new SetErrors(11 * decay, 14 * decay, 110 * decay, 150 * decay, stress ? 3.5 * decay : null, stress ? 4.5 * decay : null);
            list.Add(new EpochRecord(e, 1e-2 * Math.Pow(0.8, e / 10), decay, 1.1 * decay, train, valid, 12.5));
        }
        return list;
    }

    private static (double[] Ref, double[] Pred) Noisy(int n, double scale, double noise, int seed)
    {
        var rng = new Random(seed);
        var r = new double[n]; var p = new double[n];
        for (int i = 0; i < n; i++) { r[i] = scale * (2 * rng.NextDouble() - 1); p[i] = r[i] + noise * (2 * rng.NextDouble() - 1); }
        return (r, p);
    }

    private static List<XElement> SvgElements(string html) =>
        Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToList();

    private static string Title(XElement svg) => svg.Element(Svg + "title")!.Value;

    private static int PointCount(XElement svg) =>
        svg.Elements(Svg + "g").Where(g => (string?)g.Attribute("class") == "points").SelectMany(g => g.Elements(Svg + "circle")).Count();

    [Fact]
    public void Html_IsSelfContained_WithWellFormedSvgs_TitlesAndOnePointPerSample()
    {
        var (eRef, ePred) = Noisy(200, 0.5, 0.004, 1);
        var (fRef, fPred) = Noisy(12_000, 3, 0.05, 2);
        var (sRef, sPred) = Noisy(60, 0.02, 0.001, 3);
        sRef[7] = double.NaN;   // e.g. a non-periodic frame: skipped, not plotted, not in the statistics
        var content = new TrainingReportContent
        {
            Title = "Cu <mlearn> & friends",
            Epochs = Epochs(30, stress: true),
            Summary = [new("model", "equivariant, 2 layers")],
            Parity = [new ParitySection("validation", [ParityData.EnergyPerAtom(eRef, ePred), ParityData.ForceComponents(fRef, fPred), ParityData.StressComponents(sRef, sPred)])],
        };
        string html = TrainingReport.ToHtml(content);

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.Contains("Cu &lt;mlearn&gt; &amp; friends", html);

        var svgs = SvgElements(html);   // each parses as XML
        Assert.Equal(5 + 3, svgs.Count);
        Assert.Equal(["Energy RMSE", "Force RMSE", "Stress RMSE", "Loss", "Learning rate"], svgs.Take(5).Select(Title));

        var energy = ParityStatistics.Of(ParityData.EnergyPerAtom(eRef, ePred));
        Assert.Equal(200, energy.Count);
        Assert.StartsWith($"Energy per atom (validation): MAE {energy.Mae:G4}, RMSE {energy.Rmse:G4} meV/atom · n = 200", Title(svgs[5]));
        Assert.StartsWith("Force components (validation): MAE", Title(svgs[6]));
        Assert.StartsWith("Stress components (validation): MAE", Title(svgs[7]));

        Assert.Equal(200, PointCount(svgs[5]));
        Assert.Equal(5000, PointCount(svgs[6]));   // subsampled for size
        Assert.Equal(59, PointCount(svgs[7]));     // one NaN skipped
        Assert.Contains("n = 12000 (5000 drawn)", svgs[6].ToString());
        Assert.Contains("1 non-finite skipped", svgs[7].ToString());
        Assert.Single(svgs[5].Elements(Svg + "line"), l => (string?)l.Attribute("class") == "diagonal");
        Assert.True(html.Length < 1_000_000, $"report is {html.Length} characters");
    }

    [Fact]
    public void LearningCurves_OmitStressPanel_WhenNoStressErrors()
    {
        var html = TrainingReport.ToHtml(new TrainingReportContent { Title = "t", Epochs = Epochs(3, stress: false) });
        var titles = SvgElements(html).Select(Title).ToList();
        Assert.Equal(["Energy RMSE", "Force RMSE", "Loss", "Learning rate"], titles);
    }

    [Fact]
    public void ParityStatistics_UseEveryFinitePair()
    {
        var data = ParityData.ForceComponents([0, 1, 2, double.NaN], [0.001, 0.997, 2, 5]);
        var s = ParityStatistics.Of(data);
        Assert.Equal(3, s.Count);
        Assert.Equal(1, s.Skipped);
        Assert.Equal((1 + 3 + 0) / 3.0, s.Mae, 1e-12);                 // meV/Å; 1e-12 covers the eV→meV rounding
        Assert.Equal(Math.Sqrt((1 + 9 + 0) / 3.0), s.Rmse, 1e-12);
    }

    [Fact]
    public void Subsample_IsDeterministicSortedAndKeepsTheWorstPoints()
    {
        var (r, p) = Noisy(20_000, 1, 0.01, 4);
        p[12_345] = r[12_345] + 3;   // an outlier must stay visible
        var data = ParityData.ForceComponents(r, p);
        var a = TrainingReport.ChoosePoints(data, 1000, seed: 7);
        Assert.Equal(1000, a.Length);
        Assert.Contains(12_345, a);
        for (int k = 1; k < a.Length; k++) Assert.True(a[k] > a[k - 1]);
        Assert.Equal(a, TrainingReport.ChoosePoints(data, 1000, seed: 7));
        // Uniform over components: with x, y, z interleaved, each residue mod 3 gets about a third.
        for (int c = 0; c < 3; c++) Assert.InRange(a.Count(i => i % 3 == c), 270, 400);
    }

    [Fact]
    public void Write_CreatesOneHtmlFile()
    {
        string dir = Directory.CreateTempSubdirectory("mlip-report-").FullName;
        try
        {
            string path = Path.Combine(dir, "sub", "report.html");
            TrainingReport.Write(path, new TrainingReportContent { Title = "t", Epochs = Epochs(2, false) });
            Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally { Directory.Delete(dir, true); }
    }
}

public class PlotAxisTests
{
    [Fact]
    public void LinearAxis_ExpandsToNiceTicks()
    {
        var axis = PlotAxis.Linear(0.13, 9.7);
        Assert.Equal([0.0, 2, 4, 6, 8, 10], axis.Ticks);
        Assert.Equal(0, axis.Fraction(0));
        Assert.Equal(1, axis.Fraction(10));
        Assert.Equal([-0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2], PlotAxis.Linear(-0.33, 0.11).Ticks.Select(t => Math.Round(t, 12)));
        var flat = PlotAxis.Linear(5, 5);   // zero-width range widened by ±10 %
        Assert.True(flat.Min <= 4.5 && flat.Max >= 5.5 && flat.Ticks.Count >= 3);
    }

    [Fact]
    public void LogAxis_CoversDataWithDecadeTicks_AndDenserTicksOnShortRanges()
    {
        static void AssertInside(PlotAxis axis, double min, double max)
        {
            Assert.True(axis.Min <= min && axis.Max >= max, $"[{axis.Min}, {axis.Max}] does not cover [{min}, {max}]");
            Assert.All(axis.Ticks, t => Assert.InRange(axis.Fraction(t), -1e-12, 1 + 1e-12));
        }
        var threeDecades = PlotAxis.Log(0.003, 0.8);
        AssertInside(threeDecades, 0.003, 0.8);
        Assert.Equal([5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1], threeDecades.Ticks.Select(t => Math.Round(t, 15)));
        Assert.Equal(0.5, PlotAxis.Log(1e-3, 1e3).Fraction(1), 1e-15);   // symmetric padding in log space
        Assert.True(double.IsNaN(threeDecades.Fraction(0)));

        var tenfold = PlotAxis.Log(1.2, 1.5);                             // under a third of a decade: widened, all mantissas
        AssertInside(tenfold, 1.2, 1.5);
        Assert.True(tenfold.Ticks.Count >= 2);

        var wide = PlotAxis.Log(1e-12, 1e4);                               // many decades: labels thinned
        AssertInside(wide, 1e-12, 1e4);
        Assert.InRange(wide.Ticks.Count, 4, 9);
    }

    [Fact]
    public void EpochAxis_WithoutSnapping_KeepsExactRangeAndInnerTicks()
    {
        var axis = PlotAxis.Linear(0, 119, snapToTicks: false);
        Assert.Equal(0, axis.Min);
        Assert.Equal(119, axis.Max);
        Assert.Equal([0.0, 20, 40, 60, 80, 100], axis.Ticks);
    }

    [Fact]
    public void TickLabels_AreShort()
    {
        Assert.Equal("0.001", PlotAxis.FormatTick(1e-3));
        Assert.Equal("2e-5", PlotAxis.FormatTick(2e-5));
        Assert.Equal("250", PlotAxis.FormatTick(250));
        Assert.Equal("1e5", PlotAxis.FormatTick(1e5));
        Assert.Equal("0", PlotAxis.FormatTick(0));
    }
}

public class EpochTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-epochs-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EpochRecord Row(int epoch, double tag, bool stress = true) =>
        new(epoch, 1e-3 / (epoch + 1), tag, tag * 1.1,
            new SetErrors(1.5 + tag, 2, 30, 40, stress ? 0.5 : null, stress ? 0.7 : null),
            new SetErrors(1.7, 2.2, 31.25, 41 + 1.0 / 3, null, null), 9.75);

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Rows_RoundTripExactly_AndAreFlushedPerRow()
    {
        string path = Path.Combine(_dir, "epochs.csv");
        var rows = new[] { Row(0, 0.1), Row(1, 0.2, stress: false) };
        using (var table = EpochTable.Open(path))
        {
            table.Append(rows[0]);
            Assert.Equal(2, ReadShared(path).Length);   // header + row, before Dispose
            table.Append(rows[1]);
            Assert.Equal(3, ReadShared(path).Length);
        }
        Assert.Equal(rows, EpochTable.Read(path));
        Assert.Equal(string.Join(',', EpochTable.Columns), File.ReadLines(path).First());
    }

    [Fact]
    public void Resume_TruncatesRowsAfterResumedEpoch_AndContinuesSameFile()
    {
        string path = Path.Combine(_dir, "epochs.csv");
        using (var table = EpochTable.Open(path))
            for (int e = 0; e < 5; e++) table.Append(Row(e, e));
        // Interrupted run wrote epochs 0..4 but its last checkpoint is after epoch 2.
        using (var table = EpochTable.Open(path, resumedEpoch: 2))
        {
            Assert.Equal(4, ReadShared(path).Length);   // header + epochs 0, 1, 2
            table.Append(Row(3, 30));
            table.Append(Row(4, 40));
        }
        var read = EpochTable.Read(path);
        Assert.Equal([0, 1, 2, 3, 4], read.Select(r => r.Epoch));
        Assert.Equal([0.0, 1, 2, 30, 40], read.Select(r => r.TrainLoss));
        Assert.Single(File.ReadLines(path), l => l.StartsWith("epoch,"));
    }

    [Fact]
    public void Resume_DropsARowCutShortByAKill_AndCreatesAMissingFile()
    {
        string path = Path.Combine(_dir, "epochs.csv");
        using (var table = EpochTable.Open(path)) table.Append(Row(0, 0));
        File.AppendAllText(path, "1,0.001,0.5");   // partial row, no newline
        using (var table = EpochTable.Open(path, resumedEpoch: 5)) table.Append(Row(1, 1));
        Assert.Equal([0, 1], EpochTable.Read(path).Select(r => r.Epoch));

        string fresh = Path.Combine(_dir, "new", "epochs.csv");
        using (var table = EpochTable.Open(fresh, resumedEpoch: 3)) table.Append(Row(4, 4));
        Assert.Equal([4], EpochTable.Read(fresh).Select(r => r.Epoch));
    }

    [Fact]
    public void FreshRun_ReplacesAnExistingFile_AndForeignHeaderIsRejectedOnResume()
    {
        string path = Path.Combine(_dir, "epochs.csv");
        File.WriteAllText(path, "step,loss\n1,2\n");
        var ex = Assert.Throws<InvalidDataException>(() => EpochTable.Open(path, resumedEpoch: 1));
        Assert.Contains("line 1", ex.Message);
        using (var table = EpochTable.Open(path)) table.Append(Row(0, 0));
        Assert.Equal([0], EpochTable.Read(path).Select(r => r.Epoch));
    }
}
