using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Potentials.Repulsion;
using MlipEngine.State;
using MlipEngine.Tests.Conformance;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Equivariant;

internal static class CoreModels
{
    /// <summary>The MACE-like test model (same shape as <see cref="EquivariantL2Nu3Conformance"/>) with a ZBL core whose windows differ per pair.</summary>
    public static EquivariantModel MaceLike()
    {
        var m = SmallModels.Make(["Cu", "Ni"], 2, 3, 3, 2);
        return WithCore(m, new CoreRepulsionSpec([1.9, 2.0, 2.0, 1.8], [2.6, 2.5, 2.5, 2.7]));
    }

    public static EquivariantModel WithCore(EquivariantModel m, CoreRepulsionSpec? spec) => new(m.Hyper with { Repulsion = spec }, m.E0, m.Parameters);

    /// <summary>
    /// <see cref="MaceLike"/> with a density fade whose window the atoms of the conformance samples sit inside: N_s = 0.93 × the
    /// largest density of species s in the periodic and cluster samples, width 0.3 (so h_i runs from 1 down to ~0.5), and edge
    /// energies C = (0.6, −0.4) eV (the learned energy tends to C: E_i = E0 + C + h_i (L_i − C) + core).
    /// </summary>
    public static EquivariantModel MaceLikeFading()
    {
        var m = MaceLike();
        var max = MlipEngine.Training.Data.NeighbourDensities.Max(FadingSamples, m.SpeciesNumbers, m.Core!, m.Cutoff);
        return WithCore(m, m.Hyper.Repulsion! with { DensityMax = max.Select(x => 0.93 * x).ToArray(), DensityWidth = 0.3, DensityEnergy = [0.6, -0.4] });
    }

    /// <summary>The samples <see cref="MaceLikeFading"/>'s window is set from: two skewed periodic cells and a cluster, lattice 3.0 Å.</summary>
    public static readonly AtomicStructure[] FadingSamples =
        [Samples.Periodic(["Cu", "Ni"], 3.0, 1), Samples.Cluster(["Cu", "Ni"], 3.0, 2), Samples.Periodic(["Cu", "Ni"], 3.0, 3)];

    /// <summary>Two atoms of one species at distance r in an open cell.</summary>
    public static AtomicStructure Dimer(int z, double r) => new([z, z], [new Vec3(0, 0, 0), new Vec3(0.3 * r, -0.4 * r, Math.Sqrt(0.75) * r)], Cell.Open);
}

/// <summary>
/// The conformance suite on a model with a ZBL core, on structures compressed so that pairs fall below,
/// inside and above the core's windows (lattice 3.0 Å: nearest neighbours 1.9–2.4 Å after shear and jitter).
/// </summary>
[AlsoOnOpenCl]
public class EquivariantCoreConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = CoreModels.MaceLike();
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.0, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.0, seed);
}

/// <summary>The conformance suite on a model whose density fade is partly active on every sample (h between ~0.5 and 1).</summary>
[AlsoOnOpenCl, AlsoOnIlgpu]
public class EquivariantDensityFadeConformance : ForceFieldConformance
{
    private static readonly IForceField Ff = CoreModels.MaceLikeFading();
    protected override IForceField ForceField => Ff;
    protected override AtomicStructure PeriodicSample(int seed) => Samples.Periodic(["Cu", "Ni"], 3.0, seed);
    protected override AtomicStructure ClusterSample(int seed) => Samples.Cluster(["Cu", "Ni"], 3.0, seed);
}

public class DensityFadeTests
{
    private static readonly ComputeOptions Reference = new() { Backend = Backend.Reference };

    [Fact]
    public void Fade_IsPartlyActiveOnTheConformanceSamples()
    {
        // the conformance class above tests something only if some atoms are inside the window, and some energy moved
        var fading = CoreModels.MaceLikeFading();
        var plain = CoreModels.MaceLike();
        var s = Samples.Periodic(["Cu", "Ni"], 3.0, 1);
        var a = Eval.One(fading, s, Reference);
        var b = Eval.One(plain, s, Reference);
        int changed = Enumerable.Range(0, s.AtomCount).Count(i => Math.Abs(a.AtomEnergies[i] - b.AtomEnergies[i]) > 1e-6);
        Assert.True(changed >= 2, $"only {changed} atoms are inside the fade window");
    }

