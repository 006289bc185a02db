// Equivariant message passing (MACE / NequIP family; EquivariantModel) on OpenCL: energy, per-atom
// energies, forces and virial by an explicit adjoint pass. The specification is EquivariantReference
// (C#); every stage below names the reference routine it mirrors.
//
// Per layer t (forward):   h~ = W_up h                                 eq_linear
//                          R_e = MLP(b(r_e))                           eq_dense (one launch per MLP layer)
//                          A_i = (1/n) sum_e TP(R_e, h~_j, Y_e)        eq_tp_gather (forward)
//                          A'  = W_mix A                               eq_linear
//                          B_i = SymmetricContraction_{z_i}(A'_i)      eq_contract
//                          h'  = W_out B + W_skip,z h                  eq_linear (x2)
//                          E_i += readout_t(h'[l=0])                   eq_readout
// Backward, from the readouts down (g = dE/d...), per layer:
//   gB = W_out^T g_out, gA' = contraction adjoint, gA = W_mix^T gA'      eq_linear, eq_contract_backward
//   per edge: dE/dR_e, dE/dY_e (from gA_i and h~_j)                       eq_tp_edge_backward
//             dE/db_e through the MLP                                     eq_dense_backward
//             g_e += dE/dd_e = (dE/db . db/dr) d/r + dE/dY . dY/dd         eq_edge_gradient
//   per atom: dE/dh~_i from the edges INTO i, gathered over i's own list  eq_tp_gather (adjoint)
//             using R(j->i) = R(i->j) (R depends on r only) and
//             Y(-d) = (-1)^l2 Y(d) (bit-exact for these polynomials)
//   g_h = W_up^T g_h~ + W_skip^T g_out (input of the layer below)        eq_linear
// Finally F_i = sum_{e: i->j} g_e - sum_{e: j->i} g_e, the second sum read through a reverse-edge
// index (eq_reverse_edges, once per list build), and W_i = -1/2 sum_{e: i->j} (d (x) g + g (x) d)
// (eq_forces). Every quantity is written by exactly one work-item: no atomics, bit-reproducible.
//
// Layouts (structure of arrays, feature-major, atom or edge index innermost, so consecutive
// work-items touch consecutive addresses):
//   node feature f = lm*C + c of atom i            at [f*stride + i]      (stride = atoms padded to 64)
//   edge slot of the neighbor list (k, i)           e = k*stride + i      (the list's own layout)
//   per-edge scratch of an atom chunk [a0, a0+cn)   [q*ES + el], el = k'*cstride + (i - a0), k' = the
//                                                   edge's rank among i's entries with r < r_c,
//                                                   ES = max_i(count_i)*cstride (cstride = cn padded to 64)
// Edge stages run over atom chunks so their scratch (Y, b, db/dr, d, per layer the MLP's z, silu(z) and
// R, and dE/dR, dE/dY, MLP gradients: about 2 NB + 2 NSH + 3 + T (2 sum(hidden) + P C) + P C + 2 max(width)
// reals per slot) has a bounded size; the host picks the chunk so the scratch fits a memory budget (one
// chunk for small systems, and then each layer's R survives from the forward to the backward pass).
//
// Work-item mapping and occupancy assumptions (written for GPUs; PoCL runs the same code on the CPU):
//   * per-(atom, channel) kernels (eq_linear, eq_tp_gather, eq_contract*):
//     gid = f*stride + i, work-group WG_ATOMS = 64 consecutive atoms of ONE feature row, so node loads
//     and stores are coalesced and weights W[., o] are uniform across the group (broadcast / cached).
//     The only loops are over C, (L+1)^2, the CG term tables (all fixed by the model) and, in the
//     gathers, over the atom's compacted edges, bounded by the list capacity (as pair.cl / eam.cl).
//   * eq_edge_compact: one work-item per atom over its list entries (<= capacity), then one 4-byte
//     read of the chunk's largest edge count (sizes the edge launches; one sync per chunk and call).
//   * per-edge kernels (eq_edge_geometry, eq_dense*, eq_tp_edge_backward, eq_edge_gradient): one
//     work-item per edge slot (and per tile of 8 MLP units for eq_dense*), group 64, fully coalesced;
//     empty slots return at once.
//     eq_tp_edge_backward loops over the C channels of its edge (it reduces dE/dY over channels
//     without local memory); edges, not channels, give the parallelism (~10^6-10^8 per call).
//   * private arrays: A (<= 16), h~ (<= 9), Y (<= 16), dE/dR per path (<= EQ_TP_PATHS), MLP tile (8);
//     the tensor-product terms are compiled in (EQ_TP_TERMS_<t>, unrolled, constant indices), so these
//     stay in registers: at L_sh = 3, L_hidden = 2 ~70 registers per work-item, i.e. ~50 % occupancy on
//     current GPUs (register-limited), enough for these memory-bound kernels. No local memory is used.
//   * the contraction (per atom, not per edge) reads its CG tables and path descriptors from
//     __constant memory (a few KiB) with run-time indices.
//
// Compile-time sizes (#defines from OpenClEquivariantComputer): EQ_C channels, EQ_SH_LMAX,
// EQ_NSH = (EQ_SH_LMAX+1)^2, EQ_NH = (hidden L+1)^2, EQ_NB Bessel functions, EQ_P envelope exponent,
// EQ_TP_PATHS = max tensor-product paths of a layer, EQ_READOUT_H, and EQ_TP_TERMS_0..2(X). Per-layer
// sizes (feature counts, MLP widths, table ranges) are kernel arguments and always <= these bounds.
//
// Precision: features, weights and per-edge scratch in `real`; energies, per-edge gradients g_e,
// forces and virials in acc_t (double whenever the device has fp64).

#define EQ_PI 3.14159265358979323846

inline real eq_silu(real z) { return z / ((real)1 + exp(-z)); }
inline real eq_silu_prime(real z) { real s = (real)1 / ((real)1 + exp(-z)); return s * ((real)1 + z * ((real)1 - s)); }
inline int eq_degree(int lm) { return lm < 1 ? 0 : (lm < 4 ? 1 : (lm < 9 ? 2 : 3)); }

