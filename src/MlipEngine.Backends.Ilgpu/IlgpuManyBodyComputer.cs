using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Neighbors;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// Per list entry (slot k·stride + i, as the list): the bond's unit vector, length (0 = outside its
/// cutoff), radial factor E and E′ in the compute precision; and, in fp64, the gradient G = ∂(terms centred
/// on i)/∂dᵢⱼ and the share of those terms' energy that belongs to the head j.
/// </summary>
internal struct ManyBodyEntries<T> where T : unmanaged
{
    public ArrayView<T> Ux, Uy, Uz, R, E, DE;
    public ArrayView<double> Gx, Gy, Gz, HeadEnergy;
}

/// <summary>
/// The two gathers of a many-body potential, deterministic without atomics. A potential's centre kernel: thread i
/// evaluates every term centred on i and stores, per list entry, the gradient G = ∂(terms of i)/∂dᵢⱼ and the
/// head j's energy share, then calls <see cref="StoreCentre"/> for i's own force Σ G, energy share and virial
/// −Σ d ⊗ G. <see cref="Heads"/>: thread i adds −G and the energy share of the mirror entry (j → i) of each of
/// its entries, found on the host when the list is built.
/// </summary>
internal static class ManyBodyKernels
{
    /// <summary>Atom i's own outputs from its entries' gradients (d recomputed in fp64).</summary>
    public static void StoreCentre<T>(DeviceGeometry g, ManyBodyEntries<T> s, AtomOutputs o, int i, int count, double energy) where T : unmanaged
    {
        double fx = 0, fy = 0, fz = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
        for (int k = 0; k < count; k++)
        {
            int slot = k * g.Stride + i;
            double gx = s.Gx[slot], gy = s.Gy[slot], gz = s.Gz[slot];
            g.Displacement<double, F64>(i, slot, out double dx, out double dy, out double dz);
            fx += gx; fy += gy; fz += gz;
            vxx -= dx * gx; vyy -= dy * gy; vzz -= dz * gz; vxy -= dx * gy; vxz -= dx * gz; vyz -= dy * gz;
        }
        int n = o.N;
        o.Fx[i] = fx; o.Fy[i] = fy; o.Fz[i] = fz; o.E[i] = energy;
        o.V[i] = vxx; o.V[n + i] = vyy; o.V[2 * n + i] = vzz; o.V[3 * n + i] = vxy; o.V[4 * n + i] = vxz; o.V[5 * n + i] = vyz;
    }

    public static void Heads<T>(Index1D index, DeviceGeometry g, ManyBodyEntries<T> s, ArrayView<int> mirror, AtomOutputs o) where T : unmanaged
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

/// <summary>
/// Glue of the many-body computers (sw, tersoff): per-entry arrays sized with the list, each entry's mirror
/// (for entry i → j with lattice shift S, the entry of j's list pointing to i with −S; a full list holds both),
/// and the centre kernel of the potential followed by <see cref="ManyBodyKernels.Heads"/>.
/// </summary>
internal abstract class IlgpuManyBodyComputer<T> : IlgpuForceComputer where T : unmanaged
{
    private readonly DeviceArray<T> _ux, _uy, _uz, _r, _e, _de;
    private readonly DeviceArray<double> _gx, _gy, _gz, _headEnergy;
    private readonly DeviceArray<int> _mirror;
    private readonly Action<Index1D, DeviceGeometry, ManyBodyEntries<T>, ArrayView<int>, AtomOutputs> _heads;

    protected IlgpuManyBodyComputer(IForceField forceField, ComputeOptions options) : base(forceField, options)
    {
        var a = Accelerator;
        _ux = new(a); _uy = new(a); _uz = new(a); _r = new(a); _e = new(a); _de = new(a);
        _gx = new(a); _gy = new(a); _gz = new(a); _headEnergy = new(a); _mirror = new(a);
        _heads = a.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, ManyBodyEntries<T>, ArrayView<int>, AtomOutputs>(ManyBodyKernels.Heads<T>);
    }

    /// <summary>Launches the potential's centre kernel (it must write every atom's outputs and every entry's G and head energy).</summary>
    private protected abstract void LaunchCentres(int n, DeviceGeometry geometry, ManyBodyEntries<T> entries, AtomOutputs outputs);

    private protected override void ListUploaded(int atoms, int capacity, int stride)
    {
        long slots = (long)capacity * stride;
        foreach (var b in new[] { _ux, _uy, _uz, _r, _e, _de }) b.EnsureCapacity(slots);
        foreach (var b in new[] { _gx, _gy, _gz, _headEnergy }) b.EnsureCapacity(slots);
        FillMirror(_mirror, atoms, capacity, stride);
    }

    private protected sealed override void Launch(int n, DeviceGeometry geometry, AtomOutputs outputs)
    {
        var entries = new ManyBodyEntries<T>
        {
            Ux = _ux.View, Uy = _uy.View, Uz = _uz.View, R = _r.View, E = _e.View, DE = _de.View,
            Gx = _gx.View, Gy = _gy.View, Gz = _gz.View, HeadEnergy = _headEnergy.View,
        };
        LaunchCentres(n, geometry, entries, outputs);
        _heads(n, geometry, entries, _mirror.View, outputs);
    }

    public override void Dispose()
    {
        foreach (var b in new[] { _ux, _uy, _uz, _r, _e, _de }) b.Dispose();
        foreach (var b in new[] { _gx, _gy, _gz, _headEnergy }) b.Dispose();
        _mirror.Dispose();
        base.Dispose();
    }
}
