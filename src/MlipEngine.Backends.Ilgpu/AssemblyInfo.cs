using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MlipEngine.Tests")]
[assembly: InternalsVisibleTo("MlipEngine.Bench")]
// ILGPU's CPU accelerator emits a dynamic assembly that instantiates the (internal) kernel parameter structs
[assembly: InternalsVisibleTo("ILGPURuntime")]