// Real spherical harmonics in component normalisation (SphericalHarmonics.Polynomials): P(u) and grad P
// for the unit vector u; dY/dd = (grad P - l P u)/|d| (Euler's relation for homogeneous polynomials).
inline void eq_sh_poly(real x, real y, real z, real* p, real* gx, real* gy, real* gz)
{
    p[0] = 1; gx[0] = 0; gy[0] = 0; gz[0] = 0;
#if EQ_SH_LMAX >= 1
    const real k1 = (real)1.7320508075688772;
    p[1] = k1 * y; gx[1] = 0; gy[1] = k1; gz[1] = 0;
    p[2] = k1 * z; gx[2] = 0; gy[2] = 0; gz[2] = k1;
    p[3] = k1 * x; gx[3] = k1; gy[3] = 0; gz[3] = 0;
#endif
#if EQ_SH_LMAX >= 2
    const real a = (real)3.872983346207417, b = (real)1.118033988749895, c = (real)1.9364916731037085;
    p[4] = a * x * y; gx[4] = a * y; gy[4] = a * x; gz[4] = 0;
    p[5] = a * y * z; gx[5] = 0; gy[5] = a * z; gz[5] = a * y;
    p[6] = b * (2 * z * z - x * x - y * y); gx[6] = -2 * b * x; gy[6] = -2 * b * y; gz[6] = 4 * b * z;
    p[7] = a * x * z; gx[7] = a * z; gy[7] = 0; gz[7] = a * x;
    p[8] = c * (x * x - y * y); gx[8] = 2 * c * x; gy[8] = -2 * c * y; gz[8] = 0;
#endif
#if EQ_SH_LMAX >= 3
    const real d = (real)2.0916500663351889, e = (real)10.246950765959598, f = (real)1.6201851746019651;
    const real g = (real)1.3228756555322954, h = (real)5.123475382979799;
    real xx = x * x, yy = y * y, zz = z * z;
    p[9] = d * (3 * xx * y - yy * y); gx[9] = 6 * d * x * y; gy[9] = 3 * d * (xx - yy); gz[9] = 0;
    p[10] = e * x * y * z; gx[10] = e * y * z; gy[10] = e * x * z; gz[10] = e * x * y;
    p[11] = f * y * (4 * zz - xx - yy); gx[11] = -2 * f * x * y; gy[11] = f * (4 * zz - xx - 3 * yy); gz[11] = 8 * f * y * z;
    p[12] = g * z * (2 * zz - 3 * xx - 3 * yy); gx[12] = -6 * g * x * z; gy[12] = -6 * g * y * z; gz[12] = g * (6 * zz - 3 * xx - 3 * yy);
    p[13] = f * x * (4 * zz - xx - yy); gx[13] = f * (4 * zz - 3 * xx - yy); gy[13] = -2 * f * x * y; gz[13] = 8 * f * x * z;
    p[14] = h * z * (xx - yy); gx[14] = 2 * h * x * z; gy[14] = -2 * h * y * z; gz[14] = h * (xx - yy);
    p[15] = d * (xx * x - 3 * x * yy); gx[15] = 3 * d * (xx - yy); gy[15] = -6 * d * x * y; gz[15] = 0;
#endif
}

// Edges of a chunk, compacted per atom: the list entries of atom i (ii = i - a0) with r < r_c, in list
// order, take the chunk-local slots el = k'*cstride + ii, k' = 0..ccount[ii]-1 (the list also holds the
// skin shell r_c <= r < r_c + skin, ~40 % of its entries, and padding up to the capacity; compacting
// halves the work of every edge stage). clist[el] = the list slot k*stride + i the edge came from.
// One work-item per atom, looping over its list entries (<= cap); the largest count of the chunk goes
// to cmax (integer atomic_max: order-independent) so the host sizes the edge launches. With count_only
// the kernel writes only cmax: run over all atoms (a0 = 0, cn = n) it gives the most edges of any atom,
// by which the host sizes every chunk's scratch.
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_edge_compact(int a0, int cn, int cstride, real cutoff,
                     __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                     __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
                     int cap, int stride, __global const acc_t* shifts,
                     __global int* ccount, __global int* clist, __global int* cmax, int count_only)
{
    int ii = get_global_id(0);
    if (ii >= cstride) return;
    int kk = 0;
    if (ii < cn)
    {
        int i = a0 + ii, m = min(nbr_count[i], cap);
        real cut2 = cutoff * cutoff;
        for (int k = 0; k < m; k++)
        {
            int e = k * stride + i;
            real dx, dy, dz;
            displacement(x, y, z, shifts, i, nbr_j[e], nbr_code[e], &dx, &dy, &dz);
            if (dx * dx + dy * dy + dz * dz < cut2) { if (!count_only) clist[kk * cstride + ii] = e; kk++; }
        }
        atomic_max(cmax, kk);
    }
    if (!count_only) ccount[ii] = kk;
}

#ifndef EQ_CORE
#define EQ_CORE 0
#endif
#ifndef EQ_NS
#define EQ_NS 1
#endif

// The ZBL core (CoreRepulsion, ZieglerBiersackLittmark). Per species pair p = ti*EQ_NS + tj the table holds
// core[4p..4p+3] = r_in, r_out, Z_i, Z_j.
//   t = (r - r_in)/(r_out - r_in) in [0, 1],  s = 1 - t^3 (10 - 15 t + 6 t^2),  ds/dr = -30 t^2 (1-t)^2/(r_out - r_in)
inline void eq_core_switch(acc_t r, acc_t ri, acc_t ro, acc_t* s, acc_t* ds)
{
    if (r <= ri) { *s = 1; *ds = 0; return; }
    if (r >= ro) { *s = 0; *ds = 0; return; }
    acc_t w = ro - ri, t = (r - ri) / w;
    *s = 1 - t * t * t * (10 - 15 * t + 6 * t * t);
    *ds = -30 * t * t * (1 - t) * (1 - t) / w;
}

