// Pair potentials E = 1/2 sum_i sum_{j in full list of i} phi(r_ij), by gather: work-item i sums
// the contributions of its own neighbors and writes only atom i's force, energy and virial.
//
//   F_i   = -sum_j phi'(r) d/r * (-1) = -sum_j fOverR * d          with fOverR = -phi'(r)/r, d = r_j - r_i
//   e_i   = 1/2 sum_j phi(r)                                        (LAMMPS eatom convention)
//   W_i   = 1/2 sum_j d (x) f_j  = 1/2 sum_j fOverR d (x) d          (force on j is fOverR * d)
//
// Each pair is evaluated twice (once from each side) instead of once with a scatter; that doubles
// the arithmetic but needs no atomics and makes the sums deterministic, which on GPUs is the usual
// trade (memory traffic, not flops, bounds these kernels).
//
// PAIR_STYLE selects the function at compile time (1 = lj/cut, 2 = morse). Parameters per ordered
// type pair t = ti*ntypes + tj, PAIR_STRIDE reals each, in __constant memory (ntypes^2 * 8 reals:
// 8 KiB even for 16 types, far below the 64 KiB minimum constant buffer; served by the constant cache
// because all work-items of a warp mostly read the same entry).
//   lj/cut: r_c^2, 4 eps sigma^12, 4 eps sigma^6, shift          (PAIR_STRIDE 4)
//   morse : r_c^2, D0, alpha, r0, shift, -, -, -                  (PAIR_STRIDE 8)

#if PAIR_STYLE == 1
#define PAIR_STRIDE 4
inline int pair_eval(__constant const real* p, real r2, real* e, real* f_over_r)
{
    if (r2 >= p[0]) return 0;
    real inv2 = (real)1 / r2;
    real inv6 = inv2 * inv2 * inv2;
    real a = p[1] * inv6 * inv6, b = p[2] * inv6;
    *e = a - b - p[3];
    *f_over_r = ((real)12 * a - (real)6 * b) * inv2;       // -phi'/r
    return 1;
}
#elif PAIR_STYLE == 2
#define PAIR_STRIDE 8
inline int pair_eval(__constant const real* p, real r2, real* e, real* f_over_r)
{
    if (r2 >= p[0]) return 0;
    real r = sqrt(r2);
    real u = exp(-p[2] * (r - p[3]));
    *e = p[1] * (u * u - (real)2 * u) - p[4];
    *f_over_r = (real)2 * p[2] * p[1] * (u * u - u) / r;   // -phi'/r
    return 1;
}
#else
#error "PAIR_STYLE must be 1 (lj/cut) or 2 (morse)"
#endif

__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void pair_forces(int n, int ntypes,
                 __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                 __global const int* type,
                 __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
                 int cap, int stride, __global const acc_t* shifts,
                 __constant const real* params,
                 __global acc_t* fx, __global acc_t* fy, __global acc_t* fz,
                 __global acc_t* e, __global acc_t* v)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int m = min(nbr_count[i], cap);
    __constant const real* row = params + type[i] * ntypes * PAIR_STRIDE;
    acc_t ei = 0, gx = 0, gy = 0, gz = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
    for (int k = 0; k < m; k++)   // bounded by the list capacity
    {
        int j = nbr_j[k * stride + i];
        real dx, dy, dz;
        displacement(x, y, z, shifts, i, j, nbr_code[k * stride + i], &dx, &dy, &dz);
        real r2 = dx * dx + dy * dy + dz * dz, pe, fr;
        if (!pair_eval(row + type[j] * PAIR_STRIDE, r2, &pe, &fr)) continue;
        real fjx = fr * dx, fjy = fr * dy, fjz = fr * dz;     // force on j from this pair
        ei += pe;
        gx -= fjx; gy -= fjy; gz -= fjz;
        vxx += dx * fjx; vyy += dy * fjy; vzz += dz * fjz;
        vxy += dx * fjy; vxz += dx * fjz; vyz += dy * fjz;
    }
    fx[i] = gx; fy[i] = gy; fz[i] = gz;
    e[i] = (acc_t)0.5 * ei;
    v[i] = (acc_t)0.5 * vxx; v[n + i] = (acc_t)0.5 * vyy; v[2 * n + i] = (acc_t)0.5 * vzz;
    v[3 * n + i] = (acc_t)0.5 * vxy; v[4 * n + i] = (acc_t)0.5 * vxz; v[5 * n + i] = (acc_t)0.5 * vyz;
}
