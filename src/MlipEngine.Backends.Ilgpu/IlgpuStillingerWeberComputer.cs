using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.StillingerWeber;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>SW coefficient tables on the device (<see cref="StillingerWeberPotential.PackedPairs"/>, <see cref="StillingerWeberPotential.PackedTriplets"/>).</summary>
internal struct SwTables<T> where T : unmanaged
{
    public ArrayView<T> Pairs, Triplets;
    public int Types;
}

/// <summary>
/// Per list entry (slot k·stride + i, as the list): the bond's unit vector, length (0 = outside its
/// cutoff), radial factor E and E′ in the compute precision; and, in fp64, the gradient G = ∂(terms centred
/// on i)/∂dᵢⱼ and the share of those terms' energy that belongs to the head j.
/// </summary>
internal struct SwEntries<T> where T : unmanaged
{
    public ArrayView<T> Ux, Uy, Uz, R, E, DE;
    public ArrayView<double> Gx, Gy, Gz, HeadEnergy;
}

/// <summary>
/// Stillinger–Weber by two gathers, deterministic without atomics. <see cref="Centres"/>: thread i
/// evaluates every term centred on i (pairs and three-body, <see cref="StillingerWeberFormula"/>, as the CPU
/// backend) and stores, per entry, the gradient with respect to that bond and the head's energy share;
/// it writes i's own force Σ G, its energy share and the virial −Σ d ⊗ G. <see cref="Heads"/>: thread i
/// adds −G and the energy share of the mirror entry (j → i) of each of its entries, found on the host
/// when the list is built. Per-atom energies follow LAMMPS (pair ½–½, three-body ⅓ each).
/// </summary>
internal static class StillingerWeberKernels
{
    public static void Centres<T, R>(Index1D index, DeviceGeometry g, SwTables<T> t, SwEntries<T> s, AtomOutputs o)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int i = index, n = t.Types, ti = g.Type[i], count = g.Count[i];
        double energy = 0;
        T quarter = R.From(0.25), third = R.From(1.0 / 3.0);
        for (int k = 0; k < count; k++)
        {
            int slot = k * g.Stride + i;
            int j = g.Displacement<T, R>(i, slot, out T dx, out T dy, out T dz);
            int pp = 8 * (ti * n + g.Type[j]);
            var p = t.Pairs;
            T r2 = dx * dx + dy * dy + dz * dz;
            s.Gx[slot] = 0; s.Gy[slot] = 0; s.Gz[slot] = 0; s.HeadEnergy[slot] = 0;
            if (r2 >= p[pp]) { s.R[slot] = T.Zero; continue; }
            T r = T.Sqrt(r2), inv = T.One / r;
            T phi = StillingerWeberFormula.Pair(r, p[pp + 1], p[pp + 2], p[pp + 3], p[pp + 4], p[pp + 5], p[pp + 6], p[pp + 7], out T dPhi, out T e, out T de);
            T ux = dx * inv, uy = dy * inv, uz = dz * inv, half = R.From(0.5) * dPhi;
            s.Ux[slot] = ux; s.Uy[slot] = uy; s.Uz[slot] = uz; s.R[slot] = r; s.E[slot] = e; s.DE[slot] = de;
            s.Gx[slot] = R.Widen(half * ux); s.Gy[slot] = R.Widen(half * uy); s.Gz[slot] = R.Widen(half * uz);
            energy += R.Widen(quarter * phi);
            s.HeadEnergy[slot] = R.Widen(quarter * phi);
        }
        for (int a = 0; a < count - 1; a++)
        {
            int sa = a * g.Stride + i;
            T ra0 = s.R[sa];
            if (ra0 == T.Zero) continue;
            int tBase = (ti * n + g.Type[g.J[sa]]) * n;
            T uxa = s.Ux[sa], uya = s.Uy[sa], uza = s.Uz[sa], ea = s.E[sa], dea = s.DE[sa], invRa = T.One / ra0;
            double gax = 0, gay = 0, gaz = 0;
            for (int b = a + 1; b < count; b++)
            {
                int sb = b * g.Stride + i;
                T rb0 = s.R[sb];
                if (rb0 == T.Zero) continue;
                int tt = 4 * (tBase + g.Type[g.J[sb]]);
                var q = t.Triplets;
                T uxb = s.Ux[sb], uyb = s.Uy[sb], uzb = s.Uz[sb];
                T cos = uxa * uxb + uya * uyb + uza * uzb;
                T h = StillingerWeberFormula.Triplet<T, R>(cos, ea, dea, invRa, s.E[sb], s.DE[sb], T.One / rb0,
                    q[tt], q[tt + 1], q[tt + 2], q[tt + 3], q[tt] == q[tt + 2] && q[tt + 1] == q[tt + 3],
                    out T ra, out T ca, out T rb, out T cb);
                double h3 = R.Widen(h * third);
                energy += h3;
                s.HeadEnergy[sa] += h3; s.HeadEnergy[sb] += h3;
                gax += R.Widen(ra * uxa + ca * uxb); gay += R.Widen(ra * uya + ca * uyb); gaz += R.Widen(ra * uza + ca * uzb);
                s.Gx[sb] += R.Widen(rb * uxb + cb * uxa); s.Gy[sb] += R.Widen(rb * uyb + cb * uya); s.Gz[sb] += R.Widen(rb * uzb + cb * uza);
            }
            s.Gx[sa] += gax; s.Gy[sa] += gay; s.Gz[sa] += gaz;
        }
        // own force F_i = Σ G, virial W = −Σ d ⊗ G (d recomputed in fp64)
        double fx = 0, fy = 0, fz = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        for (int k = 0; k < count; k++)
        {
            int slot = k * g.Stride + i;
            double gx = s.Gx[slot], gy = s.Gy[slot], gz = s.Gz[slot];
            g.Displacement<double, F64>(i, slot, out double dx, out double dy, out double dz);
            fx += gx; fy += gy; fz += gz;
            vxx -= dx * gx; vyy -= dy * gy; vzz -= dz * gz; vxy -= dx * gy; vxz -= dx * gz; vyz -= dy * gz;
        }
        int nn = o.N;
        o.Fx[i] = fx; o.Fy[i] = fy; o.Fz[i] = fz; o.E[i] = energy;
        o.V[i] = vxx; o.V[nn + i] = vyy; o.V[2 * nn + i] = vzz; o.V[3 * nn + i] = vxy; o.V[4 * nn + i] = vxz; o.V[5 * nn + i] = vyz;
    }

    public static void Heads<T>(Index1D index, DeviceGeometry g, SwEntries<T> s, ArrayView<int> mirror, AtomOutputs o) where T : unmanaged
    {
        int i = index;
        double fx = 0, fy = 0, fz = 0, e = 0;
        for (int k = 0, count = g.Count[i]; k < count; k++)
        {
            int m = mirror[k * g.Stride + i];
            fx -= s.Gx[m]; fy -= s.Gy[m]; fz -= s.Gz[m]; e += s.HeadEnergy[m];
        }
        o.Fx[i] += fx; o.Fy[i] += fy; o.Fz[i] += fz; o.E[i] += e;
    }
}