//   phi(r) = 14.399645 Zi Zj / r sum_k c_k exp(-d_k r/a),  a = 0.46850/(Zi^0.23 + Zj^0.23);  returns phi, *dphi = dphi/dr
inline acc_t eq_zbl(acc_t zi, acc_t zj, acc_t r, acc_t* dphi)
{
    const acc_t c[4] = {0.18175, 0.50986, 0.28022, 0.02817}, d[4] = {3.19980, 0.94229, 0.40290, 0.20162};
    acc_t inva = (pow(zi, (acc_t)0.23) + pow(zj, (acc_t)0.23)) / (acc_t)0.46850, zz = (acc_t)14.399645 * zi * zj;
    acc_t sum = 0, dsum = 0;
    for (int k = 0; k < 4; k++) { acc_t ex = c[k] * exp(-d[k] * r * inva); sum += ex; dsum -= d[k] * inva * ex; }
    acc_t e = zz * sum / r;
    *dphi = zz * dsum / r - e / r;
    return e;
}

// E_i += 1/2 sum_{e: i->j, r < r_out} phi(r) s(r), and (grad != 0) g_e += 1/2 (phi s)' d/r, over i's list entries
// (EquivariantCpu.CorePass). One work-item per atom; each list slot is written by its own atom only.
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_core(int n, __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
             __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
             int cap, int stride, __global const acc_t* shifts, __global const int* type, __global const acc_t* core,
             int grad, __global acc_t* gedge, __global acc_t* e)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int m = min(nbr_count[i], cap);
    size_t slots = (size_t)cap * stride;
    acc_t ei = 0;
    for (int k = 0; k < m; k++)
    {
        int s = k * stride + i, j = nbr_j[s], code = nbr_code[s];
        __global const acc_t* c = core + 4 * (type[i] * EQ_NS + type[j]);
        acc_t dx = x[j] - x[i] + shifts[3 * code], dy = y[j] - y[i] + shifts[3 * code + 1], dz = z[j] - z[i] + shifts[3 * code + 2];
        acc_t r = sqrt(dx * dx + dy * dy + dz * dz);
        if (r >= c[1]) continue;
        acc_t sw, dsw, dphi;
        eq_core_switch(r, c[0], c[1], &sw, &dsw);
        acc_t phi = eq_zbl(c[2], c[3], r, &dphi);
        ei += (acc_t)0.5 * phi * sw;
        if (grad)
        {
            acc_t g = (acc_t)0.5 * (dphi * sw + phi * dsw) / r;
            gedge[s] += g * dx; gedge[slots + s] += g * dy; gedge[2 * slots + s] += g * dz;
        }
    }
    e[i] += ei;
}

#ifndef EQ_FADE
#define EQ_FADE 0
#endif
#if EQ_FADE
// The density fade of the core (CoreRepulsion, "Density fade"; EquivariantCpu.FadePass). Per atom, over its list entries:
//   n_i = sum_{r < r_c} u(rho(r)),  h = s((n_i/N - 1)/w) (eq_core_switch from 1 to 1 + w),  E_i = E0 + C + h (L_i - C)
// where L_i = E_i - E0 is the sum of the readouts so far (run before eq_core) and C the species' edge energy; hfade[i] = h
// scales the readout adjoints (eq_add_scalars), and (grad) g_e += (L_i - C) (dh/dn) u'(rho) rho' d/r.
// fade[] = N per species, then w, then C per species.
inline acc_t eq_neighbour_weight(acc_t r, acc_t ri, acc_t ro, acc_t cutoff, acc_t* dw)
{
    acc_t rho = r, drho = 1;
    if (r < ro) { acc_t depth = (acc_t)0.25 * (ro - ri), th = tanh((ro - r) / depth); drho = 1 - th * th; rho = ro - depth * th; }
    acc_t xr = rho / cutoff;
    if (xr >= 1) { *dw = 0; return 0; }
    acc_t xp1 = pown(xr, EQ_P - 1), xp = xp1 * xr;
    const acc_t pp = (acc_t)EQ_P;
    *dw = -(acc_t)0.5 * pp * (pp + 1) * (pp + 2) * xp1 * (1 - xr) * (1 - xr) / cutoff * drho;
    return 1 - (acc_t)0.5 * (pp + 1) * (pp + 2) * xp + pp * (pp + 2) * xp * xr - (acc_t)0.5 * pp * (pp + 1) * xp * xr * xr;
}

__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_fade(int n, acc_t cutoff, __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
             __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
             int cap, int stride, __global const acc_t* shifts, __global const int* type, __global const acc_t* core,
             __global const acc_t* fade, __global const acc_t* e0, int grad, __global acc_t* gedge, __global acc_t* e, __global acc_t* hfade)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int m = min(nbr_count[i], cap), ti = type[i];
    size_t slots = (size_t)cap * stride;
    acc_t density = 0, dw;
    for (int k = 0; k < m; k++)
    {
        int s = k * stride + i, j = nbr_j[s], code = nbr_code[s];
        __global const acc_t* c = core + 4 * (ti * EQ_NS + type[j]);
        acc_t dx = x[j] - x[i] + shifts[3 * code], dy = y[j] - y[i] + shifts[3 * code + 1], dz = z[j] - z[i] + shifts[3 * code + 2];
        acc_t r = sqrt(dx * dx + dy * dy + dz * dz);
        if (r < cutoff) density += eq_neighbour_weight(r, c[0], c[1], cutoff, &dw);
    }
    acc_t h, dhdx;
    eq_core_switch(density / fade[ti], 1, 1 + fade[EQ_NS], &h, &dhdx);
    hfade[i] = h;
    if (h == 1 && dhdx == 0) return;
    // CoreRepulsion.FadedEnergy: E_i = E0 + C + h (L - C), edges (L - C) h' u' rho' d/r; fade = [N per species, w, C per species]
    acc_t excess = e[i] - e0[ti] - fade[EQ_NS + 1 + ti];
    e[i] = e0[ti] + fade[EQ_NS + 1 + ti] + h * excess;
    if (!grad || dhdx == 0) return;
    acc_t k0 = excess * dhdx / fade[ti];
    for (int k = 0; k < m; k++)
    {
        int s = k * stride + i, j = nbr_j[s], code = nbr_code[s];
        __global const acc_t* c = core + 4 * (ti * EQ_NS + type[j]);
        acc_t dx = x[j] - x[i] + shifts[3 * code], dy = y[j] - y[i] + shifts[3 * code + 1], dz = z[j] - z[i] + shifts[3 * code + 2];
        acc_t r = sqrt(dx * dx + dy * dy + dz * dz);
        if (r >= cutoff) continue;
        eq_neighbour_weight(r, c[0], c[1], cutoff, &dw);
        acc_t g = k0 * dw / r;
        gedge[s] += g * dx; gedge[slots + s] += g * dy; gedge[2 * slots + s] += g * dz;
    }
}
#endif

