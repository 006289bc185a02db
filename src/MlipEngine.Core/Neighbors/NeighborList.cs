using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Neighbors;

/// <summary>Full lists hold each pair twice (i→j and j→i); half lists once (Newton's third law).</summary>
public enum NeighborListKind { Full, Half }

/// <summary>
/// Neighbors of every atom of a <see cref="SystemBatch"/> in compressed-sparse-row layout.
/// </summary>
/// <remarks>
/// <para>Atom i's neighbors are entries k in [Offsets[i], Offsets[i+1]) of <see cref="Neighbors"/>
/// (global atom indices) and <see cref="ShiftCodes"/>.</para>
/// <para>Periodic images. At build time each atom is wrapped into its cell by an integer lattice
/// translation wᵢ (<see cref="AtomImages"/>), and each pair gets an image shift nₖ (a short code into
/// <see cref="ShiftVectors"/>, holding nₖ·H in Å). With r̃ᵢ = rᵢ − wᵢ·H, the displacement used by every
/// kernel is
/// <code>  dᵢⱼ = r̃ⱼ − r̃ᵢ + nₖ·H   =   rⱼ − rᵢ + (nₖ + wᵢ − wⱼ)·H  </code>
/// so positions stay unwrapped (an atom may drift out of the cell between rebuilds) and the small
/// code table is all a kernel (CPU or GPU) needs. Reference code can ask <see cref="Displacement"/>.</para>
/// <para>Half lists hold each pair once — (i, j, S) or its mirror (j, i, −S), whichever the cell-list
/// stencil meets first; kernels must not assume j &gt; i.</para>
/// </remarks>
public sealed class NeighborList
{
    internal NeighborList(NeighborListKind kind) { Kind = kind; }

    public NeighborListKind Kind { get; }
    /// <summary>Radius of the list in Å (interaction cutoff plus skin).</summary>
    public double Cutoff { get; internal set; }
    public int AtomCount { get; internal set; }
    public int SystemCount { get; internal set; }
    /// <summary>Length AtomCount + 1.</summary>
    public int[] Offsets { get; internal set; } = [0];
    /// <summary>Neighbor atom (global index) of each entry; capacity may exceed <see cref="PairCount"/>.</summary>
    public int[] Neighbors { get; internal set; } = [];
    /// <summary>Image-shift code of each entry, an index into <see cref="ShiftVectors"/>.</summary>
    public int[] ShiftCodes { get; internal set; } = [];
    /// <summary>Cartesian image shifts n·H (Å), three per code.</summary>
    public double[] ShiftVectors { get; internal set; } = [];
    /// <summary>Integer image shifts n (three per code).</summary>
    public int[] ShiftImages { get; internal set; } = [];
    /// <summary>System each code belongs to.</summary>
    public int[] ShiftSystem { get; internal set; } = [];
    public int ShiftCount { get; internal set; }
    /// <summary>Per atom, the integer lattice translation w that wrapped it at build time (3 per atom).</summary>
    public int[] AtomImages { get; internal set; } = [];
    /// <summary>
    /// Per atom: true when every entry of the atom has the zero image shift, so kernels may use
    /// dᵢⱼ = r̃ⱼ − r̃ᵢ without looking up <see cref="ShiftVectors"/> (most atoms of a large cell).
    /// </summary>
    public bool[] ShiftFree { get; internal set; } = [];
    /// <summary>Cells the list was built for (one per system).</summary>
    public Cell[] Cells { get; internal set; } = [];

    public int PairCount => Offsets[AtomCount];

    public int NeighborCount(int atom) => Offsets[atom + 1] - Offsets[atom];

    /// <summary>The largest neighbor count of any atom (0 for an empty list).</summary>
    public int MaxNeighborCount()
    {
        int max = 0;
        for (int i = 0; i < AtomCount; i++) max = Math.Max(max, NeighborCount(i));
        return max;
    }

    /// <summary>
    /// Copies the list into the padded NEIGHBOR-MAJOR layout of the device kernels (kernels/common.cl,
    /// the ILGPU backend): <paramref name="count"/>[i], and entry k of atom i at k·<paramref name="stride"/> + i
    /// of <paramref name="neighbors"/> and <paramref name="shiftCodes"/> (stride ≥ <see cref="AtomCount"/>, spans of
    /// at least <see cref="MaxNeighborCount"/>·stride), so a GPU warp's loads at step k are contiguous.
    /// </summary>
    public void CopyNeighborMajor(int stride, Span<int> count, Span<int> neighbors, Span<int> shiftCodes)
    {
        for (int i = 0; i < AtomCount; i++)
        {
            int k0 = Offsets[i], c = Offsets[i + 1] - k0;
            count[i] = c;
            for (int k = 0; k < c; k++) { neighbors[k * stride + i] = Neighbors[k0 + k]; shiftCodes[k * stride + i] = ShiftCodes[k0 + k]; }
        }
    }

