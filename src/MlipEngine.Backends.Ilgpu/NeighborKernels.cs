using ILGPU;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The cell grid of a device list build: per system <see cref="Stride"/> ints (bins N along a, b, c, its first bin, the image reach K
/// along a, b, c and its first shift code), the cells H and H⁻¹ (9 doubles each, row-major, rows the lattice vectors), and per bin its
/// atom count and up to <see cref="Capacity"/> atoms.
/// </summary>
internal struct BinGrid
{
    /// <summary>Per system the point the fractional coordinates are measured from (3 doubles): 0 for periodic cells, the corner of
    /// the box drawn around the atoms along open axes.</summary>
    public ArrayView<double> Origin;
    /// <summary>Ints per system in <see cref="Dims"/>.</summary>
    public const int Stride = 8;

    public ArrayView<double> Cells, Inverse;
    public ArrayView<int> Dims, Count, Atoms, AtomBin, Overflow;
    public int Capacity;
}

/// <summary>
/// Full neighbor lists built on the device (kernels/neighbor.cl's algorithm, in C#), for periodic cells of any thickness (general
/// triclinic; the cutoff may exceed half a box length, or the cell itself) and open or mixed boundaries (below).
/// <para>Bins are cut in fractional coordinates: N_a = max(1, ⌊d_a / r_l⌋) bins along axis a (d_a the face distance). Where d_a ≥ r_l,
/// two points closer than r_l differ in fractional coordinate a by at most r_l/d_a ≤ 1/N_a, so every neighbor lies in the bins
/// δ ∈ {−1, 0, 1} around the atom's own (reach K_a = 1). Where the cell is thinner than r_l (N_a = 1), a neighbor's image n along a
/// is at least (|n| − 1) d_a away across the faces, so |n| ≤ K_a = ⌈r_l/d_a⌉ covers it: δ ∈ [−K_a, K_a]. Visiting unwrapped bin b + δ
/// means lattice image n = ⌊(b + δ)/N_a⌋ of bin (b + δ) mod N_a; each (bin, image) pair is visited once, so no pair is listed twice.
/// Shift code of image (n_a, n_b, n_c) of system s: first_s + ((n_a + K_a)(2K_b + 1) + n_b + K_b)(2K_c + 1) + n_c + K_c, which is
/// 27·s + 9(n_a + 1) + 3(n_b + 1) + n_c + 1 when every reach is 1.</para>
/// <para>Open axes (clusters, slabs, wires): the builder draws a box around the atoms: along each open axis a lattice vector L d̂
/// (d̂ a unit vector normal to the periodic ones, L the atoms' extent along d̂ plus r_l + 2 Å) and an origin 1 Å before the lowest
/// atom (<see cref="Extent"/> measures them on the device). Every atom's fractional coordinate along d̂ is then inside (0, 1), so its
/// image there is 0 (r̃ = r), and an image of another atom along d̂ is at least L − extent > r_l away: only true pairs are listed,
/// with no shift along open axes, as the CPU list has them.</para>
/// <para>Passes: <see cref="Bin"/> (wrap into the cell: images w, r̃ = r − w·H; append to fixed-capacity bins by integer atomic add,
/// overflow reported by atomic max), <see cref="SortBins"/> (each bin's atoms by index, so the list's order does not depend on which
/// thread the atomics served first: deterministic lists, deterministic forces), <see cref="Fill"/> (per atom, the bins within reach in a fixed
/// order, r &lt; r_l kept, up to the capacity; the true count is kept so the host can grow the capacity and fill again).
/// <see cref="Mirror"/> finds each entry's mirror for the potentials that need it. No float atomics.</para>
/// </summary>
internal static class NeighborKernels
{
    /// <summary>Wraps atom i into its cell (images w, r̃ = r − w·H), finds its bin and appends it there.</summary>
    public static void Bin(Index1D index, ArrayView<double> rx, ArrayView<double> ry, ArrayView<double> rz, ArrayView<int> system,
        BinGrid grid, ArrayView<int> images, DeviceGeometry g)
    {
        int i = index, s = system[i], h = 9 * s;
        double r0 = rx[i], r1 = ry[i], r2 = rz[i];
        double q0 = r0 - grid.Origin[3 * s], q1 = r1 - grid.Origin[3 * s + 1], q2 = r2 - grid.Origin[3 * s + 2];
        int w0 = 0, w1 = 0, w2 = 0, b0 = 0, b1 = 0, b2 = 0;
        for (int a = 0; a < 3; a++)
        {
            double f = q0 * grid.Inverse[h + a] + q1 * grid.Inverse[h + 3 + a] + q2 * grid.Inverse[h + 6 + a];   // s = (r − o)·H⁻¹ (row vector)
            double fl = Math.Floor(f);
            f -= fl;
            int nb = grid.Dims[BinGrid.Stride * s + a], bi = (int)(f * nb);
            bi = bi < 0 ? 0 : (bi >= nb ? nb - 1 : bi);   // f may round to 1.0
            if (a == 0) { w0 = (int)fl; b0 = bi; } else if (a == 1) { w1 = (int)fl; b1 = bi; } else { w2 = (int)fl; b2 = bi; }
        }
        images[3 * i] = w0; images[3 * i + 1] = w1; images[3 * i + 2] = w2;
        grid.AtomBin[3 * i] = b0; grid.AtomBin[3 * i + 1] = b1; grid.AtomBin[3 * i + 2] = b2;
        double wa = w0, wb = w1, wc = w2;
        g.X[i] = r0 - (wa * grid.Cells[h] + wb * grid.Cells[h + 3] + wc * grid.Cells[h + 6]);
        g.Y[i] = r1 - (wa * grid.Cells[h + 1] + wb * grid.Cells[h + 4] + wc * grid.Cells[h + 7]);
        g.Z[i] = r2 - (wa * grid.Cells[h + 2] + wb * grid.Cells[h + 5] + wc * grid.Cells[h + 8]);
        int d = BinGrid.Stride * s, bin = grid.Dims[d + 3] + (b0 * grid.Dims[d + 1] + b1) * grid.Dims[d + 2] + b2;
        int slot = Atomic.Add(ref grid.Count[bin], 1);
        if (slot < grid.Capacity) grid.Atoms[bin * grid.Capacity + slot] = i;
        Atomic.Max(ref grid.Overflow[0], slot + 1);
    }

    /// <summary>Sorts one bin's atoms by index (insertion sort: bins hold ~10–30 atoms).</summary>
    public static void SortBins(Index1D index, BinGrid grid)
    {
        int bin = index, m = Math.Min(grid.Count[bin], grid.Capacity), a0 = bin * grid.Capacity;
        for (int p = 1; p < m; p++)
        {
            int v = grid.Atoms[a0 + p], q = p - 1;
            while (q >= 0 && grid.Atoms[a0 + q] > v) { grid.Atoms[a0 + q + 1] = grid.Atoms[a0 + q]; q--; }
            grid.Atoms[a0 + q + 1] = v;
        }
    }

    /// <summary>
    /// Atom i's entries: the bins b + δ around its own, δ from −K to K per axis (image n = ⌊(b + δ)/N⌋, its shift code as above), their
    /// atoms in index order, r &lt; r_l (<paramref name="radius2"/> = r_l²) and not i itself unshifted; up to <paramref name="capacity"/> entries
    /// stored, the true count in Count[i] and the largest count in Overflow[1].
    /// </summary>
    public static void Fill(Index1D index, ArrayView<int> system, BinGrid grid, DeviceGeometry g, double radius2, int capacity)
    {
        int i = index, s = system[i], d0 = BinGrid.Stride * s;
        int na = grid.Dims[d0], nb = grid.Dims[d0 + 1], nc = grid.Dims[d0 + 2], first = grid.Dims[d0 + 3];
        int ka = grid.Dims[d0 + 4], kb = grid.Dims[d0 + 5], kc = grid.Dims[d0 + 6], firstCode = grid.Dims[d0 + 7];
        int ba = grid.AtomBin[3 * i], bb = grid.AtomBin[3 * i + 1], bc = grid.AtomBin[3 * i + 2];
        double xi = g.X[i], yi = g.Y[i], zi = g.Z[i];
        int count = 0;
        for (int da = -ka; da <= ka; da++)
        {
            int a = ba + da, ia = FloorDiv(a, na);
            a -= ia * na;
            for (int db = -kb; db <= kb; db++)
            {
                int b = bb + db, ib = FloorDiv(b, nb);
                b -= ib * nb;
                for (int dc = -kc; dc <= kc; dc++)
                {
                    int c = bc + dc, ic = FloorDiv(c, nc);
                    c -= ic * nc;
                    int code = firstCode + ((ia + ka) * (2 * kb + 1) + ib + kb) * (2 * kc + 1) + ic + kc;
                    bool unshifted = ia == 0 && ib == 0 && ic == 0;
                    double sx = g.Shifts[3 * code], sy = g.Shifts[3 * code + 1], sz = g.Shifts[3 * code + 2];
                    int bin = first + (a * nb + b) * nc + c, m = Math.Min(grid.Count[bin], grid.Capacity);
                    for (int p = 0; p < m; p++)
                    {
                        int j = grid.Atoms[bin * grid.Capacity + p];
                        if (j == i && unshifted) continue;
                        double dx = g.X[j] - xi + sx, dy = g.Y[j] - yi + sy, dz = g.Z[j] - zi + sz;
                        if (dx * dx + dy * dy + dz * dz < radius2)
                        {
                            if (count < capacity) { g.J[count * g.Stride + i] = j; g.Code[count * g.Stride + i] = code; }
                            count++;
                        }
                    }
                }
            }
        }
        g.Count[i] = count;
        Atomic.Max(ref grid.Overflow[1], count);
    }

    /// <summary>
    /// Thread 3s + k: the lowest and highest r·d̂_k over system s's atoms [offsets[s], offsets[s+1]) (d̂_k = dirs[9s + 3k …], 0 for a
    /// periodic axis), into extent[6s + 2k], extent[6s + 2k + 1]. Minimum and maximum do not depend on the order: deterministic.
    /// </summary>
    public static void Extent(Index1D index, ArrayView<double> rx, ArrayView<double> ry, ArrayView<double> rz, ArrayView<int> offsets,
        ArrayView<double> dirs, ArrayView<double> extent)
    {
        int s = index / 3, k = index - 3 * s, d = 9 * s + 3 * k;
        double dx = dirs[d], dy = dirs[d + 1], dz = dirs[d + 2], lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = offsets[s], end = offsets[s + 1]; i < end; i++)
        {
            double p = rx[i] * dx + ry[i] * dy + rz[i] * dz;
            lo = p < lo ? p : lo;
            hi = p > hi ? p : hi;
        }
        extent[6 * s + 2 * k] = lo;
        extent[6 * s + 2 * k + 1] = hi;
    }

    /// <summary>⌊v / n⌋ for n ≥ 1 (the image of unwrapped bin v).</summary>
    private static int FloorDiv(int v, int n) => v >= 0 ? v / n : -((-v + n - 1) / n);

    /// <summary>
    /// The mirror of list slot s (entry i → j with shift S): the slot of j's entry pointing to i with −S (a full list holds both), found
    /// by |S + S′|² &lt; 1e-8 Å² (distinct images differ by at least a lattice vector); −1 for slots past an atom's count.
    /// </summary>
    public static void Mirror(Index1D index, DeviceGeometry g, int n, ArrayView<int> mirror)
    {
        int s = index, i = s % g.Stride, k = s / g.Stride;
        mirror[s] = -1;
        if (i >= n || k >= g.Count[i]) return;
        int j = g.J[s], c = 3 * g.Code[s];
        double sx = g.Shifts[c], sy = g.Shifts[c + 1], sz = g.Shifts[c + 2];
        for (int q = 0, m = g.Count[j]; q < m; q++)
        {
            int f = q * g.Stride + j;
            if (g.J[f] != i) continue;
            int c2 = 3 * g.Code[f];
            double ex = g.Shifts[c2] + sx, ey = g.Shifts[c2 + 1] + sy, ez = g.Shifts[c2 + 2] + sz;
            if (ex * ex + ey * ey + ez * ez < 1e-8) { mirror[s] = f; return; }
        }
    }
}