    [Fact]
    public void Fade_SetFromTheData_ChangesNothingOnThatData()
    {
        var m = CoreModels.MaceLike();
        var data = new[] { Samples.Periodic(["Cu", "Ni"], 3.0, 5), Samples.Cluster(["Cu", "Ni"], 3.0, 6), Samples.Periodic(["Cu", "Ni"], 2.8, 7) };
        var (max, edge) = MlipEngine.Training.Data.NeighbourDensities.Densest(data, m);
        Assert.Equal(MlipEngine.Training.Data.NeighbourDensities.Max(data, m.SpeciesNumbers, m.Core!, m.Cutoff), max);
        Assert.All(edge, c => Assert.NotEqual(0, c));
        var fading = CoreModels.WithCore(m, MlipEngine.Training.Data.NeighbourDensities.WithFade(m.Hyper.Repulsion!, max, 0.2, edge));
        foreach (var backend in new[] { Reference, new ComputeOptions { Backend = Backend.Cpu, Threads = 2 } })
            foreach (var s in data)
            {
                var a = Eval.One(m, s, backend); var b = Eval.One(fading, s, backend);
                Assert.Equal(a.Energy, b.Energy);
                for (int i = 0; i < s.AtomCount; i++) Assert.Equal(a.Forces[i], b.Forces[i]);
            }
    }

    /// <summary>
    /// <see cref="MlipEngine.Training.Data.NeighbourDensities.Densest"/>'s edge energy C_s is the learned energy of the densest atom of
    /// species s: measured here on the Reference backend as that atom's energy without a fade minus its energy with a fade whose window
    /// every atom is beyond (E0 + core alone), within 1e-10 eV.
    /// </summary>
    [Fact]
    public void Densest_EdgeEnergy_IsTheLearnedEnergyOfTheDensestAtom()
    {
        var m = CoreModels.MaceLike();
        var data = new[] { Samples.Periodic(["Cu", "Ni"], 3.0, 5), Samples.Cluster(["Cu", "Ni"], 3.0, 6), Samples.Periodic(["Cu", "Ni"], 2.8, 7) };
        var (max, edge) = MlipEngine.Training.Data.NeighbourDensities.Densest(data, m);
        var coreOnly = CoreModels.WithCore(m, m.Hyper.Repulsion! with { DensityMax = [1e-6, 1e-6], DensityWidth = 0.01 });
        var found = new double[2];
        var best = new double[2];
        foreach (var s in data)
        {
            var full = Eval.One(m, s, Reference);
            var bare = Eval.One(coreOnly, s, Reference);
            var batch = SystemBatch.FromStructure(s);
            var builder = new MlipEngine.Neighbors.NeighborListBuilder();
            var list = builder.Create(MlipEngine.Neighbors.NeighborListKind.Full);
            builder.Build(batch, m.Cutoff, list);
            for (int i = 0; i < s.AtomCount; i++)
            {
                int ti = Array.IndexOf(m.SpeciesNumbers, batch.Numbers[i]);
                double n = 0;
                for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                {
                    double r = list.Displacement(batch, i, k).Norm;
                    if (r < m.Cutoff) n += m.Core!.NeighbourWeight(ti, Array.IndexOf(m.SpeciesNumbers, batch.Numbers[list.Neighbors[k]]), r, out _);
                }
                if (n > best[ti]) { best[ti] = n; found[ti] = full.AtomEnergies[i] - bare.AtomEnergies[i]; }
            }
        }
        Assert.Equal(best, max);
        for (int t = 0; t < 2; t++) Assert.True(Math.Abs(found[t] - edge[t]) <= 1e-10, $"species {t}: C {edge[t]} vs {found[t]}");
    }

