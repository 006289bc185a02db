using System.Reflection;
using System.Runtime.InteropServices;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Symmetry;

/// <summary>A space group: its Hermann–Mauguin symbol and number (1–230).</summary>
public readonly record struct SpaceGroup(string Symbol, int Number)
{
    public override string ToString() => $"{Symbol} ({Number})";
}

/// <summary>
/// One space-group operation on fractional coordinates: x ↦ R·x + t, with R an integer matrix (row-major,
/// R[3i+j]) acting on column vectors.
/// </summary>
public sealed record SymmetryOperation(int[] Rotation, double Tx, double Ty, double Tz)
{
    /// <summary>Image of fractional point <paramref name="f"/> (not wrapped into the cell).</summary>
    public Vec3 Apply(Vec3 f)
    {
        var r = Rotation;
        return new Vec3(
            r[0] * f.X + r[1] * f.Y + r[2] * f.Z + Tx,
            r[3] * f.X + r[4] * f.Y + r[5] * f.Z + Ty,
            r[6] * f.X + r[7] * f.Y + r[8] * f.Z + Tz);
    }

    /// <summary>True for a pure (centring or identity) translation: R = I.</summary>
    public bool IsTranslation => Rotation[0] == 1 && Rotation[4] == 1 && Rotation[8] == 1 && Rotation[1] == 0 && Rotation[2] == 0 && Rotation[3] == 0 && Rotation[5] == 0 && Rotation[6] == 0 && Rotation[7] == 0;
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

    /// <summary>
    /// The symmetry operations of space group <paramref name="number"/> (1–230) in its conventional cell and
    /// spglib's default setting (the first Hall number of the group: b-unique monoclinic, hexagonal axes for
    /// the rhombohedral groups, origin choice 1), from spglib's database. Each operation maps fractional
    /// coordinates (column vector) x ↦ R·x + t; centring translations are included, so the orbit of a general
    /// point has as many points as there are operations.
    /// </summary>
    public static SymmetryOperation[] SpaceGroupOperations(int number)
    {
        if (number < 1 || number > 230) throw new ArgumentOutOfRangeException(nameof(number), $"space group numbers run 1–230, found {number}");
        if (!IsAvailable) throw new DllNotFoundException(MissingMessage);
        lock (s_operations)
        {
            if (s_operations.TryGetValue(number, out var cached)) return cached;
            var rotations = new int[192 * 9];
            var translations = new double[192 * 3];
            int count = spg_get_symmetry_from_database(rotations, translations, DefaultHallNumbers[number - 1]);
            if (count <= 0) throw new InvalidOperationException($"spglib has no operations for space group {number} (Hall number {DefaultHallNumbers[number - 1]})");
            var ops = new SymmetryOperation[count];
            for (int k = 0; k < count; k++)
            {
                var r = new int[9];
                Array.Copy(rotations, 9 * k, r, 0, 9);
                ops[k] = new SymmetryOperation(r, translations[3 * k], translations[3 * k + 1], translations[3 * k + 2]);
            }
            return s_operations[number] = ops;
        }
    }

    private static readonly Dictionary<int, SymmetryOperation[]> s_operations = new();

    /// <summary>
    /// First Hall number (spglib's 1–530 enumeration of settings) of each space group 1–230, i.e. its default
    /// setting. Generated with python3-spglib 2.0.2:
    /// <c>[min(h for h in range(1, 531) if spglib.get_spacegroup_type(h)["number"] == n) for n in range(1, 231)]</c>.
    /// </summary>
    internal static readonly int[] DefaultHallNumbers =
    {
        1, 2, 3, 6, 9, 18, 21, 30, 39, 57, 60, 63, 72, 81, 90, 108, 109, 112, 115, 116,
        119, 122, 123, 124, 125, 128, 134, 137, 143, 149, 155, 161, 164, 170, 173, 176, 182, 185, 191, 197,
        203, 209, 212, 215, 218, 221, 227, 228, 230, 233, 239, 245, 251, 257, 263, 266, 269, 275, 278, 284,
        290, 292, 298, 304, 310, 313, 316, 322, 334, 335, 337, 338, 341, 343, 349, 350, 351, 352, 353, 354,
        355, 356, 357, 358, 359, 361, 363, 364, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375, 376, 377,
        378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 391, 392, 393, 394, 395, 396, 397,
        398, 399, 400, 401, 402, 404, 406, 407, 408, 410, 412, 413, 414, 416, 418, 419, 420, 422, 424, 425,
        426, 428, 430, 431, 432, 433, 435, 436, 438, 439, 440, 441, 442, 443, 444, 446, 447, 448, 449, 450,
        452, 454, 455, 456, 457, 458, 460, 462, 463, 464, 465, 466, 467, 468, 469, 470, 471, 472, 473, 474,
        475, 476, 477, 478, 479, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 490, 491, 492, 493, 494,
        495, 497, 498, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 512, 513, 514, 515, 516,
        517, 518, 520, 521, 523, 524, 525, 527, 529, 530,
    };

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern int spg_get_major_version();

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern int spg_get_symmetry_from_database(int[] rotations, double[] translations, int hallNumber);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern int spg_get_international(byte[] symbol, double[] lattice, double[] position, int[] types, int numAtom, double symprec);
}
