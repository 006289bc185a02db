namespace MlipEngine.Tests;

/// <summary>
/// The catalogue the tests bind force fields through: the default composition (built-in styles;
/// Reference, Cpu, and OpenCL found beside the test assembly through its ComputeBackend attribute),
/// exactly what the CLI and the C ABI use. Tests that then run on OpenCL need an ICD (CI installs PoCL).
/// </summary>
internal static class TestCatalog
{
    public static ForceFieldCatalog Instance { get; } = ForceFieldCatalog.CreateDefault();
}
