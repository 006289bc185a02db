// Device-resident molecular dynamics: velocity-Verlet and Langevin BAOAB updates, the Verlet-skin
// displacement check, and the per-atom kinetic tensor for thermo reductions. The state lives in
// device buffers for the whole run (OpenClResidentDynamics); the host only launches kernels, reads
// one int per step (the rebuild flag) and syncs on thermo / trajectory / checkpoint steps.
//
// Layout and occupancy (written for GPUs; PoCL runs the same code on the CPU):
//   - Structure of arrays, one work-item per atom, consecutive work-items = consecutive atoms, so every
//     load and store below (r, r~, v, F, 1/m, r at the last list build) is a coalesced 8-byte (fp64) or
//     4-byte access per lane. The only strided reads are images[3i..3i+2] (12 B per atom) and the cell
//     matrix of the atom's system (72 B, the same address for a whole work-group: served by the cache).
//   - Work-groups of WG_ATOMS = 64 (two NVIDIA warps, one AMD wavefront) with reqd_work_group_size so
//     the compiler can size registers; no local memory, no barriers. Each kernel is a streaming pass
//     of ~100-160 B per atom with ~20-60 flops (Philox adds ~70 integer ops in BAOAB), i.e. bound by
//     memory bandwidth: occupancy only needs to be high enough to hide DRAM latency. The kernels keep
//     ~20 scalars live (BAOAB: +6 Philox words), far below the 64-128 registers per lane at which
//     occupancy starts to fall on current NVIDIA and AMD GPUs (not measured here: no GPU; PoCL only).
//   - The host reads the 4-byte flag after every step's drift kernel, before deciding whether to
//     rebuild the list: one queue stall (a launch latency, ~5-20 us on a GPU) per step, which bounds
//     small systems; large ones are bound by the force kernels.
//   - No per-thread loops over a variable count (the half kicks loop `kicks` <= 2 times).
//   - The only atomic is an integer atomic_or on one flag, taken only by atoms that crossed skin/2
//     (rare) or went non-finite; its outcome does not depend on the order, so results stay
//     deterministic and independent of the work-group size.
//
// Arithmetic mirrors the host integrators (MlipEngine.Dynamics.Integrators.VelocityVerlet and
// LangevinBaoab) operation for operation, with contraction to FMA switched off, so fp64 runs track
// the CPU backend to round-off in the force sums. A half kick of step k and the first half kick of
// step k+1 use the same force F(t), so they are fused into one pass as two successive additions
// (kicks = 2): the same arithmetic as two separate passes, one memory sweep fewer.
//
// Units: r A, v A/fs, F eV/A, accel = 1/(m * 103.64) (A/fs^2 per eV/A; zero for frozen atoms), mass amu,
// conv = 103.64 eV per amu A^2/fs^2, heat and kinetic tensor eV.

#pragma OPENCL FP_CONTRACT OFF

// Flag bits set by the drift kernels (read by the host after every step).
#define FLAG_REBUILD 1     // some atom moved more than skin/2 since the last list build
#define FLAG_NONFINITE 2   // some position is not finite: the host stops and reports it

// r~ = r - w.H with the images w fixed at the last list build (the same formula as apply_images),
// then the skin test |r - r0|^2 <= (skin/2)^2 against r0, the positions at the last build. Written
// as !(d2 <= limit2) like VerletNeighborList so NaN also triggers.
inline void store_position(int i, acc_t r0, acc_t r1, acc_t r2,
                           __global acc_t* rx, __global acc_t* ry, __global acc_t* rz,
                           __global const int* images, __global const int* sys, __global const acc_t* cell,
                           __global acc_t* x, __global acc_t* y, __global acc_t* z,
                           __global const acc_t* x0, __global const acc_t* y0, __global const acc_t* z0,
                           acc_t limit2, __global int* flag)
{
    rx[i] = r0; ry[i] = r1; rz[i] = r2;
    __global const acc_t* h = cell + 9 * sys[i];
    acc_t wa = images[3 * i], wb = images[3 * i + 1], wc = images[3 * i + 2];
    x[i] = r0 - (wa * h[0] + wb * h[3] + wc * h[6]);
    y[i] = r1 - (wa * h[1] + wb * h[4] + wc * h[7]);
    z[i] = r2 - (wa * h[2] + wb * h[5] + wc * h[8]);
    acc_t dx = r0 - x0[i], dy = r1 - y0[i], dz = r2 - z0[i];
    int bits = (dx * dx + dy * dy + dz * dz <= limit2) ? 0 : FLAG_REBUILD;
    if (!isfinite(r0) || !isfinite(r1) || !isfinite(r2)) bits |= FLAG_NONFINITE;
    if (bits) atomic_or(flag, bits);
}

