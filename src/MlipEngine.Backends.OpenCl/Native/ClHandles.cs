using Microsoft.Win32.SafeHandles;

namespace MlipEngine.Backends.OpenCl.Native;

/// <summary>SafeHandles for the OpenCL objects we create: released exactly once, also on finalisation.</summary>
internal sealed class ClContextHandle() : SafeHandleZeroOrMinusOneIsInvalid(true)
{
    public ClContextHandle(IntPtr h) : this() { SetHandle(h); }
    protected override bool ReleaseHandle() => Cl.clReleaseContext(handle) == 0;
}

internal sealed class ClQueueHandle() : SafeHandleZeroOrMinusOneIsInvalid(true)
{
    public ClQueueHandle(IntPtr h) : this() { SetHandle(h); }
    protected override bool ReleaseHandle() => Cl.clReleaseCommandQueue(handle) == 0;
}

internal sealed class ClMemHandle() : SafeHandleZeroOrMinusOneIsInvalid(true)
{
    public ClMemHandle(IntPtr h) : this() { SetHandle(h); }
    protected override bool ReleaseHandle() => Cl.clReleaseMemObject(handle) == 0;
}

internal sealed class ClProgramHandle() : SafeHandleZeroOrMinusOneIsInvalid(true)
{
    public ClProgramHandle(IntPtr h) : this() { SetHandle(h); }
    protected override bool ReleaseHandle() => Cl.clReleaseProgram(handle) == 0;
}

internal sealed class ClKernelHandle() : SafeHandleZeroOrMinusOneIsInvalid(true)
{
    public ClKernelHandle(IntPtr h) : this() { SetHandle(h); }
    protected override bool ReleaseHandle() => Cl.clReleaseKernel(handle) == 0;
}
