// Shared conventions of every MlipEngine OpenCL kernel (prepended after the generated header).
//
// Generated header (OpenClContext.ComposeSource) defines:
//   real   : compute precision, double (fp64 mode) or float (fp32 mode)
//   acc_t  : accumulation precision, double whenever the device has cl_khr_fp64, else float
//   HAVE_FP64, REAL_IS_DOUBLE, and per-program sizes (e.g. PAIR_STYLE).
//
// Data layout (structure of arrays, one work-item per atom, consecutive work-items = consecutive
// atoms so every per-atom load/store below is coalesced):
//   x, y, z         image-corrected positions r~ = r - w.H (A), acc_t
//   type[i], sys[i] potential type index and system index
//   neighbor list   full list, fixed capacity CAP per atom, NEIGHBOR-MAJOR:
//                   entry k of atom i at [k*stride + i]  (stride = atom count padded to 64), so at
//                   step k of the loop a warp reads 32 consecutive ints. nbr_count[i] <= CAP.
//                   nbr_code[...] indexes shifts[3*code..3*code+2] = n.H (A); the displacement is
//                   d_ij = r~_j - r~_i + shifts[code].
//   per-atom outputs fx, fy, fz, e and the 6 virial components v[c*n + i] (xx yy zz xy xz yz), acc_t.
//
// Determinism: each work-item owns atom i and writes only atom i's outputs (gather over the full
// list), in the fixed order of its list, so results are bit-identical run to run. No float atomics.

#define WG_ATOMS 64   // work-group size of the per-atom kernels (multiple of 32 and 64: whole warps/wavefronts)

// d = r~_j - r~_i + shift, evaluated in the accumulation precision (fp64 when available) and then
// rounded to `real`: in fp32 mode this keeps the displacement accurate to ~1e-7 relative of |d|
// instead of ~1e-7 of the absolute coordinates (which can be hundreds of A).
inline void displacement(__global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                         __global const acc_t* shifts, int i, int j, int code,
                         real* dx, real* dy, real* dz)
{
    *dx = (real)(x[j] - x[i] + shifts[3 * code]);
    *dy = (real)(y[j] - y[i] + shifts[3 * code + 1]);
    *dz = (real)(z[j] - z[i] + shifts[3 * code + 2]);
}

// r~ = r - w.H for the current (unwrapped) positions and the images w fixed at the last list build.
// H is row-major per system (lattice vectors as rows), images interleaved (3 ints per atom).
__kernel void apply_images(int n,
                           __global const acc_t* rx, __global const acc_t* ry, __global const acc_t* rz,
                           __global const int* images, __global const int* sys, __global const acc_t* cell,
                           __global acc_t* x, __global acc_t* y, __global acc_t* z)
{
    int i = get_global_id(0);
    if (i >= n) return;
    __global const acc_t* h = cell + 9 * sys[i];
    acc_t wa = images[3 * i], wb = images[3 * i + 1], wc = images[3 * i + 2];
    x[i] = rx[i] - (wa * h[0] + wb * h[3] + wc * h[6]);
    y[i] = ry[i] - (wa * h[1] + wb * h[4] + wc * h[7]);
    z[i] = rz[i] - (wa * h[2] + wb * h[5] + wc * h[8]);
}

// Per-system sums of per-atom energies and virials: one work-group of REDUCE_WG work-items per
// system. Lane l sums atoms first+l, first+l+REDUCE_WG, ... in that order, then a fixed binary tree
// in local memory (7 x REDUCE_WG acc_t = 7 KiB in fp64) combines the lanes. The order of additions
// depends only on the system size, so the result is deterministic.
#define REDUCE_WG 128
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void reduce_per_system(int n, __global const int* offsets, __global const acc_t* e, __global const acc_t* v,
                       int with_virial, __global acc_t* sys_e, __global acc_t* sys_v, __local acc_t* scratch)
{
    int s = get_group_id(0), l = get_local_id(0);
    int first = offsets[s], last = offsets[s + 1];
    acc_t q[7] = {0, 0, 0, 0, 0, 0, 0};
    for (int i = first + l; i < last; i += REDUCE_WG)
    {
        q[0] += e[i];
        if (with_virial)
            for (int c = 0; c < 6; c++) q[1 + c] += v[c * n + i];
    }
    for (int c = 0; c < 7; c++) scratch[c * REDUCE_WG + l] = q[c];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int width = REDUCE_WG / 2; width > 0; width >>= 1)
    {
        if (l < width)
            for (int c = 0; c < 7; c++) scratch[c * REDUCE_WG + l] += scratch[c * REDUCE_WG + l + width];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
    {
        sys_e[s] = scratch[0];
        for (int c = 0; c < 6; c++) sys_v[6 * s + c] = scratch[(1 + c) * REDUCE_WG];
    }
}
