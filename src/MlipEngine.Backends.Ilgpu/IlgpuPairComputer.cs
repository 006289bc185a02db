using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Potentials.Pair;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// A pair function as device kernels call it: coefficients of type pair t from a packed row of
/// <see cref="Stride"/> reals at <c>offset = t·Stride</c>, evaluated by the formula the CPU backend calls.
/// </summary>
internal interface IDevicePair<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract int Stride { get; }
    /// <summary>As <see cref="LennardJonesFormula.Evaluate{T, R}"/>: false beyond the pair's cutoff, else φ (eV) and −φ′/r (eV/Å²).</summary>
    static abstract bool Evaluate(ArrayView<T> p, int offset, T r2, out T energy, out T fOverR);
}

/// <summary>lj/cut from <see cref="LennardJonesPotential.PackedCoefficients"/> (r_c², c₁₂, c₆, shift).</summary>
internal readonly struct LennardJonesDevice<T, R> : IDevicePair<T> where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    public static int Stride => 4;
    public static bool Evaluate(ArrayView<T> p, int o, T r2, out T energy, out T fOverR) =>
        LennardJonesFormula.Evaluate<T, R>(r2, p[o], p[o + 1], p[o + 2], p[o + 3], out energy, out fOverR);
}

/// <summary>morse from <see cref="MorsePotential.PackedCoefficients"/> (r_c², D₀, α, r₀, shift, pads).</summary>
internal readonly struct MorseDevice<T, R> : IDevicePair<T> where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    public static int Stride => 8;
    public static bool Evaluate(ArrayView<T> p, int o, T r2, out T energy, out T fOverR) =>
        MorseFormula.Evaluate<T, R>(r2, p[o], p[o + 1], p[o + 2], p[o + 3], p[o + 4], out energy, out fOverR);
}

/// <summary>
/// Pair potentials E = ½ Σᵢ Σ_{j ∈ full list of i} φ(rᵢⱼ) by gather: thread i sums its own neighbors and
/// writes only atom i's outputs. Each pair is evaluated from both sides (twice the arithmetic of a half
/// list, but no scatter, so no atomics and a fixed order) — the trade kernels/pair.cl makes too.
/// </summary>
internal static class PairKernels
{
    public static void Forces<T, R, TPair>(Index1D index, DeviceGeometry g, ArrayView<T> p, int types, AtomOutputs o)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T> where TPair : struct, IDevicePair<T>
    {
        int i = index;
        int row = g.Type[i] * types;
        var sums = new GatherSums();
        for (int k = 0, m = g.Count[i]; k < m; k++)
        {
            int slot = k * g.Stride + i;
            int j = g.Displacement<T, R>(i, slot, out T dx, out T dy, out T dz);
            if (!TPair.Evaluate(p, (row + g.Type[j]) * TPair.Stride, dx * dx + dy * dy + dz * dz, out T e, out T fOverR)) continue;
            sums.Add<T, R>(e, fOverR, dx, dy, dz);
        }
        sums.Store(o, i, 0.0);
    }
}

/// <summary>lj/cut and morse on ILGPU: one gather kernel over the packed per-type-pair coefficients.</summary>
internal sealed class IlgpuPairComputer<T, R, TPair> : IlgpuForceComputer
    where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T> where TPair : struct, IDevicePair<T>
{
    private readonly DeviceArray<T> _params;
    private readonly int _types;
    private readonly Action<Index1D, DeviceGeometry, ArrayView<T>, int, AtomOutputs> _forces;

    public IlgpuPairComputer(IForceField ff, ComputeOptions options, ReadOnlySpan<double> packed) : base(ff, options)
    {
        _types = ff.Species.Count;
        _params = new DeviceArray<T>(Accelerator, packed.Length);
        _params.Write(IlgpuBackend.ToReal<T, R>(packed));
        _forces = Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, ArrayView<T>, int, AtomOutputs>(PairKernels.Forces<T, R, TPair>);
    }

    private protected override void Launch(int n, DeviceGeometry geometry, AtomOutputs outputs) => _forces(n, geometry, _params.View, _types, outputs);

    public override void Dispose()
    {
        _params.Dispose();
        base.Dispose();
    }
}
