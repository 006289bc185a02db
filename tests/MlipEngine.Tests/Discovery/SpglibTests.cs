using MlipEngine.Discovery.Symmetry;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Discovery;

/// <summary>spglib through P/Invoke (Debian libsymspg1; .ci/run installs it): known crystals get their space groups.</summary>
public class SpglibTests
{
    [Fact]
    public void KnownCrystals_GetTheirSpaceGroups()
    {
        Assert.True(Spglib.IsAvailable, Spglib.MissingMessage);
        Assert.Equal(new SpaceGroup("Fm-3m", 225), Spglib.Analyse(TestStructures.Fcc("Cu", 3.6, 1, 1, 1)));
        Assert.Equal(new SpaceGroup("Im-3m", 229), Spglib.Analyse(TestStructures.Bcc("Fe", 2.87, 2, 2, 2)));
        // Diamond Si, rotated and with atoms wrapped by lattice vectors: still Fd-3m.
        double a = 5.431;
        Vec3[] basis = [new(0, 0, 0), new(0, 0.5, 0.5), new(0.5, 0, 0.5), new(0.5, 0.5, 0), new(0.25, 0.25, 0.25), new(0.25, 0.75, 0.75), new(0.75, 0.25, 0.75), new(0.75, 0.75, 0.25)];
        var diamond = new AtomicStructure(Enumerable.Repeat(14, 8).ToArray(), basis.Select((f, i) => f * a + (i % 2 == 0 ? new Vec3(a, 0, -a) : Vec3.Zero)).ToArray(), Cell.Orthorhombic(a, a, a));
        Assert.Equal(new SpaceGroup("Fd-3m", 227), Spglib.Analyse(TestStructures.Transform(diamond, TestStructures.RandomRotation(4), new Vec3(0.1, 0.2, 0.3))));
        // A jittered cell beyond the tolerance loses its symmetry.
        Assert.Equal(1, Spglib.Analyse(TestStructures.Fcc("Cu", 3.6, 2, 2, 2, jitter: 0.1, seed: 3))!.Value.Number);
    }
}
