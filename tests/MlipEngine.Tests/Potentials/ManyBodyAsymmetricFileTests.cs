using MlipEngine.ForceFields;
using MlipEngine.Potentials.StillingerWeber;
using MlipEngine.Potentials.Tersoff;
using MlipEngine.State;
using Xunit;

namespace MlipEngine.Tests.Potentials;

/// <summary>
/// Files whose (i,j,k) and (i,k,j) or (i,j,j) and (j,i,i) entries differ, where LAMMPS' result
/// depends on atom order and ours is the symmetric average: both backends must still agree and be
/// exact derivatives of their energy. Also checks that a Cpu call does not allocate.
/// </summary>
public class ManyBodyAsymmetricFileTests
{
    private const string Sw = """
        Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0
        Ge Ge Ge 1.9000 2.1810 1.80 31.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0
        Si Ge Ge 2.0000 2.1400 1.80 25.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0
        Ge Si Si 2.0500 2.1300 1.80 26.0 1.25 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0
        Si Si Ge 2.0000 0.0    0.0  18.0 0.00 -0.30          0.0         0.0          0.0 0.0 0.0
        Si Ge Si 2.0000 0.0    0.0  24.0 0.00 -0.36          0.0         0.0          0.0 0.0 0.0
        Ge Si Ge 1.9000 0.0    0.0  28.0 0.00 -0.333333333333 0.0        0.0          0.0 0.0 0.0
        Ge Ge Si 1.9000 0.0    0.0  22.0 0.00 -0.32          0.0         0.0          0.0 0.0 0.0
        """;

    private static string TersoffText()
    {
        // Si–Si from Si.tersoff, Ge–Ge from Ge.tersoff, mixed entries with deliberately different pair parameters.
        const string si = "3.0 1.0 1.3258 4.8381 2.0417 0.0000 22.956 0.33675 1.3258 95.373 3.0 0.2 3.2394 3264.7";
        const string ge = "3.0 1.0 0.0 1.0643e5 15.652 -0.43884 0.75627 9.0166e-7 1.7047 419.23 2.95 0.15 2.4451 1769.0";
        const string sige = "3.0 1.0 0.0 1.0643e5 15.652 -0.43884 0.75627 9.0166e-7 1.70 400.0 2.90 0.15 2.60 2000.0";
        const string gesi = "3.0 1.0 1.0 4.8381 2.0417 0.0000 22.956 0.33675 1.40 110.0 2.95 0.20 3.00 2600.0";
        return $"""
            Si Si Si {si}
            Ge Ge Ge {ge}
            Si Ge Ge {sige}
            Ge Si Si {gesi}
            Si Si Ge {si}
            Si Ge Si {sige}
            Ge Si Ge {gesi}
            Ge Ge Si {ge}
            """;
    }

    private static AtomicStructure MixedStructure()
    {
        var s = GoldenFrame.Read("sw_si_cell8").Structure.Clone();
        s.Numbers[1] = 32; s.Numbers[4] = 32; s.Numbers[6] = 32;
        return s;
    }

    public static TheoryData<string> Styles() => new(["sw", "tersoff"]);

    private static IForceField Potential(string style) => style == "sw"
        ? new StillingerWeberPotential(StillingerWeberParameterFile.Parse(Sw, "asym.sw"), ["Si", "Ge"])
        : new TersoffPotential(TersoffParameterFile.Parse(TersoffText(), "asym.tersoff"), ["Ge", "Si"]);

    private static ForceResult Compute(IForceField ff, Backend backend, AtomicStructure s, int threads = 1)
    {
        using var c = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = backend, Threads = threads });
        var r = new ForceResult();
        c.Compute(SystemBatch.FromStructure(s), ForceOutputs.All, r);
        return r;
    }

    [Theory, MemberData(nameof(Styles))]
    public void AsymmetricEntries_CpuEqualsReferenceAndForcesMatchCentralDifferences(string style)
    {
        var ff = Potential(style);
        var s = MixedStructure();
        var re = Compute(ff, Backend.Reference, s);
        var cpu = Compute(ff, Backend.Cpu, s, threads: 2);
        Assert.Equal(re.Energy[0], cpu.Energy[0], 1e-10 * Math.Abs(re.Energy[0]));
        for (int i = 0; i < s.AtomCount; i++) Assert.InRange((re.Force(i) - cpu.Force(i)).Norm, 0, 1e-10);

        using var c = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu });
        const double h = 1e-5;
        for (int i = 0; i < s.AtomCount; i++)
            for (int a = 0; a < 3; a++)
            {
                var p = s.Clone(); var m = s.Clone();
                var d = new Geometry.Vec3(a == 0 ? h : 0, a == 1 ? h : 0, a == 2 ? h : 0);
                p.Positions[i] += d; m.Positions[i] -= d;
                var rp = new ForceResult(); var rm = new ForceResult();
                c.Compute(SystemBatch.FromStructure(p), ForceOutputs.Energy, rp);
                c.Compute(SystemBatch.FromStructure(m), ForceOutputs.Energy, rm);
                double fd = -(rp.Energy[0] - rm.Energy[0]) / (2 * h), f = cpu.Force(i)[a];
                Assert.True(Math.Abs(fd - f) <= 1e-6 * Math.Max(Math.Abs(f), 0.1), $"atom {i} axis {a}: {f:R} vs {fd:R}");
            }
    }

    [Theory, MemberData(nameof(Styles))]
    public void CpuCall_DoesNotAllocateWhenTheNeighborListIsReused(string style)
    {
        var ff = Potential(style);
        var batch = SystemBatch.FromStructure(MixedStructure());
        using var c = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Skin = 0.5 });
        var r = new ForceResult();
        c.Compute(batch, ForceOutputs.All, r);
        c.Compute(batch, ForceOutputs.All, r);
        long before = GC.GetAllocatedBytesForCurrentThread();
        c.Compute(batch, ForceOutputs.All, r);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, c.NeighborBuilds);
    }
}