    /// <summary>Total integer lattice shift S of entry k of atom i: dᵢⱼ = rⱼ − rᵢ + S·H.</summary>
    public (int A, int B, int C) LatticeShift(int i, int k)
    {
        int j = Neighbors[k], c = ShiftCodes[k];
        return (ShiftImages[3 * c] + AtomImages[3 * i] - AtomImages[3 * j],
                ShiftImages[3 * c + 1] + AtomImages[3 * i + 1] - AtomImages[3 * j + 1],
                ShiftImages[3 * c + 2] + AtomImages[3 * i + 2] - AtomImages[3 * j + 2]);
    }

    /// <summary>Displacement dᵢⱼ = rⱼ − rᵢ + S·H (Å) of entry k of atom i, for current positions.</summary>
    public Vec3 Displacement(SystemBatch batch, int i, int k)
    {
        int j = Neighbors[k];
        var (a, b, c) = LatticeShift(i, k);
        var h = batch.Cells[batch.SystemIndex[i]].Matrix;
        var s = new Vec3(a, b, c) * h;
        return new Vec3(batch.X[j] - batch.X[i] + s.X, batch.Y[j] - batch.Y[i] + s.Y, batch.Z[j] - batch.Z[i] + s.Z);
    }

    /// <summary>
    /// Writes image-corrected positions r̃ = r − w·H (Å) for the current positions, so that a kernel's
    /// displacement is r̃ⱼ − r̃ᵢ + ShiftVectors[code].
    /// </summary>
    public void ImageCorrectedPositions(SystemBatch batch, Span<double> x, Span<double> y, Span<double> z) =>
        ImageCorrectedPositions(batch, Cells, AtomImages, x, y, z);

    /// <summary>
    /// r̃ = r − w·H of every atom of <paramref name="batch"/> from images <paramref name="images"/> (3 per atom) and each system's
    /// <paramref name="cells"/>: for a list built elsewhere (a device build's images).
    /// </summary>
    public static void ImageCorrectedPositions(SystemBatch batch, ReadOnlySpan<Cell> cells, ReadOnlySpan<int> images, Span<double> x, Span<double> y, Span<double> z)
    {
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var h = cells[s].Matrix;
            for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
            {
                int wa = images[3 * i], wb = images[3 * i + 1], wc = images[3 * i + 2];
                if ((wa | wb | wc) == 0) { x[i] = batch.X[i]; y[i] = batch.Y[i]; z[i] = batch.Z[i]; continue; }
                x[i] = batch.X[i] - (wa * h.XX + wb * h.YX + wc * h.ZX);
                y[i] = batch.Y[i] - (wa * h.XY + wb * h.YY + wc * h.ZY);
                z[i] = batch.Z[i] - (wa * h.XZ + wb * h.YZ + wc * h.ZZ);
            }
        }
    }

    /// <summary>Image-corrected positions r̃ = r − w·H interleaved as x0 y0 z0 x1 … (Å), for kernels that gather by neighbor.</summary>
    public void ImageCorrectedPositions(SystemBatch batch, Span<double> xyz)
    {
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var h = Cells[s].Matrix;
            for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
            {
                int wa = AtomImages[3 * i], wb = AtomImages[3 * i + 1], wc = AtomImages[3 * i + 2];
                xyz[3 * i] = batch.X[i] - (wa * h.XX + wb * h.YX + wc * h.ZX);
                xyz[3 * i + 1] = batch.Y[i] - (wa * h.XY + wb * h.YY + wc * h.ZY);
                xyz[3 * i + 2] = batch.Z[i] - (wa * h.XZ + wb * h.YZ + wc * h.ZZ);
            }
        }
    }

    /// <summary>
    /// Adopts the batch's current cells without rebuilding: recomputes the Cartesian shift vectors n·H
    /// (pairs and image codes stay). Only valid when the caller has checked that no pair can have
    /// crossed the list radius (see <see cref="VerletNeighborList"/>).
    /// </summary>
    public void UpdateCells(SystemBatch batch)
    {
        for (int s = 0; s < SystemCount; s++) Cells[s] = batch.Cells[s];
        for (int c = 0; c < ShiftCount; c++)
        {
            var h = Cells[ShiftSystem[c]].Matrix;
            var v = new Vec3(ShiftImages[3 * c], ShiftImages[3 * c + 1], ShiftImages[3 * c + 2]) * h;
            ShiftVectors[3 * c] = v.X; ShiftVectors[3 * c + 1] = v.Y; ShiftVectors[3 * c + 2] = v.Z;
        }
    }
}
