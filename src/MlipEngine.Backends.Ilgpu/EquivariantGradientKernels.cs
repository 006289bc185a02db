using System.Numerics;
using ILGPU;
using MlipEngine.Kernels;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// Where the per-weight sums of the parameter gradient go: weight q's sum over items (atoms or edge slots) is split into
/// <see cref="Parts"/> consecutive ranges; thread part·Count + q adds its range in order into Partial[part·Count + q], and
/// <see cref="EquivariantKernels.SumParts"/> adds the parts, in part order, to the gradient. Fixed order throughout.
/// </summary>
internal struct PartialSums
{
    public ArrayView<double> Partial;
    public int Count, Parts;

    /// <summary>Thread <paramref name="index"/>'s weight and item range [begin, end) of <paramref name="total"/> items.</summary>
    public readonly int Range(int index, int total, out int begin, out int end)
    {
        int part = index / Count, len = (total + Parts - 1) / Parts;
        begin = part * len;
        end = begin + len < total ? begin + len : total;
        return index - part * Count;
    }
}

/// <summary>
/// The parameter gradient ∂E/∂θ of the equivariant model (training): the adjoint pass of <see cref="EquivariantKernels"/> already
/// gives ∂E/∂(every intermediate); a weight's gradient is then a sum over atoms (or edges) of its input times the gradient of its
/// output. Each weight's sum is split into consecutive ranges of atoms or edge slots (<see cref="PartialSums"/>: one thread per weight
/// and range, so a large batch keeps a GPU busy), each summed in order, then the ranges in order: no float atomics,
/// bit-reproducible. Chunks are visited in order, so the edge sums are too. A block's weights are consecutive parameters, so weight q
/// of a block lands at its first parameter + q.
/// <code>
///   linear map  out[lm, o] = Σ_c W_l[c, o] in[lm, c]:   ∂E/∂W_l[c, o] = Σ_i Σ_{m} in_i[lm, c] ∂E/∂out_i[lm, o]
///   radial MLP  z_k = x_k W_k (x₀ = b, x_k = silu(z_{k−1})):   ∂E/∂W_k[q, o] = Σ_e x_k[e, q] ∂E/∂z_k[e, o]
///   per-atom terms (embedding, contraction weights, readout):   ∂E/∂θ = Σ_i (atom i's term), over the atoms of θ's species
/// </code>
/// </summary>
internal static partial class EquivariantKernels
{
    /// <summary>grad[first + q] += Σ_part Partial[part·Count + q], parts in order (thread q).</summary>
    public static void SumParts(Index1D index, PartialSums p, ArrayView<double> grad, int first)
    {
        double acc = 0;
        for (int part = 0; part < p.Parts; part++) acc += p.Partial[part * p.Count + index];
        grad[first + index] += acc;
    }

    /// <summary>
    /// Weight s·K + k: Σ_{i: zᵢ = s} x[i·K + k] over its range of atoms, in atom order; with <paramref name="perSpecies"/> 0 a single
    /// block (s = 0) over all atoms; with <paramref name="weighted"/> each term times <paramref name="weight"/>[i] (the density fade's
    /// h_i for the readouts: E_i = E0 + core + h_i L_i, h_i independent of θ). Sums in fp64.
    /// </summary>
    public static void AtomSums<T, R>(Index1D index, ArrayView<int> type, ArrayView<T> x, int n, int K, int perSpecies, ArrayView<double> weight, int weighted,
        PartialSums p)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int q = p.Range(index, n, out int begin, out int end), s = q / K, k = q - s * K;
        double acc = 0;
        for (int i = begin; i < end; i++)
            if (perSpecies == 0 || type[i] == s) acc += weighted != 0 ? R.Widen(x[i * K + k]) * weight[i] : R.Widen(x[i * K + k]);
        p.Partial[index] = acc;
    }

    /// <summary>
    /// Weight ((l·S′ + s)·C + c)·C + o: ∂E/∂W_l[c, o] = Σ_i Σ_{lm of l} In[i, lm, c] Out[i, lm, o] over its range of atoms, for the map of
    /// <see cref="Linear{T}"/> (<see cref="LinearArgs{T}.Out"/> holds ∂E/∂out): S′ = the species for the species-dependent skip map
    /// (<paramref name="perSpecies"/>; atoms of species s only), else 1 (all atoms share W_l).
    /// </summary>
    public static void LinearWeightGradient<T, R>(Index1D index, ArrayView<int> type, EquivariantViews<T> v, LinearArgs<T> a, int n, int perSpecies, PartialSums p)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int C = v.C, species = perSpecies != 0 ? v.Species : 1;
        int q = p.Range(index, n, out int begin, out int end);
        int o = q % C, rest = q / C, c = rest % C;
        rest /= C;
        int s = rest % species, l = rest / species;
        double acc = 0;
        for (int i = begin; i < end; i++)
        {
            if (perSpecies != 0 && type[i] != s) continue;
            for (int lm = l * l; lm < (l + 1) * (l + 1); lm++) acc += R.Widen(a.In[i * a.InN + lm * C + c] * a.Out[i * a.OutN + lm * C + o]);
        }
        p.Partial[index] = acc;
    }

    /// <summary>
    /// Weight q of the layer's MLP in parameter order (the weight matrices are consecutive, each [in][out] row-major): ∂E/∂W_k[q′, o] =
    /// Σ_e x_k[e, q′] ∂E/∂z_k[e, o] over its range of the chunk's edge slots, in slot order (x₀ = b, x_k = silu(z_{k−1}) as
    /// <see cref="Radial{T}"/> keeps them; ∂E/∂z_k from <see cref="EquivariantKernels.EdgeAdjoint{T, R}"/> in GZ).
    /// </summary>
    public static void RadialWeightGradient<T, R>(Index1D index, DeviceGeometry g, EquivariantViews<T> v, LayerPlan L, LayerViews<T> lv, PartialSums p)
        where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int S = v.S, k = 0, zIn = -1, zOut = 0;
        int rest = p.Range(index, S, out int begin, out int end);
        int nin = v.Ints[L.MlpWidths], nout = v.Ints[L.MlpWidths + 1];
        while (rest >= nin * nout && k < L.Depth - 1)
        {
            rest -= nin * nout;
            zIn = zOut; zOut += nout; k++;
            nin = nout; nout = v.Ints[L.MlpWidths + k + 1];
        }
        int q = rest / nout, o = rest - q * nout;
        double acc = 0;
        for (int e = begin; e < end; e++)
        {
            if (!IsEdge(g, v, e, out _, out _)) continue;
            T x = zIn < 0 ? v.B[q * S + e] : lv.Act[(zIn + q) * S + e];
            acc += R.Widen(x * v.GZ[(zOut + o) * S + e]);
        }
        p.Partial[index] = acc;
    }
}
