using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Potentials.Tersoff;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>The Tersoff parameters per type triplet [(tᵢ·n + tⱼ)·n + tₖ] and the short-list cutoff per pair [tᵢ·n + tₖ] (max over tⱼ of (R+D)²).</summary>
internal struct TersoffTables
{
    public ArrayView<TersoffParameters> Parameters;
    public ArrayView<double> ShortCutSq;
    public int Types;
}

/// <summary>
/// Tersoff terms centred on each atom, by <see cref="TersoffFunctions{T, R}"/> (the functions the Reference and Cpu
/// backends call) and in the CPU backend's order, for the two-gather scheme of <see cref="IlgpuManyBodyComputer{T}"/>.
/// Per bond i→j: ζᵢⱼ over the other bonds k, b(ζ), the term ½f_c(f_R + b f_A) (½ to i, ½ to j), then the
/// gradients with respect to dᵢⱼ and each dᵢₖ (the k loop recomputes f_c, g and the exponential instead of
/// storing them per (j, k)). fp64 (T = double) or fp32 (T = float: bond geometry and every term in float, as the sw kernel;
/// ζ, energies and gradients summed in double).
/// </summary>
internal static class TersoffKernels
{
    public static void Centres<T, R>(Index1D index, DeviceGeometry g, TersoffTables t, ManyBodyEntries<T> s, AtomOutputs o)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int i = index, n = t.Types, ti = g.Type[i], count = g.Count[i];
        for (int k = 0; k < count; k++)
        {
            int slot = k * g.Stride + i;
            int j = g.Displacement<T, R>(i, slot, out T dx, out T dy, out T dz);
            T r2 = dx * dx + dy * dy + dz * dz;
            s.Gx[slot] = 0; s.Gy[slot] = 0; s.Gz[slot] = 0; s.HeadEnergy[slot] = 0;
            if (R.Widen(r2) >= t.ShortCutSq[ti * n + g.Type[j]]) { s.R[slot] = T.Zero; continue; }
            T r = T.Sqrt(r2), inv = T.One / r;
            s.Ux[slot] = dx * inv; s.Uy[slot] = dy * inv; s.Uz[slot] = dz * inv; s.R[slot] = r;
        }
        double energy = 0;
        T half = R.From(0.5);
        for (int a = 0; a < count; a++)
        {
            int sa = a * g.Stride + i;
            T rij = s.R[sa];
            if (rij == T.Zero) continue;
            int pairBase = (ti * n + g.Type[g.J[sa]]) * n;
            var pij = t.Parameters[pairBase + g.Type[g.J[sa]]];
            if (R.Widen(rij * rij) >= pij.CutSquared) continue;
            T uxa = s.Ux[sa], uya = s.Uy[sa], uza = s.Uz[sa];
            double zetaSum = 0;
            for (int b = 0; b < count; b++)
            {
                if (!ThirdBond<T, R>(g, t, s, i, a, b, pairBase, out int sb, out T rik, out var pk)) continue;
                T cos = uxa * s.Ux[sb] + uya * s.Uy[sb] + uza * s.Uz[sb];
                zetaSum += R.Widen(TersoffFunctions<T, R>.Fc(rik, pk) * TersoffFunctions<T, R>.G(cos, pk, out _) * TersoffFunctions<T, R>.ExpTerm(rij - rik, pk, out _));
            }
            T zeta = R.From(zetaSum);
            T vr = TersoffFunctions<T, R>.Repulsive(rij, pij, out T dvr);
            T fa = TersoffFunctions<T, R>.Attractive(rij, pij, out T dfa);
            T bij = TersoffFunctions<T, R>.Bij(zeta, pij);
            T term = half * vr + half * bij * fa;
            double share = R.Widen(half * term);
            energy += share;
            s.HeadEnergy[sa] += share;
            T pre = half * fa * TersoffFunctions<T, R>.BijDerivative(zeta, pij);
            T radial = half * dvr + half * bij * dfa;
            double gax = R.Widen(radial * uxa), gay = R.Widen(radial * uya), gaz = R.Widen(radial * uza);
            T invRij = T.One / rij;
            for (int b = 0; b < count; b++)
            {
                if (!ThirdBond<T, R>(g, t, s, i, a, b, pairBase, out int sb, out T rik, out var pk)) continue;
                T uxb = s.Ux[sb], uyb = s.Uy[sb], uzb = s.Uz[sb];
                T cos = uxa * uxb + uya * uyb + uza * uzb;
                T fc = TersoffFunctions<T, R>.Fc(rik, pk);
                T gv = TersoffFunctions<T, R>.G(cos, pk, out T dg);
                T ex = TersoffFunctions<T, R>.ExpTerm(rij - rik, pk, out T dex);
                T dr1 = fc * gv * dex, dr2 = TersoffFunctions<T, R>.FcDerivative(rik, pk) * gv * ex - fc * gv * dex, dcos = fc * dg * ex;
                T pc = pre * dcos;
                T cj = pre * dr1 - pc * cos * invRij, ck = pc * invRij;
                gax += R.Widen(cj * uxa + ck * uxb); gay += R.Widen(cj * uya + ck * uyb); gaz += R.Widen(cj * uza + ck * uzb);
                T invRik = T.One / rik;
                T bk = pre * dr2 - pc * cos * invRik, bj = pc * invRik;
                s.Gx[sb] += R.Widen(bk * uxb + bj * uxa); s.Gy[sb] += R.Widen(bk * uyb + bj * uya); s.Gz[sb] += R.Widen(bk * uzb + bj * uza);
            }
            s.Gx[sa] += gax; s.Gy[sa] += gay; s.Gz[sa] += gaz;
        }
        ManyBodyKernels.StoreCentre(g, s, o, i, count, energy);
    }

    /// <summary>Whether entry b of atom i is a bond k of the triplet (i, j = entry a, k): b ≠ a and inside the (tᵢ, tⱼ, tₖ) cutoff.</summary>
    private static bool ThirdBond<T, R>(DeviceGeometry g, TersoffTables t, ManyBodyEntries<T> s, int i, int a, int b, int pairBase,
        out int sb, out T rik, out TersoffParameters pk)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        sb = b * g.Stride + i;
        rik = s.R[sb];
        pk = t.Parameters[pairBase + g.Type[g.J[sb]]];
        return b != a && rik != T.Zero && R.Widen(rik * rik) < pk.CutSquared;
    }
}