// Edge geometry of a chunk (SphericalHarmonics.Evaluate, RadialBasis.Evaluate): for each compacted slot
// the neighbor j (-1 for an empty slot), d = r_j - r_i + shift (A), Y(d), b_n(r) and db_n/dr.
//   b_n(r) = sqrt(2/r_c) sin(n pi r/r_c)/r u(r/r_c),
//   u(x) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2),  u'(x) = -p(p+1)(p+2)/2 x^(p-1)(1-x)^2
// (r < r_c is decided once, in eq_edge_compact, with the same displacement.)
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void eq_edge_geometry(int a0, int cstride, int es, real cutoff,
                      __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
                      __global const int* nbr_j, __global const int* nbr_code, int stride, __global const acc_t* shifts,
                      __global const int* ccount, __global const int* clist,
                      __global int* cj, __global real* dvec, __global real* ysh, __global real* bes, __global real* dbes,
                      __global const int* type, __global const acc_t* core)
{
    int el = get_global_id(0);
    if (el >= es) return;
    int ii = el % cstride, kk = el / cstride;
    int j = -1;
    real dx = 0, dy = 0, dz = 0, r = 0;
    if (kk < ccount[ii])
    {
        int e = clist[el], i = a0 + ii;
        j = nbr_j[e];
        displacement(x, y, z, shifts, i, j, nbr_code[e], &dx, &dy, &dz);
        r = sqrt(dx * dx + dy * dy + dz * dz);
    }
    cj[el] = j;
    if (j < 0) return;   // empty slot: every later edge kernel tests cj first and neither reads nor writes it
    dvec[el] = dx; dvec[es + el] = dy; dvec[2 * es + el] = dz;
    real inv = (real)1 / r;
    real p[EQ_NSH], gx[EQ_NSH], gy[EQ_NSH], gz[EQ_NSH];
    eq_sh_poly(dx * inv, dy * inv, dz * inv, p, gx, gy, gz);
    for (int q = 0; q < EQ_NSH; q++) ysh[q * es + el] = p[q];
#if EQ_CORE
    // the learned distance rho(r) of the ZBL core (CoreRepulsion.LearnedDistance): the basis is b(rho), db/dr = b'(rho) rho'
    real drho = 1;
    {
        __global const acc_t* c = core + 4 * (type[a0 + ii] * EQ_NS + type[j]);
        if ((acc_t)r < c[1])
        {
            acc_t depth = (acc_t)0.25 * (c[1] - c[0]), th = tanh((c[1] - (acc_t)r) / depth);
            drho = (real)(1 - th * th);
            r = (real)(c[1] - depth * th);
            inv = (real)1 / r;
        }
    }
#endif
    // envelope
    real xr = r / cutoff;
    real xp1 = pown(xr, EQ_P - 1), xp = xp1 * xr;
    const real pp = (real)EQ_P;
    real u = (real)1 - (real)0.5 * (pp + 1) * (pp + 2) * xp + pp * (pp + 2) * xp * xr - (real)0.5 * pp * (pp + 1) * xp * xr * xr;
    real du = -(real)0.5 * pp * (pp + 1) * (pp + 2) * xp1 * ((real)1 - xr) * ((real)1 - xr) / cutoff;
    real norm = sqrt((real)2 / cutoff);
    for (int q = 0; q < EQ_NB; q++)
    {
        real kq = (real)(q + 1) * (real)EQ_PI / cutoff;
        real s = sin(kq * r), c = cos(kq * r);
        real f = norm * s * inv;
        real df = norm * (kq * c * r - s) * inv * inv;
        bes[q * es + el] = f * u;
#if EQ_CORE
        dbes[q * es + el] = (df * u + f * du) * drho;
#else
        dbes[q * es + el] = df * u + f * du;
#endif
    }
}

// One dense layer of the radial MLP for every edge slot of a chunk (RadialMlp.Forward):
//   z[o][e] = sum_k W[k*nout + o] a[k][e],   a = b (Bessel) for the first layer, silu(z) of the previous after
// Work-item (tile of EQ_TILE outputs, e), e fastest: each input a[k][e] is loaded once per tile and feeds
// EQ_TILE independent FMAs (register tiling); loads of a[k][.] and stores are coalesced, the weights
// W[k*nout + o..o+EQ_TILE) are uniform across the group (broadcast / constant cache).
// Hidden layers also store a = silu(z) (post) so the next layer reads activations instead of
// re-evaluating silu per output; the backward pass needs z (pre) for silu'.
// Empty slots (cj < 0) are skipped (nothing reads them).
#define EQ_TILE 8

