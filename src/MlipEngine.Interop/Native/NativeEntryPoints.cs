using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlipEngine.ForceFields;
using MlipEngine.Workflows.ForceFields;

namespace MlipEngine.Interop.Native;

/// <summary>
/// The managed side of the C ABI (<c>src/native/include/mlip.h</c>). The native shim
/// (<c>src/native/mlip_shim.c</c>) starts the runtime through hostfxr and calls these
/// <see cref="UnmanagedCallersOnlyAttribute"/> functions by pointer. Conventions: return 0 on
/// success, non-zero on failure with the message in <see cref="LastError"/>; no exception ever
/// crosses the boundary. Units: Å, eV, eV/Å, eV/Å³ (stress, ASE sign: positive = tensile).
/// </summary>
public static unsafe class NativeEntryPoints
{
    /// <summary>Status codes (mlip.h: MLIP_OK, MLIP_ERROR, MLIP_INVALID_ARGUMENT).</summary>
    public const int Ok = 0, Error = 1, InvalidArgument = 2;

    [ThreadStatic] private static IntPtr t_globalError;

    /// <summary>
    /// The catalogue every calculator is bound through (built-in styles; Reference, Cpu and every
    /// backend assembly beside MlipEngine.Interop.dll, OpenCL among them).
    /// </summary>
    private static ForceFieldCatalog Catalog => s_catalog.Value;
    private static readonly Lazy<ForceFieldCatalog> s_catalog = new(ForceFieldCatalog.CreateDefault);

    /// <summary>
    /// mlip_create_ex: binds the potential named by <paramref name="spec"/> (a spec file path, inline
    /// YAML '{style: ...}' or a model file, UTF-8) to a backend (0 = cpu, 1 = reference, 2 = opencl device 0)
    /// with <paramref name="threads"/> workers and a Verlet <paramref name="skin"/> (Å), in double precision.
    /// </summary>
    [UnmanagedCallersOnly]
    public static int Create(byte* spec, int threads, double skin, int backend, IntPtr* handle)
    {
        if (handle == null) return SetGlobal(InvalidArgument, "mlip_create: handle pointer is NULL");
        *handle = IntPtr.Zero;
        Backend be;
        switch (backend)
        {
            case 0: be = Backend.Cpu; break;
            case 1: be = Backend.Reference; break;
            case 2: be = Backend.OpenCl; break;
            default: return SetGlobal(InvalidArgument, $"mlip_create: unknown backend {backend} (0 = cpu, 1 = reference, 2 = opencl)");
        }
        return CreateCore("mlip_create", spec, be, 0, Precision.Float64, threads, skin, handle);
    }

    /// <summary>
    /// mlip_create_on: as <see cref="Create"/> on a named device (<c>cpu</c>, <c>reference</c>, <c>opencl[:INDEX]</c>
    /// or any registered backend) in <paramref name="precision"/> (0 = float64, 1 = float32).
    /// </summary>
    [UnmanagedCallersOnly]
    public static int CreateOn(byte* spec, byte* device, int precision, int threads, double skin, IntPtr* handle)
    {
        if (handle == null) return SetGlobal(InvalidArgument, "mlip_create_on: handle pointer is NULL");
        *handle = IntPtr.Zero;
        if (device == null) return SetGlobal(InvalidArgument, "mlip_create_on: device is NULL (e.g. \"cpu\", \"opencl:0\")");
        if (precision is not (0 or 1)) return SetGlobal(InvalidArgument, $"mlip_create_on: precision must be MLIP_FLOAT64 (0) or MLIP_FLOAT32 (1), got {precision}");
        string name = Marshal.PtrToStringUTF8((IntPtr)device) ?? "";
        (Backend Backend, int Index) parsed;
        try { parsed = Catalog.ParseDevice(name); }
        catch (FormatException e) { return SetGlobal(InvalidArgument, "mlip_create_on: " + e.Message); }
        return CreateCore("mlip_create_on", spec, parsed.Backend, parsed.Index, precision == 1 ? Precision.Float32 : Precision.Float64, threads, skin, handle);
    }

    private static int CreateCore(string fn, byte* spec, Backend backend, int deviceIndex, Precision precision, int threads, double skin, IntPtr* handle)
    {
        try
        {
            if (spec == null) return SetGlobal(InvalidArgument, $"{fn}: potential spec is NULL");
            if (threads < 1) return SetGlobal(InvalidArgument, $"{fn}: threads must be ≥ 1, got {threads}");
            if (!(skin >= 0)) return SetGlobal(InvalidArgument, $"{fn}: skin must be ≥ 0 Å, got {skin}");
            string text = Marshal.PtrToStringUTF8((IntPtr)spec) ?? "";
            var ff = Catalog.Load(text);
            var options = new ComputeOptions { Backend = backend, DeviceIndex = deviceIndex, Precision = precision, Threads = threads, Skin = skin };
            var calc = new NativeCalculator(new EmbeddedCalculator(Catalog.Bind(ff, options)));
            *handle = GCHandle.ToIntPtr(GCHandle.Alloc(calc));
            SetGlobal(Ok, null);
            return Ok;
        }
        catch (Exception e)
        {
            return SetGlobal(Error, e.Message);
        }
    }

