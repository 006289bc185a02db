using System.Reflection;
using System.Runtime.InteropServices;
using MlipEngine.State;

namespace MlipEngine.Discovery.Symmetry;

/// <summary>A space group: its Hermann–Mauguin symbol and number (1–230).</summary>
public readonly record struct SpaceGroup(string Symbol, int Number)
{
    public override string ToString() => $"{Symbol} ({Number})";
}

/// <summary>
/// Space-group analysis through spglib's C library (Debian <c>libsymspg1</c>, soname libsymspg.so.1), by P/Invoke.
/// <see cref="IsAvailable"/> says whether the library loads; <see cref="MissingMessage"/> says how to install it.
/// </summary>
public static class Spglib
{
    private const string Library = "symspg";

    /// <summary>How to get the library, for messages.</summary>
    public const string MissingMessage = "spglib (libsymspg.so.1) not found: install Debian's libsymspg1 (apt-get install libsymspg1) for space groups";

    static Spglib()
    {
        NativeLibrary.SetDllImportResolver(typeof(Spglib).Assembly, (name, assembly, path) =>
        {
            if (name != Library) return IntPtr.Zero;
            foreach (var candidate in new[] { "libsymspg.so.1", "libsymspg.so.2", "libsymspg.so", "libsymspg.dylib", "symspg.dll" })
                if (NativeLibrary.TryLoad(candidate, assembly, path, out var handle)) return handle;
            return IntPtr.Zero;
        });
    }

    private static readonly Lazy<bool> s_available = new(() =>
    {
        try { _ = spg_get_major_version(); return true; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    });

    /// <summary>True when the spglib library can be loaded.</summary>
    public static bool IsAvailable => s_available.Value;

    /// <summary>
    /// Space group of a periodic structure within <paramref name="symprec"/> (Å, spglib's tolerance on
    /// positions), or null when spglib finds none. Throws <see cref="DllNotFoundException"/> with
    /// <see cref="MissingMessage"/> when the library is missing.
    /// </summary>
    public static SpaceGroup? Analyse(AtomicStructure s, double symprec = 0.01)
    {
        if (!IsAvailable) throw new DllNotFoundException(MissingMessage);
        if (!s.Cell.FullyPeriodic) throw new ArgumentException("space groups need a cell periodic along all three axes");
        int n = s.AtomCount;
        // spglib's lattice is column-major in the sense lattice[i][j] = component i of vector j.
        var h = s.Cell.Matrix;
        var lattice = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) lattice[3 * i + j] = h[j, i];
        var hinv = h.Inverse();
        var positions = new double[3 * n];
        for (int a = 0; a < n; a++)
        {
            var f = s.Positions[a] * hinv;
            positions[3 * a] = f.X - Math.Floor(f.X); positions[3 * a + 1] = f.Y - Math.Floor(f.Y); positions[3 * a + 2] = f.Z - Math.Floor(f.Z);
        }
        var symbol = new byte[11];
        int number = spg_get_international(symbol, lattice, positions, s.Numbers, n, symprec);
        if (number <= 0) return null;
        int len = Array.IndexOf(symbol, (byte)0);
        return new SpaceGroup(System.Text.Encoding.ASCII.GetString(symbol, 0, len < 0 ? symbol.Length : len).Trim(), number);
    }

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern int spg_get_major_version();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern int spg_get_international(byte[] symbol, double[] lattice, double[] position, int[] types, int numAtom, double symprec);
}