/// <summary>sw on ILGPU (OpenCL has no sw kernels).</summary>
internal sealed class IlgpuStillingerWeberComputer<T, R> : IlgpuForceComputer where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    private readonly DeviceArray<T> _pairs, _triplets, _ux, _uy, _uz, _r, _e, _de;
    private readonly DeviceArray<double> _gx, _gy, _gz, _headEnergy;
    private readonly DeviceArray<int> _mirror;
    private readonly int _types;
    private int[] _mirrorHost = [];
    private readonly Action<Index1D, DeviceGeometry, SwTables<T>, SwEntries<T>, AtomOutputs> _centres;
    private readonly Action<Index1D, DeviceGeometry, SwEntries<T>, ArrayView<int>, AtomOutputs> _heads;

    public IlgpuStillingerWeberComputer(StillingerWeberPotential sw, ComputeOptions options) : base(sw, options)
    {
        var a = Accelerator;
        _types = sw.TypeCount;
        var pairs = sw.PackedPairs(); var triplets = sw.PackedTriplets();
        _pairs = new(a, pairs.Length); _pairs.Write(IlgpuBackend.ToReal<T, R>(pairs));
        _triplets = new(a, triplets.Length); _triplets.Write(IlgpuBackend.ToReal<T, R>(triplets));
        _ux = new(a); _uy = new(a); _uz = new(a); _r = new(a); _e = new(a); _de = new(a);
        _gx = new(a); _gy = new(a); _gz = new(a); _headEnergy = new(a); _mirror = new(a);
        _centres = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, SwTables<T>, SwEntries<T>, AtomOutputs>(StillingerWeberKernels.Centres<T, R>);
        _heads = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, SwEntries<T>, ArrayView<int>, AtomOutputs>(StillingerWeberKernels.Heads<T>);
    }

    /// <summary>
    /// Sizes the per-entry arrays and finds each entry's mirror: for entry (i → j, lattice shift S), the entry
    /// of j's list that points to i with shift −S (a full list holds both).
    /// </summary>
    private protected override void ListUploaded(NeighborList list, int capacity, int stride)
    {
        long slots = (long)capacity * stride;
        foreach (var b in new[] { _ux, _uy, _uz, _r, _e, _de }) b.EnsureCapacity(slots);
        foreach (var b in new[] { _gx, _gy, _gz, _headEnergy }) b.EnsureCapacity(slots);
        if (_mirrorHost.Length < slots) _mirrorHost = new int[slots];
        var offsets = list.Offsets; var nbr = list.Neighbors;
        for (int i = 0; i < list.AtomCount; i++)
            for (int e = offsets[i]; e < offsets[i + 1]; e++)
            {
                int j = nbr[e];
                var (sa, sb, sc) = list.LatticeShift(i, e);
                int found = -1;
                for (int f = offsets[j]; f < offsets[j + 1] && found < 0; f++)
                {
                    if (nbr[f] != i) continue;
                    var (ta, tb, tc) = list.LatticeShift(j, f);
                    if (ta == -sa && tb == -sb && tc == -sc) found = f - offsets[j];
                }
                if (found < 0) throw new InvalidOperationException($"sw on ILGPU: list entry {i} → {j} has no mirror (the list is not a full list)");
                _mirrorHost[(e - offsets[i]) * stride + i] = found * stride + j;
            }
        _mirror.Write(_mirrorHost.AsSpan(0, (int)slots));
    }

    private protected override void Launch(int n, DeviceGeometry geometry, AtomOutputs outputs)
    {
        var tables = new SwTables<T> { Pairs = _pairs.View, Triplets = _triplets.View, Types = _types };
        var entries = new SwEntries<T>
        {
            Ux = _ux.View, Uy = _uy.View, Uz = _uz.View, R = _r.View, E = _e.View, DE = _de.View,
            Gx = _gx.View, Gy = _gy.View, Gz = _gz.View, HeadEnergy = _headEnergy.View,
        };
        _centres(n, geometry, tables, entries, outputs);
        _heads(n, geometry, entries, _mirror.View, outputs);
    }

    public override void Dispose()
    {
        foreach (var b in new[] { _pairs, _triplets, _ux, _uy, _uz, _r, _e, _de }) b.Dispose();
        foreach (var b in new[] { _gx, _gy, _gz, _headEnergy }) b.Dispose();
        _mirror.Dispose();
        base.Dispose();
    }
}
