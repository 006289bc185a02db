using MlipEngine.Dynamics.Structures;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Tests.Cli;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Equivariant;

/// <summary>
/// Issue 14's repulsion test on every shipped model: below the shortest distance of its training data
/// (the core's r_out) the energy only rises as atoms approach. Before the ZBL core the same dimers fell
/// into wells down to −93 eV (Cu, 0.75 Å), −1900 eV (Ge, 0.9 Å) and −8·10⁵ eV (Li, 0.4 Å).
/// </summary>
public class ShippedModelRepulsionTests
{
    private static EquivariantModel Load(string element) =>
        EquivariantModelFile.Read(Path.Combine(TestPaths.Repo, "potentials", $"{element.ToLowerInvariant()}-mlearn.mlip"));

    [Theory]
    [InlineData("Cu", 1.83)]
    [InlineData("Ni", 1.79)]
    [InlineData("Li", 2.00)]
    [InlineData("Mo", 1.88)]
    [InlineData("Si", 1.82)]
    [InlineData("Ge", 2.07)]
    public void Dimer_IsMonotonicallyRepulsive_BelowTheShortestTrainingDistance(string element, double shortest)
    {
        var model = Load(element);
        Assert.NotNull(model.Core);
        Assert.Equal(shortest, model.Core!.Outer(0, 0), 1e-9);
        int z = model.SpeciesNumbers[0];
        var dimers = new List<AtomicStructure>();
        for (double r = 0.3; r <= shortest; r += 0.01)
            dimers.Add(new AtomicStructure([z, z], [new Vec3(5, 5, 5), new Vec3(5, 5, 5 + r)], Cell.Open));
        using var c = TestCatalog.Instance.Bind(model, new ComputeOptions { Backend = Backend.Cpu });
        var ev = Eval.Batch(c, dimers);
        for (int k = 0; k < ev.Length; k++)
        {
            double r = dimers[k].Positions[1].Z - 5;
            Assert.True(ev[k].Forces[1].Z > 0, $"{element}: the force pulls the dimer together at r = {r:F2} Å ({ev[k].Forces[1].Z} eV/Å)");
            if (k > 0) Assert.True(ev[k].Energy < ev[k - 1].Energy, $"{element}: the dimer energy falls as r shrinks to {r:F2} Å");
        }
    }

    /// <summary>
    /// Uniform compression of the ground-state crystal from V/V0 = 1 down to <paramref name="lowestRatio"/> in steps
    /// of 0.01, and of 0.005 below V/V0 0.25 (the conventional cell): the energy per atom rises at every step. Before issue 14's
    /// compressed-crystal fine-tune Cu fell into a well of −1659 eV/atom at V/V0 0.31 (from 0.47 on), Ni from 0.44 and Si from
    /// 0.55, Ge dipped at 0.63–0.64; the models now train on GPAW-labelled compressed crystals down to V/V0 0.25
    /// (bench/validity/compressed_frames.py). Below that only Li, Mo and Ge rose on their own; Ni, Cu and Si do since their cores
    /// have a density fade towards the learned energy of the data's densest atom (Ni −16 000 eV/atom at V/V0 0.15 before, Cu fell at
    /// 0.26 and 0.16, Si at 0.230 and 0.225; a fade to zero learned energy left Si 3 falls, docs/repulsion.md).
    /// </summary>
    [Theory]
    [InlineData("Cu", "fcc", 3.634, 0.05)]
    [InlineData("Ni", "fcc", 3.521, 0.05)]
    [InlineData("Li", "bcc", 3.445, 0.05)]
    [InlineData("Mo", "bcc", 3.169, 0.05)]
    [InlineData("Si", "diamond", 5.467, 0.05)]
    [InlineData("Ge", "diamond", 5.783, 0.05)]
    public void UniformCompression_RaisesTheEnergyAtEveryStep(string element, string lattice, double a0, double lowestRatio)
    {
        var model = Load(element);
        var ratios = new List<double>();
        for (int k = 0; 1 - 0.01 * k >= Math.Max(lowestRatio, 0.25) - 1e-9; k++) ratios.Add(1 - 0.01 * k);
        for (int k = 1; 0.25 - 0.005 * k >= lowestRatio - 1e-9; k++) ratios.Add(0.25 - 0.005 * k);
        var crystals = ratios.Select(r => CrystalLattice.Build(lattice, element, a0 * Math.Cbrt(r), 1, 1, 1)).ToList();
        using var c = TestCatalog.Instance.Bind(model, new ComputeOptions { Backend = Backend.Cpu });
        var ev = Eval.Batch(c, crystals);
        for (int k = 1; k < ev.Length; k++)
            Assert.True(ev[k].Energy > ev[k - 1].Energy,
                $"{element} {lattice}: E/atom falls from {ev[k - 1].Energy / crystals[k].AtomCount:F3} to {ev[k].Energy / crystals[k].AtomCount:F3} eV on compression to V/V0 = {ratios[k]:F3}");
    }

