using System.Globalization;
using System.Text;
using MlipEngine.IO;
using MlipEngine.State;
using Xunit;

namespace MlipEngine.Tests.Interop;

/// <summary>
/// Builds libmlip.so once per test run (make -C src/native with the already-built
/// MlipEngine.Interop output, no publish) into a temporary folder, and the helpers the C, Fortran,
/// Python and LAMMPS tests share. Missing compilers fail with a message; nothing is skipped.
/// </summary>
internal static class NativeLibrary
{
    private static readonly Lazy<string> s_dir = new(Build);

    /// <summary>Folder holding libmlip.so, mlip.h and the managed assemblies.</summary>
    public static string Dir => s_dir.Value;

    public static string RepoRoot
    {
        get
        {
            var d = new DirectoryInfo(AppContext.BaseDirectory);
            while (d != null && !File.Exists(Path.Combine(d.FullName, "MlipEngine.sln"))) d = d.Parent;
            return d?.FullName ?? throw new InvalidOperationException("cannot find the repository root (MlipEngine.sln) above " + AppContext.BaseDirectory);
        }
    }

    public static string Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        Assert.Fail($"'{name}' is not installed; the C ABI tests need it (Debian: apt-get install {(name == "gfortran" ? "gfortran" : name == "make" ? "make" : "gcc")})");
        return "";
    }

    private static string Build()
    {
        string config = AppContext.BaseDirectory.Contains("/bin/Debug/") ? "Debug" : "Release";
        string managed = Path.Combine(RepoRoot, "src", "MlipEngine.Interop", "bin", config, "net10.0");
        if (!File.Exists(Path.Combine(managed, "MlipEngine.Interop.runtimeconfig.json")))
            Assert.Fail($"{managed} has no MlipEngine.Interop build (build the solution in {config} first)");
        string outDir = Path.Combine(Path.GetTempPath(), "mlip-interop-tests", "libmlip-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(outDir);
        Tool("gcc");
        InteropTestSupport.Run(Tool("make"), ["-s", "-C", Path.Combine(RepoRoot, "src", "native"), "OUT=" + outDir, "MANAGED=" + managed], RepoRoot);
        return outDir;
    }

    /// <summary>Environment for child processes that load libmlip.so (Python's ctypes finds it through MLIP_LIBRARY).</summary>
    public static Dictionary<string, string> Environment_ => new()
    {
        ["MLIP_LIBRARY"] = Path.Combine(Dir, "libmlip.so"),
        ["PYTHONPATH"] = Path.Combine(RepoRoot, "python"),
        ["OMP_NUM_THREADS"] = "1",
    };

    /// <summary>The plain-text input of tests/native/test_mlip.c and the Fortran example.</summary>
    public static void WriteSystems(string path, IReadOnlyList<AtomicStructure> systems)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(systems.Count).Append('\n');
        foreach (var s in systems)
        {
            sb.Append(s.AtomCount).Append('\n');
            var m = s.Cell.Matrix;
            sb.AppendJoin(' ', new[] { m.XX, m.XY, m.XZ, m.YX, m.YY, m.YZ, m.ZX, m.ZY, m.ZZ }.Select(v => v.ToString("R", inv))).Append('\n');
            sb.Append(s.Cell.PeriodicA ? 1 : 0).Append(' ').Append(s.Cell.PeriodicB ? 1 : 0).Append(' ').Append(s.Cell.PeriodicC ? 1 : 0).Append('\n');
            for (int i = 0; i < s.AtomCount; i++)
                sb.Append(s.Numbers[i]).Append(' ').Append(s.Positions[i].X.ToString("R", inv)).Append(' ')
                  .Append(s.Positions[i].Y.ToString("R", inv)).Append(' ').Append(s.Positions[i].Z.ToString("R", inv)).Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reference results: `mlip eval` on the same structures (written as extxyz, full precision).</summary>
    public static List<Frame> EvalReference(string dir, IReadOnlyList<AtomicStructure> systems, string spec)
    {
        string input = Path.Combine(dir, "systems.xyz"), output = Path.Combine(dir, "systems.eval.xyz");
        StructureFile.Write(input, systems.Select(s => new Frame(s)));
        Assert.Equal(0, MlipEngine.Cli.Commands.EvalCommand.Run(spec, input, output, 2, "cpu"));
        return StructureFile.ReadFrames(output).ToList();
    }

    /// <summary>Parses "energy/stress/force" lines and asserts them equal to <paramref name="reference"/> within <paramref name="tolerance"/>.</summary>
    public static void AssertOutputMatches(string output, IReadOnlyList<Frame> reference, double tolerance, int systems)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int s = -1, atom = 0, checkedAtoms = 0;
        foreach (var line in lines)
        {
            var t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double D(int k) => double.Parse(t[k], CultureInfo.InvariantCulture);
            switch (t[0])
            {
                case "energy":
                    s++; atom = 0;
                    Assert.True(Math.Abs(D(1) - reference[s].Energy!.Value) <= tolerance, $"system {s}: energy {D(1)} vs eval {reference[s].Energy}");
                    break;
                case "stress" when reference[s].Stress is double[] st:
                    for (int c = 0; c < 9; c++) Assert.True(Math.Abs(D(c + 1) - st[c]) <= tolerance, $"system {s}: stress[{c}] {D(c + 1)} vs eval {st[c]}");
                    break;
                case "force":
                    var f = reference[s].Forces![atom];
                    Assert.True(Math.Abs(D(1) - f.X) <= tolerance && Math.Abs(D(2) - f.Y) <= tolerance && Math.Abs(D(3) - f.Z) <= tolerance,
                        $"system {s} atom {atom}: force ({D(1)}, {D(2)}, {D(3)}) vs eval {f}");
                    Assert.True(Math.Abs(D(4) - reference[s].AtomEnergies![atom]) <= tolerance, $"system {s} atom {atom}: atom energy");
                    atom++; checkedAtoms++;
                    break;
            }
        }
        Assert.Equal(systems - 1, s);
        Assert.True(checkedAtoms > 0, "no force lines in the output:\n" + output);
    }
}
