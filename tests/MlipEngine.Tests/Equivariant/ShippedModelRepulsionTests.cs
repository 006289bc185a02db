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
    /// Uniform compression of the ground-state crystal until the nearest neighbours sit at 0.85 r_out:
    /// the energy per atom rises monotonically. Cu, Ni and Si are not here: their compression wells lie at
    /// nearest-neighbour distances the training data does cover (1.84–1.95 Å for Cu), where the learned
    /// many-body energy of a crystal denser than any training frame goes wrong; the core cannot reach them
    /// (docs/validity.md).
    /// </summary>
    [Theory]
    [InlineData("Li", "bcc", 3.445)]
    [InlineData("Mo", "bcc", 3.165)]
    [InlineData("Ge", "diamond", 5.775)]
    public void Compression_IsMonotonicallyRepulsive_BelowTheShortestTrainingDistance(string element, string lattice, double a0)
    {
        var model = Load(element);
        double rOut = model.Core!.Outer(0, 0);
        Vec3[] basis = lattice == "bcc"
            ? [new(0, 0, 0), new(0.5, 0.5, 0.5)]
            : [new(0, 0, 0), new(0, 0.5, 0.5), new(0.5, 0, 0.5), new(0.5, 0.5, 0), new(0.25, 0.25, 0.25), new(0.25, 0.75, 0.75), new(0.75, 0.25, 0.75), new(0.75, 0.75, 0.25)];
        double nnPerA = lattice == "bcc" ? Math.Sqrt(3) / 2 : Math.Sqrt(3) / 4;
        var crystals = new List<AtomicStructure>();
        for (double nn = rOut; nn >= 0.85 * rOut; nn -= 0.01)
            crystals.Add(TestStructures.Lattice(element, nn / nnPerA, basis, 1, 1, 1, 0, 1));
        using var c = TestCatalog.Instance.Bind(model, new ComputeOptions { Backend = Backend.Cpu });
        var ev = Eval.Batch(c, crystals);
        for (int k = 1; k < ev.Length; k++)
            Assert.True(ev[k].Energy > ev[k - 1].Energy, $"{element} {lattice}: E falls on compression to a = {crystals[k].Cell.Matrix[0, 0]:F3} Å");
        Assert.True(a0 > crystals[0].Cell.Matrix[0, 0]);
    }
}
