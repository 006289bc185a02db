using System.Reflection;
using System.Runtime.InteropServices;

namespace MlipEngine.IO.Trajectory;

/// <summary>
/// Thin P/Invoke binding to the HDF5 1.10+ C library (Debian: <c>libhdf5-103-1</c>, soname
/// <c>libhdf5_serial.so.103</c>): only the calls the H5MD writer uses. In 1.10 <c>hid_t</c> is
/// int64, <c>hsize_t</c> uint64, <c>herr_t</c> int; predefined types and property-list classes are
/// global variables (<c>H5T_NATIVE_DOUBLE_g</c>, …) that are valid after <c>H5open()</c>.
/// </summary>
internal static class H5
{
    private const string Lib = "hdf5";
    private static readonly string[] Candidates = OperatingSystem.IsWindows() ? ["hdf5.dll"]
        : OperatingSystem.IsMacOS() ? ["libhdf5.dylib"]
        : ["libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5_serial.so.310", "libhdf5.so.310", "libhdf5_serial.so", "libhdf5.so"];
    private static IntPtr _handle;

    static H5() => NativeLibrary.SetDllImportResolver(typeof(H5).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        return Load() ? _handle : IntPtr.Zero;
    }

    private static bool Load()
    {
        if (_handle != IntPtr.Zero) return true;
        foreach (var c in Candidates)
            if (NativeLibrary.TryLoad(c, out _handle)) return true;
        return false;
    }

    /// <summary>Loads libhdf5 and reads the predefined type ids; false when the library is not installed.</summary>
    public static bool TryInitialize()
    {
        lock (Candidates)
        {
            if (NativeDouble != 0) return true;
            if (!Load()) return false;
            if (H5open() < 0) return false;
            H5Eset_auto2(0, IntPtr.Zero, IntPtr.Zero);   // errors become return codes, not stderr dumps
            NativeDouble = Global("H5T_NATIVE_DOUBLE_g");
            NativeInt = Global("H5T_NATIVE_INT_g");
            NativeInt64 = Global("H5T_NATIVE_INT64_g");
            CString = Global("H5T_C_S1_g");
            DatasetCreate = Global("H5P_CLS_DATASET_CREATE_ID_g");
            return true;
        }
    }

    private static long Global(string symbol) => Marshal.ReadInt64(NativeLibrary.GetExport(_handle, symbol));

    public static long NativeDouble, NativeInt, NativeInt64, CString, DatasetCreate;
    public const long Default = 0;                   // H5P_DEFAULT, H5S_ALL, H5E_DEFAULT
    public const uint AccRdwr = 0x0001, AccTrunc = 0x0002;
    public const ulong Unlimited = ulong.MaxValue;   // H5S_UNLIMITED
    public const int SelectSet = 0, ScopeLocal = 0, ScalarSpace = 0;

    [DllImport(Lib)] public static extern int H5open();
    [DllImport(Lib)] public static extern int H5Eset_auto2(long estack, IntPtr func, IntPtr data);
    [DllImport(Lib)] public static extern long H5Fcreate(string name, uint flags, long fcpl, long fapl);
    [DllImport(Lib)] public static extern long H5Fopen(string name, uint flags, long fapl);
    [DllImport(Lib)] public static extern int H5Fflush(long obj, int scope);
    [DllImport(Lib)] public static extern int H5Fclose(long file);
    /// <summary>The file's low-level handle; for the default (sec2) driver a pointer to its POSIX file descriptor.</summary>
    [DllImport(Lib)] public static extern int H5Fget_vfd_handle(long file, long fapl, out IntPtr handle);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)] private static extern int Fcntl(int fd, int cmd, int arg);
    private const int GetFd = 1, SetFd = 2, CloseOnExec = 1;   // F_GETFD, F_SETFD, FD_CLOEXEC

    /// <summary>
    /// Marks <paramref name="file"/>'s descriptor close-on-exec. libhdf5 opens files without O_CLOEXEC and locks them with flock(),
    /// whose lock belongs to the open file description: a child process started while the file is open (a labeller, a driver, a
    /// test's Python) would keep the descriptor, and with it the lock, after the writer closed the file, and every later open of
    /// the file (a restart, h5py) fails with "unable to lock file" until that child exits. No-op off Linux and macOS.
    /// </summary>
    public static void CloseOnExecute(long file)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        if (H5Fget_vfd_handle(file, Default, out var handle) < 0 || handle == IntPtr.Zero) return;
        int fd = Marshal.ReadInt32(handle);
        int flags = Fcntl(fd, GetFd, 0);
        if (flags >= 0) Fcntl(fd, SetFd, flags | CloseOnExec);
    }
    [DllImport(Lib)] public static extern long H5Gcreate2(long loc, string name, long lcpl, long gcpl, long gapl);
    [DllImport(Lib)] public static extern int H5Gclose(long group);
    [DllImport(Lib)] public static extern long H5Screate(int type);
    [DllImport(Lib)] public static extern long H5Screate_simple(int rank, ulong[] dims, ulong[]? maxdims);
    [DllImport(Lib)] public static extern int H5Sselect_hyperslab(long space, int op, ulong[] start, ulong[]? stride, ulong[] count, ulong[]? block);
    [DllImport(Lib)] public static extern int H5Sget_simple_extent_dims(long space, ulong[] dims, ulong[]? maxdims);
    [DllImport(Lib)] public static extern int H5Sclose(long space);
    [DllImport(Lib)] public static extern long H5Pcreate(long cls);
    [DllImport(Lib)] public static extern int H5Pset_chunk(long plist, int ndims, ulong[] dims);
    [DllImport(Lib)] public static extern int H5Pclose(long plist);
    [DllImport(Lib)] public static extern long H5Dcreate2(long loc, string name, long type, long space, long lcpl, long dcpl, long dapl);
    [DllImport(Lib)] public static extern long H5Dopen2(long loc, string name, long dapl);
    [DllImport(Lib)] public static extern int H5Dset_extent(long dset, ulong[] size);
    [DllImport(Lib)] public static extern long H5Dget_space(long dset);
    [DllImport(Lib)] public static extern int H5Dwrite(long dset, long memType, long memSpace, long fileSpace, long xfer, double[] buf);
    [DllImport(Lib)] public static extern int H5Dwrite(long dset, long memType, long memSpace, long fileSpace, long xfer, long[] buf);
    [DllImport(Lib)] public static extern int H5Dwrite(long dset, long memType, long memSpace, long fileSpace, long xfer, int[] buf);
    [DllImport(Lib)] public static extern int H5Dclose(long dset);
    [DllImport(Lib)] public static extern long H5Acreate2(long loc, string name, long type, long space, long acpl, long aapl);
    [DllImport(Lib)] public static extern int H5Awrite(long attr, long type, int[] buf);
    [DllImport(Lib)] public static extern int H5Awrite(long attr, long type, byte[] buf);
    [DllImport(Lib)] public static extern int H5Aclose(long attr);
    [DllImport(Lib)] public static extern long H5Tcopy(long type);
    [DllImport(Lib)] public static extern int H5Tset_size(long type, nuint size);
    [DllImport(Lib)] public static extern int H5Tclose(long type);
}
