using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Threading;

namespace MlipEngine.Neighbors;

/// <summary>
/// Builds <see cref="NeighborList"/>s in O(N) with a cell list (binning) in fractional coordinates,
/// correct for general triclinic cells, mixed periodicity and cells thinner than the cutoff.
/// Scratch buffers only grow, so rebuilding a list of the same size does not allocate.
/// </summary>
/// <remarks>
/// <para>Binning frame. Positions are binned in fractional coordinates s = r·B⁻¹ of a basis B whose
/// periodic rows are the cell vectors; non-periodic rows are replaced by unit vectors normal to the
/// periodic ones (so open axes work even when the cell vector is zero, ASE's molecule default).</para>
/// <para>Bins. Along a periodic axis with face distance d there are n_b = ⌊d / r_c⌋ bins (at least one),
/// so each bin is at least r_c thick and neighbors lie within ±1 bin; when d &lt; r_c (a thin or
/// one-atom cell) there is one bin and the search visits ±⌈r_c/d⌉ images. Along an open axis the
/// atoms' span is cut the same way and bins beyond the ends are skipped.</para>
/// <para>Images. Visiting bin b + δ along a periodic axis means image n = ⌊(b+δ)/n_b⌋ of bin
/// (b+δ) mod n_b. Each unwrapped bin index is visited once, so no pair appears twice.</para>
/// </remarks>
public sealed class NeighborListBuilder
{
    /// <summary>The error for a non-finite position (atom <paramref name="atom"/> of system <paramref name="system"/>), for every list builder.</summary>
    public static ArgumentException NonFinitePosition(int atom, int system, double x, double y, double z) =>
        new($"atom {atom} of system {system} has a non-finite position ({x}, {y}, {z})");

    private sealed class SystemPlan
    {
        public int First, Count;
        public int Nx, Ny, Nz;         // bins per axis
        public int Rx, Ry, Rz;         // search range per axis
        public bool Px, Py, Pz;
        public double Ox, Oy, Oz;      // fractional origin (open axes)
        public double Sx, Sy, Sz;      // fractional bin widths
        public int CodeBase;
        public int CodeCount = -1;     // size of the system's block of image-shift codes
        public Mat3 H;
        public int[] BinStart = [];    // length nbins + 1
        public int[] BinAtoms = [];    // atoms sorted by bin
        public double[] BinX = [], BinY = [], BinZ = [];   // wrapped positions in bin order (SoA, for SIMD rows)
        public int[] Rows = [];         // interior stencil as rows along a: linear offset of each row's centre bin
        public int RowCount;
        public int[] AtomBin = [];     // bin coordinates of each local atom, 3 ints
        public double[] Fa = [], Fb = [], Fc = [];
        public int[] Fill = [];
        public int[] AtomSlot = [];     // slot of each local atom in the bin-sorted arrays
        public int MaxCandidates;       // bound on the neighbors one atom can have (for buffer sizing)
    }

    private sealed class ChunkBuffer
    {
        public int[] Js = new int[1024];
        public int[] Codes = new int[1024];
        public int Length;
        public void EnsureRoom(int extra)
        {
            if (Length + extra <= Js.Length) return;
            int cap = Math.Max(Length + extra, 2 * Js.Length);
            Array.Resize(ref Js, cap);
            Array.Resize(ref Codes, cap);
        }
    }

    private SystemPlan[] _plans = [];
    private ChunkBuffer[] _chunks = [];
    private double[] _wx = [], _wy = [], _wz = [];
    private int[] _counts = [];
    private bool[] _shiftFree = [];
    private int[] _atomBinIdx = [];
    private readonly int _threads;
    private readonly ThreadTeam _team;
    private readonly List<(int Sys, int Start, int End)> _chunkRanges = new();
    private int[] _spareOffsets = [], _spareNeighbors = [], _spareCodes = [];

    public NeighborListBuilder(int threads = 1) : this(new ThreadTeam(threads)) { }

    /// <summary>A builder whose parallel phases run on <paramref name="team"/>.</summary>
    public NeighborListBuilder(ThreadTeam team)
    {
        _team = team;
        _threads = team.Size;
    }

    public NeighborList Create(NeighborListKind kind) => new(kind);

