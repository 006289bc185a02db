using System.Diagnostics;
using Xunit;

namespace MlipEngine.Tests.Support;

/// <summary>
/// Child processes of the tests (the CLI, Python peers, LAMMPS): output captured, stdin optional, and a bounded wait. A child
/// that does not finish fails its test, killed with its process tree and named with what it printed so far, instead of
/// holding the whole test run until CI's limit.
/// </summary>
internal static class ChildProcess
{
    /// <summary>The default limit: far above any child of the suite (the slowest take seconds), far below CI's.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs <paramref name="psi"/> to its exit (stdout and stderr captured, <paramref name="stdin"/> written and closed when given).</summary>
    public static (int Code, string Stdout, string Stderr) Run(ProcessStartInfo psi, TimeSpan? timeout = null, string? stdin = null)
    {
        psi.RedirectStandardOutput = true; psi.RedirectStandardError = true; psi.UseShellExecute = false;
        psi.RedirectStandardInput = stdin != null;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {Describe(psi)}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }   // it may have ended meanwhile
            p.WaitForExit();
            Assert.Fail($"{Describe(psi)} did not finish within {limit.TotalSeconds:F0} s and was killed; it printed:\n{Tail(stderr.Result)}\n{Tail(stdout.Result)}");
        }
        p.WaitForExit();   // the output pipes are drained
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The built CLI (mlip.dll beside the test assembly) with <paramref name="args"/>.</summary>
    public static ProcessStartInfo Mlip(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlip.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static string Describe(ProcessStartInfo psi) =>
        string.Join(' ', new[] { psi.FileName }.Concat(psi.ArgumentList.Count > 0 ? psi.ArgumentList : [psi.Arguments]));

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];
}
