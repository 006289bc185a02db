using System.Text;
using MlipEngine.Backends.OpenCl.Native;

namespace MlipEngine.Backends.OpenCl;

/// <summary>A built program; kernels are created from it per computer (kernel objects hold arguments, so they are not shared).</summary>
public sealed unsafe class OpenClProgram
{
    internal readonly ClProgramHandle Handle;

    private OpenClProgram(ClProgramHandle handle, bool fromCache) { Handle = handle; FromDiskCache = fromCache; }

    /// <summary>True when the program was loaded from the on-disk binary cache (no compiler run).</summary>
    public bool FromDiskCache { get; }

    public OpenClKernel CreateKernel(string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        int err;
        IntPtr k;
        fixed (byte* b = bytes) k = Cl.clCreateKernel(Handle.DangerousGetHandle(), b, &err);
        OpenClException.Check(err, $"clCreateKernel({name})");
        return new OpenClKernel(new ClKernelHandle(k), name);
    }

    internal static OpenClProgram Build(OpenClContext context, string source, string options, string key)
    {
        string path = Path.Combine(OpenClContext.CacheDirectory, key + ".bin");
        if (File.Exists(path))
        {
            try
            {
                var cached = FromBinary(context, File.ReadAllBytes(path), options);
                if (cached != null) return cached;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        var program = FromSource(context, source, options);
        try { SaveBinary(program, path); }
        catch (IOException) { }            // a read-only or full cache only costs the next start-up a compile
        catch (UnauthorizedAccessException) { }
        return program;
    }

    private static OpenClProgram FromSource(OpenClContext context, string source, string options)
    {
        var src = Encoding.UTF8.GetBytes(source);
        int err;
        IntPtr p;
        fixed (byte* s = src)
        {
            byte* strings = s;
            nuint length = (nuint)src.Length;
            p = Cl.clCreateProgramWithSource(context.Handle.DangerousGetHandle(), 1, &strings, &length, &err);
        }
        OpenClException.Check(err, "clCreateProgramWithSource");
        var handle = new ClProgramHandle(p);
        int st = BuildProgram(handle, context.Device.Device, options);
        if (st != 0)
        {
            string log = BuildLog(handle, context.Device.Device);
            handle.Dispose();
            throw new OpenClBuildException($"OpenCL kernel build failed on {context.Device.Name}: {OpenClException.ErrorName(st)}; build log:", log);
        }
        return new OpenClProgram(handle, fromCache: false);
    }

    private static OpenClProgram? FromBinary(OpenClContext context, byte[] binary, string options)
    {
        int err, status;
        IntPtr p;
        IntPtr dev = context.Device.Device;
        fixed (byte* b = binary)
        {
            byte* bins = b;
            nuint length = (nuint)binary.Length;
            p = Cl.clCreateProgramWithBinary(context.Handle.DangerousGetHandle(), 1, &dev, &length, &bins, &status, &err);
        }
        if (err != 0 || status != 0) return null;   // stale or foreign binary: rebuild from source
        var handle = new ClProgramHandle(p);
        if (BuildProgram(handle, dev, options) != 0) { handle.Dispose(); return null; }
        return new OpenClProgram(handle, fromCache: true);
    }

    private static int BuildProgram(ClProgramHandle program, IntPtr device, string options)
    {
        var opt = Encoding.ASCII.GetBytes(options + "\0");
        fixed (byte* o = opt) return Cl.clBuildProgram(program.DangerousGetHandle(), 1, &device, o, IntPtr.Zero, IntPtr.Zero);
    }

    internal static string BuildLog(ClProgramHandle program, IntPtr device)
    {
        nuint size;
        if (Cl.clGetProgramBuildInfo(program.DangerousGetHandle(), device, Cl.PROGRAM_BUILD_LOG, 0, null, &size) != 0) return "(no build log)";
        var buf = new byte[(int)size];
        fixed (byte* b = buf) Cl.clGetProgramBuildInfo(program.DangerousGetHandle(), device, Cl.PROGRAM_BUILD_LOG, size, b, null);
        return Encoding.UTF8.GetString(buf).TrimEnd('\0', '\n');
    }

    private static void SaveBinary(OpenClProgram program, string path)
    {
        nuint size;
        OpenClException.Check(Cl.clGetProgramInfo(program.Handle.DangerousGetHandle(), Cl.PROGRAM_BINARY_SIZES, (nuint)sizeof(nuint), &size, null), "clGetProgramInfo");
        if (size == 0) return;
        var bin = new byte[(int)size];
        fixed (byte* b = bin)
        {
            byte* ptr = b;
            OpenClException.Check(Cl.clGetProgramInfo(program.Handle.DangerousGetHandle(), Cl.PROGRAM_BINARIES, (nuint)sizeof(IntPtr), &ptr, null), "clGetProgramInfo");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string tmp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(tmp, bin);
        File.Move(tmp, path, overwrite: true);   // atomic: concurrent processes never read a half-written binary
    }
}

/// <summary>A kernel with its arguments. Not thread-safe (arguments are state); each computer owns its kernels.</summary>
public sealed unsafe class OpenClKernel : IDisposable
{
    internal readonly ClKernelHandle Handle;

    internal OpenClKernel(ClKernelHandle handle, string name) { Handle = handle; Name = name; }

    public string Name { get; }

    public OpenClKernel Arg<T>(uint index, DeviceBuffer<T> buffer) where T : unmanaged
    {
        IntPtr mem = buffer.Handle.DangerousGetHandle();
        OpenClException.Check(Cl.clSetKernelArg(Handle.DangerousGetHandle(), index, (nuint)sizeof(IntPtr), &mem), $"clSetKernelArg({Name}, {index})");
        return this;
    }

    public OpenClKernel Value<T>(uint index, T value) where T : unmanaged
    {
        OpenClException.Check(Cl.clSetKernelArg(Handle.DangerousGetHandle(), index, (nuint)sizeof(T), &value), $"clSetKernelArg({Name}, {index})");
        return this;
    }

    /// <summary>Reserves <paramref name="bytes"/> of local memory for argument <paramref name="index"/>.</summary>
    public OpenClKernel Local(uint index, int bytes)
    {
        OpenClException.Check(Cl.clSetKernelArg(Handle.DangerousGetHandle(), index, (nuint)bytes, null), $"clSetKernelArg({Name}, {index})");
        return this;
    }

    /// <summary>Launches over <paramref name="items"/> work-items rounded up to a multiple of <paramref name="groupSize"/> (kernels guard the tail).</summary>
    public void Launch(OpenClQueue queue, long items, int groupSize)
    {
        if (items <= 0) return;
        nuint local = (nuint)groupSize;
        nuint global = (nuint)((items + groupSize - 1) / groupSize * groupSize);
        OpenClException.Check(Cl.clEnqueueNDRangeKernel(queue.Handle.DangerousGetHandle(), Handle.DangerousGetHandle(), 1, null, &global, &local, 0, null, null),
            $"clEnqueueNDRangeKernel({Name})");
    }

    public void Dispose() => Handle.Dispose();
}

/// <summary>A device buffer of <typeparamref name="T"/> that only grows (so steady-state calls do not allocate).</summary>
public sealed unsafe class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly OpenClContext _context;
    internal ClMemHandle Handle;

    public DeviceBuffer(OpenClContext context, long capacity = 1)
    {
        _context = context;
        Handle = Allocate(Math.Max(1, capacity));
        Capacity = Math.Max(1, capacity);
    }

    public long Capacity { get; private set; }

    /// <summary>Grows to at least <paramref name="count"/> elements (contents are not kept). Returns true when it reallocated.</summary>
    public bool EnsureCapacity(long count)
    {
        if (count <= Capacity) return false;
        Handle.Dispose();
        Handle = Allocate(count);
        Capacity = count;
        return true;
    }

    private ClMemHandle Allocate(long count)
    {
        long bytes = count * sizeof(T);
        if (bytes > _context.Device.MaxAllocationBytes && _context.Device.MaxAllocationBytes > 0)
            throw new OpenClException($"a buffer of {bytes / (1024 * 1024)} MiB exceeds the device's largest allocation ({_context.Device.MaxAllocationBytes / (1024 * 1024)} MiB) on {_context.Device.Name}");
        int err;
        var h = Cl.clCreateBuffer(_context.Handle.DangerousGetHandle(), Cl.MEM_READ_WRITE, (nuint)bytes, null, &err);
        OpenClException.Check(err, $"clCreateBuffer({bytes} bytes)");
        return new ClMemHandle(h);
    }

    /// <summary>Blocking copy host → device of <paramref name="data"/> at element offset 0.</summary>
    public void Write(OpenClQueue queue, ReadOnlySpan<T> data)
    {
        if (data.Length == 0) return;
        EnsureCapacity(data.Length);
        fixed (T* p = data)
            OpenClException.Check(Cl.clEnqueueWriteBuffer(queue.Handle.DangerousGetHandle(), Handle.DangerousGetHandle(), 1, 0, (nuint)(data.Length * sizeof(T)), p, 0, null, null), "clEnqueueWriteBuffer");
    }

    /// <summary>Blocking copy device → host of the first <c>data.Length</c> elements.</summary>
    public void Read(OpenClQueue queue, Span<T> data)
    {
        if (data.Length == 0) return;
        fixed (T* p = data)
            OpenClException.Check(Cl.clEnqueueReadBuffer(queue.Handle.DangerousGetHandle(), Handle.DangerousGetHandle(), 1, 0, (nuint)(data.Length * sizeof(T)), p, 0, null, null), "clEnqueueReadBuffer");
    }

    /// <summary>Sets the first <paramref name="count"/> elements to <paramref name="value"/> on the device.</summary>
    public void Fill(OpenClQueue queue, T value, long count)
    {
        if (count <= 0) return;
        OpenClException.Check(Cl.clEnqueueFillBuffer(queue.Handle.DangerousGetHandle(), Handle.DangerousGetHandle(), &value, (nuint)sizeof(T), 0, (nuint)(count * sizeof(T)), 0, null, null), "clEnqueueFillBuffer");
    }

    public void Dispose() => Handle.Dispose();
}