    /// <summary>Builds (or rebuilds in place) the neighbor list of all systems in the batch.</summary>
    /// <param name="cutoff">List radius in Å (interaction cutoff plus skin).</param>
    public void Build(SystemBatch batch, double cutoff, NeighborList list) => Build(batch, cutoff, list, null);

    /// <summary>
    /// Rebuilds only the systems flagged in <paramref name="rebuild"/> (null: all), keeping the others'
    /// entries. The list must have been built before for a batch with the same systems and atoms, with
    /// the same cutoff. Batched relaxation uses this so one system crossing its skin does not rebuild all.
    /// </summary>
    public void Build(SystemBatch batch, double cutoff, NeighborList list, bool[]? rebuild)
    {
        if (!(cutoff > 0) || !double.IsFinite(cutoff)) throw new ArgumentOutOfRangeException(nameof(cutoff), "cutoff must be positive");
        int n = batch.AtomCount;
        bool partial = rebuild != null;
        if (partial && (list.AtomCount != n || list.SystemCount != batch.SystemCount || list.Cutoff != cutoff || _plans.Length < batch.SystemCount))
            throw new InvalidOperationException("a partial rebuild needs a list built before for the same batch and cutoff");
        bool Rebuilt(int s) => rebuild == null || rebuild[s];
        list.Cutoff = cutoff;
        list.AtomCount = n;
        list.SystemCount = batch.SystemCount;
        EnsureLength(ref _wx, n); EnsureLength(ref _wy, n); EnsureLength(ref _wz, n);
        EnsureLength(ref _counts, n);
        EnsureLength(ref _shiftFree, n);
        EnsureLength(ref _atomBinIdx, n);
        if (list.AtomImages.Length < 3 * n) list.AtomImages = new int[3 * n];
        if (list.Cells.Length != batch.SystemCount) list.Cells = new Cell[batch.SystemCount];
        if (_plans.Length < batch.SystemCount)
        {
            var grown = new SystemPlan[batch.SystemCount];
            Array.Copy(_plans, grown, _plans.Length);
            for (int s = _plans.Length; s < grown.Length; s++) grown[s] = new SystemPlan();
            _plans = grown;
        }

        // 1. Per-system plan: wrap, bin, and assign image-shift codes. A partial rebuild keeps a system's
        //    block of codes when its size is unchanged, else appends a new block (kept systems' codes stay valid).
        int codeCount = partial ? list.ShiftCount : 0;
        for (int s = 0; s < batch.SystemCount; s++)
        {
            if (!Rebuilt(s)) continue;
            list.Cells[s] = batch.Cells[s];
            var p = _plans[s];
            int oldBlock = p.CodeCount;
            Plan(batch, s, cutoff, p, list.AtomImages);
            BuildStencilRows(p, list.Kind == NeighborListKind.Half);
            int block = (2 * p.Rx + 1) * (2 * p.Ry + 1) * (2 * p.Rz + 1);
            if (!partial || block != oldBlock) { p.CodeBase = codeCount; codeCount += block; }
            p.CodeCount = block;
        }
        if (list.ShiftVectors.Length < 3 * codeCount)
        {
            var sv = list.ShiftVectors; var si = list.ShiftImages; var ss = list.ShiftSystem;
            Array.Resize(ref sv, 3 * codeCount); Array.Resize(ref si, 3 * codeCount); Array.Resize(ref ss, codeCount);
            list.ShiftVectors = sv; list.ShiftImages = si; list.ShiftSystem = ss;
        }
        list.ShiftCount = codeCount;
        for (int s = 0; s < batch.SystemCount; s++)
        {
            if (!Rebuilt(s)) continue;
            var p = _plans[s];
            int code = p.CodeBase;
            for (int a = -p.Rx; a <= p.Rx; a++)
                for (int b = -p.Ry; b <= p.Ry; b++)
                    for (int c = -p.Rz; c <= p.Rz; c++, code++)
                    {
                        var v = new Vec3(a, b, c) * p.H;
                        list.ShiftVectors[3 * code] = v.X; list.ShiftVectors[3 * code + 1] = v.Y; list.ShiftVectors[3 * code + 2] = v.Z;
                        list.ShiftImages[3 * code] = a; list.ShiftImages[3 * code + 1] = b; list.ShiftImages[3 * code + 2] = c;
                        list.ShiftSystem[code] = s;
                    }
        }

        // 2. Search, in chunks of atoms spread over the rebuilt systems, each chunk into its own buffer.
        int chunkTarget = Math.Max(1, _threads * 8);
        int chunkSize = Math.Max(64, (n + chunkTarget - 1) / Math.Max(1, chunkTarget));
        var chunkRanges = _chunkRanges;
        chunkRanges.Clear();
        for (int s = 0; s < batch.SystemCount; s++)
        {
            if (!Rebuilt(s)) continue;
            int start = batch.SystemOffsets[s], end = batch.SystemOffsets[s + 1];
            for (int a = start; a < end; a += chunkSize) chunkRanges.Add((s, a, Math.Min(end, a + chunkSize)));
        }
        if (_chunks.Length < chunkRanges.Count)
        {
            var grown = new ChunkBuffer[chunkRanges.Count];
            Array.Copy(_chunks, grown, _chunks.Length);
            for (int c = _chunks.Length; c < grown.Length; c++) grown[c] = new ChunkBuffer();
            _chunks = grown;
        }
        bool half = list.Kind == NeighborListKind.Half;
        double rc2 = cutoff * cutoff;
        var images = list.AtomImages;
        if (_threads == 1 || chunkRanges.Count <= 1)
        {
            for (int c = 0; c < chunkRanges.Count; c++) SearchChunk(chunkRanges[c], _chunks[c], half, rc2, images);
        }
        else
        {
            _team.RunDynamic(chunkRanges.Count, c => SearchChunk(chunkRanges[c], _chunks[c], half, rc2, images));
        }

        // 3. Assemble the CSR arrays: rebuilt systems from the chunk buffers, kept systems copied from the
        //    current arrays. A full build writes the list's own arrays in place; only a partial rebuild
        //    (which must read the old entries while writing the new) uses the spare arrays and swaps —
        //    so single-system MD never holds a second copy of its list. Buffers only grow.
        var oldOffsets = list.Offsets; var oldNeighbors = list.Neighbors; var oldCodes = list.ShiftCodes;
        int[] offsets;
        if (partial) { if (_spareOffsets.Length < n + 1) _spareOffsets = new int[n + 1]; offsets = _spareOffsets; }
        else { if (list.Offsets.Length < n + 1) list.Offsets = new int[n + 1]; offsets = list.Offsets; }
        offsets[0] = 0;
        for (int s = 0; s < batch.SystemCount; s++)
        {
            int first = batch.SystemOffsets[s], end = batch.SystemOffsets[s + 1];
            if (Rebuilt(s)) for (int i = first; i < end; i++) offsets[i + 1] = offsets[i] + _counts[i];
            else for (int i = first; i < end; i++) offsets[i + 1] = offsets[i] + (oldOffsets[i + 1] - oldOffsets[i]);
        }
        int total = offsets[n];
        int[] neighbors, codes;
        if (partial)
        {
            if (_spareNeighbors.Length < total) { int cap = total + total / 8 + 16; _spareNeighbors = new int[cap]; _spareCodes = new int[cap]; }
            neighbors = _spareNeighbors; codes = _spareCodes;
        }
        else
        {
            if (list.Neighbors.Length < total) { int cap = total + total / 8 + 16; list.Neighbors = new int[cap]; list.ShiftCodes = new int[cap]; }
            neighbors = list.Neighbors; codes = list.ShiftCodes;
        }
        void CopyChunk(int c)
        {
            var (_, start, _) = chunkRanges[c];
            var buf = _chunks[c];
            Array.Copy(buf.Js, 0, neighbors, offsets[start], buf.Length);
            Array.Copy(buf.Codes, 0, codes, offsets[start], buf.Length);
        }
        // the chunks' destinations are disjoint, so the copies run in parallel like the search
        if (_threads == 1 || chunkRanges.Count <= 1) for (int c = 0; c < chunkRanges.Count; c++) CopyChunk(c);
        else _team.RunDynamic(chunkRanges.Count, CopyChunk);
        if (list.ShiftFree.Length < n) { var sf = list.ShiftFree; Array.Resize(ref sf, n); list.ShiftFree = sf; }
        for (int s = 0; s < batch.SystemCount; s++)
        {
            int first = batch.SystemOffsets[s], end = batch.SystemOffsets[s + 1];
            if (Rebuilt(s))
                Array.Copy(_shiftFree, first, list.ShiftFree, first, end - first);
            else
            {
                int len = oldOffsets[end] - oldOffsets[first];
                Array.Copy(oldNeighbors, oldOffsets[first], neighbors, offsets[first], len);
                Array.Copy(oldCodes, oldOffsets[first], codes, offsets[first], len);
            }
        }
        if (partial)
        {
            (list.Offsets, _spareOffsets) = (_spareOffsets, list.Offsets);
            (list.Neighbors, _spareNeighbors) = (_spareNeighbors, list.Neighbors);
            (list.ShiftCodes, _spareCodes) = (_spareCodes, list.ShiftCodes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private void Plan(SystemBatch batch, int s, double rc, SystemPlan p, int[] atomImages)
    {
        var cell = batch.Cells[s];
        p.First = batch.SystemOffsets[s];
        p.Count = batch.AtomCountOf(s);
        p.Px = cell.PeriodicA; p.Py = cell.PeriodicB; p.Pz = cell.PeriodicC;
        p.H = cell.Matrix;
        var basis = BinningBasis(cell);
        var inv = basis.Inverse();
        // face distance of the binning basis per axis
        double vol = Math.Abs(basis.Determinant);
        Vec3 a = basis.Row(0), b = basis.Row(1), c = basis.Row(2);
        double dA = vol / Vec3.Cross(b, c).Norm, dB = vol / Vec3.Cross(c, a).Norm, dC = vol / Vec3.Cross(a, b).Norm;

        int n = p.Count, first = p.First;
        // fractional coordinates, wrapped along periodic axes
        double minA = double.PositiveInfinity, maxA = double.NegativeInfinity;
        double minB = minA, maxB = maxA, minC = minA, maxC = maxA;
        EnsureLength(ref p.AtomBin, 3 * n);
        EnsureLength(ref p.Fa, n); EnsureLength(ref p.Fb, n); EnsureLength(ref p.Fc, n);
        var fa = p.Fa; var fb = p.Fb; var fc = p.Fc;
        for (int i = 0; i < n; i++)
        {
            int g = first + i;
            double x = batch.X[g], y = batch.Y[g], z = batch.Z[g];
            if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z))
                throw NonFinitePosition(i, s, x, y, z);
            double sa = x * inv.XX + y * inv.YX + z * inv.ZX;
            double sb = x * inv.XY + y * inv.YY + z * inv.ZY;
            double sc = x * inv.XZ + y * inv.YZ + z * inv.ZZ;
            int wa = 0, wb = 0, wc = 0;
            if (p.Px) { wa = (int)Math.Floor(sa); sa -= wa; if (sa >= 1.0) { sa -= 1.0; wa++; } if (sa < 0) sa = 0; }
            if (p.Py) { wb = (int)Math.Floor(sb); sb -= wb; if (sb >= 1.0) { sb -= 1.0; wb++; } if (sb < 0) sb = 0; }
            if (p.Pz) { wc = (int)Math.Floor(sc); sc -= wc; if (sc >= 1.0) { sc -= 1.0; wc++; } if (sc < 0) sc = 0; }
            atomImages[3 * g] = wa; atomImages[3 * g + 1] = wb; atomImages[3 * g + 2] = wc;
            // wrapped Cartesian position r − w·H (H rows equal basis rows on periodic axes)
            _wx[g] = x - (wa * p.H.XX + wb * p.H.YX + wc * p.H.ZX);
            _wy[g] = y - (wa * p.H.XY + wb * p.H.YY + wc * p.H.ZY);
            _wz[g] = z - (wa * p.H.XZ + wb * p.H.YZ + wc * p.H.ZZ);
            fa[i] = sa; fb[i] = sb; fc[i] = sc;
            if (sa < minA) minA = sa; if (sa > maxA) maxA = sa;
            if (sb < minB) minB = sb; if (sb > maxB) maxB = sb;
            if (sc < minC) minC = sc; if (sc > maxC) maxC = sc;
        }
        if (n == 0) { minA = maxA = minB = maxB = minC = maxC = 0; }

        AxisBins(p.Px, dA, minA, maxA, rc, out p.Nx, out p.Rx, out p.Ox, out p.Sx);
        AxisBins(p.Py, dB, minB, maxB, rc, out p.Ny, out p.Ry, out p.Oy, out p.Sy);
        AxisBins(p.Pz, dC, minC, maxC, rc, out p.Nz, out p.Rz, out p.Oz, out p.Sz);
        // Keep the number of bins near the number of atoms: many empty bins cost time and memory.
        long nbins = (long)p.Nx * p.Ny * p.Nz;
        long maxBins = Math.Max(8, 2L * n);
        if (nbins > maxBins)
        {
            double f = Math.Cbrt((double)nbins / maxBins);
            Shrink(ref p.Nx, ref p.Sx, ref p.Rx, p.Px, f, minA, maxA, dA, rc);
            Shrink(ref p.Ny, ref p.Sy, ref p.Ry, p.Py, f, minB, maxB, dB, rc);
            Shrink(ref p.Nz, ref p.Sz, ref p.Rz, p.Pz, f, minC, maxC, dC, rc);
            nbins = (long)p.Nx * p.Ny * p.Nz;
        }

        int nb = (int)nbins;
        EnsureLength(ref p.BinStart, nb + 1);
        Array.Clear(p.BinStart, 0, nb + 1);
        for (int i = 0; i < n; i++)
        {
            int ba = BinIndex(fa[i], p.Ox, p.Sx, p.Nx);
            int bb = BinIndex(fb[i], p.Oy, p.Sy, p.Ny);
            int bc = BinIndex(fc[i], p.Oz, p.Sz, p.Nz);
            p.AtomBin[3 * i] = ba; p.AtomBin[3 * i + 1] = bb; p.AtomBin[3 * i + 2] = bc;
            int bin = ba + p.Nx * (bb + p.Ny * bc);
            _atomBinIdx[first + i] = bin;
            p.BinStart[bin + 1]++;
        }
        int maxOccupancy = 0;
        for (int k = 0; k < nb; k++) maxOccupancy = Math.Max(maxOccupancy, p.BinStart[k + 1]);
        long visited = (long)Math.Min(2 * p.Rx + 1, p.Nx * (p.Px ? 2 * p.Rx + 1 : 1)) * Math.Min(2 * p.Ry + 1, p.Ny * (p.Py ? 2 * p.Ry + 1 : 1)) * Math.Min(2 * p.Rz + 1, p.Nz * (p.Pz ? 2 * p.Rz + 1 : 1));
        p.MaxCandidates = (int)Math.Min((long)maxOccupancy * visited, (long)n * (2 * p.Rx + 1) * (2 * p.Ry + 1) * (2 * p.Rz + 1));
        for (int k = 0; k < nb; k++) p.BinStart[k + 1] += p.BinStart[k];
        EnsureLength(ref p.BinAtoms, n);
        EnsureLength(ref p.AtomSlot, n);
        EnsureLength(ref p.BinX, n + 8); EnsureLength(ref p.BinY, n + 8); EnsureLength(ref p.BinZ, n + 8);
        // counting sort (stable: atoms keep their order within a bin)
        EnsureLength(ref p.Fill, nb);
        var fill = p.Fill;
        Array.Clear(fill, 0, nb);
        for (int i = 0; i < n; i++)
        {
            int bin = _atomBinIdx[first + i];
            int slot = p.BinStart[bin] + fill[bin]++;
            p.BinAtoms[slot] = first + i;
            p.AtomSlot[i] = slot;
            p.BinX[slot] = _wx[first + i]; p.BinY[slot] = _wy[first + i]; p.BinZ[slot] = _wz[first + i];
        }
    }

    /// <summary>Target bin thickness as a fraction of the cutoff (LAMMPS uses ½ too).</summary>
    private const double BinFraction = 0.5;

    private static void AxisBins(bool periodic, double faceDistance, double min, double max, double rc,
        out int bins, out int range, out double origin, out double width)
    {
        double extent = periodic ? faceDistance : (max - min) * faceDistance;
        bins = Math.Max(1, (int)Math.Floor(extent / (BinFraction * rc)));
        if (bins > 1 << 20) bins = 1 << 20;
        origin = periodic ? 0 : min;
        width = periodic ? 1.0 / bins : (max - min > 0 ? (max - min) / bins : 1.0);
        range = Range(periodic, extent, bins, rc);
    }

    /// <summary>Bins to visit on each side: ⌈r_c / thickness⌉ (for a periodic axis thinner than r_c this counts images).</summary>
    private static int Range(bool periodic, double extent, int bins, double rc)
    {
        if (!periodic && bins == 1) return 1;
        double thickness = extent / bins;
        return thickness >= rc ? 1 : (int)Math.Ceiling(rc / thickness);
    }

    private static void Shrink(ref int bins, ref double width, ref int range, bool periodic, double f, double min, double max, double faceDistance, double rc)
    {
        int shrunk = Math.Max(1, (int)Math.Floor(bins / f));
        if (shrunk == bins) return;
        bins = shrunk;
        width = periodic ? 1.0 / bins : (max - min > 0 ? (max - min) / bins : 1.0);
        range = Range(periodic, periodic ? faceDistance : (max - min) * faceDistance, bins, rc);
    }

    private static int BinIndex(double s, double origin, double width, int bins)
    {
        int b = (int)((s - origin) / width);
        if (b < 0) b = 0;
        if (b >= bins) b = bins - 1;
        return b;
    }

    /// <summary>True for the "upper half" of stencil offsets: exactly one of δ and −δ (δ ≠ 0) qualifies.</summary>
    private static bool UpperHalf(int da, int db, int dc) => dc > 0 || (dc == 0 && (db > 0 || (db == 0 && da > 0)));

    private static void BuildStencilRows(SystemPlan p, bool half)
    {
        // Rows along a (bins ba−R…ba+R are consecutive in memory, so a row is one slot range).
        // Half lists take rows with (db, dc) in the upper half; the (0, 0) row is handled apart.
        int rows = 0;
        EnsureLength(ref p.Rows, (2 * p.Ry + 1) * (2 * p.Rz + 1));
        for (int dc = -p.Rz; dc <= p.Rz; dc++)
            for (int db = -p.Ry; db <= p.Ry; db++)
            {
                if (db == 0 && dc == 0) continue;
                if (half && !(dc > 0 || (dc == 0 && db > 0))) continue;
                p.Rows[rows++] = p.Nx * (db + p.Ny * dc);
            }
        p.RowCount = rows;
    }

    /// <summary>
    /// Neighbors of atoms [Start, End) of one system. Half lists visit the own bin (later slots only)
    /// and the upper half of the stencil: a pair seen from i at bin offset δ is seen from j at −δ, so
    /// each pair (with its image) is found exactly once. Atoms whose stencil stays inside the grid take
    /// a fast path with precomputed linear offsets and no image shift.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private unsafe void SearchChunk((int Sys, int Start, int End) range, ChunkBuffer buf, bool half, double rc2, int[] images)
    {
        var p = _plans[range.Sys];
        buf.Length = 0;
        int nx = p.Nx, ny = p.Ny, nz = p.Nz;
        int rx = p.Rx, ry = p.Ry, rz = p.Rz;
        var h = p.H;
        int first = p.First;
        int codeStrideB = 2 * rz + 1, codeStrideA = (2 * ry + 1) * codeStrideB;
        int zeroCode = p.CodeBase + rx * codeStrideA + ry * codeStrideB + rz;
        fixed (int* binStart = p.BinStart, binAtoms = p.BinAtoms, atomBin = p.AtomBin, atomSlot = p.AtomSlot)
        fixed (double* bx = p.BinX, by = p.BinY, bz = p.BinZ)
        fixed (int* rows = p.Rows)
        {
            for (int i = range.Start; i < range.End; i++)
            {
                bool interiorAtom;
                int before = buf.Length;
                buf.EnsureRoom(p.MaxCandidates);
                fixed (int* outJ = buf.Js, outCode = buf.Codes)
                {
                int len = before;
                int li = i - first;
                int ba = atomBin[3 * li], bb = atomBin[3 * li + 1], bc = atomBin[3 * li + 2];
                int islot = atomSlot[li];
                double xi = bx[islot], yi = by[islot], zi = bz[islot];
                int ownBin = ba + nx * (bb + ny * bc);
                bool interior = ba - rx >= 0 && ba + rx < nx && bb - ry >= 0 && bb + ry < ny && bc - rz >= 0 && bc + rz < nz;
                interiorAtom = interior;

                if (interior)
                {
                    // (0, 0) row: the own bin's later slots (half) or all of it (full), then bins ba+1…ba+R
                    // (and for full lists ba−R…ba−1), all contiguous.
                    int rowLo = half ? islot + 1 : binStart[ownBin - rx];
                    len = ScanRange(rowLo, binStart[ownBin + rx + 1], half ? -1 : islot, xi, yi, zi, rc2, bx, by, bz, binAtoms, outJ, outCode, len, zeroCode);
                    for (int q = 0; q < p.RowCount; q++)
                    {
                        int centre = ownBin + rows[q];
                        len = ScanRange(binStart[centre - rx], binStart[centre + rx + 1], -1, xi, yi, zi, rc2, bx, by, bz, binAtoms, outJ, outCode, len, zeroCode);
                    }
                }
                else
                {
                    // Near the grid's edge: the same rows along a, cut where the unwrapped bin index crosses
                    // an image boundary, so each piece is one contiguous slot range with one image shift
                    // (scanned four candidates at a time like the interior). Own bin first, no image shift.
                    if (half) len = ScanRange(islot + 1, binStart[ownBin + 1], -1, xi, yi, zi, rc2, bx, by, bz, binAtoms, outJ, outCode, len, zeroCode);
                    else len = ScanRange(binStart[ownBin], binStart[ownBin + 1], islot, xi, yi, zi, rc2, bx, by, bz, binAtoms, outJ, outCode, len, zeroCode);
                    for (int dc = -rz; dc <= rz; dc++)
                    {
                        int uc = bc + dc;
                        int nc = FloorDiv(uc, nz);
                        if (!p.Pz && nc != 0) continue;
                        int kc = uc - nc * nz;
                        for (int db = -ry; db <= ry; db++)
                        {
                            // half lists: rows (db, dc) of the upper half whole, the (0, 0) row for da > 0 only
                            bool centreRow = db == 0 && dc == 0;
                            if (half && !centreRow && !(dc > 0 || (dc == 0 && db > 0))) continue;
                            int ub = bb + db;
                            int nbb = FloorDiv(ub, ny);
                            if (!p.Py && nbb != 0) continue;
                            int kb = ub - nbb * ny;
                            int rowBase = nx * (kb + ny * kc);
                            if (centreRow)
                            {
                                len = ScanRowPieces(p, ba + 1, ba + rx, rowBase, nbb, nc, xi, yi, zi, rc2, bx, by, bz, binStart, binAtoms, outJ, outCode, len);
                                if (!half) len = ScanRowPieces(p, ba - rx, ba - 1, rowBase, nbb, nc, xi, yi, zi, rc2, bx, by, bz, binStart, binAtoms, outJ, outCode, len);
                            }
                            else len = ScanRowPieces(p, ba - rx, ba + rx, rowBase, nbb, nc, xi, yi, zi, rc2, bx, by, bz, binStart, binAtoms, outJ, outCode, len);
                        }
                    }
                }
                buf.Length = len;
                }
                _counts[i] = buf.Length - before;
                bool shiftFree = true;
                if (!interiorAtom)
                    for (int k = before; k < buf.Length; k++)
                        if (buf.Codes[k] != zeroCode) { shiftFree = false; break; }
                _shiftFree[i] = shiftFree;
            }
        }
    }

    /// <summary>
    /// Scans unwrapped bins ua = lo…hi along a of one row (bins rowBase + ka), split into pieces of one
    /// image each: ua = na·n_a + ka, so a piece is consecutive ka (one slot range) with image (na, nb, nc).
    /// A displacement bⱼ + n·H − rᵢ is scanned as bⱼ − (rᵢ − n·H).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private static unsafe int ScanRowPieces(SystemPlan p, int lo, int hi, int rowBase, int nbb, int nc, double xi, double yi, double zi, double rc2,
        double* bx, double* by, double* bz, int* binStart, int* binAtoms, int* outJ, int* outCode, int len)
    {
        int nx = p.Nx;
        var h = p.H;
        int codeStrideB = 2 * p.Rz + 1, codeStrideA = (2 * p.Ry + 1) * codeStrideB;
        for (int ua = lo; ua <= hi;)
        {
            int na = FloorDiv(ua, nx);
            int last = Math.Min(hi, (na + 1) * nx - 1);
            if (p.Px || na == 0)
            {
                int ka = ua - na * nx;
                int code = p.CodeBase + (na + p.Rx) * codeStrideA + (nbb + p.Ry) * codeStrideB + (nc + p.Rz);
                double sx = na * h.XX + nbb * h.YX + nc * h.ZX;
                double sy = na * h.XY + nbb * h.YY + nc * h.ZY;
                double sz = na * h.XZ + nbb * h.YZ + nc * h.ZZ;
                len = ScanRange(binStart[rowBase + ka], binStart[rowBase + ka + (last - ua) + 1], -1, xi - sx, yi - sy, zi - sz, rc2, bx, by, bz, binAtoms, outJ, outCode, len, code);
            }
            ua = last + 1;
        }
        return len;
    }

