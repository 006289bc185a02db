using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Structures;
using MlipEngine.ForceFields;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;

namespace MlipEngine.Tests.Dynamics;

/// <summary>Small systems for dynamics tests: solid LJ argon and EAM copper.</summary>
public static class MdTestSystems
{
    public const string ArgonSpec = "{style: lj/cut, cutoff: 8.5, shift: false, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.40}}}";
    public const string CopperSpec = "{style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}";

    public static MdSystem Argon(int repeat, double timeStep, double skin = 1.0, int threads = 1) =>
        Create(ArgonSpec, CrystalLattice.Build("fcc", "Ar", 5.26, repeat, repeat, repeat), timeStep, skin, threads);

    public static MdSystem Copper(int repeat, double timeStep, double skin = 1.0, int threads = 1) =>
        Create(CopperSpec, CrystalLattice.Build("fcc", "Cu", 3.615, repeat, repeat, repeat), timeStep, skin, threads);

    public static MdSystem Create(string spec, AtomicStructure structure, double timeStep, double skin, int threads)
    {
        var ff = PotentialFactory.Create(PotentialSpecLoader.Resolve(spec));
        var computer = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = threads, Skin = skin });
        return new MdSystem(SystemBatch.FromStructure(structure), computer, timeStep);
    }

    /// <summary>Mean and the standard error of the mean from <paramref name="blocks"/> block averages (correlated samples).</summary>
    public static (double Mean, double Error) BlockMean(IReadOnlyList<double> x, int blocks = 10)
    {
        int per = x.Count / blocks;
        var means = new double[blocks];
        for (int b = 0; b < blocks; b++) { double s = 0; for (int i = 0; i < per; i++) s += x[b * per + i]; means[b] = s / per; }
        double m = means.Average();
        double v = means.Sum(a => (a - m) * (a - m)) / (blocks - 1);
        return (m, Math.Sqrt(v / blocks));
    }

    /// <summary>Variance and its standard error from block variances.</summary>
    public static (double Variance, double Error) BlockVariance(IReadOnlyList<double> x, int blocks = 10)
    {
        int per = x.Count / blocks;
        var vars = new double[blocks];
        for (int b = 0; b < blocks; b++)
        {
            double s = 0, s2 = 0;
            for (int i = 0; i < per; i++) { double v = x[b * per + i]; s += v; s2 += v * v; }
            double m = s / per;
            vars[b] = s2 / per - m * m;
        }
        double mv = vars.Average();
        double e = Math.Sqrt(vars.Sum(a => (a - mv) * (a - mv)) / (blocks - 1) / blocks);
        return (mv, e);
    }
}
