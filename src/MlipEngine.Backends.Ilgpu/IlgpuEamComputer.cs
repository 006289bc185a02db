using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Potentials.Eam;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The EAM tables on the device (<see cref="EamPotential.InterleavedPairTable"/>, <see cref="EamPotential.EmbeddingTable"/>)
/// with their sizes and lookup constants in the compute precision.
/// </summary>
internal struct EamTables<T> where T : unmanaged
{
    public ArrayView<T> Pair, Embedding;
    public int Types, NR, NRho;
    public T InverseDr, Cut2, InverseDrho, RhoMax;
}

/// <summary>
/// eam, eam/alloy and eam/fs by gather over the full list, two kernels (as kernels/eam.cl):
/// <see cref="Density"/> sums ρᵢ = Σⱼ ρ_{j→i}(rᵢⱼ) and evaluates F(ρᵢ), F′(ρᵢ) in the same thread;
/// <see cref="Forces"/> needs F′ⱼ of the neighbors, so it runs after (the kernel boundary is the barrier).
/// Every lookup and term is <see cref="EamFormula"/>, the code the CPU backend runs.
/// </summary>
internal static class EamKernels
{
    public static void Density<T, R>(Index1D index, DeviceGeometry g, EamTables<T> t, ArrayView<double> fPrime, ArrayView<double> embedding)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int i = index, ti = g.Type[i], knots = t.NR + 1;
        int row = ti * t.Types * knots;
        double rho = 0;
        for (int k = 0, count = g.Count[i]; k < count; k++)
        {
            int j = g.Displacement<T, R>(i, k * g.Stride + i, out T dx, out T dy, out T dz);
            T r2 = dx * dx + dy * dy + dz * dz;
            if (r2 >= t.Cut2) continue;
            int m = EamFormula.LocateR<T, R>(T.Sqrt(r2), t.InverseDr, t.NR, out T p);
            int q = (row + g.Type[j] * knots + m) * EamPotential.PairTableStride;
            rho += R.Widen(EamFormula.Value(t.Pair[q], t.Pair[q + 1], t.Pair[q + 2], t.Pair[q + 3], p));
        }
        T rr = R.From(rho);
        int mr = EamFormula.LocateRho<T, R>(rr, t.InverseDrho, t.NRho, out T pr);
        int c = (ti * (t.NRho + 1) + mr) * EamPotential.EmbeddingTableStride;
        var f = t.Embedding;
        T energy = EamFormula.Embedding(f[c], f[c + 1], f[c + 2], f[c + 3], f[c + 4], f[c + 5], f[c + 6], pr, rr, t.RhoMax, out T fp);
        fPrime[i] = R.Widen(fp);
        embedding[i] = R.Widen(energy);
    }

    public static void Forces<T, R>(Index1D index, DeviceGeometry g, EamTables<T> t, ArrayView<double> fPrime, ArrayView<double> embedding, AtomOutputs o)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int i = index, knots = t.NR + 1;
        int row = g.Type[i] * t.Types * knots;
        T fpi = R.From(fPrime[i]);
        var sums = new GatherSums();
        for (int k = 0, count = g.Count[i]; k < count; k++)
        {
            int j = g.Displacement<T, R>(i, k * g.Stride + i, out T dx, out T dy, out T dz);
            T r2 = dx * dx + dy * dy + dz * dz;
            if (r2 >= t.Cut2) continue;
            T r = T.Sqrt(r2);
            int m = EamFormula.LocateR<T, R>(r, t.InverseDr, t.NR, out T p);
            int q = (row + g.Type[j] * knots + m) * EamPotential.PairTableStride;
            var a = t.Pair;
            T recip = T.One / r;
            T phi = EamFormula.Pair(EamFormula.Value(a[q + 8], a[q + 9], a[q + 10], a[q + 11], p),
                EamFormula.Slope<T, R>(a[q + 8], a[q + 9], a[q + 10], p, t.InverseDr), recip, out T phiPrime);
            T fOverR = EamFormula.PairForceOverR(fpi, EamFormula.Slope<T, R>(a[q], a[q + 1], a[q + 2], p, t.InverseDr),
                R.From(fPrime[j]), EamFormula.Slope<T, R>(a[q + 4], a[q + 5], a[q + 6], p, t.InverseDr), phiPrime, recip);
            sums.Add<T, R>(phi, fOverR, dx, dy, dz);
        }
        sums.Store(o, i, embedding[i]);
    }
}

/// <summary>eam, eam/alloy and eam/fs on ILGPU.</summary>
internal sealed class IlgpuEamComputer<T, R> : IlgpuForceComputer where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    private readonly DeviceArray<T> _pair, _embedding;
    private readonly DeviceArray<double> _fPrime, _energy;
    private readonly EamPotential _eam;
    private readonly Action<Index1D, DeviceGeometry, EamTables<T>, ArrayView<double>, ArrayView<double>> _density;
    private readonly Action<Index1D, DeviceGeometry, EamTables<T>, ArrayView<double>, ArrayView<double>, AtomOutputs> _forces;

    public IlgpuEamComputer(EamPotential eam, ComputeOptions options) : base(eam, options)
    {
        _eam = eam;
        var pair = eam.InterleavedPairTable(); var embedding = eam.EmbeddingTable();
        _pair = new DeviceArray<T>(Accelerator, pair.Length); _pair.Write(IlgpuBackend.ToReal<T, R>(pair));
        _embedding = new DeviceArray<T>(Accelerator, embedding.Length); _embedding.Write(IlgpuBackend.ToReal<T, R>(embedding));
        _fPrime = new DeviceArray<double>(Accelerator); _energy = new DeviceArray<double>(Accelerator);
        _density = Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EamTables<T>, ArrayView<double>, ArrayView<double>>(EamKernels.Density<T, R>);
        _forces = Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, EamTables<T>, ArrayView<double>, ArrayView<double>, AtomOutputs>(EamKernels.Forces<T, R>);
    }

    private protected override void Launch(int n, DeviceGeometry geometry, AtomOutputs outputs)
    {
        _fPrime.EnsureCapacity(n); _energy.EnsureCapacity(n);
        var tables = new EamTables<T>
        {
            Pair = _pair.View, Embedding = _embedding.View,
            Types = _eam.Species.Count, NR = _eam.Table.NR, NRho = _eam.Table.NRho,
            InverseDr = R.From(1.0 / _eam.Table.DR), Cut2 = R.From(_eam.Cutoff * _eam.Cutoff),
            InverseDrho = R.From(_eam.Embedding[0].InverseDelta), RhoMax = R.From(_eam.RhoMax),
        };
        _density(n, geometry, tables, _fPrime.View, _energy.View);
        _forces(n, geometry, tables, _fPrime.View, _energy.View, outputs);
    }

    public override void Dispose()
    {
        foreach (var b in new[] { _pair, _embedding }) b.Dispose();
        _fPrime.Dispose(); _energy.Dispose();
        base.Dispose();
    }
}
