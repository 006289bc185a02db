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
/// Tersoff terms centred on each atom, by <see cref="TersoffFunctions"/> (the functions the Reference and Cpu
/// backends call) and in the CPU backend's order, for the two-gather scheme of <see cref="IlgpuManyBodyComputer{T}"/>.
/// Per bond i→j: ζᵢⱼ over the other bonds k, b(ζ), the term ½f_c(f_R + b f_A) (½ to i, ½ to j), then the
/// gradients with respect to dᵢⱼ and each dᵢₖ (the k loop recomputes f_c, g and the exponential instead of
/// storing them per (j, k)). fp64 only, as on the CPU.
/// </summary>
internal static class TersoffKernels
{
    public static void Centres(Index1D index, DeviceGeometry g, TersoffTables t, ManyBodyEntries<double> s, AtomOutputs o)
    {
        int i = index, n = t.Types, ti = g.Type[i], count = g.Count[i];
        for (int k = 0; k < count; k++)
        {
            int slot = k * g.Stride + i;
            int j = g.Displacement<double, F64>(i, slot, out double dx, out double dy, out double dz);
            double r2 = dx * dx + dy * dy + dz * dz;
            s.Gx[slot] = 0; s.Gy[slot] = 0; s.Gz[slot] = 0; s.HeadEnergy[slot] = 0;
            if (r2 >= t.ShortCutSq[ti * n + g.Type[j]]) { s.R[slot] = 0; continue; }
            double r = Math.Sqrt(r2), inv = 1.0 / r;
            s.Ux[slot] = dx * inv; s.Uy[slot] = dy * inv; s.Uz[slot] = dz * inv; s.R[slot] = r;
        }
        double energy = 0;
        for (int a = 0; a < count; a++)
        {
            int sa = a * g.Stride + i;
            double rij = s.R[sa];
            if (rij == 0) continue;
            int pairBase = (ti * n + g.Type[g.J[sa]]) * n;
            var pij = t.Parameters[pairBase + g.Type[g.J[sa]]];
            if (rij * rij >= pij.CutSquared) continue;
            double uxa = s.Ux[sa], uya = s.Uy[sa], uza = s.Uz[sa];
            double zeta = 0;
            for (int b = 0; b < count; b++)
            {
                if (!ThirdBond(g, t, s, i, a, b, pairBase, out int sb, out double rik, out var pk)) continue;
                double cos = uxa * s.Ux[sb] + uya * s.Uy[sb] + uza * s.Uz[sb];
                zeta += TersoffFunctions.Fc(rik, pk) * TersoffFunctions.G(cos, pk, out _) * TersoffFunctions.ExpTerm(rij - rik, pk, out _);
            }
            double vr = TersoffFunctions.Repulsive(rij, pij, out double dvr);
            double fa = TersoffFunctions.Attractive(rij, pij, out double dfa);
            double bij = TersoffFunctions.Bij(zeta, pij);
            double term = 0.5 * vr + 0.5 * bij * fa;
            energy += 0.5 * term;
            s.HeadEnergy[sa] += 0.5 * term;
            double pre = 0.5 * fa * TersoffFunctions.BijDerivative(zeta, pij);
            double radial = 0.5 * dvr + 0.5 * bij * dfa;
            double gax = radial * uxa, gay = radial * uya, gaz = radial * uza;
            double invRij = 1.0 / rij;
            for (int b = 0; b < count; b++)
            {
                if (!ThirdBond(g, t, s, i, a, b, pairBase, out int sb, out double rik, out var pk)) continue;
                double uxb = s.Ux[sb], uyb = s.Uy[sb], uzb = s.Uz[sb];
                double cos = uxa * uxb + uya * uyb + uza * uzb;
                double fc = TersoffFunctions.Fc(rik, pk);
                double gv = TersoffFunctions.G(cos, pk, out double dg);
                double ex = TersoffFunctions.ExpTerm(rij - rik, pk, out double dex);
                double dr1 = fc * gv * dex, dr2 = TersoffFunctions.FcDerivative(rik, pk) * gv * ex - fc * gv * dex, dcos = fc * dg * ex;
                double pc = pre * dcos;
                double cj = pre * dr1 - pc * cos * invRij, ck = pc * invRij;
                gax += cj * uxa + ck * uxb; gay += cj * uya + ck * uyb; gaz += cj * uza + ck * uzb;
                double invRik = 1.0 / rik;
                double bk = pre * dr2 - pc * cos * invRik, bj = pc * invRik;
                s.Gx[sb] += bk * uxb + bj * uxa; s.Gy[sb] += bk * uyb + bj * uya; s.Gz[sb] += bk * uzb + bj * uza;
            }
            s.Gx[sa] += gax; s.Gy[sa] += gay; s.Gz[sa] += gaz;
        }
        ManyBodyKernels.StoreCentre(g, s, o, i, count, energy);
    }

    /// <summary>Whether entry b of atom i is a bond k of the triplet (i, j = entry a, k): b ≠ a and inside the (tᵢ, tⱼ, tₖ) cutoff.</summary>
    private static bool ThirdBond(DeviceGeometry g, TersoffTables t, ManyBodyEntries<double> s, int i, int a, int b, int pairBase,
        out int sb, out double rik, out TersoffParameters pk)
    {
        sb = b * g.Stride + i;
        rik = s.R[sb];
        pk = t.Parameters[pairBase + g.Type[g.J[sb]]];
        return b != a && rik != 0 && rik * rik < pk.CutSquared;
    }
}

/// <summary>tersoff on ILGPU, fp64 (OpenCL has no tersoff kernels).</summary>
internal sealed class IlgpuTersoffComputer : IlgpuManyBodyComputer<double>
{
    private readonly MemoryBuffer1D<TersoffParameters, Stride1D.Dense> _parameters;
    private readonly DeviceArray<double> _shortCutSq;
    private readonly int _types;
    private readonly Action<Index1D, DeviceGeometry, TersoffTables, ManyBodyEntries<double>, AtomOutputs> _centres;

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
        _centres = Accelerator.LoadAutoGroupedStreamKernel<Index1D, DeviceGeometry, TersoffTables, ManyBodyEntries<double>, AtomOutputs>(TersoffKernels.Centres);
    }

    private protected override void LaunchCentres(int n, DeviceGeometry geometry, ManyBodyEntries<double> entries, AtomOutputs outputs) =>
        _centres(n, geometry, new TersoffTables { Parameters = _parameters.View, ShortCutSq = _shortCutSq.View, Types = _types }, entries, outputs);

    public override void Dispose()
    {
        _parameters.Dispose(); _shortCutSq.Dispose();
        base.Dispose();
    }
}
