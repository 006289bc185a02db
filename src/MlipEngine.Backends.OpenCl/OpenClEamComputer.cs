using MlipEngine.ForceFields;
using MlipEngine.Potentials.Eam;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// eam, eam/alloy and eam/fs on OpenCL (kernels/eam.cl): a density+embedding pass and a force pass,
/// both gathers over the full list. Tables are those every optimised backend reads
/// (<see cref="EamPotential.InterleavedPairTable"/>, <see cref="EamPotential.EmbeddingTable"/>).
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
        var rtab = eam.InterleavedPairTable();
        var ftab = eam.EmbeddingTable();
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