// Velocity Verlet, everything of one step before the force call:
//   v += kicks x (dt/2) F/m     (kicks = 1 at the start of a chunk, 2 when fusing the previous step's closing kick)
//   r += dt v
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void md_verlet_drift(int n, int kicks, acc_t half_dt, acc_t dt,
                     __global const acc_t* accel,
                     __global const acc_t* fx, __global const acc_t* fy, __global const acc_t* fz,
                     __global acc_t* vx, __global acc_t* vy, __global acc_t* vz,
                     __global acc_t* rx, __global acc_t* ry, __global acc_t* rz,
                     __global const int* images, __global const int* sys, __global const acc_t* cell,
                     __global acc_t* x, __global acc_t* y, __global acc_t* z,
                     __global const acc_t* x0, __global const acc_t* y0, __global const acc_t* z0,
                     acc_t limit2, __global int* flag)
{
    int i = get_global_id(0);
    if (i >= n) return;
    acc_t c = half_dt * accel[i];
    acc_t v0 = vx[i], v1 = vy[i], v2 = vz[i];
    acc_t f0 = fx[i], f1 = fy[i], f2 = fz[i];
    for (int k = 0; k < kicks; k++) { v0 += c * f0; v1 += c * f1; v2 += c * f2; }
    vx[i] = v0; vy[i] = v1; vz[i] = v2;
    store_position(i, rx[i] + dt * v0, ry[i] + dt * v1, rz[i] + dt * v2,
                   rx, ry, rz, images, sys, cell, x, y, z, x0, y0, z0, limit2, flag);
}

// Closing half kick v += (dt/2) F/m (end of a chunk, so the host sees full-step velocities).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void md_kick(int n, acc_t half_dt, __global const acc_t* accel,
             __global const acc_t* fx, __global const acc_t* fy, __global const acc_t* fz,
             __global acc_t* vx, __global acc_t* vy, __global acc_t* vz)
{
    int i = get_global_id(0);
    if (i >= n) return;
    acc_t c = half_dt * accel[i];
    vx[i] += c * fx[i]; vy[i] += c * fy[i]; vz[i] += c * fz[i];
}

