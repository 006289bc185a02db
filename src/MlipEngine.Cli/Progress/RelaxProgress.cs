using Spectre.Console;

namespace MlipEngine.Cli.Progress;

/// <summary>
/// Progress of a relaxation run: a Spectre.Console bar (done/total, rate, ETA) when stderr is a
/// terminal, otherwise a plain line every few seconds.
/// </summary>
public static class RelaxProgress
{
    public static void Run(long? total, long alreadyDone, Action<Action<long>> work)
    {
        if (Console.IsErrorRedirected || total is null)
        {
            using var plain = new ProgressReporter("relax", "candidates");
            work(done => plain.Report(done, total));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new EtaColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("relax", maxValue: Math.Max(1, total.Value));
                task.Value = alreadyDone;
                work(done =>
                {
                    task.Value = done;
                    double rate = (done - alreadyDone) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                    task.Description = $"relax {done}/{total} ({rate:F1}/s)";
                });
            });
    }
}
