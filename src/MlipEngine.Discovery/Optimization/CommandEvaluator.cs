using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MlipEngine.Discovery.Optimization;

/// <summary>
/// An objective run as an external command (a script, a DFT driver, the front end of a real experiment), once
/// per design, the designs of a batch in parallel. The command line is run by <c>/bin/sh -c</c> after each
/// <c>{name}</c> is replaced by the design's value of that column (<c>{x.Cu}</c> for a simplex component); the
/// design also arrives on stdin as one JSON object (<c>{"a": 3.6, "site": "Cu", "x": {"Cu": 0.25, "Ni": 0.75}}</c>).
/// The last non-empty line of stdout holds the value(s), separated by spaces or commas. A non-zero exit, a
/// timeout (the process tree is killed), a missing or non-numeric value, or <c>nan</c> is a failed evaluation,
/// recorded with the reason (the end of stderr) and never fatal.
/// </summary>
public sealed class CommandEvaluator(string command, DesignSpace space, string workingDirectory, TimeSpan timeout) : IDesignEvaluator
{
    public IReadOnlyList<(double[]? Values, double Seconds, string? Message)> Evaluate(IReadOnlyList<double[]> designs, CancellationToken cancel)
    {
        var results = new (double[]?, double, string?)[designs.Count];
        Parallel.For(0, designs.Count, new ParallelOptions { MaxDegreeOfParallelism = designs.Count }, i => results[i] = EvaluateOne(designs[i]));
        return results;
    }

    /// <summary>The command line for one design, placeholders filled.</summary>
    public string CommandLine(double[] design)
    {
        var sb = new StringBuilder(command);
        for (int c = 0; c < space.ColumnNames.Count; c++) sb.Replace("{" + space.ColumnNames[c] + "}", space.Format(c, design[c]));
        return sb.ToString();
    }

    /// <summary>The design as JSON: a number per continuous or integer parameter, the choice's name, an object of fractions per simplex.</summary>
    public string Json(double[] design)
    {
        var root = new Dictionary<string, object>();
        int col = 0;
        foreach (var p in space.Parameters)
        {
            switch (p)
            {
                case SimplexParameter s:
                    root[p.Name] = s.Components.Select((name, k) => (name, v: design[col + k])).ToDictionary(t => t.name, t => t.v);
                    break;
                case CategoricalParameter cat: root[p.Name] = cat.Choices[(int)design[col]]; break;
                case IntegerParameter: root[p.Name] = (long)design[col]; break;
                default: root[p.Name] = design[col]; break;
            }
            col += p.ColumnNames.Count;
        }
        return JsonSerializer.Serialize(root);
    }

    private (double[]?, double, string?) EvaluateOne(double[] design)
    {
        var clock = Stopwatch.StartNew();
        var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(CommandLine(design));
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try { process.StandardInput.Write(Json(design) + "\n"); process.StandardInput.Close(); }
            catch (IOException) { }   // the command need not read its stdin
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                return (null, clock.Elapsed.TotalSeconds, $"timed out after {timeout.TotalSeconds:F0} s");
            }
            process.WaitForExit();
            string output = stdout.Result, error = stderr.Result.Trim();
            if (process.ExitCode != 0)
                return (null, clock.Elapsed.TotalSeconds, $"exit {process.ExitCode}" + (error.Length > 0 ? ": " + Tail(error) : ""));
            var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
            if (line == null) return (null, clock.Elapsed.TotalSeconds, "printed no value");
            var parts = line.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
            var values = new double[parts.Length];
            for (int k = 0; k < parts.Length; k++)
                if (!double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]))
                    return (null, clock.Elapsed.TotalSeconds, $"output '{Tail(line)}' is not a number");
            return (values, clock.Elapsed.TotalSeconds, null);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, clock.Elapsed.TotalSeconds, e.Message);
        }
    }

    private static string Tail(string text)
    {
        var last = text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        return last.Length > 160 ? last[..160] : last;
    }
}
