using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using MlipEngine.Backends.OpenCl.Native;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// An OpenCL context on one device, shared by every computer bound to that device for the life of
/// the process, with the programs compiled for it. Compiled programs are cached twice: in memory
/// (per context, keyed by the program hash) so computers and tests share them, and on disk as device
/// binaries so a new process skips the compiler (PoCL takes seconds per program).
/// </summary>
public sealed unsafe class OpenClContext
{
    private static readonly ConcurrentDictionary<int, Lazy<OpenClContext>> Shared = new();
    private readonly ConcurrentDictionary<string, Lazy<OpenClProgram>> _programs = new();
    internal readonly ClContextHandle Handle;

    private OpenClContext(OpenClDeviceInfo device)
    {
        Device = device;
        var props = stackalloc IntPtr[3] { (IntPtr)0x1084 /* CL_CONTEXT_PLATFORM */, device.Platform, IntPtr.Zero };
        IntPtr dev = device.Device;
        int err;
        var h = Cl.clCreateContext(props, 1, &dev, IntPtr.Zero, IntPtr.Zero, &err);
        OpenClException.Check(err, "clCreateContext");
        Handle = new ClContextHandle(h);
    }

    public OpenClDeviceInfo Device { get; }

    /// <summary>The process-wide context of device <paramref name="index"/> (created on first use).</summary>
    public static OpenClContext ForDevice(int index)
    {
        var info = OpenClRuntime.Device(index);
        return Shared.GetOrAdd(index, _ => new Lazy<OpenClContext>(() => new OpenClContext(info))).Value;
    }

    /// <summary>An in-order command queue on this device (one per computer, so computers on different threads never interleave).</summary>
    public OpenClQueue CreateQueue() => new(this);

    /// <summary>Where compiled binaries are cached: $MLIP_OPENCL_CACHE, else $XDG_CACHE_HOME/mlip/opencl, else ~/.cache/mlip/opencl.</summary>
    public static string CacheDirectory
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("MLIP_OPENCL_CACHE");
            if (!string.IsNullOrEmpty(env)) return env;
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "mlip", "opencl");
        }
    }

    /// <summary>
    /// The program built from the embedded kernel files <paramref name="files"/> (in order) with a
    /// generated header prepended: the fp64 pragma when the device has fp64, <c>#define</c>s for the
    /// precision (<c>real</c> = double|float, <c>acc_t</c> the accumulation type) and the given sizes.
    /// </summary>
    public OpenClProgram GetProgram(bool fp64Compute, IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? defines = null)
    {
        return GetProgramFromSource(ComposeSource(fp64Compute, files, defines));
    }

    /// <summary>The program built from complete OpenCL C source (no header added), through the same caches.</summary>
    public OpenClProgram GetProgramFromSource(string source)
    {
        const string options = "-cl-std=CL1.2";
        string key = CacheKey(source, options);
        return _programs.GetOrAdd(key, k => new Lazy<OpenClProgram>(() => OpenClProgram.Build(this, source, options, k))).Value;
    }

    /// <summary>sha256 of source, build options, device name, driver and platform version: the disk-cache file name.</summary>
    internal string CacheKey(string source, string options) =>
        Hash(source + "\0" + options + "\0" + Device.Name + "\0" + Device.DriverVersion + "\0" + Device.PlatformVersion);

    internal string ComposeSource(bool fp64Compute, IReadOnlyList<string> files, IReadOnlyDictionary<string, string>? defines)
    {
        if (fp64Compute && !Device.SupportsFp64)
            throw new OpenClUnavailableException($"OpenCL device {Device.Index} ({Device.Name}) has no fp64 support: use precision float32");
        var sb = new StringBuilder();
        sb.Append("// generated header (MlipEngine.Backends.OpenCl)\n");
        if (Device.SupportsFp64) sb.Append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n#define HAVE_FP64 1\n");
        sb.Append(fp64Compute ? "#define real double\n#define REAL_IS_DOUBLE 1\n" : "#define real float\n#define REAL_IS_DOUBLE 0\n");
        // accumulation (energies, forces, virial, densities) in fp64 whenever the device has it
        sb.Append(Device.SupportsFp64 ? "#define acc_t double\n" : "#define acc_t float\n");
        if (defines != null)
            foreach (var (name, value) in defines.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.Append("#define ").Append(name).Append(' ').Append(value).Append('\n');
        foreach (var f in files)
        {
            sb.Append("// ---- kernels/").Append(f).Append('\n');
            sb.Append(KernelSource(f)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The text of an embedded kernel file from kernels/.</summary>
    public static string KernelSource(string file)
    {
        var asm = typeof(OpenClContext).Assembly;
        using var s = asm.GetManifestResourceStream("kernels/" + file)
            ?? throw new InvalidOperationException($"kernel source kernels/{file} is not embedded in {asm.GetName().Name}");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>An in-order command queue.</summary>
public sealed unsafe class OpenClQueue : IDisposable
{
    internal readonly ClQueueHandle Handle;

    internal OpenClQueue(OpenClContext context)
    {
        Context = context;
        int err;
        IntPtr h;
        try { h = Cl.clCreateCommandQueueWithProperties(context.Handle.DangerousGetHandle(), context.Device.Device, null, &err); }
        catch (EntryPointNotFoundException)   // OpenCL 1.x loader
        {
#pragma warning disable CS0618
            h = Cl.clCreateCommandQueue(context.Handle.DangerousGetHandle(), context.Device.Device, 0, &err);
#pragma warning restore CS0618
        }
        OpenClException.Check(err, "clCreateCommandQueueWithProperties");
        Handle = new ClQueueHandle(h);
    }

    public OpenClContext Context { get; }

    public void Finish() => OpenClException.Check(Cl.clFinish(Handle.DangerousGetHandle()), "clFinish");

    public void Dispose() => Handle.Dispose();
}
