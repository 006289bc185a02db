using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Neighbors;

public sealed class VerletDeformationTests
{
    /// <summary>
    /// A Verlet list kept across small cell deformations and atomic moves (variable-cell relaxation)
    /// gives the same energies, forces and virials as a list rebuilt at every call, while rebuilding
    /// far less often. Same pairs summed in the same order up to the list layout: agreement to 1e-10
    /// relative is rounding; a missed pair would show at ≥1e-4 eV.
    /// </summary>
    [Fact]
    public void ListKeptUnderCellDeformation_MatchesFreshBuilds()
    {
        var ff = PotentialFactory.Create(PotentialSpecLoader.Resolve(
            $"{{style: eam/alloy, file: {GoldenFiles.LammpsPotential("CuNi.eam.alloy")}, elements: [Cu, Ni]}}"));
        using var kept = TestCatalog.Instance.Bind(ff, new ComputeOptions { Skin = 0.5 });
        using var fresh = TestCatalog.Instance.Bind(ff, new ComputeOptions { Skin = 0 });
        var structures = new[] { Samples.Periodic(["Cu", "Ni"], 3.6, 1, repeat: 1), Samples.Periodic(["Cu", "Ni"], 3.6, 2, repeat: 2) };
        var batch = SystemBatch.FromStructures(structures);
        var rng = new Random(5);
        var h0 = batch.Cells.Select(c => c.Matrix).ToArray();
        var r1 = new ForceResult(); var r2 = new ForceResult();
        const int steps = 60;
        for (int step = 0; step < steps; step++)
        {
            // A growing strain (up to ~6 %) applied affinely, plus small non-affine jiggles.
            for (int s = 0; s < batch.SystemCount; s++)
            {
                double t = 0.001 * step;
                var m = Mat3.Identity + Mat3.FromRowMajor([t, 0.3 * t, 0, -0.2 * t, -0.5 * t, 0.4 * t, 0.1 * t, 0, 0.8 * t]);
                var oldInv = batch.Cells[s].Matrix.Inverse();
                var next = h0[s] * m;
                for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
                {
                    var r = batch.Position(i) * oldInv * next + 0.004 * new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5);
                    batch.SetPosition(i, r);
                }
                batch.Cells[s] = batch.Cells[s].WithMatrix(next);
            }
            kept.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, r1);
            fresh.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, r2);
            for (int s = 0; s < batch.SystemCount; s++)
            {
                Assert.Equal(r2.Energy[s], r1.Energy[s], 1e-10 * Math.Abs(r2.Energy[s]));
                for (int k = 0; k < 9; k++) Assert.Equal(r2.Virial[9 * s + k], r1.Virial[9 * s + k], 1e-9);
            }
            for (int i = 0; i < batch.AtomCount; i++)
            {
                Assert.Equal(r2.Fx[i], r1.Fx[i], 1e-10); Assert.Equal(r2.Fy[i], r1.Fy[i], 1e-10); Assert.Equal(r2.Fz[i], r1.Fz[i], 1e-10);
            }
        }
        Assert.Equal(steps, fresh.NeighborBuilds);
        Assert.True(kept.NeighborBuilds > 1 && kept.NeighborBuilds < steps / 4, $"{kept.NeighborBuilds} rebuilds in {steps} steps");
    }
}
