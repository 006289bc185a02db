using MlipEngine.ForceFields;
using MlipEngine.Potentials.Eam;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// eam, eam/alloy and eam/fs on OpenCL (kernels/eam.cl): a density+embedding pass and a force pass,
/// both gathers over the full list. Tables are built from the same splines as the Reference and CPU
/// backends (<see cref="EamSpline"/>), interleaved as <c>EamCpuComputer</c> does: 12 reals per knot
/// per ordered type pair (value cubics of ρ_{j→i}, ρ_{i→j}, z2r), and 8 per knot per type for F.
/// </summary>
public sealed class OpenClEamComputer : OpenClForceComputer
{
    private readonly EamPotential _eam;
    private readonly OpenClKernel _density, _forces;
    private readonly FloatingBuffer _rtab, _ftab, _fprime, _eEmbed;
    private readonly int _nt, _nr, _nrho;

    public OpenClEamComputer(EamPotential eam, ComputeOptions options) : base(eam, options, ["eam.cl"], null)
    {
        _eam = eam;
        _nt = eam.Species.Count;
        _nr = eam.Table.NR;
        _nrho = eam.Table.NRho;
        int knots = _nr + 1;
        var rtab = new double[(long)_nt * _nt * knots * 12];
        for (int a = 0; a < _nt; a++)
            for (int b = 0; b < _nt; b++)
            {
                var rhoJI = eam.Density[b * _nt + a].Coefficients;   // at i (type a) due to j (type b)
                var rhoIJ = eam.Density[a * _nt + b].Coefficients;
                var z2r = eam.PairZ2R[a * _nt + b].Coefficients;
                long baseOff = (long)(a * _nt + b) * knots * 12;
                for (int m = 1; m <= _nr; m++)
                {
                    long o = baseOff + m * 12;
                    for (int c = 0; c < 4; c++)
                    {
                        rtab[o + c] = rhoJI[7 * m + 3 + c];
                        rtab[o + 4 + c] = rhoIJ[7 * m + 3 + c];
                        rtab[o + 8 + c] = z2r[7 * m + 3 + c];
                    }
                }
            }
        var ftab = new double[(long)_nt * (_nrho + 1) * 8];
        for (int t = 0; t < _nt; t++)
        {
            var f = eam.Embedding[t].Coefficients;
            for (int m = 1; m <= _nrho; m++)
                for (int c = 0; c < 7; c++) ftab[((long)t * (_nrho + 1) + m) * 8 + c] = f[7 * m + c];
        }
        _density = Program.CreateKernel("eam_density");
        _forces = Program.CreateKernel("eam_forces");
        _rtab = new FloatingBuffer(Context, RealIsDouble, rtab.Length);
        _rtab.Write(Queue, rtab);
        _ftab = new FloatingBuffer(Context, RealIsDouble, ftab.Length);
        _ftab.Write(Queue, ftab);
        _fprime = new FloatingBuffer(Context, AccIsDouble);
        _eEmbed = new FloatingBuffer(Context, AccIsDouble);
    }

    protected override void Evaluate(int n)
    {
        _fprime.EnsureCapacity(n); _eEmbed.EnsureCapacity(n);
        bool rd = RealIsDouble;
        double rdr = 1.0 / _eam.Table.DR, cut2 = _eam.Cutoff * _eam.Cutoff;
        _density.Value(0, n).Value(1, _nt).Value(2, _nr).Real(3, rdr, rd).Real(4, cut2, rd)
            .Value(5, _nrho).Real(6, _eam.Embedding[0].InverseDelta, rd).Real(7, _eam.RhoMax, rd);
        uint next = GeometryArgs(_density, 8);
        _density.Arg(next, _rtab).Arg(next + 1, _ftab).Arg(next + 2, _fprime).Arg(next + 3, _eEmbed);
        _density.Launch(Queue, n, 64);

        _forces.Value(0, n).Value(1, _nt).Value(2, _nr).Real(3, rdr, rd).Real(4, cut2, rd);
        next = GeometryArgs(_forces, 5);
        _forces.Arg(next, _rtab).Arg(next + 1, _fprime).Arg(next + 2, _eEmbed);
        OutputArgs(_forces, next + 3);
        _forces.Launch(Queue, n, 64);
    }

    public override void Dispose()
    {
        _density.Dispose(); _forces.Dispose();
        foreach (var b in new[] { _rtab, _ftab, _fprime, _eEmbed }) b.Dispose();
        base.Dispose();
    }
}
