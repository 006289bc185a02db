using ILGPU;
using ILGPU.Runtime;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>A device allocation whose size can be asked (memory accounting).</summary>
internal interface IDeviceMemory : IDisposable
{
    /// <summary>Bytes allocated on the device.</summary>
    long Bytes { get; }
}

/// <summary>A device buffer that only grows (buffers are sized by the largest batch seen, not per call).</summary>
internal sealed class DeviceArray<T> : IDeviceMemory where T : unmanaged
{
    private readonly Accelerator _accelerator;
    private MemoryBuffer1D<T, Stride1D.Dense> _buffer;

    public DeviceArray(Accelerator accelerator, long capacity = 1)
    {
        _accelerator = accelerator;
        _buffer = accelerator.Allocate1D<T>(Math.Max(1, capacity));
    }

    public long Capacity => _buffer.Length;
    public long Bytes => _buffer.LengthInBytes;
    public ArrayView<T> View => _buffer.View;

    /// <summary>Grows to at least <paramref name="count"/> elements (contents are then undefined).</summary>
    public void EnsureCapacity(long count)
    {
        if (count <= _buffer.Length) return;
        _buffer.Dispose();
        _buffer = _accelerator.Allocate1D<T>(count + count / 8);
    }

    public void Write(ReadOnlySpan<T> data)
    {
        EnsureCapacity(data.Length);
        if (data.Length > 0) View.SubView(0, data.Length).CopyFromCPU(data);
    }

    public void Read(Span<T> data)
    {
        if (data.Length > 0) View.SubView(0, data.Length).CopyToCPU(data);
    }

    public void Dispose() => _buffer.Dispose();
}
