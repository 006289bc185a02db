using System.Runtime.InteropServices;
using System.Text;
using MlipEngine.ForceFields;

namespace MlipEngine.Interop.Native;

/// <summary>
/// What a C handle (<c>mlip_calculator*</c>) points to: the calculator, its reusable buffers for
/// argument conversion and its last error message (UTF-8, native memory, owned here).
/// </summary>
internal sealed class NativeCalculator : IDisposable
{
    private bool[] _periodic = [];
    private double[] _openCells = [];
    private IntPtr _error;

    public NativeCalculator(EmbeddedCalculator calculator) { Calculator = calculator; }

    public EmbeddedCalculator Calculator { get; }

    /// <summary>Periodic flags for <paramref name="systems"/> systems from C ints (NULL: all periodic when cells are given, none otherwise).</summary>
    public unsafe ReadOnlySpan<bool> Periodic(int systems, int* pbc, bool haveCells)
    {
        if (_periodic.Length < 3 * systems) _periodic = new bool[3 * systems];
        for (int k = 0; k < 3 * systems; k++) _periodic[k] = pbc != null ? pbc[k] != 0 : haveCells;
        return _periodic.AsSpan(0, 3 * systems);
    }

    /// <summary>Zero cells for callers that pass no cell (molecules).</summary>
    public ReadOnlySpan<double> OpenCells(int systems)
    {
        if (_openCells.Length < 9 * systems) _openCells = new double[9 * systems];
        return _openCells.AsSpan(0, 9 * systems);
    }

    public IntPtr Error => _error;

    public void SetError(string? message) => ReplaceUtf8(ref _error, message);

    public static void ReplaceUtf8(ref IntPtr slot, string? message)
    {
        if (slot != IntPtr.Zero) { Marshal.FreeCoTaskMem(slot); slot = IntPtr.Zero; }
        if (message != null) slot = Marshal.StringToCoTaskMemUTF8(message);
    }

    public void Dispose()
    {
        SetError(null);
        Calculator.Dispose();
    }
}