    /// <summary>
    /// Appends the slots in [lo, hi) within r_c of (xi, yi, zi), skipping <paramref name="skip"/>:
    /// four candidates at a time with AVX2 when available (positions in SoA, one mask per four).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int ScanRange(int lo, int hi, int skip, double xi, double yi, double zi, double rc2,
        double* bx, double* by, double* bz, int* binAtoms, int* outJ, int* outCode, int len, int code)
    {
        int s = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            var vx = Vector256.Create(xi); var vy = Vector256.Create(yi); var vz = Vector256.Create(zi); var vc = Vector256.Create(rc2);
            for (; s + 4 <= hi; s += 4)
            {
                var dx = Vector256.Load(bx + s) - vx;
                var dy = Vector256.Load(by + s) - vy;
                var dz = Vector256.Load(bz + s) - vz;
                var r2 = dx * dx + dy * dy + dz * dz;
                uint mask = Vector256.LessThan(r2, vc).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int slot = s + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    if (slot == skip) continue;
                    outJ[len] = binAtoms[slot]; outCode[len++] = code;
                }
            }
        }
        for (; s < hi; s++)
        {
            double dx = bx[s] - xi, dy = by[s] - yi, dz = bz[s] - zi;
            if (dx * dx + dy * dy + dz * dz < rc2 && s != skip) { outJ[len] = binAtoms[s]; outCode[len++] = code; }
        }
        return len;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>
    /// Basis for binning: cell rows on periodic axes; on open axes unit vectors normal to the
    /// periodic rows (and to each other), so fractional coordinates always exist.
    /// </summary>
    internal static Mat3 BinningBasis(Cell cell)
    {
        var rows = new[] { cell.A, cell.B, cell.C };
        var per = new[] { cell.PeriodicA, cell.PeriodicB, cell.PeriodicC };
        int np = per.Count(x => x);
        if (np == 3) return cell.Matrix;
        if (np == 0) return Mat3.Identity;
        if (np == 2)
        {
            int open = Array.IndexOf(per, false);
            var u = rows[(open + 1) % 3]; var v = rows[(open + 2) % 3];
            var nrm = Vec3.Cross(u, v);
            if (nrm.NormSquared == 0) throw new ArgumentException("the two periodic cell vectors are parallel");
            rows[open] = nrm / nrm.Norm;
        }
        else
        {
            int pa = Array.IndexOf(per, true);
            var a = rows[pa] / rows[pa].Norm;
            // Cartesian axis least aligned with a
            Vec3 e = Math.Abs(a.X) <= Math.Abs(a.Y) && Math.Abs(a.X) <= Math.Abs(a.Z) ? new Vec3(1, 0, 0)
                   : Math.Abs(a.Y) <= Math.Abs(a.Z) ? new Vec3(0, 1, 0) : new Vec3(0, 0, 1);
            var u = Vec3.Cross(a, e); u /= u.Norm;
            var w = Vec3.Cross(a, u); w /= w.Norm;
            rows[(pa + 1) % 3] = u; rows[(pa + 2) % 3] = w;
        }
        return Mat3.FromRows(rows[0], rows[1], rows[2]);
    }

    private static void EnsureLength<T>(ref T[] a, int n)
    {
        if (a.Length < n) a = new T[Math.Max(n, a.Length + a.Length / 2)];
    }
}