// s[t] += sum_r W[t*tstride + r*rstride] x[r][el] for t < width (<= EQ_TILE), r < nr: one tile of a
// dense layer (tstride 1, rstride nout) or of its transpose (tstride nout, rstride 1). Full tiles take the
// unrolled branch.
inline void eq_tile_dot(__global const real* w, int tstride, int rstride, int nr, int width,
                        __global const real* x, int es, int el, real* s)
{
    if (width == EQ_TILE)
        for (int r = 0; r < nr; r++)
        {
            real a = x[r * es + el];
            for (int t = 0; t < EQ_TILE; t++) s[t] += w[t * tstride + r * rstride] * a;
        }
    else
        for (int r = 0; r < nr; r++)
        {
            real a = x[r * es + el];
            for (int t = 0; t < width; t++) s[t] += w[t * tstride + r * rstride] * a;
        }
}
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void eq_dense(int es, int nin, int nout, __global const int* cj, __global const real* in, __global real* pre, __global real* post,
              int store_post, __global const real* w, int woff)
{
    int gid = get_global_id(0);
    int tiles = (nout + EQ_TILE - 1) / EQ_TILE;
    if (gid >= tiles * es) return;
    int o0 = (gid / es) * EQ_TILE, el = gid % es;
    int width = min(EQ_TILE, nout - o0);
    if (cj[el] < 0) return;
    real s[EQ_TILE];
    for (int t = 0; t < EQ_TILE; t++) s[t] = 0;
    eq_tile_dot(w + woff + o0, 1, nout, nin, width, in, es, el, s);
    for (int t = 0; t < width; t++)
    {
        pre[(o0 + t) * es + el] = s[t];
        if (store_post) post[(o0 + t) * es + el] = eq_silu(s[t]);
    }
}

// Adjoint of eq_dense (RadialMlp.Backward): gin[k][e] = act'(pre[k][e]) sum_o W[k*nout + o] gout[o][e],
// tiled over EQ_TILE inputs k per work-item in the same way.
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void eq_dense_backward(int es, int nin, int nout, int silu_input, __global const int* cj, __global const real* gout,
                       __global const real* pre, __global real* gin, __global const real* w, int woff)
{
    int gid = get_global_id(0);
    int tiles = (nin + EQ_TILE - 1) / EQ_TILE;
    if (gid >= tiles * es) return;
    int k0 = (gid / es) * EQ_TILE, el = gid % es;
    int width = min(EQ_TILE, nin - k0);
    if (cj[el] < 0) return;
    real s[EQ_TILE];
    for (int t = 0; t < EQ_TILE; t++) s[t] = 0;
    eq_tile_dot(w + woff + k0 * nout, nout, 1, nout, width, gout, es, el, s);
    if (silu_input) for (int t = 0; t < width; t++) s[t] *= eq_silu_prime(pre[(k0 + t) * es + el]);
    for (int t = 0; t < width; t++) gin[(k0 + t) * es + el] = s[t];
}

// Equivariant channel mixing (ChannelLinear), one work-item per (lm, o, atom):
//   forward    out[lm, o] (+)= sum_c W_l[c*C + o] in[lm, c]
//   transpose  out[lm, c] (+)= sum_o W_l[c*C + o] in[lm, o]      (the adjoint)
// W_l at w_l (l = degree of lm) plus type[i]*C*C when per_species (the residual self-connection).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_linear(int n, int stride, int nlm, __global const real* in, __global real* out, __global const real* w,
               int w0, int w1, int w2, int w3, int per_species, __global const int* type, int transpose, int accumulate)
{
    int gid = get_global_id(0);
    if (gid >= nlm * EQ_C * stride) return;
    int i = gid % stride, f = gid / stride;
    if (i >= n) return;
    int lm = f / EQ_C, o = f % EQ_C, l = eq_degree(lm);
    int off = l == 0 ? w0 : (l == 1 ? w1 : (l == 2 ? w2 : w3));
    if (per_species) off += type[i] * EQ_C * EQ_C;
    __global const real* row = in + (size_t)lm * EQ_C * stride + i;
    real s = 0;
    if (transpose) { __global const real* wr = w + off + o * EQ_C; for (int c = 0; c < EQ_C; c++) s += wr[c] * row[c * stride]; }
    else { __global const real* wc = w + off + o; for (int c = 0; c < EQ_C; c++) s += wc[c * EQ_C] * row[c * stride]; }
    size_t at = (size_t)f * stride + i;
    out[at] = accumulate ? out[at] + s : s;
}

// Species embedding and E0: h0[c][i] = W_emb[type_i][c], e_i = E0[type_i] (Embedding.Lookup).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_embed(int n, int stride, __global const int* type, __global const real* w, int emb, __global const acc_t* e0,
              __global real* h0, __global acc_t* e)
{
    int gid = get_global_id(0);
    if (gid >= EQ_C * stride) return;
    int i = gid % stride, c = gid / stride;
    if (i >= n) return;
    h0[(size_t)c * stride + i] = w[emb + type[i] * EQ_C + c];
    if (c == 0) e[i] = e0[type[i]];
}

// Tensor-product terms (TensorProduct.Paths' coupling tables, flattened per layer) are compiled in as
// X-macro lists EQ_TP_TERMS_<t>(X) of X(lm1 node, lm2 harmonic, lm3 message, path p, l2 odd, coefficient):
// every index is a compile-time constant, so the per-edge loops below unroll completely and the small
// arrays (A, h~, Y, dE/dR) stay in registers instead of being indexed at run time (which on GPUs would
// spill them to slow private memory). EQ_TP_SWITCH(layer, X) expands the right layer's list.
#define EQ_TP_SWITCH(layer, X) switch (layer) { case 0: EQ_TP_TERMS_0(X) break; case 1: EQ_TP_TERMS_1(X) break; default: EQ_TP_TERMS_2(X) break; }

