using System.Diagnostics;
using BenchmarkDotNet.Running;
using MlipEngine.Bench;

// Usage:
//   dotnet run -c Release -- kernels [BenchmarkDotNet args]     BenchmarkDotNet suite (EAM force, LJ force, neighbor build)
//   dotnet run -c Release -- time STYLE N THREADS REPS [SKIN]    side-by-side timing used by bench/classical/compare_lammps.sh
//   dotnet run -c Release -- opencl eam|lj|mlip REPEAT REPS [DEVICE]  OpenCL vs CPU backend throughput (bench/opencl/README.md)
//   dotnet run -c Release -- gpu eam|lj|mlip REPEAT REPS [OPENCL_DEVICE] [ILGPU_DEVICE]  CPU vs OpenCL vs ILGPU throughput (bench/gpu/run.sh)
//   dotnet run -c Release -- gpu-md eam|lj|mlip REPEAT STEPS [OPENCL_DEVICE] [ILGPU_DEVICE]  NVE MD: CPU vs device-resident OpenCL and ILGPU
//   dotnet run -c Release -- opencl-md eam|lj|mlip REPEAT STEPS [DEVICE]  NVE MD throughput: CPU, OpenCL per-step upload, device-resident
//   dotnet run -c Release -- ilgpu-memory REPEAT [BUDGET_MIB] [ILGPU_DEVICE]  equivariant model on ILGPU: edge chunks, device bytes, call time
//   dotnet run -c Release -- ilgpu-grad FRAMES REPEAT REPS [ILGPU_DEVICE]  training's ∂E/∂θ of a minibatch on ILGPU vs the CPU trainer's dual pass
//   dotnet run -c Release -- ilgpu-list REPEAT REPS [ILGPU_DEVICE]  EAM Cu neighbor-list rebuild: host (build, copy, upload) vs ILGPU device builder
//   dotnet run -c Release -- devices [OPENCL_DEVICE] [ILGPU_DEVICE]  the devices both backends find; "gpu-check" line for bench/gpu/run.sh
//   dotnet run -c Release -- agree [OPENCL_DEVICE] [ILGPU_DEVICE]  forces of every style on ILGPU and OpenCL against the CPU backend
//   dotnet run -c Release -- gp-fit N D                          Gaussian-process surrogate fit and prediction timing (docs/optimize.md)
if (args.Length > 0 && args[0] == "kernels")
{
    BenchmarkSwitcher.FromAssembly(typeof(ClassicalKernels).Assembly).Run(args[1..]);
    return 0;
}
if (args.Length >= 5 && args[0] == "time")
{
    return SideBySide.Run(args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), args.Length > 5 ? double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) : 1.0);
}
if (args.Length >= 4 && args[0] == "opencl")
{
    return OpenClThroughput.Run(args[1], int.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 0);
}
if (args.Length >= 4 && args[0] == "opencl-md")
{
    return OpenClMdThroughput.Run(args[1], int.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 0);
}
if (args.Length >= 4 && args[0] == "gpu-md")
{
    return GpuThroughput.Run(args[1], int.Parse(args[2]), 1, args.Length > 4 ? int.Parse(args[4]) : 0, args.Length > 5 ? int.Parse(args[5]) : 0, mdSteps: int.Parse(args[3]));
}
if (args.Length >= 4 && args[0] == "gpu")
{
    return GpuThroughput.Run(args[1], int.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 0, args.Length > 5 ? int.Parse(args[5]) : 0);
}
if (args.Length >= 2 && args[0] == "ilgpu-memory")
{
    return GpuThroughput.Memory(int.Parse(args[1]), args.Length > 2 ? int.Parse(args[2]) : 0, args.Length > 3 ? int.Parse(args[3]) : 0);
}
if (args.Length >= 4 && args[0] == "ilgpu-grad")
{
    return GpuThroughput.Gradient(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 0);
}
if (args.Length >= 3 && args[0] == "ilgpu-list")
{
    return GpuThroughput.ListBuild(int.Parse(args[1]), int.Parse(args[2]), args.Length > 3 ? int.Parse(args[3]) : 0);
}
if (args.Length >= 1 && args[0] == "agree")
{
    return GpuAgreement.Run(args.Length > 1 ? int.Parse(args[1]) : 0, args.Length > 2 ? int.Parse(args[2]) : 0);
}
if (args.Length >= 1 && args[0] == "devices")
{
    return GpuThroughput.Devices(args.Length > 1 ? int.Parse(args[1]) : 0, args.Length > 2 ? int.Parse(args[2]) : 0);
}
if (args.Length >= 3 && args[0] == "gp-fit")
{
    return GpFitTiming.Run(int.Parse(args[1]), int.Parse(args[2]));
}
Console.Error.WriteLine("usage: gp-fit N D | kernels [...] | time eam|lj REPEAT THREADS REPS [SKIN] | opencl eam|lj|mlip REPEAT REPS [DEVICE] | opencl-md eam|lj|mlip REPEAT STEPS [DEVICE] | gpu eam|lj|mlip REPEAT REPS [OPENCL_DEVICE] [ILGPU_DEVICE] | gpu-md eam|lj|mlip REPEAT STEPS [OPENCL_DEVICE] [ILGPU_DEVICE]");
return 2;
