using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Potentials.Eam;

/// <summary>
/// Reference EAM over a full neighbor list, written to follow the formula in <see cref="EamPotential"/>
/// term by term. Each full-list entry (i, j) carries the part of dE/dr that belongs to atom i:
/// F′ᵢ ρ′_{j→i}(r) + ½ φ′(r); the mirror entry (j, i) carries the rest.
/// </summary>
internal sealed class EamReferenceComputer(EamPotential eam, ComputeOptions options)
    : NeighborForceComputer(eam, options, NeighborListKind.Full)
{
    private double[] _rho = [], _fp = [];
    private readonly double _cut2 = eam.Cutoff * eam.Cutoff;
    private readonly int _nt = eam.Species.Count;

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        int n = batch.AtomCount;
        if (_rho.Length < n) { _rho = new double[n]; _fp = new double[n]; }
        // densities and embedding energies
        for (int i = 0; i < n; i++)
        {
            double rho = 0;
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                int j = list.Neighbors[k];
                double r2 = list.Displacement(batch, i, k).NormSquared;
                if (r2 >= _cut2) continue;
                var spline = eam.Density[types[j] * _nt + types[i]];
                EamSpline.LocateR(Math.Sqrt(r2), spline.InverseDelta, spline.N, out int m, out double p);
                rho += spline.Value(m, p);
            }
            _rho[i] = rho;
            eam.Embed(types[i], rho, out double f, out _fp[i]);
            result.Energy[batch.SystemIndex[i]] += f;
            result.AtomEnergies[i] += f;
        }
        // pair terms and forces
        for (int i = 0; i < n; i++)
        {
            int s = batch.SystemIndex[i];
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                int j = list.Neighbors[k];
                Vec3 d = list.Displacement(batch, i, k);
                double r2 = d.NormSquared;
                if (r2 >= _cut2) continue;
                double r = Math.Sqrt(r2);
                var rhoJI = eam.Density[types[j] * _nt + types[i]];
                var z2r = eam.PairZ2R[types[i] * _nt + types[j]];
                EamSpline.LocateR(r, z2r.InverseDelta, z2r.N, out int m, out double p);
                double z2 = z2r.Value(m, p), z2p = z2r.Derivative(m, p);
                double phi = EamFormula.Pair(z2, z2p, 1.0 / r, out double phiPrime);
                result.Energy[s] += 0.5 * phi;
                result.AtomEnergies[i] += 0.5 * phi;
                double dEdr = _fp[i] * rhoJI.Derivative(m, p) + 0.5 * phiPrime;
                // E depends on d = rⱼ − rᵢ through r = |d|: force on j is −dE/dr·d/r, on i the opposite
                Vec3 fj = (-dEdr / r) * d;
                result.Fx[j] += fj.X; result.Fy[j] += fj.Y; result.Fz[j] += fj.Z;
                result.Fx[i] -= fj.X; result.Fy[i] -= fj.Y; result.Fz[i] -= fj.Z;
                var w = result.VirialOf(s);
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        w[3 * a + b] += d[a] * fj[b];
            }
        }
    }
}