/// <summary>tersoff on ILGPU, fp64 or fp32 (OpenCL has no tersoff kernels).</summary>
internal sealed class IlgpuTersoffComputer<T, R> : IlgpuManyBodyComputer<T> where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
{
    private readonly MemoryBuffer1D<TersoffParameters, Stride1D.Dense> _parameters;
    private readonly DeviceArray<double> _shortCutSq;
    private readonly int _types;
    private readonly Action<Index1D, DeviceGeometry, TersoffTables, ManyBodyEntries<T>, AtomOutputs> _centres;

    public IlgpuTersoffComputer(TersoffPotential tersoff, ComputeOptions options) : base(tersoff, options)
    {
        int n = _types = tersoff.TypeCount;
        var p = new TersoffParameters[n * n * n];
        var cut = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    p[(i * n + j) * n + k] = tersoff.Parameters(i, j, k);
                    cut[i * n + k] = Math.Max(cut[i * n + k], p[(i * n + j) * n + k].CutSquared);
                }
        _parameters = Accelerator.Allocate1D(p);
        _shortCutSq = new DeviceArray<double>(Accelerator, cut.Length);
        _shortCutSq.Write(cut);
        _centres = Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, TersoffTables, ManyBodyEntries<T>, AtomOutputs>(TersoffKernels.Centres<T, R>);
    }

    private protected override void LaunchCentres(int n, DeviceGeometry geometry, ManyBodyEntries<T> entries, AtomOutputs outputs) =>
        _centres(n, geometry, new TersoffTables { Parameters = _parameters.View, ShortCutSq = _shortCutSq.View, Types = _types }, entries, outputs);

    public override void Dispose()
    {
        _parameters.Dispose(); _shortCutSq.Dispose();
        base.Dispose();
    }
}
