using Xunit;
using MlipEngine.Discovery.Optimization;

namespace MlipEngine.Tests.Discovery.Optimization;

public class BayesianOptimizerTests
{
    /// <summary>Evaluates designs in-process; null is a failed evaluation.</summary>
    private sealed class FunctionEvaluator(Func<double[], double[]?> f) : IDesignEvaluator
    {
        public int Calls;
        public IReadOnlyList<(double[]? Values, double Seconds, string? Message)> Evaluate(IReadOnlyList<double[]> designs, CancellationToken cancel)
        {
            Calls += designs.Count;
            return designs.Select(d => { var v = f(d); return (v, 0.0, v == null ? "failed on purpose" : null); }).ToList();
        }
    }

    /// <summary>Branin–Hoo on [−5, 10] × [0, 15]; global minimum 0.397887 at three points.</summary>
    public static double Branin(double x1, double x2)
    {
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        return Math.Pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.Cos(x1) + 10;
    }

    private static DesignSpace BraninSpace() => new([new ContinuousParameter("x1", -5, 10), new ContinuousParameter("x2", 0, 15)]);

    [Fact]
    public void Branin_ReachesTheGlobalMinimumWithin40Evaluations()
    {
        var options = new OptimizationOptions
        {
            Space = BraninSpace(), Objectives = [new Objective("f")], Budget = 40,
            Optimizer = new OptimizerSettings { Initial = 8, Seed = 3, RawSamples = 256 },
        };
        var report = new OptimizationRun(options, new FunctionEvaluator(d => [Branin(d[0], d[1])])).Run();
        Assert.Equal(40, report.History.Count);
        double best = report.History.Min(e => e.Values![0]);
        Assert.True(best < 0.397887 + 1e-2, $"best {best}");
    }

    [Fact]
    public void FailedEvaluations_AreRecordedAndAvoided_NeverFatal()
    {
        // Fails on the right third of the square; the minimum (0.2, 0.3) is elsewhere.
        var space = new DesignSpace([new ContinuousParameter("a", 0, 1), new ContinuousParameter("b", 0, 1)]);
        var options = new OptimizationOptions
        {
            Space = space, Objectives = [new Objective("f")], Budget = 25,
            Optimizer = new OptimizerSettings { Initial = 6, Seed = 1, RawSamples = 256 },
        };
        var report = new OptimizationRun(options, new FunctionEvaluator(d => d[0] > 0.66 ? null : [Math.Pow(d[0] - 0.2, 2) + Math.Pow(d[1] - 0.3, 2)])).Run();
        Assert.Equal(25, report.History.Count);
        Assert.True(report.Failed >= 1);
        Assert.All(report.History.Where(e => !e.Succeeded), e => Assert.Equal("failed on purpose", e.Message));
        Assert.True(report.History.Where(e => e.Succeeded).Min(e => e.Values![0]) < 1e-2);
        // Proposals after the initial design rarely return to the failing region.
        Assert.True(report.History.Skip(6).Count(e => !e.Succeeded) <= 4);
    }

    [Fact]
    public void Simplex_ProposalsStayOnTheSimplex_AndFindTheBestComposition()
    {
        // Seven fractions (the rejection-sampling failure case): target composition t, objective |x − t|².
        string[] names = ["A", "B", "C", "D", "E", "F", "G"];
        double[] t = [0.4, 0.05, 0.25, 0.1, 0.05, 0.1, 0.05];
        var space = new DesignSpace([new SimplexParameter("x", names)]);
        var options = new OptimizationOptions
        {
            Space = space, Objectives = [new Objective("distance")], Budget = 30, Batch = 3,
            Optimizer = new OptimizerSettings { Initial = 9, Seed = 2, RawSamples = 256 },
        };
        var report = new OptimizationRun(options, new FunctionEvaluator(d => [d.Select((v, i) => (v - t[i]) * (v - t[i])).Sum()])).Run();
        foreach (var e in report.History)
        {
            Assert.Equal(1.0, e.Design.Sum(), 1e-12);
            Assert.All(e.Design, v => Assert.True(v >= 0));
        }
        double initialBest = report.History.Take(9).Min(e => e.Values![0]);
        double best = report.History.Min(e => e.Values![0]);
        Assert.True(best < 0.5 * initialBest, $"best {best}, best of the Sobol design {initialBest}");
    }