// ---- Philox-4x32-10 (Salmon et al., SC'11; constants of Random123) ----
// A counter-based generator: the 4 output words are a bijective function of the 128-bit counter
// under the 64-bit key, so the noise of (seed, step, atom) is fixed whatever thread draws it, in
// whatever order, with whatever work-group size. Known-answer tested against Random123's vectors.
inline uint4 philox4x32_10(uint4 c, uint2 k)
{
    for (int r = 0; r < 10; r++)
    {
        if (r > 0) { k.x += 0x9E3779B9u; k.y += 0xBB67AE85u; }
        uint hi0 = mul_hi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        uint hi1 = mul_hi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// Counter word 3 of the Langevin stream (ASCII "LANG"), so other streams of the same seed differ.
#define LANGEVIN_STREAM 0x4C414E47u

// Three standard normals for (seed, step, atom): Box-Muller on the four 32-bit words, each mapped to
// u = (word + 1/2) 2^-32 in (0, 1) (never 0, so the log is finite; tails reach 6.7 sigma).
inline void gaussian3(uint2 key, ulong step, uint atom, acc_t* g0, acc_t* g1, acc_t* g2)
{
    uint4 w = philox4x32_10((uint4)((uint)step, (uint)(step >> 32), atom, LANGEVIN_STREAM), key);
    const acc_t scale = (acc_t)2.3283064365386963e-10;   // 2^-32
    const acc_t two_pi = (acc_t)6.283185307179586;
    acc_t u0 = ((acc_t)w.x + (acc_t)0.5) * scale, u1 = ((acc_t)w.y + (acc_t)0.5) * scale;
    acc_t u2 = ((acc_t)w.z + (acc_t)0.5) * scale, u3 = ((acc_t)w.w + (acc_t)0.5) * scale;
    acc_t ra = sqrt((acc_t)-2 * log(u0)), rb = sqrt((acc_t)-2 * log(u2));
    *g0 = ra * cos(two_pi * u1);
    *g1 = ra * sin(two_pi * u1);
    *g2 = rb * cos(two_pi * u3);
}

// Known-answer test hook: out[4i..4i+3] = Philox4x32-10(ctr[4i..], key[2i..]).
__kernel void md_philox_test(int n, __global const uint* ctr, __global const uint* key, __global uint* out)
{
    int i = get_global_id(0);
    if (i >= n) return;
    uint4 r = philox4x32_10((uint4)(ctr[4 * i], ctr[4 * i + 1], ctr[4 * i + 2], ctr[4 * i + 3]), (uint2)(key[2 * i], key[2 * i + 1]));
    out[4 * i] = r.x; out[4 * i + 1] = r.y; out[4 * i + 2] = r.z; out[4 * i + 3] = r.w;
}

// Langevin BAOAB, everything of one step before the force call (see LangevinBaoab):
//   B: v += kicks x (dt/2) F/m      A: r += (dt/2) v
//   O: v <- c1 v + c2 sqrt(kT accel) xi,  xi ~ N(0,1) from Philox(seed, step, atom)
//      heat += 1/2 m (|v_new|^2 - |v_old|^2) conv   (per atom; the bath's work, summed on thermo steps)
//   A: r += (dt/2) v
// sqrt(kT accel) = sqrt(kT / (m 103.64)) is the thermal velocity in A/fs (zero for frozen atoms).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void md_baoab_drift(int n, int kicks, acc_t half_dt, acc_t c1, acc_t c2, acc_t kT, acc_t conv,
                    uint seed_lo, uint seed_hi, uint step_lo, uint step_hi,
                    __global const acc_t* accel, __global const acc_t* mass,
                    __global const acc_t* fx, __global const acc_t* fy, __global const acc_t* fz,
                    __global acc_t* vx, __global acc_t* vy, __global acc_t* vz,
                    __global acc_t* rx, __global acc_t* ry, __global acc_t* rz,
                    __global const int* images, __global const int* sys, __global const acc_t* cell,
                    __global acc_t* x, __global acc_t* y, __global acc_t* z,
                    __global const acc_t* x0, __global const acc_t* y0, __global const acc_t* z0,
                    acc_t limit2, __global int* flag, __global acc_t* heat)
{
    int i = get_global_id(0);
    if (i >= n) return;
    acc_t a = accel[i];
    acc_t c = half_dt * a;
    acc_t v0 = vx[i], v1 = vy[i], v2 = vz[i];
    acc_t f0 = fx[i], f1 = fy[i], f2 = fz[i];
    for (int k = 0; k < kicks; k++) { v0 += c * f0; v1 += c * f1; v2 += c * f2; }
    acc_t r0 = rx[i] + half_dt * v0, r1 = ry[i] + half_dt * v1, r2 = rz[i] + half_dt * v2;
    acc_t g0, g1, g2;
    gaussian3((uint2)(seed_lo, seed_hi), ((ulong)step_hi << 32) | step_lo, (uint)i, &g0, &g1, &g2);
    acc_t sg = c2 * sqrt(kT * a);
    acc_t before = v0 * v0 + v1 * v1 + v2 * v2;
    v0 = c1 * v0 + sg * g0; v1 = c1 * v1 + sg * g1; v2 = c1 * v2 + sg * g2;
    heat[i] += (acc_t)0.5 * conv * mass[i] * ((v0 * v0 + v1 * v1 + v2 * v2) - before);
    vx[i] = v0; vy[i] = v1; vz[i] = v2;
    store_position(i, r0 + half_dt * v0, r1 + half_dt * v1, r2 + half_dt * v2,
                   rx, ry, rz, images, sys, cell, x, y, z, x0, y0, z0, limit2, flag);
}

// Kinetic tensor per atom, component-major like the virial: k[c n + i] = conv m v_a v_b
// (xx yy zz xy xz yz, eV; trace/2 = kinetic energy). Reduced per system by reduce_per_system.
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void md_kinetic(int n, acc_t conv, __global const acc_t* mass,
                __global const acc_t* vx, __global const acc_t* vy, __global const acc_t* vz, __global acc_t* k)
{
    int i = get_global_id(0);
    if (i >= n) return;
    acc_t m = conv * mass[i], a = vx[i], b = vy[i], c = vz[i];
    k[i] = m * a * a; k[n + i] = m * b * b; k[2 * n + i] = m * c * c;
    k[3 * n + i] = m * a * b; k[4 * n + i] = m * a * c; k[5 * n + i] = m * b * c;
}

// r0 <- r after a list build (the reference of the next skin test).
__kernel __attribute__((reqd_work_group_size(WG_ATOMS, 1, 1)))
void md_remember(int n, __global const acc_t* rx, __global const acc_t* ry, __global const acc_t* rz,
                 __global acc_t* x0, __global acc_t* y0, __global acc_t* z0)
{
    int i = get_global_id(0);
    if (i >= n) return;
    x0[i] = rx[i]; y0[i] = ry[i]; z0[i] = rz[i];
}
