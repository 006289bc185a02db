using System.Reflection;
using System.Runtime.InteropServices;

namespace MlipEngine.Backends.OpenCl.Native;

/// <summary>
/// Thin P/Invoke binding to the OpenCL ICD loader (<c>libOpenCL.so.1</c> on Linux, <c>OpenCL.dll</c>
/// on Windows, the OpenCL framework on macOS): only the entry points this backend uses. Handles are
/// raw <see cref="IntPtr"/> here; <see cref="ClHandles"/> wraps the ones we own in SafeHandles.
/// </summary>
internal static unsafe partial class Cl
{
    private const string Lib = "OpenCL";

    static Cl()
    {
        NativeLibrary.SetDllImportResolver(typeof(Cl).Assembly, Resolve);
    }

    /// <summary>Maps the logical name to the platform's loader; tries the versioned soname first.</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        string[] candidates = OperatingSystem.IsWindows() ? ["OpenCL.dll"]
            : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL"]
            : ["libOpenCL.so.1", "libOpenCL.so"];
        foreach (var c in candidates)
            if (NativeLibrary.TryLoad(c, assembly, path, out var h)) return h;
        return IntPtr.Zero;   // → DllNotFoundException, turned into a clear message by OpenClRuntime
    }

    // cl_platform_info / cl_device_info / cl_program_info / build info
    public const uint PLATFORM_VERSION = 0x0901, PLATFORM_NAME = 0x0902, PLATFORM_VENDOR = 0x0903;
    public const uint DEVICE_TYPE = 0x1000, DEVICE_MAX_COMPUTE_UNITS = 0x1002, DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
        DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, DEVICE_GLOBAL_MEM_SIZE = 0x101F, DEVICE_MAX_CONSTANT_BUFFER_SIZE = 0x1020,
        DEVICE_LOCAL_MEM_SIZE = 0x1023, DEVICE_NAME = 0x102B, DEVICE_VENDOR = 0x102C, DRIVER_VERSION = 0x102D,
        DEVICE_VERSION = 0x102F, DEVICE_EXTENSIONS = 0x1030, DEVICE_DOUBLE_FP_CONFIG = 0x1032;
    public const ulong DEVICE_TYPE_CPU = 2, DEVICE_TYPE_GPU = 4, DEVICE_TYPE_ACCELERATOR = 8, DEVICE_TYPE_ALL = 0xFFFFFFFF;
    public const ulong MEM_READ_WRITE = 1, MEM_WRITE_ONLY = 2, MEM_READ_ONLY = 4;
    public const uint PROGRAM_BINARY_SIZES = 0x1165, PROGRAM_BINARIES = 0x1166, PROGRAM_BUILD_LOG = 0x1183;

    [DllImport(Lib)] public static extern int clGetPlatformIDs(uint numEntries, IntPtr* platforms, uint* numPlatforms);
    [DllImport(Lib)] public static extern int clGetPlatformInfo(IntPtr platform, uint param, nuint size, void* value, nuint* sizeRet);
    [DllImport(Lib)] public static extern int clGetDeviceIDs(IntPtr platform, ulong type, uint numEntries, IntPtr* devices, uint* numDevices);
    [DllImport(Lib)] public static extern int clGetDeviceInfo(IntPtr device, uint param, nuint size, void* value, nuint* sizeRet);
    [DllImport(Lib)] public static extern IntPtr clCreateContext(IntPtr* properties, uint numDevices, IntPtr* devices, IntPtr notify, IntPtr userData, int* err);
    [DllImport(Lib)] public static extern IntPtr clCreateCommandQueueWithProperties(IntPtr context, IntPtr device, ulong* properties, int* err);
    [DllImport(Lib)] public static extern IntPtr clCreateCommandQueue(IntPtr context, IntPtr device, ulong properties, int* err);
    [DllImport(Lib)] public static extern IntPtr clCreateBuffer(IntPtr context, ulong flags, nuint size, void* hostPtr, int* err);
    [DllImport(Lib)] public static extern int clEnqueueWriteBuffer(IntPtr queue, IntPtr buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, IntPtr* waitList, IntPtr* evt);
    [DllImport(Lib)] public static extern int clEnqueueReadBuffer(IntPtr queue, IntPtr buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, IntPtr* waitList, IntPtr* evt);
    [DllImport(Lib)] public static extern int clEnqueueFillBuffer(IntPtr queue, IntPtr buffer, void* pattern, nuint patternSize, nuint offset, nuint size, uint numEvents, IntPtr* waitList, IntPtr* evt);
    [DllImport(Lib)] public static extern IntPtr clCreateProgramWithSource(IntPtr context, uint count, byte** strings, nuint* lengths, int* err);
    [DllImport(Lib)] public static extern IntPtr clCreateProgramWithBinary(IntPtr context, uint numDevices, IntPtr* devices, nuint* lengths, byte** binaries, int* binaryStatus, int* err);
    [DllImport(Lib)] public static extern int clBuildProgram(IntPtr program, uint numDevices, IntPtr* devices, byte* options, IntPtr notify, IntPtr userData);
    [DllImport(Lib)] public static extern int clGetProgramBuildInfo(IntPtr program, IntPtr device, uint param, nuint size, void* value, nuint* sizeRet);
    [DllImport(Lib)] public static extern int clGetProgramInfo(IntPtr program, uint param, nuint size, void* value, nuint* sizeRet);
    [DllImport(Lib)] public static extern IntPtr clCreateKernel(IntPtr program, byte* name, int* err);
    [DllImport(Lib)] public static extern int clSetKernelArg(IntPtr kernel, uint index, nuint size, void* value);
    [DllImport(Lib)] public static extern int clEnqueueNDRangeKernel(IntPtr queue, IntPtr kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, IntPtr* waitList, IntPtr* evt);
    [DllImport(Lib)] public static extern int clFinish(IntPtr queue);
    [DllImport(Lib)] public static extern int clReleaseMemObject(IntPtr mem);
    [DllImport(Lib)] public static extern int clReleaseKernel(IntPtr kernel);
    [DllImport(Lib)] public static extern int clReleaseProgram(IntPtr program);
    [DllImport(Lib)] public static extern int clReleaseCommandQueue(IntPtr queue);
    [DllImport(Lib)] public static extern int clReleaseContext(IntPtr context);
}
