using System.Diagnostics;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.IO;

/// <summary>Temp directories, Debian's ASE via /usr/bin/python3, and exact frame comparisons.</summary>
internal static class IoTestUtil
{
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mlip-io-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs an inline Python script in <paramref name="workDir"/> and returns its stdout; fails the test on error.</summary>
    public static string RunPython(string workDir, string script)
    {
        var path = Path.Combine(workDir, "script.py");
        File.WriteAllText(path, script);
        var psi = new ProcessStartInfo("/usr/bin/python3") { WorkingDirectory = workDir };
        psi.ArgumentList.Add(path);
        var (code, stdout, stderr) = ChildProcess.Run(psi);
        Assert.True(code == 0, $"python failed ({code}):\n{stderr}\n{stdout}");
        return stdout;
    }

    /// <summary>A small random triclinic structure with reproducible values that are not short decimals.</summary>
    public static AtomicStructure RandomStructure(int seed, int atoms = 5, bool periodic = true)
    {
        var rng = new Random(seed);
        int[] zs = [29, 28, 13, 1, 8];
        var numbers = new int[atoms];
        var pos = new Vec3[atoms];
        for (int i = 0; i < atoms; i++)
        {
            numbers[i] = zs[rng.Next(zs.Length)];
            pos[i] = new Vec3(rng.NextDouble() * 5, rng.NextDouble() * 5, rng.NextDouble() * 5);
        }
        var cell = periodic
            ? new Cell(new Mat3(5 + rng.NextDouble(), 0.3 * rng.NextDouble(), 0.1 * rng.NextDouble(),
                                0.2 * rng.NextDouble(), 5 + rng.NextDouble(), 0.4 * rng.NextDouble(),
                                0.3 * rng.NextDouble(), 0.2 * rng.NextDouble(), 5 + rng.NextDouble()))
            : Cell.Open;
        return new AtomicStructure(numbers, pos, cell);
    }

    public static Vec3[] RandomVectors(int seed, int n, double scale)
    {
        var rng = new Random(seed);
        var v = new Vec3[n];
        for (int i = 0; i < n; i++) v[i] = new Vec3((rng.NextDouble() - 0.5) * scale, (rng.NextDouble() - 0.5) * scale, (rng.NextDouble() - 0.5) * scale);
        return v;
    }

    public static void AssertStructuresExactlyEqual(AtomicStructure expected, AtomicStructure actual)
    {
        Assert.Equal(expected.Numbers, actual.Numbers);
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.Cell, actual.Cell);
        Assert.Equal(expected.Masses, actual.Masses);
        Assert.Equal(expected.Velocities, actual.Velocities);
    }

    public static StructureFormatException AssertFormatError(Action read, string expectedMessageFragment)
    {
        var ex = Assert.Throws<StructureFormatException>(read);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains(expectedMessageFragment, ex.Message);
        return ex;
    }
}
