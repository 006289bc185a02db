namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// A device buffer of the kernels' <c>real</c> or <c>acc_t</c> type, which is double or float
/// depending on the precision mode and on the device's fp64 support. The host always works in
/// double; conversions happen here, at the copy.
/// </summary>
internal sealed class FloatingBuffer : IDisposable
{
    private readonly DeviceBuffer<double>? _d;
    private readonly DeviceBuffer<float>? _f;
    private float[] _scratch = [];

    public FloatingBuffer(OpenClContext context, bool isDouble, long capacity = 1)
    {
        IsDouble = isDouble;
        if (isDouble) _d = new DeviceBuffer<double>(context, capacity); else _f = new DeviceBuffer<float>(context, capacity);
    }

    public bool IsDouble { get; }
    public long Capacity => IsDouble ? _d!.Capacity : _f!.Capacity;

    public void EnsureCapacity(long count) { if (IsDouble) _d!.EnsureCapacity(count); else _f!.EnsureCapacity(count); }

    public void Write(OpenClQueue q, ReadOnlySpan<double> data)
    {
        if (IsDouble) { _d!.Write(q, data); return; }
        if (_scratch.Length < data.Length) _scratch = new float[data.Length];
        for (int i = 0; i < data.Length; i++) _scratch[i] = (float)data[i];
        _f!.Write(q, _scratch.AsSpan(0, data.Length));
    }

    public void Read(OpenClQueue q, Span<double> data)
    {
        if (IsDouble) { _d!.Read(q, data); return; }
        if (_scratch.Length < data.Length) _scratch = new float[data.Length];
        _f!.Read(q, _scratch.AsSpan(0, data.Length));
        for (int i = 0; i < data.Length; i++) data[i] = _scratch[i];
    }

    /// <summary>Sets the first <paramref name="count"/> elements to zero on the device.</summary>
    public void Zero(OpenClQueue q, long count)
    {
        if (IsDouble) _d!.Fill(q, 0.0, count); else _f!.Fill(q, 0f, count);
    }

    public OpenClKernel SetAsArg(OpenClKernel k, uint index) => IsDouble ? k.Arg(index, _d!) : k.Arg(index, _f!);

    public void Dispose() { _d?.Dispose(); _f?.Dispose(); }
}

internal static class KernelArgs
{
    public static OpenClKernel Arg(this OpenClKernel k, uint index, FloatingBuffer b) => b.SetAsArg(k, index);

    /// <summary>A scalar of the kernel's real/acc_t type.</summary>
    public static OpenClKernel Real(this OpenClKernel k, uint index, double value, bool isDouble) =>
        isDouble ? k.Value(index, value) : k.Value(index, (float)value);
}
