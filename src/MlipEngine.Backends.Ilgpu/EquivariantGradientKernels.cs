using System.Numerics;
using ILGPU;
using MlipEngine.Kernels;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The parameter gradient ∂E/∂θ of the equivariant model (training): the adjoint pass of <see cref="EquivariantKernels"/> already
/// gives ∂E/∂(every intermediate); a weight's gradient is then a sum over atoms (or edges) of its input times the gradient of its
/// output. Each sum is owned by one thread, which runs over the atoms (or the chunk's edge slots) in a fixed order and adds its
/// total to the gradient entry once: no float atomics, bit-reproducible. Chunks are visited in order, so the edge sums are too.
/// <code>
///   linear map  out[lm, o] = Σ_c W_l[c, o] in[lm, c]:   ∂E/∂W_l[c, o] = Σ_i Σ_{m} in_i[lm, c] ∂E/∂out_i[lm, o]
///   radial MLP  z_k = x_k W_k (x₀ = b, x_k = silu(z_{k−1})):   ∂E/∂W_k[q, o] = Σ_e x_k[e, q] ∂E/∂z_k[e, o]
///   per-atom terms (embedding, contraction weights, readout):   ∂E/∂θ = Σ_i (atom i's term), over the atoms of θ's species
/// </code>
/// </summary>
internal static partial class EquivariantKernels
{
    /// <summary>
    /// grad[offset + s·K + k] += Σ_{i: zᵢ = s} x[i·K + k] in atom order (thread s·K + k); with <paramref name="perSpecies"/> 0 a single
    /// block (s = 0) over all atoms. Sums in fp64.
    /// </summary>
    public static void AtomSums<T, R>(Index1D index, ArrayView<int> type, ArrayView<T> x, int n, int K, int perSpecies, ArrayView<double> grad, int offset)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int s = index / K, k = index - s * K;
        double acc = 0;
        for (int i = 0; i < n; i++)
            if (perSpecies == 0 || type[i] == s) acc += R.Widen(x[i * K + k]);
        grad[offset + index] += acc;
    }

    /// <summary>
    /// ∂E/∂W_l[c, o] += Σ_i Σ_{lm of l} In[i, lm, c] Out[i, lm, o] for the map of <see cref="Linear{T}"/> (<see cref="LinearArgs{T}.Out"/> holds
    /// ∂E/∂out), thread ((l·S′ + s)·C + c)·C + o: S′ = the species for the species-dependent skip map (<paramref name="perSpecies"/>; atoms
    /// of species s only), else 1 (all atoms share W_l).
    /// </summary>
    public static void LinearWeightGradient<T, R>(Index1D index, ArrayView<int> type, EquivariantViews<T> v, LinearArgs<T> a, int n, int perSpecies, ArrayView<double> grad)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int C = v.C, species = perSpecies != 0 ? v.Species : 1;
        int o = index % C, rest = index / C, c = rest % C;
        rest /= C;
        int s = rest % species, l = rest / species;
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            if (perSpecies != 0 && type[i] != s) continue;
            for (int lm = l * l; lm < (l + 1) * (l + 1); lm++) acc += R.Widen(a.In[i * a.InN + lm * C + c] * a.Out[i * a.OutN + lm * C + o]);
        }
        grad[v.Ints[a.Table + l * v.Species + s] + c * C + o] += acc;
    }

    /// <summary>
    /// ∂E/∂W_k[q, o] += Σ_e x_k[e, q] ∂E/∂z_k[e, o] over the chunk's edge slots in slot order (x₀ = b, x_k = silu(z_{k−1}) as
    /// <see cref="Radial{T}"/> keeps them; ∂E/∂z_k from <see cref="EquivariantKernels.EdgeAdjoint{T, R}"/> in GZ). One thread per weight of
    /// the layer's MLP, in parameter order (the MLP's weight matrices are consecutive, each [in][out] row-major).
    /// </summary>
    public static void RadialWeightGradient<T, R>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv, ArrayView<double> grad)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int S = v.S, k = 0, rest = index, zIn = -1, zOut = 0;
        int nin = v.Ints[L.MlpWidths], nout = v.Ints[L.MlpWidths + 1];
        while (rest >= nin * nout && k < L.Depth - 1)
        {
            rest -= nin * nout;
            zIn = zOut; zOut += nout; k++;
            nin = nout; nout = v.Ints[L.MlpWidths + k + 1];
        }
        int q = rest / nout, o = rest - q * nout;
        double acc = 0;
        for (int e = 0; e < S; e++)
        {
            if (!IsEdge(g, v, e, out _, out _)) continue;
            T x = zIn < 0 ? v.B[q * S + e] : lv.Act[(zIn + q) * S + e];
            acc += R.Widen(x * v.GZ[(zOut + o) * S + e]);
        }
        grad[v.Ints[L.MlpOffsets + k] + q * nout + o] += acc;
    }
}