// The two per-atom gathers of the tensor product over i's compacted edges e: i -> j, one kernel
// (`adjoint` selects, uniformly per launch). Work-item (c, i); loops: i's edges (<= the list capacity)
// and the layer's terms (unrolled).
//   forward (TensorProduct.Forward):    A_i[lm3, c]     = (1/n) sum_e sum_q C_q R_e[p, c] h~_j[lm1, c] Y_e[lm2]
//   adjoint (dE/dh~, edges INTO i):     dE/dh~_i[lm1, c] = (1/n) sum_e sum_q C_q R_e[p, c] gA_j[lm3, c] (-1)^l2 Y_e[lm2]
// The adjoint runs over the edges j -> i through i's own list: R(j->i) = R(i->j) (R depends on r only)
// and Y(-d) = (-1)^l2 Y(d). `node` is h~ (forward, nnode = N_in) or gA (adjoint, nnode = N_A).
#define EQ_GATHER_TERM(lm1, lm2, lm3, p, odd, coef) acc[lm3] += (real)(coef) * rad[((p) * EQ_C + c) * es + el] * x[lm1] * yv[lm2];
#define EQ_NODE_TERM(lm1, lm2, lm3, p, odd, coef) acc[lm1] += (real)(coef) * rad[((p) * EQ_C + c) * es + el] * x[lm3] * ((odd) ? -yv[lm2] : yv[lm2]);
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_tp_gather(int layer, int adjoint, int a0, int cn, int cstride, int es, int stride, int nnode, int nout, real inv_avg,
                  __global const int* ccount, __global const int* cj,
                  __global const real* ysh, __global const real* rad, __global const real* node, __global real* out)
{
    int gid = get_global_id(0);
    if (gid >= EQ_C * cstride) return;
    int ii = gid % cstride, c = gid / cstride;
    if (ii >= cn) return;
    int i = a0 + ii;
    real acc[EQ_NSH];
    for (int q = 0; q < EQ_NSH; q++) acc[q] = 0;
    int m = ccount[ii];
    for (int k = 0; k < m; k++)
    {
        int el = k * cstride + ii, j = cj[el];
        if (j < 0) continue;
        real x[EQ_NSH], yv[EQ_NSH];
        for (int q = 0; q < EQ_NSH; q++) { x[q] = q < nnode ? node[((size_t)q * EQ_C + c) * stride + j] : 0; yv[q] = ysh[q * es + el]; }
        if (adjoint) { EQ_TP_SWITCH(layer, EQ_NODE_TERM) }
        else { EQ_TP_SWITCH(layer, EQ_GATHER_TERM) }
    }
    for (int q = 0; q < nout; q++) out[((size_t)q * EQ_C + c) * stride + i] = inv_avg * acc[q];
}

// Symmetric contraction paths (SymmetricContraction.Paths) per layer: sc_path[8e..8e+7] =
// (nu, L1, L2, L3, L, cg1 begin, cg2 begin, -) with CG entries cg_idx[4q..] = (m1, m2, m3, -),
// cg_coef[q]; a table of n entries starting at q0 stores n in cg_idx[4*q0+3].
inline void eq_couple(__constant const int* cg_idx, __constant const real* cg_coef, int begin,
                      const real* x, const real* y, real* out)
{
    int len = cg_idx[4 * begin + 3];
    for (int q = begin; q < begin + len; q++) out[cg_idx[4 * q + 2]] += cg_coef[q] * x[cg_idx[4 * q]] * y[cg_idx[4 * q + 1]];
}

inline void eq_couple_adjoint(__constant const int* cg_idx, __constant const real* cg_coef, int begin,
                              const real* x, const real* y, const real* g, real* gx, real* gy)
{
    int len = cg_idx[4 * begin + 3];
    for (int q = begin; q < begin + len; q++)
    {
        real cg = cg_coef[q] * g[cg_idx[4 * q + 2]];
        gx[cg_idx[4 * q]] += cg * y[cg_idx[4 * q + 1]];
        gy[cg_idx[4 * q + 1]] += cg * x[cg_idx[4 * q]];
    }
}

// B_i[LM, c] = sum_eta w[z_i, eta, c] T_eta[LM](A_i[., c])   (SymmetricContraction.Forward)
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_contract(int n, int stride, int na, int nout, __global const int* type, __global const real* amix,
                 __global const real* w, int cw, int npaths, __constant const int* sc_path, int e0,
                 __constant const int* cg_idx, __constant const real* cg_coef, __global real* bout)
{
    int gid = get_global_id(0);
    if (gid >= EQ_C * stride) return;
    int i = gid % stride, c = gid / stride;
    if (i >= n) return;
    real a[EQ_NSH], b[EQ_NH];
    for (int q = 0; q < na; q++) a[q] = amix[((size_t)q * EQ_C + c) * stride + i];
    for (int q = 0; q < nout; q++) b[q] = 0;
    __global const real* wz = w + cw + type[i] * npaths * EQ_C + c;
    for (int e = 0; e < npaths; e++)
    {
        __constant const int* pth = sc_path + 8 * (e0 + e);
        int nu = pth[0], o1 = pth[1] * pth[1], o2 = pth[2] * pth[2], o3 = pth[3] * pth[3], L = pth[4], oL = L * L, dL = 2 * L + 1;
        real t[7] = {0, 0, 0, 0, 0, 0, 0};
        if (nu == 1) for (int m = 0; m < dL; m++) t[m] = a[o1 + m];
        else if (nu == 2) eq_couple(cg_idx, cg_coef, pth[5], a + o1, a + o2, t);
        else
        {
            real p12[7] = {0, 0, 0, 0, 0, 0, 0};
            eq_couple(cg_idx, cg_coef, pth[5], a + o1, a + o2, p12);
            eq_couple(cg_idx, cg_coef, pth[6], p12, a + o3, t);
        }
        real we = wz[e * EQ_C];
        for (int m = 0; m < dL; m++) b[oL + m] += we * t[m];
    }
    for (int q = 0; q < nout; q++) bout[((size_t)q * EQ_C + c) * stride + i] = b[q];
}