    [Fact]
    public void BeyondTheWindow_OnlyE0TheEdgeEnergyAndTheCoreRemain()
    {
        // compressed to a lattice constant of 2.2 Å every atom's density exceeds N(1 + w) of a fade set at 3.0 Å
        var m = CoreModels.MaceLike();
        var max = MlipEngine.Training.Data.NeighbourDensities.Max([Samples.Periodic(["Cu", "Ni"], 3.0, 1)], m.SpeciesNumbers, m.Core!, m.Cutoff);
        double[] edge = [0.7, -0.3];
        var fading = CoreModels.WithCore(m, MlipEngine.Training.Data.NeighbourDensities.WithFade(m.Hyper.Repulsion!, max, 0.3, edge));
        var s = Samples.Periodic(["Cu", "Ni"], 2.2, 1);
        var dense = MlipEngine.Training.Data.NeighbourDensities.Max([s], m.SpeciesNumbers, m.Core!, m.Cutoff);
        Assert.True(dense[0] > 1.3 * max[0] && dense[1] > 1.3 * max[1]);
        var core = m.Core!;
        double expected = 0;
        var batch = SystemBatch.FromStructure(s);
        var builder = new MlipEngine.Neighbors.NeighborListBuilder();
        var list = builder.Create(MlipEngine.Neighbors.NeighborListKind.Full);
        builder.Build(batch, m.Cutoff, list);
        int T(int i) => Array.IndexOf(m.SpeciesNumbers, batch.Numbers[i]);
        for (int i = 0; i < s.AtomCount; i++)
        {
            expected += m.E0[T(i)] + edge[T(i)];
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                expected += 0.5 * core.PairEnergy(T(i), T(list.Neighbors[k]), list.Displacement(batch, i, k).Norm, out _);
        }
        foreach (var backend in new[] { Reference, new ComputeOptions { Backend = Backend.Cpu, Threads = 2 } })
            Assert.Equal(expected, Eval.One(fading, s, backend).Energy, 1e-9 * Math.Abs(expected));
    }

