// Cell-list build of full neighbor lists on the device, for fully periodic (general triclinic)
// cells whose three face distances are all >= the list radius rc. (Open or mixed boundaries and
// thinner cells are built on the host by MlipEngine.Neighbors and uploaded; see DeviceNeighborList.)
//
// Bins are cut in fractional coordinates: N_a = floor(d_a / rc) >= 1 bins along axis a, where d_a
// is the face distance. Two points closer than rc differ in fractional coordinate a by at most
// rc/d_a <= 1/N_a (the projection of their displacement on the unit normal, divided by d_a), so all
// neighbors of an atom lie in the 3x3x3 bins around its own. Visiting unwrapped bin b+delta means
// lattice image n = floor((b+delta)/N_a) of bin (b+delta) mod N_a; with delta in {-1,0,1} and
// N_a >= 1 each (bin, image) pair is visited once, so no pair is listed twice even for N_a = 1, 2.
//
// Passes (all one work-item per atom or per bin, work-group WG_ATOMS, no local memory):
//   nl_bin       wrap into the cell (images w, r~ = r - w.H), bin, append to fixed-capacity bins
//                (integer atomic_inc; bin overflow reported through atomic_max -> host regrows)
//   nl_sort_bins sort each bin's atoms by index, so the list order does not depend on the order in
//                which atomic_inc served the atoms (deterministic lists -> deterministic forces)
//   nl_fill      per atom, scan 27 bins x <= BIN_CAP atoms, keep r < rc, write up to CAP entries;
//                the true count is kept so the host can detect overflow and rebuild with more room.

__kernel void nl_bin(int n,
                     __global const acc_t* rx, __global const acc_t* ry, __global const acc_t* rz,
                     __global const int* sys, __global const acc_t* cell, __global const acc_t* cell_inv,
                     __global const int* bin_dims,
                     __global int* images, __global int* atom_bin,
                     __global acc_t* x, __global acc_t* y, __global acc_t* z,
                     __global int* bin_count, __global int* bin_atoms, int bin_cap, __global int* overflow)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int s = sys[i];
    __global const acc_t* h = cell + 9 * s;
    __global const acc_t* g = cell_inv + 9 * s;
    acc_t r0 = rx[i], r1 = ry[i], r2 = rz[i];
    int nb[3] = { bin_dims[4 * s], bin_dims[4 * s + 1], bin_dims[4 * s + 2] };
    int w[3], b[3];
    for (int a = 0; a < 3; a++)
    {
        acc_t f = r0 * g[a] + r1 * g[3 + a] + r2 * g[6 + a];   // s = r.H^-1 (row vector)
        acc_t fl = floor(f);
        w[a] = (int)fl;
        f -= fl;
        int bi = (int)(f * nb[a]);
        b[a] = bi < 0 ? 0 : (bi >= nb[a] ? nb[a] - 1 : bi);     // f may round to 1.0
    }
    images[3 * i] = w[0]; images[3 * i + 1] = w[1]; images[3 * i + 2] = w[2];
    atom_bin[3 * i] = b[0]; atom_bin[3 * i + 1] = b[1]; atom_bin[3 * i + 2] = b[2];
    x[i] = r0 - (w[0] * h[0] + w[1] * h[3] + w[2] * h[6]);
    y[i] = r1 - (w[0] * h[1] + w[1] * h[4] + w[2] * h[7]);
    z[i] = r2 - (w[0] * h[2] + w[1] * h[5] + w[2] * h[8]);
    int bin = bin_dims[4 * s + 3] + (b[0] * nb[1] + b[1]) * nb[2] + b[2];
    int slot = atomic_inc(&bin_count[bin]);
    if (slot < bin_cap) bin_atoms[bin * bin_cap + slot] = i;
    atomic_max(&overflow[0], slot + 1);
}

__kernel void nl_sort_bins(int nbins, __global const int* bin_count, __global int* bin_atoms, int bin_cap)
{
    int bin = get_global_id(0);
    if (bin >= nbins) return;
    int m = min(bin_count[bin], bin_cap);
    __global int* a = bin_atoms + bin * bin_cap;
    for (int p = 1; p < m; p++)   // insertion sort; bins hold ~10-30 atoms
    {
        int v = a[p], q = p - 1;
        while (q >= 0 && a[q] > v) { a[q + 1] = a[q]; q--; }
        a[q + 1] = v;
    }
}

__kernel void nl_fill(int n, __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                      __global const int* sys, __global const int* atom_bin, __global const int* bin_dims,
                      __global const int* bin_count, __global const int* bin_atoms, int bin_cap,
                      __global const acc_t* shifts, acc_t cutoff2,
                      __global int* nbr_count, __global int* nbr_j, __global int* nbr_code,
                      int cap, int stride, __global int* overflow)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int s = sys[i];
    int na = bin_dims[4 * s], nb = bin_dims[4 * s + 1], nc = bin_dims[4 * s + 2], base = bin_dims[4 * s + 3];
    int ba = atom_bin[3 * i], bb = atom_bin[3 * i + 1], bc = atom_bin[3 * i + 2];
    acc_t xi = x[i], yi = y[i], zi = z[i];
    int count = 0;
    for (int da = -1; da <= 1; da++)
    {
        int a = ba + da, ia = a < 0 ? -1 : (a >= na ? 1 : 0);
        a -= ia * na;
        for (int db = -1; db <= 1; db++)
        {
            int b = bb + db, ib = b < 0 ? -1 : (b >= nb ? 1 : 0);
            b -= ib * nb;
            for (int dc = -1; dc <= 1; dc++)
            {
                int c = bc + dc, ic = c < 0 ? -1 : (c >= nc ? 1 : 0);
                c -= ic * nc;
                int code = 27 * s + (ia + 1) * 9 + (ib + 1) * 3 + (ic + 1);
                bool zero_shift = (ia | ib | ic) == 0;
                acc_t sx = shifts[3 * code], sy = shifts[3 * code + 1], sz = shifts[3 * code + 2];
                int bin = base + (a * nb + b) * nc + c;
                int m = min(bin_count[bin], bin_cap);
                __global const int* atoms = bin_atoms + bin * bin_cap;
                for (int p = 0; p < m; p++)
                {
                    int j = atoms[p];
                    if (j == i && zero_shift) continue;
                    acc_t dx = x[j] - xi + sx, dy = y[j] - yi + sy, dz = z[j] - zi + sz;
                    if (dx * dx + dy * dy + dz * dz < cutoff2)
                    {
                        if (count < cap) { nbr_j[count * stride + i] = j; nbr_code[count * stride + i] = code; }
                        count++;
                    }
                }
            }
        }
    }
    nbr_count[i] = count;
    atomic_max(&overflow[1], count);
}
