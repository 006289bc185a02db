using System.Numerics;
using ILGPU;
using MlipEngine.Kernels;

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// What every gather kernel reads: image-corrected positions r̃ = r − w·H (Å, fp64), the FULL neighbor
/// list in the layout of kernels/common.cl (fixed capacity per atom, NEIGHBOR-MAJOR: entry k of atom i at
/// k·<see cref="Stride"/> + i, so at step k consecutive threads read consecutive ints), shift codes into
/// <see cref="Shifts"/> (three Cartesian components n·H per code, Å) and the potential's type index of each atom.
/// </summary>
internal struct DeviceGeometry
{
    public ArrayView<double> X, Y, Z, Shifts;
    public ArrayView<int> Type, Count, J, Code;
    public int Stride;

    /// <summary>
    /// dᵢⱼ = r̃ⱼ − r̃ᵢ + shift of entry <paramref name="slot"/> (Å), formed in fp64 and then rounded to
    /// <typeparamref name="T"/>: in fp32 the displacement keeps ~1e-7 of |d| rather than of the absolute
    /// coordinates. Returns j.
    /// </summary>
    public readonly int Displacement<T, R>(int i, int slot, out T dx, out T dy, out T dz) where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        int j = J[slot], c = 3 * Code[slot];
        dx = R.From(X[j] - X[i] + Shifts[c]);
        dy = R.From(Y[j] - Y[i] + Shifts[c + 1]);
        dz = R.From(Z[j] - Z[i] + Shifts[c + 2]);
        return j;
    }
}

/// <summary>
/// Per-atom results of a gather kernel (fp64): force, energy (LAMMPS' eatom convention) and the six
/// virial components, component-major V[c·N + i] (xx yy zz xy xz yz).
/// </summary>
internal struct AtomOutputs
{
    public ArrayView<double> Fx, Fy, Fz, E, V;
    public int N;
}

/// <summary>
/// Σⱼ of one atom's pair terms in fp64: energy, force on i and virial Σ d ⊗ f (f = force on j). Each pair
/// of a full list is seen from both sides, so the atom's share is half of the energy and virial sums.
/// </summary>
internal struct GatherSums
{
    public double E, Fx, Fy, Fz, Vxx, Vyy, Vzz, Vxy, Vxz, Vyz;

    /// <summary>Adds one pair: energy <paramref name="e"/>, force on j = <paramref name="fOverR"/>·d.</summary>
    public void Add<T, R>(T e, T fOverR, T dx, T dy, T dz) where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        T fx = fOverR * dx, fy = fOverR * dy, fz = fOverR * dz;
        E += R.Widen(e);
        Fx -= R.Widen(fx); Fy -= R.Widen(fy); Fz -= R.Widen(fz);
        Vxx += R.Widen(dx * fx); Vyy += R.Widen(dy * fy); Vzz += R.Widen(dz * fz);
        Vxy += R.Widen(dx * fy); Vxz += R.Widen(dx * fz); Vyz += R.Widen(dy * fz);
    }

    /// <summary>Writes atom i's force, energy (<paramref name="ownEnergy"/> + ½ΣE) and ½ of the virial sums.</summary>
    public readonly void Store(AtomOutputs o, int i, double ownEnergy)
    {
        int n = o.N;
        o.Fx[i] = Fx; o.Fy[i] = Fy; o.Fz[i] = Fz;
        o.E[i] = ownEnergy + 0.5 * E;
        o.V[i] = 0.5 * Vxx; o.V[n + i] = 0.5 * Vyy; o.V[2 * n + i] = 0.5 * Vzz;
        o.V[3 * n + i] = 0.5 * Vxy; o.V[4 * n + i] = 0.5 * Vxz; o.V[5 * n + i] = 0.5 * Vyz;
    }
}

/// <summary>
/// Per-system sums of the per-atom energies and virials, deterministic without atomics: each system's
/// atoms are cut into chunks of at most <see cref="ChunkAtoms"/> consecutive atoms; a thread sums one chunk
/// in atom order, then a thread per system sums its chunks in chunk order. The order of additions depends
/// only on the system sizes, so results are bit-identical run to run and device to device (for the same
/// per-atom values).
/// </summary>
internal static class ReductionKernels
{
    public const int ChunkAtoms = 256;

    /// <summary>Chunk c covers atoms [first[c], first[c+1]); writes 7 sums (E, then virial xx yy zz xy xz yz) at 7c.</summary>
    public static void ChunkSums(Index1D chunk, ArrayView<int> first, AtomOutputs o, ArrayView<double> partial)
    {
        int c = chunk, n = o.N;
        double e = 0, xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
        for (int i = first[c], end = first[c + 1]; i < end; i++)
        {
            e += o.E[i];
            xx += o.V[i]; yy += o.V[n + i]; zz += o.V[2 * n + i];
            xy += o.V[3 * n + i]; xz += o.V[4 * n + i]; yz += o.V[5 * n + i];
        }
        partial[7 * c] = e; partial[7 * c + 1] = xx; partial[7 * c + 2] = yy; partial[7 * c + 3] = zz;
        partial[7 * c + 4] = xy; partial[7 * c + 5] = xz; partial[7 * c + 6] = yz;
    }

    /// <summary>System s sums chunks [firstChunk[s], firstChunk[s+1]) into sums[7s…7s+6].</summary>
    public static void SystemSums(Index1D system, ArrayView<int> firstChunk, ArrayView<double> partial, ArrayView<double> sums)
    {
        int s = system;
        for (int q = 0; q < 7; q++)
        {
            double acc = 0;
            for (int c = firstChunk[s], end = firstChunk[s + 1]; c < end; c++) acc += partial[7 * c + q];
            sums[7 * s + q] = acc;
        }
    }

    /// <summary>Chunk boundaries (atoms) and each system's first chunk, for <see cref="ChunkSums"/> and <see cref="SystemSums"/>.</summary>
    public static (int[] ChunkFirst, int[] SystemFirstChunk) Plan(ReadOnlySpan<int> systemOffsets)
    {
        int ns = systemOffsets.Length - 1;
        var first = new List<int>();
        var sysFirst = new int[ns + 1];
        for (int s = 0; s < ns; s++)
        {
            sysFirst[s] = first.Count;
            for (int a = systemOffsets[s]; a < systemOffsets[s + 1]; a += ChunkAtoms) first.Add(a);
        }
        sysFirst[ns] = first.Count;
        first.Add(systemOffsets[ns]);
        return (first.ToArray(), sysFirst);
    }
}