    [Fact]
    public void ModelFile_RoundTripsTheFade_AsVersion3_OrWithEdgeEnergiesAsVersion4()
    {
        string dir = Directory.CreateTempSubdirectory("mlip-fade-").FullName;
        try
        {
            var m = CoreModels.MaceLikeFading();
            string path = Path.Combine(dir, "fade.mlip");
            EquivariantModelFile.Write(m, path);
            Assert.Equal(4u, BitConverter.ToUInt32(File.ReadAllBytes(path), 8));
            var back = EquivariantModelFile.Read(path);
            Assert.Equal(m.Hyper.Repulsion!.DensityMax, back.Hyper.Repulsion!.DensityMax);
            Assert.Equal(m.Hyper.Repulsion!.DensityWidth, back.Hyper.Repulsion!.DensityWidth);
            Assert.Equal(m.Hyper.Repulsion!.DensityEnergy, back.Hyper.Repulsion!.DensityEnergy);
            // without edge energies (C = 0) the file stays version 3, as older builds wrote and read it
            var v3 = CoreModels.WithCore(m, m.Hyper.Repulsion! with { DensityEnergy = null });
            EquivariantModelFile.Write(v3, path);
            Assert.Equal(3u, BitConverter.ToUInt32(File.ReadAllBytes(path), 8));
            Assert.Null(EquivariantModelFile.Read(path).Hyper.Repulsion!.DensityEnergy);
            var s = Samples.Periodic(["Cu", "Ni"], 3.0, 2);
            Assert.Equal(Eval.One(m, s, Reference).Energy, Eval.One(back, s, Reference).Energy);
            var e = Assert.Throws<ArgumentException>(() => CoreModels.WithCore(m, m.Hyper.Repulsion! with { DensityMax = [1.0] }));
            Assert.Contains("one value per species", e.Message);
            var e2 = Assert.Throws<ArgumentException>(() => CoreModels.WithCore(m, m.Hyper.Repulsion! with { DensityEnergy = [1.0] }));
            Assert.Contains("density_energy needs one value per species", e2.Message);
            var e3 = Assert.Throws<ArgumentException>(() => CoreModels.WithCore(m, m.Hyper.Repulsion! with { DensityMax = null, DensityWidth = 0 }));
            Assert.Contains("density_energy without density_max", e3.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}

public class CoreRepulsionTests
{
    /// <summary>
    /// φ_ZBL and its force against LAMMPS' pair_style zbl (Debian LAMMPS 20220623), two atoms in an open box,
    /// <c>pair_style zbl 9.0 9.5</c> (its switching starts at 9 Å, so below that it is ZBL plus a constant
    /// shift E_zbl(9.5 Å)-ish of ~1e-6 eV), <c>pair_coeff 1 1 29 29</c>, <c>1 2 29 32</c>; pe and fz of atom 2
    /// printed by <c>run 0</c> (inputs: tests/MlipEngine.Tests/Golden/zbl/in.zbl and its README line).
    /// </summary>
    [Theory]
    [InlineData(29, 32, 0.3, 6343.79961461, 51895.2005578205)]
    [InlineData(29, 29, 0.3, 5844.68408167, 47606.3408527728)]
    [InlineData(29, 32, 1.0, 143.911553089, 584.731911325252)]
    [InlineData(29, 29, 1.0, 135.030841747, 545.604113181431)]
    [InlineData(29, 32, 2.0, 5.2941373933, 14.5068737605906)]
    [InlineData(29, 29, 3.0, 0.435304081283, 0.986934536358386)]
    public void Zbl_MatchesLammps(int zi, int zj, double r, double lammpsEnergy, double lammpsForce)
    {
        double e = ZieglerBiersackLittmark.Energy(zi, zj, r, out double dEdr);
        Assert.Equal(lammpsEnergy, e, 5e-6);              // LAMMPS' constant shift at 9.5 Å is below this
        Assert.Equal(lammpsForce, -dEdr, 1e-9 * Math.Abs(lammpsForce) + 1e-9);
    }

    [Fact]
    public void PairEnergy_IsSmoothMonotoneAndVanishesAtOuter()
    {
        var core = new CoreRepulsion([29, 28], new CoreRepulsionSpec([1.3, 1.4, 1.4, 1.2], [1.8, 1.9, 1.9, 1.7]), 5.0, 5);
        Assert.Equal(0, core.PairEnergy(0, 1, 1.9, out double d0)); Assert.Equal(0, d0);
        Assert.Equal(0, core.PairEnergy(0, 1, 2.5, out _));
        Assert.Equal(ZieglerBiersackLittmark.Energy(29, 28, 1.2, out _), core.PairEnergy(0, 1, 1.2, out _));
        double previous = double.PositiveInfinity;
        for (double r = 0.2; r < 1.9; r += 0.001)
        {
            double e = core.PairEnergy(0, 1, r, out double dEdr);
            Assert.True(e < previous || (e == 0 && previous == 0), $"E_core not decreasing at r = {r}");
            Assert.True(dEdr <= 0);
            const double h = 1e-6;
            double fd = (core.PairEnergy(0, 1, r + h, out _) - core.PairEnergy(0, 1, r - h, out _)) / (2 * h);
            Assert.Equal(fd, dEdr, 1e-6 * Math.Max(1, Math.Abs(dEdr)));
            previous = e;
        }
        // the learned distance: identity from r_out, C¹ there, bounded below by r_out − δ, δ = (r_out − r_in)/4
        Assert.Equal(2.0, core.LearnedDistance(0, 0, 2.0, out double one)); Assert.Equal(1, one);
        double rho = core.LearnedDistance(0, 0, 1.8 - 1e-7, out double drho);
        Assert.Equal(1.8 - 1e-7, rho, 1e-12); Assert.Equal(1, drho, 1e-10);
        Assert.True(core.LearnedDistance(0, 0, 0.01, out _) > 1.8 - 0.125);
    }

    [Fact]
    public void Dimer_BelowInner_IsIsolatedAtomsPlusZbl_AndRepulsive()
    {
        // a strongly attractive random model: without the core the dimer energy has no lower bound at short range
        var bare = SmallModels.Make(["Cu"], 2, 3, 3, 2, seed: 11);
        var cored = CoreModels.WithCore(bare, CoreRepulsionSpec.Uniform(1, 1.5, 2.2));
        var options = new ComputeOptions { Backend = Backend.Cpu };
        double Energy(IForceField ff, double r) => Eval.One(ff, CoreModels.Dimer(29, r), options).Energy;
        double previous = double.PositiveInfinity;
        for (double r = 0.3; r <= 2.2; r += 0.02)
        {
            double e = Energy(cored, r);
            Assert.True(e < previous, $"the cored dimer energy is not decreasing at r = {r:F2} Å ({e} after {previous})");
            previous = e;
        }
        // beyond r_out the core changes nothing, bit for bit
        foreach (double r in new[] { 2.2, 2.6, 3.5 }) Assert.Equal(Energy(bare, r), Energy(cored, r));
        // well inside: E(r) − φ_ZBL(r) is the learned energy at ρ(r) ≈ r_out − δ, nearly constant
        double l1 = Energy(cored, 0.5) - ZieglerBiersackLittmark.Energy(29, 29, 0.5, out _);
        double l2 = Energy(cored, 0.8) - ZieglerBiersackLittmark.Energy(29, 29, 0.8, out _);
        Assert.Equal(l1, l2, 1e-6);
    }

    [Fact]
    public void Backends_Agree_OnACompressedCrystal()
    {
        var m = CoreModels.MaceLike();
        var s = Samples.Periodic(["Cu", "Ni"], 2.9, 4);
        var a = Eval.One(m, s, new ComputeOptions { Backend = Backend.Reference });
        var b = Eval.One(m, s, new ComputeOptions { Backend = Backend.Cpu, Threads = 2 });
        var f = Eval.One(m, s, new ComputeOptions { Backend = Backend.Cpu, Precision = Precision.Float32 });
        Assert.Equal(a.Energy, b.Energy, 1e-9 * Math.Abs(a.Energy));
        for (int i = 0; i < s.AtomCount; i++) Assert.True((a.Forces[i] - b.Forces[i]).Norm < 1e-8 * (1 + a.Forces[i].Norm));
        Assert.Equal(a.Energy, f.Energy, 1e-4 * Math.Abs(a.Energy));
        // the core is doing something here: some pairs lie inside a window
        var bare = Eval.One(CoreModels.WithCore(m, null), s, new ComputeOptions { Backend = Backend.Reference });
        Assert.True(Math.Abs(a.Energy - bare.Energy) > 1, $"the core changed the energy by only {a.Energy - bare.Energy} eV");
    }

    [Fact]
    public void ModelFile_RoundTripsTheCore_AsVersion2()
    {
        string dir = Directory.CreateTempSubdirectory("mlip-core-").FullName;
        try
        {
            var m = CoreModels.MaceLike();
            string path = Path.Combine(dir, "core.mlip"), plain = Path.Combine(dir, "plain.mlip");
            EquivariantModelFile.Write(m, path);
            EquivariantModelFile.Write(CoreModels.WithCore(m, null), plain);
            Assert.Equal(2u, BitConverter.ToUInt32(File.ReadAllBytes(path), 8));
            Assert.Equal(1u, BitConverter.ToUInt32(File.ReadAllBytes(plain), 8));
            var back = EquivariantModelFile.Read(path);
            Assert.Equal(m.Hyper.Repulsion!.Inner, back.Hyper.Repulsion!.Inner);
            Assert.Equal(m.Hyper.Repulsion!.Outer, back.Hyper.Repulsion!.Outer);
            Assert.Null(EquivariantModelFile.Read(plain).Core);
            var s = Samples.Periodic(["Cu", "Ni"], 3.0, 2);
            Assert.Equal(Eval.One(m, s, new ComputeOptions { Backend = Backend.Reference }).Energy,
                         Eval.One(back, s, new ComputeOptions { Backend = Backend.Reference }).Energy);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadRadii_AreRejected_WithTheReason()
    {
        var m = SmallModels.Make(["Cu", "Ni"], 0, 1, 1, 1);
        var e = Assert.Throws<ArgumentException>(() => CoreModels.WithCore(m, new CoreRepulsionSpec([1.9, 2.0, 2.1, 1.8], [2.6, 2.5, 2.5, 2.7])));
        Assert.Contains("differ", e.Message);
        e = Assert.Throws<ArgumentException>(() => CoreModels.WithCore(m, CoreRepulsionSpec.Uniform(2, 2.0, 1.5)));
        Assert.Contains("0 < inner < outer", e.Message);
        e = Assert.Throws<ArgumentException>(() => CoreModels.WithCore(m, CoreRepulsionSpec.Uniform(2, 2.0, 4.5)));
        Assert.Contains("inside the cutoff", e.Message);
    }
}
