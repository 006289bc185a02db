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
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string lib = NativeLibrary.Dir, dir = TempDir();
        string exe = Path.Combine(dir, "test_mlip"), input = Path.Combine(dir, "systems.txt");
        Run(NativeLibrary.Tool("gcc"), ["-O2", "-Wall", "-Werror", "-I" + Path.Combine(NativeLibrary.RepoRoot, "src", "native", "include"),
            "-o", exe, Path.Combine(NativeLibrary.RepoRoot, "tests", "native", "test_mlip.c"), "-L" + lib, "-lmlip", "-Wl,-rpath," + lib, "-lm"], dir);
        NativeLibrary.WriteSystems(input, Systems);
        var reference = NativeLibrary.EvalReference(dir, Systems, CuNiSpec);
        string output = Run(exe, [CuNiSpec, input], dir);
        NativeLibrary.AssertOutputMatches(output, reference, 1e-10, Systems.Length);
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
