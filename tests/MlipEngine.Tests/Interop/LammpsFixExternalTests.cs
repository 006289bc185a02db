using Xunit;
using static MlipEngine.Tests.Interop.InteropTestSupport;

namespace MlipEngine.Tests.Interop;

/// <summary>LAMMPS (Debian python3-lammps) runs NVE with forces from our potential through fix external.</summary>
public class LammpsFixExternalTests
{
    /// <summary>
    /// The forces LAMMPS received at its last step equal `mlip eval` on the same configuration
    /// (1e-10 absolute: same kernels; LAMMPS may hold positions slightly outside the box, which
    /// the engine handles as unwrapped positions). The script also checks NVE conservation and
    /// that LAMMPS' thermo pe is our energy.
    /// </summary>
    [Fact]
    public void LammpsNve_ForcesEqualEval()
    {
        RequireFile(Python, "install Debian's python3-ase (.ci/run does this)");
        RequireFile("/usr/lib/python3/dist-packages/lammps/core.py", "install Debian's python3-lammps (apt-get install python3-lammps; .ci/run does this)");
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string dir = TempDir();
        Run(Python, [Path.Combine(TestDataDir, "lammps_fix_external_check.py"), CuNiSpec, dir], dir, NativeLibrary.Environment_);
        Assert.Equal(1, AssertLabelsEqualEval(Path.Combine(dir, "lammps_last.xyz"), CuNiSpec, 1e-10));
    }
}
