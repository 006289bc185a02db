using System.Text;
using MlipEngine.Backends.OpenCl.Native;

namespace MlipEngine.Backends.OpenCl;

/// <summary>Kind of an OpenCL device.</summary>
public enum OpenClDeviceType { Cpu, Gpu, Accelerator, Other }

/// <summary>One OpenCL device as the loader reports it. <see cref="Index"/> is what <c>--device opencl:INDEX</c> selects.</summary>
public sealed record OpenClDeviceInfo(
    int Index, string PlatformName, string PlatformVersion, string Name, string Vendor, string DriverVersion, string DeviceVersion,
    OpenClDeviceType Type, int ComputeUnits, long GlobalMemoryBytes, long LocalMemoryBytes, long MaxAllocationBytes,
    long MaxConstantBufferBytes, int MaxWorkGroupSize, bool SupportsFp64)
{
    internal IntPtr Platform { get; init; }
    internal IntPtr Device { get; init; }

    public override string ToString() =>
        $"[{Index}] {Name} ({Type}, {PlatformName}, driver {DriverVersion}): {ComputeUnits} compute units, " +
        $"{GlobalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB global, {LocalMemoryBytes / 1024} KiB local, fp64 {(SupportsFp64 ? "yes" : "no")}";
}

/// <summary>Device discovery: every device of every platform, in loader order, with a clear message when there is no runtime.</summary>
public static unsafe class OpenClRuntime
{
    public const string NoRuntimeMessage =
        "no OpenCL runtime found: install an ICD, e.g. Debian pocl-opencl-icd, or your GPU vendor's driver";

    private static IReadOnlyList<OpenClDeviceInfo>? _devices;
    private static readonly object Gate = new();

    /// <summary>All devices. Throws <see cref="OpenClUnavailableException"/> when no loader or no platform is installed.</summary>
    public static IReadOnlyList<OpenClDeviceInfo> Devices()
    {
        lock (Gate) return _devices ??= Discover();
    }

    /// <summary>The device at <paramref name="index"/>, or a message listing the ones that exist.</summary>
    public static OpenClDeviceInfo Device(int index)
    {
        var all = Devices();
        if ((uint)index >= (uint)all.Count)
            throw new OpenClUnavailableException($"no OpenCL device {index}: this machine has {all.Count} ({string.Join("; ", all.Select(d => $"{d.Index}: {d.Name}"))})");
        return all[index];
    }

    /// <summary>True when at least one device exists (never throws).</summary>
    public static bool IsAvailable(out string reason)
    {
        try { reason = ""; return Devices().Count > 0; }
        catch (OpenClUnavailableException e) { reason = e.Message; return false; }
    }

    private static IReadOnlyList<OpenClDeviceInfo> Discover()
    {
        uint np;
        int st;
        try { st = Cl.clGetPlatformIDs(0, null, &np); }
        catch (DllNotFoundException) { throw new OpenClUnavailableException(NoRuntimeMessage); }
        catch (EntryPointNotFoundException) { throw new OpenClUnavailableException(NoRuntimeMessage + " (the OpenCL library found lacks clGetPlatformIDs)"); }
        if (st == -1001 || (st == 0 && np == 0))
            throw new OpenClUnavailableException(NoRuntimeMessage + " (the loader libOpenCL is installed but no platform/ICD is registered)");
        OpenClException.Check(st, "clGetPlatformIDs");
        var platforms = new IntPtr[np];
        fixed (IntPtr* p = platforms) OpenClException.Check(Cl.clGetPlatformIDs(np, p, null), "clGetPlatformIDs");
        var list = new List<OpenClDeviceInfo>();
        foreach (var platform in platforms)
        {
            uint nd;
            st = Cl.clGetDeviceIDs(platform, Cl.DEVICE_TYPE_ALL, 0, null, &nd);
            if (st == -1 || nd == 0) continue;   // CL_DEVICE_NOT_FOUND: platform without devices
            OpenClException.Check(st, "clGetDeviceIDs");
            var devices = new IntPtr[nd];
            fixed (IntPtr* d = devices) OpenClException.Check(Cl.clGetDeviceIDs(platform, Cl.DEVICE_TYPE_ALL, nd, d, null), "clGetDeviceIDs");
            string pname = PlatformString(platform, Cl.PLATFORM_NAME), pver = PlatformString(platform, Cl.PLATFORM_VERSION);
            foreach (var dev in devices)
            {
                ulong type = DeviceScalar<ulong>(dev, Cl.DEVICE_TYPE);
                string ext = DeviceString(dev, Cl.DEVICE_EXTENSIONS);
                bool fp64 = DeviceScalar<ulong>(dev, Cl.DEVICE_DOUBLE_FP_CONFIG) != 0 || ext.Contains("cl_khr_fp64", StringComparison.Ordinal);
                list.Add(new OpenClDeviceInfo(
                    list.Count, pname, pver, DeviceString(dev, Cl.DEVICE_NAME).Trim(), DeviceString(dev, Cl.DEVICE_VENDOR).Trim(),
                    DeviceString(dev, Cl.DRIVER_VERSION).Trim(), DeviceString(dev, Cl.DEVICE_VERSION).Trim(),
                    (type & Cl.DEVICE_TYPE_GPU) != 0 ? OpenClDeviceType.Gpu : (type & Cl.DEVICE_TYPE_CPU) != 0 ? OpenClDeviceType.Cpu
                        : (type & Cl.DEVICE_TYPE_ACCELERATOR) != 0 ? OpenClDeviceType.Accelerator : OpenClDeviceType.Other,
                    (int)DeviceScalar<uint>(dev, Cl.DEVICE_MAX_COMPUTE_UNITS), (long)DeviceScalar<ulong>(dev, Cl.DEVICE_GLOBAL_MEM_SIZE),
                    (long)DeviceScalar<ulong>(dev, Cl.DEVICE_LOCAL_MEM_SIZE), (long)DeviceScalar<ulong>(dev, Cl.DEVICE_MAX_MEM_ALLOC_SIZE),
                    (long)DeviceScalar<ulong>(dev, Cl.DEVICE_MAX_CONSTANT_BUFFER_SIZE), (int)DeviceScalar<nuint>(dev, Cl.DEVICE_MAX_WORK_GROUP_SIZE), fp64)
                { Platform = platform, Device = dev });
            }
        }
        if (list.Count == 0) throw new OpenClUnavailableException(NoRuntimeMessage + " (platforms exist but report no devices)");
        return list;
    }

    private static string PlatformString(IntPtr platform, uint param)
    {
        nuint size;
        OpenClException.Check(Cl.clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var buf = new byte[(int)size];
        fixed (byte* b = buf) OpenClException.Check(Cl.clGetPlatformInfo(platform, param, size, b, null), "clGetPlatformInfo");
        return Encoding.UTF8.GetString(buf).TrimEnd('\0');
    }

    internal static string DeviceString(IntPtr device, uint param)
    {
        nuint size;
        OpenClException.Check(Cl.clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var buf = new byte[(int)size];
        fixed (byte* b = buf) OpenClException.Check(Cl.clGetDeviceInfo(device, param, size, b, null), "clGetDeviceInfo");
        return Encoding.UTF8.GetString(buf).TrimEnd('\0');
    }

    private static T DeviceScalar<T>(IntPtr device, uint param) where T : unmanaged
    {
        T value = default;
        int st = Cl.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null);
        return st == 0 ? value : default;   // optional queries (e.g. fp64 config on 1.1 devices) read as 0
    }
}