// gA'[., c] = adjoint of the contraction for gB (SymmetricContraction.Backward).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_contract_backward(int n, int stride, int na, int nout, __global const int* type, __global const real* amix,
                          __global const real* w, int cw, int npaths, __constant const int* sc_path, int e0,
                          __constant const int* cg_idx, __constant const real* cg_coef,
                          __global const real* gb, __global real* gamix)
{
    int gid = get_global_id(0);
    if (gid >= EQ_C * stride) return;
    int i = gid % stride, c = gid / stride;
    if (i >= n) return;
    real a[EQ_NSH], ga[EQ_NSH], g_b[EQ_NH];
    for (int q = 0; q < na; q++) { a[q] = amix[((size_t)q * EQ_C + c) * stride + i]; ga[q] = 0; }
    for (int q = 0; q < nout; q++) g_b[q] = gb[((size_t)q * EQ_C + c) * stride + i];
    __global const real* wz = w + cw + type[i] * npaths * EQ_C + c;
    for (int e = 0; e < npaths; e++)
    {
        __constant const int* pth = sc_path + 8 * (e0 + e);
        int nu = pth[0], o1 = pth[1] * pth[1], o2 = pth[2] * pth[2], o3 = pth[3] * pth[3], L = pth[4], oL = L * L, dL = 2 * L + 1;
        real we = wz[e * EQ_C];
        real g[7] = {0, 0, 0, 0, 0, 0, 0};
        for (int m = 0; m < dL; m++) g[m] = we * g_b[oL + m];
        real g1[7] = {0, 0, 0, 0, 0, 0, 0}, g2[7] = {0, 0, 0, 0, 0, 0, 0}, g3[7] = {0, 0, 0, 0, 0, 0, 0};
        if (nu == 1) for (int m = 0; m < dL; m++) g1[m] = g[m];
        else if (nu == 2) eq_couple_adjoint(cg_idx, cg_coef, pth[5], a + o1, a + o2, g, g1, g2);
        else
        {
            real p12[7] = {0, 0, 0, 0, 0, 0, 0}, gp[7] = {0, 0, 0, 0, 0, 0, 0};
            eq_couple(cg_idx, cg_coef, pth[5], a + o1, a + o2, p12);
            eq_couple_adjoint(cg_idx, cg_coef, pth[6], p12, a + o3, g, gp, g3);
            eq_couple_adjoint(cg_idx, cg_coef, pth[5], a + o1, a + o2, gp, g1, g2);
        }
        int d1 = 2 * pth[1] + 1, d2 = 2 * pth[2] + 1, d3 = 2 * pth[3] + 1;
        for (int m = 0; m < d1; m++) ga[o1 + m] += g1[m];
        if (nu >= 2) for (int m = 0; m < d2; m++) ga[o2 + m] += g2[m];
        if (nu == 3) for (int m = 0; m < d3; m++) ga[o3 + m] += g3[m];
    }
    for (int q = 0; q < na; q++) gamix[((size_t)q * EQ_C + c) * stride + i] = ga[q];
}

// Readout (Readout.Linear / Readout.Nonlinear) of h'[l=0]: e_i += E_t(h'_i), gread[c][i] = dE_t/dh'_c.
// One work-item per atom; loops over C and the readout width (fixed by the model).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_readout(int n, int stride, int last, __global const real* h, __global const real* w, int r1, int r2,
                __global acc_t* e, __global real* gread)
{
    int i = get_global_id(0);
    if (i >= n) return;
    acc_t ei = 0;
    if (!last)
    {
        for (int c = 0; c < EQ_C; c++) { real wc = w[r1 + c]; ei += wc * h[(size_t)c * stride + i]; gread[(size_t)c * stride + i] = wc; }
    }
    else
    {
        for (int c = 0; c < EQ_C; c++) gread[(size_t)c * stride + i] = 0;
        for (int k = 0; k < EQ_READOUT_H; k++)
        {
            real zk = 0;
            for (int c = 0; c < EQ_C; c++) zk += w[r1 + c * EQ_READOUT_H + k] * h[(size_t)c * stride + i];
            real v = w[r2 + k];
            ei += v * eq_silu(zk);
            real gz = v * eq_silu_prime(zk);
            for (int c = 0; c < EQ_C; c++) gread[(size_t)c * stride + i] += gz * w[r1 + c * EQ_READOUT_H + k];
        }
    }
    e[i] += ei;
}

// g[c][i] += add[c][i] for the first C rows (the readout's l = 0 gradient into dE/dh'), times the density fade's h_i
// (eq_fade) where the model has one.
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_add_scalars(int n, int stride, __global real* g, __global const real* add, __global const acc_t* hfade)
{
    int gid = get_global_id(0);
    if (gid >= EQ_C * stride) return;
    if (gid % stride >= n) return;
#if EQ_FADE
    g[gid] += add[gid] * (real)hfade[gid % stride];
#else
    g[gid] += add[gid];
#endif
}

// Per edge (i -> j) of a chunk, the adjoint of the message (TensorProduct.Backward):
//   dE/dR_e[p, c] = (1/n) sum_q C_q gA_i[lm3, c] h~_j[lm1, c] Y_e[lm2]
//   dE/dY_e[lm2]  = (1/n) sum_c sum_q C_q R_e[p, c] gA_i[lm3, c] h~_j[lm1, c]
// One work-item per edge slot, looping over the channels (reduces dE/dY in registers).
#define EQ_EDGE_TERM(lm1, lm2, lm3, p, odd, coef) { real v = (real)(coef) * g[lm3] * h[lm1]; gr[p] += v * yv[lm2]; gyv[lm2] += v * rad[((p) * EQ_C + c) * es + el]; }
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void eq_tp_edge_backward(int layer, int a0, int cstride, int es, int stride, int nin, int npaths, real inv_avg,
                         __global const int* cj, __global const real* ysh, __global const real* rad,
                         __global const real* ht, __global const real* ga, __global real* grad, __global real* gy)
{
    int el = get_global_id(0);
    if (el >= es) return;
    int j = cj[el];
    if (j < 0) return;
    int i = a0 + el % cstride;
    real yv[EQ_NSH], gyv[EQ_NSH];
    for (int q = 0; q < EQ_NSH; q++) { yv[q] = ysh[q * es + el]; gyv[q] = 0; }
    for (int c = 0; c < EQ_C; c++)
    {
        real h[EQ_NH], g[EQ_NSH], gr[EQ_TP_PATHS];
        for (int q = 0; q < EQ_NH; q++) h[q] = q < nin ? ht[((size_t)q * EQ_C + c) * stride + j] : 0;
        for (int q = 0; q < EQ_NSH; q++) g[q] = ga[((size_t)q * EQ_C + c) * stride + i];
        for (int p = 0; p < EQ_TP_PATHS; p++) gr[p] = 0;
        EQ_TP_SWITCH(layer, EQ_EDGE_TERM)
        for (int p = 0; p < npaths; p++) grad[(p * EQ_C + c) * es + el] = inv_avg * gr[p];
    }
    for (int q = 0; q < EQ_NSH; q++) gy[q * es + el] = inv_avg * gyv[q];
}