    /// <summary>
    /// mlip_compute_batch: <paramref name="systems"/> systems of <paramref name="atomCounts"/> atoms,
    /// concatenated. Inputs: atomic numbers, positions (3 per atom, Å), cells (9 per system, lattice
    /// vectors as rows, Å; NULL = molecules), pbc (3 ints per system; NULL = periodic iff cells given).
    /// Outputs (each may be NULL when its flag is not set): energy per system (eV), forces (3 per atom,
    /// eV/Å), stress (9 per system, row-major, eV/Å³, NaN without volume), atom energies (eV).
    /// </summary>
    [UnmanagedCallersOnly]
    public static int ComputeBatch(IntPtr handle, int systems, int* atomCounts, int* numbers, double* positions,
        double* cells, int* pbc, int flags, double* energy, double* forces, double* stress, double* atomEnergies)
    {
        var calc = FromHandle(handle);
        if (calc == null) return SetGlobal(InvalidArgument, "mlip_compute: invalid handle (NULL or freed)");
        try
        {
            if (systems < 1) return Fail(calc, InvalidArgument, $"mlip_compute: number of systems must be ≥ 1, got {systems}");
            if (atomCounts == null || numbers == null || positions == null)
                return Fail(calc, InvalidArgument, "mlip_compute: natoms, species and positions must not be NULL");
            var outputs = (ForceOutputs)(flags & (int)ForceOutputs.All) | ForceOutputs.Energy;
            if ((flags & ~(int)ForceOutputs.All) != 0) return Fail(calc, InvalidArgument, $"mlip_compute: unknown flag bits 0x{flags & ~(int)ForceOutputs.All:x}");
            if (energy == null) return Fail(calc, InvalidArgument, "mlip_compute: energy output must not be NULL");
            if ((outputs & ForceOutputs.Forces) != 0 && forces == null) return Fail(calc, InvalidArgument, "mlip_compute: MLIP_FORCES set but forces is NULL");
            if ((outputs & ForceOutputs.Virial) != 0 && stress == null) return Fail(calc, InvalidArgument, "mlip_compute: MLIP_STRESS set but stress is NULL");
            if ((outputs & ForceOutputs.AtomEnergies) != 0 && atomEnergies == null) return Fail(calc, InvalidArgument, "mlip_compute: MLIP_ATOM_ENERGIES set but atom_energies is NULL");
            var counts = new ReadOnlySpan<int>(atomCounts, systems);
            long total = 0;
            foreach (int c in counts)
            {
                if (c < 0) return Fail(calc, InvalidArgument, $"mlip_compute: negative atom count {c}");
                total += c;
            }
            if (total > int.MaxValue / 3) return Fail(calc, InvalidArgument, $"mlip_compute: {total} atoms is too many");
            int n = (int)total;
            var cellSpan = cells != null ? new ReadOnlySpan<double>(cells, 9 * systems) : calc.OpenCells(systems);
            var r = calc.Calculator.Compute(counts, new ReadOnlySpan<int>(numbers, n), new ReadOnlySpan<double>(positions, 3 * n),
                cellSpan, calc.Periodic(systems, pbc, cells != null), outputs);
            new ReadOnlySpan<double>(r.Energy, 0, systems).CopyTo(new Span<double>(energy, systems));
            if ((outputs & ForceOutputs.Forces) != 0)
            {
                double[] fx = r.Fx, fy = r.Fy, fz = r.Fz;
                for (int i = 0; i < n; i++) { forces[3 * i] = fx[i]; forces[3 * i + 1] = fy[i]; forces[3 * i + 2] = fz[i]; }
            }
            if ((outputs & ForceOutputs.Virial) != 0) new ReadOnlySpan<double>(r.Stress, 0, 9 * systems).CopyTo(new Span<double>(stress, 9 * systems));
            if ((outputs & ForceOutputs.AtomEnergies) != 0) new ReadOnlySpan<double>(r.AtomEnergies, 0, n).CopyTo(new Span<double>(atomEnergies, n));
            return Ok;
        }
        catch (Exception e)
        {
            return Fail(calc, Error, e.Message);
        }
    }

    /// <summary>mlip_describe: cutoff (Å) and up to <paramref name="capacity"/> atomic numbers the potential knows; returns the species count or −1.</summary>
    [UnmanagedCallersOnly]
    public static int Describe(IntPtr handle, double* cutoff, int* species, int capacity)
    {
        var calc = FromHandle(handle);
        if (calc == null) return -SetGlobal(InvalidArgument, "mlip_describe: invalid handle (NULL or freed)");
        var ff = calc.Calculator.Computer.ForceField;
        if (cutoff != null) *cutoff = ff.Cutoff;
        for (int k = 0; k < ff.Species.Count && k < capacity && species != null; k++) species[k] = ff.Species[k];
        return ff.Species.Count;
    }

    /// <summary>mlip_last_error: the last message of this handle, or of this thread's last failed create when the handle is NULL; NULL when none.</summary>
    [UnmanagedCallersOnly]
    public static IntPtr LastError(IntPtr handle)
    {
        if (handle == IntPtr.Zero) return t_globalError;
        return FromHandle(handle)?.Error ?? t_globalError;
    }

    /// <summary>mlip_free: releases the calculator; NULL is ignored.</summary>
    [UnmanagedCallersOnly]
    public static void Free(IntPtr handle)
    {
        if (handle == IntPtr.Zero) return;
        var gc = GCHandle.FromIntPtr(handle);
        (gc.Target as NativeCalculator)?.Dispose();
        gc.Free();
    }

    private static NativeCalculator? FromHandle(IntPtr handle) =>
        handle == IntPtr.Zero ? null : GCHandle.FromIntPtr(handle).Target as NativeCalculator;

    private static int Fail(NativeCalculator calc, int code, string message)
    {
        calc.SetError(message);
        return code;
    }

    private static int SetGlobal(int code, string? message)
    {
        NativeCalculator.ReplaceUtf8(ref t_globalError, message);
        return code;
    }
}
