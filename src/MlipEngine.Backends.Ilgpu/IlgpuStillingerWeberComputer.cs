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
/// Stillinger–Weber terms centred on each atom (pairs and three-body, <see cref="StillingerWeberFormula"/>, as the
/// CPU backend), for the two-gather scheme of <see cref="IlgpuManyBodyComputer{T}"/>. Per-atom energies follow
/// LAMMPS (pair ½–½, three-body ⅓ each).
/// </summary>
internal static class StillingerWeberKernels
{
    public static void Centres<T, R>(Index1D index, DeviceGeometry g, SwTables<T> t, ManyBodyEntries<T> s, AtomOutputs o)
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
        ManyBodyKernels.StoreCentre(g, s, o, i, count, energy);
    }
}

/// <summary>sw on ILGPU (OpenCL has no sw kernels).</summary>
internal sealed class IlgpuStillingerWeberComputer<T, R> : IlgpuManyBodyComputer<T> where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    private readonly DeviceArray<T> _pairs, _triplets;
    private readonly int _types;
    private readonly Action<Index1D, DeviceGeometry, SwTables<T>, ManyBodyEntries<T>, AtomOutputs> _centres;

    public IlgpuStillingerWeberComputer(StillingerWeberPotential sw, ComputeOptions options) : base(sw, options)
    {
        _types = sw.TypeCount;
        var pairs = sw.PackedPairs(); var triplets = sw.PackedTriplets();
        _pairs = new(Accelerator, pairs.Length); _pairs.Write(IlgpuBackend.ToReal<T, R>(pairs));
        _triplets = new(Accelerator, triplets.Length); _triplets.Write(IlgpuBackend.ToReal<T, R>(triplets));
        _centres = Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, SwTables<T>, ManyBodyEntries<T>, AtomOutputs>(StillingerWeberKernels.Centres<T, R>);
    }

    private protected override void LaunchCentres(int n, DeviceGeometry geometry, ManyBodyEntries<T> entries, AtomOutputs outputs) =>
        _centres(n, geometry, new SwTables<T> { Pairs = _pairs.View, Triplets = _triplets.View, Types = _types }, entries, outputs);

    public override void Dispose()
    {
        _pairs.Dispose(); _triplets.Dispose();
        base.Dispose();
    }
}
