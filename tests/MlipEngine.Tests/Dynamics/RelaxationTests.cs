using MlipEngine.Dynamics;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Dynamics;

public sealed class RelaxationTests
{
    public static IForceField Potential(string name) => name switch
    {
        "cu_u3" => PotentialFactory.Create(PotentialSpecLoader.Resolve($"{{style: eam, file: {GoldenFiles.LammpsPotential("Cu_u3.eam")}, elements: [Cu]}}")),
        "cuni" => PotentialFactory.Create(PotentialSpecLoader.Resolve($"{{style: eam/alloy, file: {GoldenFiles.LammpsPotential("CuNi.eam.alloy")}, elements: [Cu, Ni]}}")),
        _ => throw new ArgumentException(name),
    };

    public static List<Frame> GoldenCases() =>
        new ExtxyzReader().ReadFrames(Path.Combine(GoldenFiles.GoldenRoot, "relax", "cases.xyz")).ToList();

    public static List<RelaxationOutcome> Relax(IForceField ff, IReadOnlyList<AtomicStructure> structures, RelaxationSettings settings, int batchAtoms = 4096, int threads = 1)
    {
        using var computer = TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = threads });
        var relaxer = new BatchRelaxer(computer, settings) { MaxBatchAtoms = batchAtoms };
        var jobs = structures.Select((s, i) => new RelaxationJob(i, s));
        return relaxer.Run(jobs).OrderBy(o => o.Job.Id).ToList();
    }

    private static (Vec3 Lengths, Vec3 Angles) CellParameters(Cell cell)
    {
        Vec3 a = cell.A, b = cell.B, c = cell.C;
        double Angle(Vec3 u, Vec3 v) => Math.Acos(Vec3.Dot(u, v) / (u.Norm * v.Norm)) * 180 / Math.PI;
        return (new Vec3(a.Norm, b.Norm, c.Norm), new Vec3(Angle(b, c), Angle(a, c), Angle(a, b)));
    }

    /// <summary>
    /// FIRE, L-BFGS and BFGS with the Fréchet filter reach LAMMPS' box/relax minima. Tolerances from
    /// the issue: 1e-5 eV/atom and 1e-4 Å. With smax = 1e-7 eV/Å³ the residual strain is below
    /// 1e-7/B ≈ 1e-6 (B ≈ 0.9 eV/Å³ for Cu), i.e. ~1e-5 Å in an 11 Å cell, so the bound is met with margin
    /// if and only if both codes found the same minimum. Angles to 1e-3° (1e-4 Å over 7 Å ≈ 8e-4°).
    /// </summary>
    [Theory]
    [InlineData(OptimizerKind.Fire)]
    [InlineData(OptimizerKind.Lbfgs)]
    [InlineData(OptimizerKind.Bfgs)]
    public void VariableCell_ReachesLammpsBoxRelaxMinima(OptimizerKind kind)
    {
        var settings = new RelaxationSettings
        {
            Optimizer = new OptimizerSettings { Kind = kind }, Fmax = 1e-5, Smax = 1e-7, MaxSteps = 5000,
        };
        foreach (var group in GoldenCases().GroupBy(f => (string)f.GetInfo("potential")!))
        {
            var frames = group.ToList();
            var outcomes = Relax(Potential(group.Key), frames.Select(f => f.Structure).ToList(), settings);
            for (int k = 0; k < frames.Count; k++)
            {
                var f = frames[k]; var o = outcomes[k];
                string label = $"{kind} case {f.GetInfo("case")}";
                Assert.True(o.Status == RelaxationStatus.Converged, $"{label}: {o.Status} {o.Reason}");
                var st = o.Final!;
                Assert.True(o.Smax < settings.Smax && st.MaxForce < settings.Fmax, $"{label}: fmax {st.MaxForce} smax {o.Smax}");
                double e = st.Energy / st.AtomCount;
                Assert.True(Math.Abs(e - (double)f.GetInfo("lmp_energy_per_atom")!) < 1e-5, $"{label}: E/atom {e:R} vs LAMMPS {f.GetInfo("lmp_energy_per_atom")}");
                var (len, ang) = CellParameters(st.Cell);
                var lmpLen = (double[])f.GetInfo("lmp_lengths")!; var lmpAng = (double[])f.GetInfo("lmp_angles")!;
                for (int i = 0; i < 3; i++)
                {
                    Assert.True(Math.Abs(len[i] - lmpLen[i]) < 1e-4, $"{label}: length {i} {len[i]:R} vs LAMMPS {lmpLen[i]:R}");
                    Assert.True(Math.Abs(ang[i] - lmpAng[i]) < 1e-3, $"{label}: angle {i} {ang[i]:R} vs LAMMPS {lmpAng[i]:R}");
                }
            }
        }
    }

    /// <summary>The converged stress (σ + p·I) is below the threshold for every cell mode and a target pressure.</summary>
    [Theory]
    [InlineData(CellMode.Frechet, 0.0)]
    [InlineData(CellMode.Frechet, 1.0)]
    [InlineData(CellMode.Hydrostatic, 0.5)]
    [InlineData(CellMode.ConstantVolume, 0.0)]
    public void ConvergedStress_IsBelowThreshold(CellMode mode, double pressureGPa)
    {
        double p = pressureGPa / Units.PhysicalConstants.EvPerA3ToGPa;
        var settings = new RelaxationSettings { CellMode = mode, Pressure = p, Fmax = 1e-3, Smax = 1e-5, MaxSteps = 3000 };
        var frames = GoldenCases().Where(f => (string)f.GetInfo("potential")! == "cuni").ToList();
        var outcomes = Relax(Potential("cuni"), frames.Select(f => f.Structure).ToList(), settings);
        foreach (var o in outcomes)
        {
            Assert.Equal(RelaxationStatus.Converged, o.Status);
            var s = o.Final!.StressTensor + Mat3.Diagonal(p, p, p);
            double v0 = o.Job.Structure.Cell.Volume, v = o.Final.Cell.Volume;
            switch (mode)
            {
                case CellMode.Frechet:
                    for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.True(Math.Abs(s[i, j]) < 1e-5, $"σ+p [{i},{j}] = {s[i, j]}");
                    break;
                case CellMode.Hydrostatic:
                    Assert.True(Math.Abs(s.Trace / 3) < 1e-5);
                    // only uniform scaling: the cell is a multiple of the initial one
                    double scale = Math.Cbrt(v / v0);
                    var expected = scale * o.Job.Structure.Cell.Matrix;
                    for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.Equal(expected[i, j], o.Final.Cell.Matrix[i, j], 1e-9);
                    break;
                case CellMode.ConstantVolume:
                    double t = s.Trace / 3;
                    for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.True(Math.Abs(s[i, j] - (i == j ? t : 0)) < 1e-5);
                    Assert.True(Math.Abs(v / v0 - 1) < 2e-3, $"volume changed by {v / v0 - 1:G3}");
                    break;
            }
        }
        if (pressureGPa > 0 && mode == CellMode.Frechet)
        {
            // Compression: every candidate shrinks relative to its zero-pressure minimum.
            var zero = Relax(Potential("cuni"), frames.Select(f => f.Structure).ToList(), settings with { Pressure = 0 });
            for (int k = 0; k < zero.Count; k++) Assert.True(outcomes[k].Final!.Cell.Volume < zero[k].Final!.Cell.Volume);
        }
    }

    /// <summary>
    /// In-flight batching changes nothing per system: relaxing all candidates in one batch (with
    /// swaps as they finish, 2 threads) gives the same minima as one at a time — the same step counts,
    /// and energies and cells equal to rounding (the force field's summation order may differ).
    /// </summary>
    [Fact]
    public void Batched_EqualsOneAtATime()
    {
        var ff = Potential("cuni");
        var structures = new List<AtomicStructure>();
        for (int seed = 0; seed < 12; seed++)
            structures.Add(Samples.Periodic(["Cu", "Ni"], 3.56 + 0.01 * (seed % 4), seed, repeat: 1 + seed % 2));
        var settings = new RelaxationSettings { Fmax = 1e-4, Smax = 1e-6, MaxSteps = 3000 };
        var single = Relax(ff, structures, settings, batchAtoms: 1);
        var batched = Relax(ff, structures, settings, batchAtoms: 80, threads: 2);
        for (int k = 0; k < structures.Count; k++)
        {
            Assert.Equal(single[k].Status, batched[k].Status);
            Assert.Equal(single[k].Final!.Energy, batched[k].Final!.Energy, 1e-9);
            Assert.True(Math.Abs(single[k].Steps - batched[k].Steps) <= 2, $"steps {single[k].Steps} vs {batched[k].Steps}");
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++)
                Assert.Equal(single[k].Final!.Cell.Matrix[i, j], batched[k].Final!.Cell.Matrix[i, j], 1e-6);
        }
    }

    /// <summary>
    /// Independent workers (one relaxer and one 1-thread computer per thread, one shared candidate
    /// stream) change nothing per system: every candidate is reported exactly once, with the same
    /// status and step count as one relaxer, and the same energy and cell to rounding (tolerances as
    /// in <see cref="Batched_EqualsOneAtATime"/>); a failing candidate stays isolated.
    /// </summary>
    [Fact]
    public void ParallelWorkers_EqualOneRelaxer()
    {
        var ff = Potential("cuni");
        var structures = new List<AtomicStructure>();
        for (int seed = 0; seed < 12; seed++)
            structures.Add(Samples.Periodic(["Cu", "Ni"], 3.56 + 0.01 * (seed % 4), seed, repeat: 1 + seed % 2));
        var overlap = structures[5].Positions.ToArray();
        overlap[1] = overlap[0] + new Vec3(0.1, 0, 0);
        structures.Add(new AtomicStructure(structures[5].Numbers, overlap, structures[5].Cell));
        var settings = new RelaxationSettings { Fmax = 1e-4, Smax = 1e-6, MaxSteps = 3000 };
        var single = Relax(ff, structures, settings, batchAtoms: 40);
        var computers = new IForceComputer[] { TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = 1 }),
                                               TestCatalog.Instance.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = 1 }) };
        using var parallel = new ParallelRelaxer(computers, settings, maxBatchAtoms: 40, ownsComputers: true);
        var outcomes = parallel.Run(structures.Select((s, i) => new RelaxationJob(i, s))).OrderBy(o => o.Job.Id).ToList();
        Assert.Equal(structures.Count, outcomes.Count);
        Assert.Equal(Enumerable.Range(0, structures.Count).Select(i => (long)i), outcomes.Select(o => o.Job.Id));
        Assert.Equal(RelaxationStatus.Failed, outcomes[^1].Status);
        for (int k = 0; k < structures.Count - 1; k++)
        {
            Assert.Equal(RelaxationStatus.Converged, outcomes[k].Status);
            Assert.Equal(single[k].Status, outcomes[k].Status);
            Assert.True(Math.Abs(single[k].Steps - outcomes[k].Steps) <= 2, $"steps {single[k].Steps} vs {outcomes[k].Steps}");
            Assert.Equal(single[k].Final!.Energy, outcomes[k].Final!.Energy, 1e-9);
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++)
                Assert.Equal(single[k].Final!.Cell.Matrix[i, j], outcomes[k].Final!.Cell.Matrix[i, j], 1e-6);
        }
        Assert.Equal(parallel.SystemEvaluations, outcomes.Sum(o => (long)o.ForceCalls));
    }

    /// <summary>A bad candidate (overlapping atoms, unknown element, exploding, not converging) is reported with its reason and the others still relax.</summary>
    [Fact]
    public void BadCandidates_AreIsolated()
    {
        var ff = Potential("cuni");
        var good = Samples.Periodic(["Cu", "Ni"], 3.56, 1, repeat: 1);
        var overlap = good.Clone(); overlap.Positions[1] = overlap.Positions[0] + new Vec3(0.1, 0, 0);
        var alien = good.Clone(); alien.Numbers[2] = Chemistry.Element.AtomicNumber("Au");
        var nan = good.Clone(); nan.Positions[3] = new Vec3(double.NaN, 0, 0);
        var structures = new List<AtomicStructure> { good, overlap, alien, good.Clone(), nan, Samples.Periodic(["Cu", "Ni"], 3.7, 2, repeat: 2) };
        var settings = new RelaxationSettings { Fmax = 1e-3, Smax = 1e-5, MaxSteps = 2000 };
        var outcomes = Relax(ff, structures, settings, batchAtoms: 64);
        Assert.Equal(RelaxationStatus.Converged, outcomes[0].Status);
        Assert.Equal(RelaxationStatus.Failed, outcomes[1].Status); Assert.Contains("overlapping", outcomes[1].Reason);
        Assert.Equal(RelaxationStatus.Failed, outcomes[2].Status); Assert.Contains("Au", outcomes[2].Reason);
        Assert.Equal(RelaxationStatus.Converged, outcomes[3].Status);
        Assert.Equal(RelaxationStatus.Failed, outcomes[4].Status);
        Assert.Equal(RelaxationStatus.Converged, outcomes[5].Status);

        var capped = Relax(ff, [structures[5]], settings with { MaxSteps = 3 });
        Assert.Equal(RelaxationStatus.NotConverged, capped[0].Status);
        Assert.Equal(3, capped[0].Steps); Assert.Equal(4, capped[0].ForceCalls);
    }
}