    /// <summary>
    /// The other short-range case: one atom of the ground-state crystal (2×2×2 conventional cells) pushed
    /// along the bond into its nearest neighbour, from the crystal's distance down to 0.3 Å in 0.01 Å steps. The
    /// energy rises at every step and the force on the pushed atom points back, away from the neighbour. (Before
    /// the ZBL core an atom pushed into its neighbour fell into the dimer's wells.) Measured on the shipped models
    /// (2026-12-07): E − E(crystal) at 1.0 Å is +59 (Si) to +222 eV (Mo), Li +6.7 eV.
    /// </summary>
    [Theory]
    [InlineData("Cu", "fcc", 3.634)]
    [InlineData("Ni", "fcc", 3.521)]
    [InlineData("Li", "bcc", 3.445)]
    [InlineData("Mo", "bcc", 3.169)]
    [InlineData("Si", "diamond", 5.467)]
    [InlineData("Ge", "diamond", 5.783)]
    public void AtomPushedIntoItsNeighbour_RaisesTheEnergyAtEveryStep(string element, string lattice, double a0)
    {
        var model = Load(element);
        var crystal = CrystalLattice.Build(lattice, element, a0, 2, 2, 2);
        // Atom 0 sits at the origin; its nearest neighbour lies inside the 2×2×2 cell (no image needed).
        int nearest = Enumerable.Range(1, crystal.AtomCount - 1).MinBy(j => crystal.Positions[j].Norm);
        var bond = crystal.Positions[nearest];
        double d0 = bond.Norm;
        var u = bond / d0;
        var pushed = new List<AtomicStructure>();
        var distances = new List<double>();
        for (double r = d0; r >= 0.3 - 1e-9; r -= 0.01)
        {
            var positions = (Vec3[])crystal.Positions.Clone();
            positions[0] = (d0 - r) * u;
            pushed.Add(new AtomicStructure(crystal.Numbers, positions, crystal.Cell));
            distances.Add(r);
        }
        using var c = TestCatalog.Instance.Bind(model, new ComputeOptions { Backend = Backend.Cpu });
        var ev = Eval.Batch(c, pushed);
        for (int k = 1; k < ev.Length; k++)
        {
            Assert.True(ev[k].Energy > ev[k - 1].Energy,
                $"{element}: the energy falls from {ev[k - 1].Energy - ev[0].Energy:F3} to {ev[k].Energy - ev[0].Energy:F3} eV as the atom is pushed to {distances[k]:F2} Å from its neighbour");
            double along = ev[k].Forces[0].X * u.X + ev[k].Forces[0].Y * u.Y + ev[k].Forces[0].Z * u.Z;
            Assert.True(along < 0, $"{element}: at {distances[k]:F2} Å the force on the pushed atom points into its neighbour ({along} eV/Å)");
        }
    }
}
