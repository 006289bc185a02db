using System.Globalization;
using MlipEngine.Training;
using Spectre.Console;

namespace MlipEngine.Workflows.Evaluation;

/// <summary>The error table that <c>mlip test</c> and <c>mlip train</c> print.</summary>
public static class ErrorTable
{
    /// <summary>The error table (meV units) of rows of (group, metrics), as plain text.</summary>
    public static void Write(IReadOnlyList<(string Group, ErrorMetrics Metrics)> rows, TextWriter output)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var h in new[] { "group", "frames", "atoms", "E MAE meV/atom", "E RMSE meV/atom", "F MAE meV/Å", "F RMSE meV/Å", "σ MAE meV/Å³", "σ RMSE meV/Å³" })
            table.AddColumn(new TableColumn(h).RightAligned());
        static string M(double v) => double.IsNaN(v) ? "–" : (1000 * v).ToString("F3", CultureInfo.InvariantCulture);
        // stress: "no labels" where no frame of the group has a stress label; "–" where labelled frames are not periodic
        string S(double v, ErrorMetrics m) => m.StressLabelled == 0 && m.Frames > 0 ? "no labels" : M(v);
        foreach (var (g, m) in rows)
            table.AddRow(Markup.Escape(g), m.Frames.ToString(CultureInfo.InvariantCulture), m.Atoms.ToString(CultureInfo.InvariantCulture),
                M(m.EnergyPerAtom.Mae), M(m.EnergyPerAtom.Rmse), M(m.Force.Mae), M(m.Force.Rmse), S(m.Stress.Mae, m), S(m.Stress.Rmse, m));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 150;   // a wide table also when stdout is a file or pipe
        console.Write(table);
    }

}
