using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.Potentials.Cpu;
using MlipEngine.State;

namespace MlipEngine.Potentials.Pair;

/// <summary>
/// Reference evaluation of E = Σ_{pairs} φ(r) over a half list, written to be obviously right.
/// Force on j is f = −φ′(r) d/r with d = rⱼ − rᵢ (+ lattice shift), on i it is −f; each pair adds
/// d ⊗ f to the virial and half its energy to each atom (LAMMPS' eatom convention).
/// </summary>
internal sealed class PairReferenceComputer<TPair> : NeighborForceComputer where TPair : struct, IPairFunction
{
    private readonly TPair _pair;
    private readonly int _types;

    public PairReferenceComputer(IForceField ff, ComputeOptions options, TPair pair)
        : base(ff, options, NeighborListKind.Half) { _pair = pair; _types = ff.Species.Count; }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        for (int i = 0; i < batch.AtomCount; i++)
        {
            int s = batch.SystemIndex[i];
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                int j = list.Neighbors[k];
                Vec3 d = list.Displacement(batch, i, k);
                if (!_pair.Evaluate(types[i] * _types + types[j], d.NormSquared, out double e, out double fOverR)) continue;
                result.Energy[s] += e;
                result.AtomEnergies[i] += 0.5 * e;
                result.AtomEnergies[j] += 0.5 * e;
                Vec3 f = fOverR * d;
                result.Fx[j] += f.X; result.Fy[j] += f.Y; result.Fz[j] += f.Z;
                result.Fx[i] -= f.X; result.Fy[i] -= f.Y; result.Fz[i] -= f.Z;
                var w = result.VirialOf(s);
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        w[3 * a + b] += d[a] * f[b];
            }
        }
    }
}

/// <summary>
/// Optimised CPU evaluation of a pair potential: half list, interleaved image-corrected positions,
/// per-thread accumulators (see <see cref="CpuWorkspace"/>), struct-generic pair function.
/// </summary>
internal sealed class PairCpuComputer<TPair> : NeighborForceComputer where TPair : struct, IPairFunction
{
    private readonly TPair _pair;
    private readonly int _types;
    private readonly CpuWorkspace _ws;

    public PairCpuComputer(IForceField ff, ComputeOptions options, TPair pair)
        : base(ff, options, NeighborListKind.Half) { _pair = pair; _types = ff.Species.Count; _ws = new CpuWorkspace(options.Threads); }

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount, ns = batch.SystemCount;
        _ws.Prepare(batch, list);
        _ws.Clear(n, ns, scalar: false, outputs);
        bool wantF = (outputs & ForceOutputs.Forces) != 0, wantV = (outputs & ForceOutputs.Virial) != 0, wantAE = (outputs & ForceOutputs.AtomEnergies) != 0;
        _ws.Run(t => Kernel(t, batch.SystemIndex, list, types, wantF, wantV, wantAE));
        _ws.ReduceInto(result, n, ns, outputs);
    }

    private void Kernel(int t, int[] sys, NeighborList list, int[] types, bool wantF, bool wantV, bool wantAE)
    {
        var lane = _ws.Lanes[t];
        var x = _ws.Positions;
        var f = lane.Force; var ae = lane.AtomEnergy;
        var offsets = list.Offsets; var nbr = list.Neighbors; var codes = list.ShiftCodes; var sv = list.ShiftVectors;
        var pair = _pair;
        int nt = _types;
        for (int i = _ws.Starts[t], end = _ws.Starts[t + 1]; i < end; i++)
        {
            double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
            int ti = types[i] * nt;
            double ei = 0, fxi = 0, fyi = 0, fzi = 0;
            double vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
            for (int k = offsets[i], kend = offsets[i + 1]; k < kend; k++)
            {
                int j = nbr[k], c = 3 * codes[k];
                double dx = x[3 * j] - xi + sv[c], dy = x[3 * j + 1] - yi + sv[c + 1], dz = x[3 * j + 2] - zi + sv[c + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (!pair.Evaluate(ti + types[j], r2, out double e, out double fr)) continue;
                ei += e;
                if (wantAE) { ae[i] += 0.5 * e; ae[j] += 0.5 * e; }
                double fx = fr * dx, fy = fr * dy, fz = fr * dz;
                if (wantF)
                {
                    f[3 * j] += fx; f[3 * j + 1] += fy; f[3 * j + 2] += fz;
                    fxi -= fx; fyi -= fy; fzi -= fz;
                }
                if (wantV)
                {
                    vxx += dx * fx; vyy += dy * fy; vzz += dz * fz;
                    vxy += dx * fy; vxz += dx * fz; vyz += dy * fz;
                }
            }
            f[3 * i] += fxi; f[3 * i + 1] += fyi; f[3 * i + 2] += fzi;
            int s = sys[i];
            lane.Energy[s] += ei;
            if (wantV) AddSymmetric(lane.Virial, s, vxx, vyy, vzz, vxy, vxz, vyz);
        }
    }

    internal static void AddSymmetric(double[] w, int s, double xx, double yy, double zz, double xy, double xz, double yz)
    {
        int o = 9 * s;
        w[o] += xx; w[o + 1] += xy; w[o + 2] += xz;
        w[o + 3] += xy; w[o + 4] += yy; w[o + 5] += yz;
        w[o + 6] += xz; w[o + 7] += yz; w[o + 8] += zz;
    }
}
