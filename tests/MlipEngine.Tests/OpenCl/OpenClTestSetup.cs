using System.Runtime.CompilerServices;
using MlipEngine.Backends.OpenCl;

namespace MlipEngine.Tests.OpenCl;

internal static class OpenClTestSetup
{
    /// <summary>
    /// Registers the OpenCL computers before any test data is enumerated (theory data of the
    /// conformance and golden suites lists OpenCl only when it is registered). Registration does not
    /// touch the runtime; tests that then run on OpenCl need an ICD (CI installs PoCL).
    /// </summary>
    [ModuleInitializer]
    internal static void RegisterOpenCl() => OpenClBackend.Register();
}
