using MlipEngine.ForceFields;
using MlipEngine.Workflows.Properties;

namespace MlipEngine.Tests.Properties;

/// <summary>EAM Cu (potentials/cu-u3-eam.yaml, Debian's Cu_u3.eam) bound on the Cpu backend, for the properties tests.</summary>
internal static class CuEam
{
    public static string Spec => Path.Combine(MlipEngine.Tests.Interop.NativeLibrary.RepoRoot, "potentials", "cu-u3-eam.yaml");

    public static IForceComputer Bind(int threads = 1)
    {
        MlipEngine.Tests.Support.GoldenFiles.LammpsPotential("Cu_u3.eam");
        return TestCatalog.Instance.LoadAndBind(Spec, new ComputeOptions { Backend = Backend.Cpu, Threads = threads });
    }

    /// <summary>Cu_u3's zero-pressure lattice constant (LAMMPS box/relax, golden/in.properties), Å.</summary>
    public const double A0 = 3.6149999758;
}
