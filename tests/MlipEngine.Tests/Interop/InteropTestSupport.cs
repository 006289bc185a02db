using System.CommandLine;
using System.Diagnostics;
using MlipEngine.Cli.Commands;
using MlipEngine.IO;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Interop;

/// <summary>Shared pieces of the embedding tests: processes, the CLI in-process, frame comparison.</summary>
internal static class InteropTestSupport
{
    public const string CuNiSpec = "{style: eam/alloy, file: /usr/share/lammps/potentials/CuNi.eam.alloy, elements: [Cu, Ni]}";
    public const string Python = "/usr/bin/python3";

    public static string TestDataDir => Path.Combine(AppContext.BaseDirectory, "Interop");

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mlip-interop-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void RequireFile(string path, string howToGet)
    {
        if (!File.Exists(path)) Assert.Fail($"{path} is missing: {howToGet}");
    }

    /// <summary>
    /// Fails at once, naming the Debian package, when <c>/usr/bin/python3 -c "import MODULE"</c> fails
    /// (xunit 2 has no run-time skip; a missing peer is reported the way <see cref="RequireFile"/> does).
    /// </summary>
    public static void RequirePythonModule(string module, string debianPackage)
    {
        RequireFile(Python, "install Debian's python3 (.ci/run does this)");
        var (code, _, err) = ChildProcess.Run(StartInfo(Python, ["-c", "import " + module], Path.GetTempPath()));
        if (code != 0)
            Assert.Fail($"Python module '{module}' is missing: apt-get install {debianPackage} (.ci/run does this); python said: {err.Trim().Split('\n')[^1]}");
    }

    /// <summary>Starts a process with captured output; the caller waits.</summary>
    public static Process Start(string file, IEnumerable<string> args, string workDir, IDictionary<string, string>? env = null)
    {
        var psi = StartInfo(file, args, workDir, env);
        psi.RedirectStandardOutput = true; psi.RedirectStandardError = true;
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string workDir, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workDir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        return psi;
    }

    /// <summary>Runs a process to completion; fails the test (with its output) on a non-zero exit or a timeout.</summary>
    public static string Run(string file, IEnumerable<string> args, string workDir, IDictionary<string, string>? env = null, int timeoutSeconds = 120)
    {
        var (code, stdout, stderr) = ChildProcess.Run(StartInfo(file, args, workDir, env), TimeSpan.FromSeconds(timeoutSeconds));
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} failed ({code}):\n{stderr}\n{stdout}");
        return stdout + stderr;
    }

    /// <summary>Runs <c>mlip serve ARGS</c> in this process and returns its exit code.</summary>
    public static int Serve(params string[] args)
    {
        var root = new RootCommand { ServeCommand.Create() };
        return root.Parse(["serve", .. args]).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>
    /// Evaluates <paramref name="labelled"/> with <c>mlip eval</c> and asserts that energy, forces and
    /// stress stored in it agree to <paramref name="tolerance"/> (absolute, eV, eV/Å, eV/Å³).
    /// </summary>
    public static int AssertLabelsEqualEval(string labelled, string spec, double tolerance)
    {
        string evaluated = labelled + ".eval.xyz";
        Assert.Equal(0, EvalCommand.Run(spec, labelled, evaluated, 2, "cpu"));
        var expected = StructureFile.ReadFrames(evaluated).ToList();
        var got = StructureFile.ReadFrames(labelled).ToList();
        Assert.Equal(expected.Count, got.Count);
        Assert.True(got.Count > 0, $"{labelled} has no frames");
        for (int k = 0; k < got.Count; k++)
        {
            var e = expected[k]; var g = got[k];
            Assert.True(Math.Abs(e.Energy!.Value - g.Energy!.Value) <= tolerance, $"{labelled} frame {k}: energy {g.Energy} vs eval {e.Energy}");
            for (int i = 0; i < e.Forces!.Length; i++)
                Assert.True((e.Forces[i] - g.Forces![i]).Norm <= tolerance, $"{labelled} frame {k} atom {i}: force {g.Forces[i]} vs eval {e.Forces[i]}");
            if (g.Stress != null)
                for (int c = 0; c < 9; c++)
                    Assert.True(Math.Abs(e.Stress![c] - g.Stress[c]) <= tolerance, $"{labelled} frame {k}: stress[{c}] {g.Stress[c]} vs eval {e.Stress[c]}");
        }
        return got.Count;
    }
}
