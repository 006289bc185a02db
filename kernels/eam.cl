// Embedded-atom method (LAMMPS eam, eam/alloy, eam/fs) by gather over full neighbor lists:
//
//   E = sum_i [ F_ti(rho_i) + 1/2 sum_j phi_titj(r_ij) ],   rho_i = sum_j rho_{tj->ti}(r_ij)
//   dE/dr_ij = F'_i rho'_{j->i}(r) + F'_j rho'_{i->j}(r) + phi'(r) =: psi'(r),  phi = z2r/r
//   F_i = sum_j psi'(r) d/r     (d = r_j - r_i),   W_i = 1/2 sum_j d (x) (-psi'(r) d/r)
//
// Two kernels: eam_density (rho_i, then F and F' of atom i in the same work-item: the embedding is
// per atom, so no extra pass) and eam_forces (needs F'_j of neighbors, so after a global barrier
// = the kernel boundary).
//
// Tables (global memory; tens of kB to MB, too big for __constant) follow the CPU backend
// (EamCpuComputer): one interleaved table per ORDERED type pair (a = type of i, b = type of j), knot
// m (1-based, LAMMPS) at ((a*ntypes + b)*(NR+1) + m)*12, holding the value cubics c3..c6 of
// rho_{j->i}, rho_{i->j} and z2r, so one pair touches 96 contiguous bytes. Derivatives follow from
// the value cubic: f'(x) = ((3 c3 p + 2 c4) p + c5) / dr. Embedding F per type: 8 reals per knot
// (LAMMPS' 7 coefficients c0..c6 + padding) at (t*(NRHO+1) + m)*8.
// Lookup exactly as LAMMPS: p = r/dr + 1, m = min((int)p, N-1), p -= m, p = min(p, 1); for rho,
// m >= 1 as well, and F is extended linearly above rho_max.

inline void eam_locate_r(real r, real rdr, int nr, int* m, real* p)
{
    real q = r * rdr + (real)1;
    int k = (int)q;
    k = min(k, nr - 1);
    q -= k;
    *p = min(q, (real)1);
    *m = k;
}

__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eam_density(int n, int ntypes, int nr, real rdr, real cut2, int nrho, real rdrho, real rho_max,
                 __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                 __global const int* type,
                 __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
                 int cap, int stride, __global const acc_t* shifts,
                 __global const real* rtab, __global const real* ftab,
                 __global acc_t* fprime, __global acc_t* e_embed)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int m_count = min(nbr_count[i], cap);
    int ti = type[i];
    __global const real* row = rtab + (size_t)ti * ntypes * (nr + 1) * 12;
    acc_t rho = 0;
    for (int k = 0; k < m_count; k++)
    {
        int j = nbr_j[k * stride + i];
        real dx, dy, dz;
        displacement(x, y, z, shifts, i, j, nbr_code[k * stride + i], &dx, &dy, &dz);
        real r2 = dx * dx + dy * dy + dz * dz;
        if (r2 >= cut2) continue;
        int m; real p;
        eam_locate_r(sqrt(r2), rdr, nr, &m, &p);
        __global const real* q = row + ((size_t)type[j] * (nr + 1) + m) * 12;
        rho += ((q[0] * p + q[1]) * p + q[2]) * p + q[3];
    }
    // embedding, in the accumulation precision's lookup of the compute-precision table
    real rr = (real)rho;
    real pq = rr * rdrho + (real)1;
    int m = (int)pq;
    m = max(1, min(m, nrho - 1));
    pq -= m;
    pq = min(pq, (real)1);
    __global const real* c = ftab + ((size_t)ti * (nrho + 1) + m) * 8;
    real fp = (c[0] * pq + c[1]) * pq + c[2];
    real f = ((c[3] * pq + c[4]) * pq + c[5]) * pq + c[6];
    if (rr > rho_max) f += fp * (rr - rho_max);
    fprime[i] = fp;
    e_embed[i] = f;
}

__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eam_forces(int n, int ntypes, int nr, real rdr, real cut2,
                __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                __global const int* type,
                __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
                int cap, int stride, __global const acc_t* shifts,
                __global const real* rtab, __global const acc_t* fprime, __global const acc_t* e_embed,
                __global acc_t* fx, __global acc_t* fy, __global acc_t* fz,
                __global acc_t* e, __global acc_t* v)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int m_count = min(nbr_count[i], cap);
    int ti = type[i];
    real fpi = (real)fprime[i];
    __global const real* row = rtab + (size_t)ti * ntypes * (nr + 1) * 12;
    acc_t ei = 0, gx = 0, gy = 0, gz = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
    for (int k = 0; k < m_count; k++)
    {
        int j = nbr_j[k * stride + i];
        real dx, dy, dz;
        displacement(x, y, z, shifts, i, j, nbr_code[k * stride + i], &dx, &dy, &dz);
        real r2 = dx * dx + dy * dy + dz * dz;
        if (r2 >= cut2) continue;
        real r = sqrt(r2);
        int m; real p;
        eam_locate_r(r, rdr, nr, &m, &p);
        __global const real* q = row + ((size_t)type[j] * (nr + 1) + m) * 12;
        real rho_ji_p = (((real)3 * q[0] * p + (real)2 * q[1]) * p + q[2]) * rdr;
        real rho_ij_p = (((real)3 * q[4] * p + (real)2 * q[5]) * p + q[6]) * rdr;
        real z2p = (((real)3 * q[8] * p + (real)2 * q[9]) * p + q[10]) * rdr;
        real z2 = ((q[8] * p + q[9]) * p + q[10]) * p + q[11];
        real recip = (real)1 / r;
        real phi = z2 * recip;
        real phip = z2p * recip - phi * recip;
        real psip = fpi * rho_ji_p + (real)fprime[j] * rho_ij_p + phip;
        real fpair = -psip * recip;                            // force on j = fpair * d
        real fjx = fpair * dx, fjy = fpair * dy, fjz = fpair * dz;
        ei += phi;
        gx -= fjx; gy -= fjy; gz -= fjz;
        vxx += dx * fjx; vyy += dy * fjy; vzz += dz * fjz;
        vxy += dx * fjy; vxz += dx * fjz; vyz += dy * fjz;
    }
    fx[i] = gx; fy[i] = gy; fz[i] = gz;
    e[i] = e_embed[i] + (acc_t)0.5 * ei;
    v[i] = (acc_t)0.5 * vxx; v[n + i] = (acc_t)0.5 * vyy; v[2 * n + i] = (acc_t)0.5 * vzz;
    v[3 * n + i] = (acc_t)0.5 * vxy; v[4 * n + i] = (acc_t)0.5 * vxz; v[5 * n + i] = (acc_t)0.5 * vyz;
}