    [Fact]
    public void History_ResumesWhereItStopped_AndRefusesAnotherSpace()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlip-opt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var space = new DesignSpace([new ContinuousParameter("a", 0, 1), new CategoricalParameter("el", ["Cu", "Ni"]), new IntegerParameter("n", 1, 4)]);
            OptimizationOptions Options(int budget) => new()
            {
                Space = space, Objectives = [new Objective("f", Maximize: true)], Budget = budget, Batch = 2, OutputDirectory = dir,
                Optimizer = new OptimizerSettings { Initial = 4, Seed = 5, RawSamples = 128 },
            };
            Func<double[], double[]?> f = d => [-Math.Pow(d[0] - 0.7, 2) + (d[1] == 1 ? 0.5 : 0) + 0.1 * d[2]];
            var first = new OptimizationRun(Options(6), new FunctionEvaluator(f)).Run();
            var evaluator = new FunctionEvaluator(f);
            var second = new OptimizationRun(Options(10), evaluator).Run();
            Assert.Equal(6, second.Resumed);
            Assert.Equal(4, evaluator.Calls);
            Assert.Equal(10, second.History.Count);
            for (int i = 0; i < 6; i++)
            {
                Assert.Equal(first.History[i].Design, second.History[i].Design);
                Assert.Equal(first.History[i].Values, second.History[i].Values);
            }
            Assert.Equal(11, File.ReadAllLines(Path.Combine(dir, "history.csv")).Length);
            Assert.True(File.Exists(Path.Combine(dir, "convergence.svg")));
            // A row cut short by an interruption is dropped.
            File.AppendAllText(Path.Combine(dir, "history.csv"), "10,5,ok,0.5");
            var third = new OptimizationRun(Options(10), new FunctionEvaluator(f)).Run();
            Assert.Equal(10, third.History.Count);
            var other = new DesignSpace([new ContinuousParameter("b", 0, 1)]);
            Assert.Throws<UsageException>(() => new OptimizationRun(Options(10) with { Space = other }, new FunctionEvaluator(f)).Run());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TwoObjectives_ParEgoSpreadsAlongTheFront_AndWritesParetoPlot()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlip-opt-" + Guid.NewGuid().ToString("N"));
        try
        {
            // f1 = x², f2 = (x − 1)² (+ y² for both): the front is y = 0, x ∈ [0, 1].
            var space = new DesignSpace([new ContinuousParameter("x", -1, 2), new ContinuousParameter("y", -1, 1)]);
            var options = new OptimizationOptions
            {
                Space = space, Objectives = [new Objective("f1"), new Objective("f2")], Budget = 24, OutputDirectory = dir,
                Optimizer = new OptimizerSettings { Initial = 8, Seed = 1, RawSamples = 256 },
            };
            var report = new OptimizationRun(options, new FunctionEvaluator(d => [d[0] * d[0] + d[1] * d[1], Math.Pow(d[0] - 1, 2) + d[1] * d[1]])).Run();
            var front = OptimizationOutputs.ParetoIndices(report.History, options.Objectives);
            Assert.True(front.Count >= 4, $"{front.Count} non-dominated points");
            var points = report.History.Where(e => e.Succeeded).Select(e => e.Values!).ToList();
            double hvAll = ParetoFront.Hypervolume2D(points, 2, 2), hvInitial = ParetoFront.Hypervolume2D(points.Take(8).ToList(), 2, 2);
            Assert.True(hvAll > hvInitial + 0.1, $"hypervolume {hvAll} vs {hvInitial} after the Sobol design");
            string svg = File.ReadAllText(Path.Combine(dir, "pareto.svg"));
            Assert.Contains("Pareto front", svg);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CommandEvaluator_FillsPlaceholders_SendsJson_AndRecordsFailures()
    {
        var space = new DesignSpace([new ContinuousParameter("a", 0, 1), new CategoricalParameter("el", ["Cu", "Ni"]), new SimplexParameter("x", ["P", "Q"])]);
        var ev = new CommandEvaluator("echo {a} {el} {x.P} >/dev/null; read line; case \"$line\" in *'\"el\":\"Ni\"'*) echo 1.5 2.5;; *) echo oops >&2; exit 3;; esac",
            space, Path.GetTempPath(), TimeSpan.FromSeconds(20));
        Assert.Equal("echo 0.25 Ni 0.5 >/dev/null; read line; case \"$line\" in *'\"el\":\"Ni\"'*) echo 1.5 2.5;; *) echo oops >&2; exit 3;; esac",
            ev.CommandLine([0.25, 1, 0.5, 0.5]));
        Assert.Equal("{\"a\":0.25,\"el\":\"Ni\",\"x\":{\"P\":0.5,\"Q\":0.5}}", ev.Json([0.25, 1, 0.5, 0.5]));
        var r = ev.Evaluate([[0.25, 1, 0.5, 0.5], [0.25, 0, 0.5, 0.5]], default);
        Assert.Equal([1.5, 2.5], r[0].Values!);
        Assert.Null(r[1].Values);
        Assert.Equal("exit 3: oops", r[1].Message);
        var slow = new CommandEvaluator("sleep 5; echo 1", space, Path.GetTempPath(), TimeSpan.FromSeconds(0.3)).Evaluate([[0.25, 1, 0.5, 0.5]], default);
        Assert.StartsWith("timed out", slow[0].Message);
    }
}