// g_e += dE/dd_e = (sum_n dE/db_n db_n/dr) d/r + sum_lm dE/dY_lm dY_lm/dd   (EquivariantReference's edge loop)
// into the per-edge gradient array at the list slot e = k*stride + i.
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void eq_edge_gradient(int cstride, int es, int slots, __global const int* cj, __global const int* clist,
                      __global const real* dvec, __global const real* dbes, __global const real* gbes, __global const real* gy,
                      __global acc_t* gedge)
{
    int el = get_global_id(0);
    if (el >= es || cj[el] < 0) return;
    real dx = dvec[el], dy = dvec[es + el], dz = dvec[2 * es + el];
    real r = sqrt(dx * dx + dy * dy + dz * dz), inv = (real)1 / r;
    real ux = dx * inv, uy = dy * inv, uz = dz * inv;
    real gr = 0;
    for (int q = 0; q < EQ_NB; q++) gr += gbes[q * es + el] * dbes[q * es + el];
    real sx = gr * ux, sy = gr * uy, sz = gr * uz;
    real p[EQ_NSH], px[EQ_NSH], py[EQ_NSH], pz[EQ_NSH];
    eq_sh_poly(ux, uy, uz, p, px, py, pz);
    for (int q = 0; q < EQ_NSH; q++)
    {
        real g = gy[q * es + el], lp = (real)eq_degree(q) * p[q];
        sx += g * (px[q] - lp * ux) * inv;
        sy += g * (py[q] - lp * uy) * inv;
        sz += g * (pz[q] - lp * uz) * inv;
    }
    size_t e = clist[el];
    gedge[e] += sx; gedge[slots + e] += sy; gedge[2 * (size_t)slots + e] += sz;
}

// rev[e] = slot of the reversed entry (j -> i with the opposite shift) of list slot e = k*stride + i.
// Shifts n.H and (-n).H are exact negatives in floating point; the tolerance only guards other images.
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void eq_reverse_edges(int n, __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
                      int cap, int stride, __global const acc_t* shifts, __global int* rev)
{
    int e = get_global_id(0);
    if (e >= cap * stride) return;
    int i = e % stride, k = e / stride;
    if (i >= n || k >= min(nbr_count[i], cap)) return;
    int j = nbr_j[e], code = nbr_code[e];
    acc_t sx = shifts[3 * code], sy = shifts[3 * code + 1], sz = shifts[3 * code + 2];
    int m = min(nbr_count[j], cap), found = -1;
    for (int q = 0; q < m && found < 0; q++)
    {
        int f = q * stride + j;
        if (nbr_j[f] != i) continue;
        int c2 = nbr_code[f];
        acc_t ex = shifts[3 * c2] + sx, ey = shifts[3 * c2 + 1] + sy, ez = shifts[3 * c2 + 2] + sz;
        if (ex * ex + ey * ey + ez * ez < (acc_t)1e-8) found = f;
    }
    rev[e] = found;
}

// F_i = sum_{e: i->j} g_e - sum_{e: j->i} g_e,  W_i = -1/2 sum_{e: i->j} (d (x) g + g (x) d)   (per atom, gather)
// (entries beyond the cutoff have g = 0; the host zeroes g before the backward pass.)
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void eq_forces(int n, __global const acc_t* x, __global const acc_t* y, __global const acc_t* z,
               __global const int* nbr_count, __global const int* nbr_j, __global const int* nbr_code,
               int cap, int stride, __global const acc_t* shifts, __global const int* rev, __global const acc_t* gedge,
               __global acc_t* fx, __global acc_t* fy, __global acc_t* fz, __global acc_t* v)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int m = min(nbr_count[i], cap);
    size_t slots = (size_t)cap * stride;
    acc_t gx = 0, gy = 0, gz = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
    for (int k = 0; k < m; k++)
    {
        int e = k * stride + i, r = rev[e];
        acc_t ax = gedge[e], ay = gedge[slots + e], az = gedge[2 * slots + e];
        gx += ax; gy += ay; gz += az;
        if (r >= 0) { gx -= gedge[r]; gy -= gedge[slots + r]; gz -= gedge[2 * slots + r]; }   // always found in a symmetric list
        int j = nbr_j[e], code = nbr_code[e];
        acc_t dx = x[j] - x[i] + shifts[3 * code], dy = y[j] - y[i] + shifts[3 * code + 1], dz = z[j] - z[i] + shifts[3 * code + 2];
        vxx -= dx * ax; vyy -= dy * ay; vzz -= dz * az;
        vxy -= (acc_t)0.5 * (dx * ay + dy * ax); vxz -= (acc_t)0.5 * (dx * az + dz * ax); vyz -= (acc_t)0.5 * (dy * az + dz * ay);
    }
    fx[i] = gx; fy[i] = gy; fz[i] = gz;
    v[i] = vxx; v[n + i] = vyy; v[2 * n + i] = vzz; v[3 * n + i] = vxy; v[4 * n + i] = vxz; v[5 * n + i] = vyz;
}
