using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;
using static MlipEngine.Tests.Interop.InteropTestSupport;

namespace MlipEngine.Tests.Interop;

/// <summary>python/mlip_ase.py (ctypes over libmlip.so) inside Debian's ASE.</summary>
public class PythonCalculatorTests
{
    /// <summary>
    /// Values equal `mlip eval` (1e-10 absolute: same kernels, same doubles; ASE's extxyz reader
    /// parses our full-precision output exactly). The script also asserts ASE's numerical force
    /// and stress checks, NVE energy conservation and FIRE convergence.
    /// </summary>
    [Fact]
    public void AseCalculator_MatchesEval_PassesNumericalChecks_RunsMdAndFire()
    {
        RequireFile(Python, "install Debian's python3-ase (.ci/run does this)");
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string dir = TempDir();
        AtomicStructure[] systems = [Samples.Periodic(["Cu", "Ni"], 3.58, seed: 21), Samples.Cluster(["Cu", "Ni"], 3.58, seed: 22)];
        var reference = NativeLibrary.EvalReference(dir, systems, CuNiSpec);
        string output = Run(Python, [Path.Combine(TestDataDir, "ase_calculator_check.py"), CuNiSpec, Path.Combine(dir, "systems.xyz")], dir, NativeLibrary.Environment_);
        NativeLibrary.AssertOutputMatches(output, reference, 1e-10, systems.Length);
    }
}
