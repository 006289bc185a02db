using MlipEngine.IO;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;
using static MlipEngine.Tests.Interop.InteropTestSupport;

namespace MlipEngine.Tests.Interop;

/// <summary>
/// The C ABI from C and Fortran programs compiled here with gcc/gfortran against libmlip.so:
/// same numbers as `mlip eval`. Tolerance 1e-10 (absolute): the same kernels run on the same
/// doubles; only the neighbor-list skin (summation order) differs, ~1e-14 here.
/// </summary>
public class CAbiTests
{
    private static readonly AtomicStructure[] Systems =
    [
        Samples.Periodic(["Cu", "Ni"], 3.58, seed: 11),
        Samples.Cluster(["Cu", "Ni"], 3.58, seed: 12),
    ];

    [Fact]
    public void CProgram_MatchesEval_SingleAndBatched()
    {
        var (dir, exe, input, reference) = CompileCProgram();
        string output = Run(exe, [CuNiSpec, input], dir);
        NativeLibrary.AssertOutputMatches(output, reference, 1e-10, Systems.Length);
    }

    /// <summary>
    /// The C ABI on OpenCL (PoCL here) through mlip_create_on: the device kernels give `mlip eval`'s CPU
    /// numbers — fp64 to 1e-9 (other summation order on the device), fp32 to 5e-3 eV, eV/Å (single
    /// precision pair terms on ~−130 eV system energies: 1e-5 relative, as the OpenCL kernel tests).
    /// </summary>
    [Theory]
    [InlineData("opencl", "float64", 1e-9)]
    [InlineData("opencl:0", "float32", 5e-3)]
    public void CProgram_OnOpenCl_MatchesEval(string device, string precision, double tolerance)
    {
        var (dir, exe, input, reference) = CompileCProgram();
        string output = Run(exe, [CuNiSpec, input, "0", device, precision], dir);
        NativeLibrary.AssertOutputMatches(output, reference, tolerance, Systems.Length);
    }

    /// <summary>Builds tests/native/test_mlip.c against libmlip, writes the systems and their `mlip eval` reference.</summary>
    private static (string Dir, string Exe, string Input, List<Frame> Reference) CompileCProgram()
    {
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string lib = NativeLibrary.Dir, dir = TempDir();
        string exe = Path.Combine(dir, "test_mlip"), input = Path.Combine(dir, "systems.txt");
        Run(NativeLibrary.Tool("gcc"), ["-O2", "-Wall", "-Werror", "-I" + Path.Combine(NativeLibrary.RepoRoot, "src", "native", "include"),
            "-o", exe, Path.Combine(NativeLibrary.RepoRoot, "tests", "native", "test_mlip.c"), "-L" + lib, "-lmlip", "-Wl,-rpath," + lib, "-lm"], dir);
        NativeLibrary.WriteSystems(input, Systems);
        var reference = NativeLibrary.EvalReference(dir, Systems, CuNiSpec);
        return (dir, exe, input, reference);
    }

    [Fact]
    public void FortranExample_MatchesEval()
    {
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string lib = NativeLibrary.Dir, dir = TempDir();
        string exe = Path.Combine(dir, "mlip_example"), input = Path.Combine(dir, "systems.txt");
        Run(NativeLibrary.Tool("gfortran"), ["-O2", "-J", dir, "-o", exe, Path.Combine(NativeLibrary.RepoRoot, "examples", "fortran", "mlip_example.f90"),
            "-L" + lib, "-lmlip", "-Wl,-rpath," + lib], dir);
        NativeLibrary.WriteSystems(input, Systems[..1]);
        var reference = NativeLibrary.EvalReference(dir, Systems[..1], CuNiSpec);
        string output = Run(exe, [CuNiSpec, input], dir);
        NativeLibrary.AssertOutputMatches(output, reference, 1e-10, 1);
    }
}
