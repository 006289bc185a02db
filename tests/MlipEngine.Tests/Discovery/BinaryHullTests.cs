using MlipEngine.Discovery.Hull;
using Xunit;

namespace MlipEngine.Tests.Discovery;

/// <summary>Two-component convex hulls against hulls worked out by hand.</summary>
public class BinaryHullTests
{
    [Fact]
    public void OneStableCompound_HullAndEnergiesAboveIt()
    {
        // By hand: vertices (0,0), (½,−1), (1,0); at x = ¼ and ¾ the hull is at −½.
        var hull = BinaryHull.Build([(0.5, -1.0), (0.25, -0.4), (0.75, -0.2), (0.5, -0.7)]);
        Assert.Equal([(0.0, 0.0), (0.5, -1.0), (1.0, 0.0)], hull.Vertices);
        Assert.Equal(0.1, hull.EnergyAboveHull(0.25, -0.4), 12);
        Assert.Equal(0.3, hull.EnergyAboveHull(0.75, -0.2), 12);
        Assert.Equal(0.3, hull.EnergyAboveHull(0.5, -0.7), 12);   // a higher polymorph at a hull composition
        Assert.Equal(0.0, hull.EnergyAboveHull(0.5, -1.0), 12);
    }

    [Fact]
    public void ConvexChain_AllVertices_CollinearPointOnTheHullButNoVertex()
    {
        // Slopes −1.8, −1.2, +1.2, +1.8 increase, so every point is a vertex; (¼, −0.45) lies on the first tie line.
        var hull = BinaryHull.Build([(1.0 / 3, -0.6), (0.5, -0.8), (2.0 / 3, -0.6), (0.25, -0.45)]);
        Assert.Equal(5, hull.Vertices.Count);
        Assert.DoesNotContain(hull.Vertices, v => v.X == 0.25);
        Assert.Equal(0.0, hull.EnergyAboveHull(0.25, -0.45), 12);
        Assert.Equal(-0.7, hull.EnergyAt(7.0 / 12), 12);   // midway between (½, −0.8) and (⅔, −0.6)
    }

    [Fact]
    public void AllFormationEnergiesPositive_HullHoldsTheElementsOnly()
    {
        // The CuNi control of issue 15: ordered phases above the tie line leave a two-vertex hull.
        var hull = BinaryHull.Build([(0.25, 0.02), (0.5, 0.03), (0.75, 0.01)]);
        Assert.Equal([(0.0, 0.0), (1.0, 0.0)], hull.Vertices);
        Assert.Equal(0.03, hull.EnergyAboveHull(0.5, 0.03), 12);
    }

    [Fact]
    public void FormationEnergy_IsPerAtomAgainstTheReferences()
    {
        // A2B with E = −10 eV, μ_A = −3, μ_B = −2.5: (−10 + 6 + 2.5)/3 = −0.5 eV/atom.
        Assert.Equal(-0.5, BinaryHull.FormationEnergy(2, 1, -10.0, -3.0, -2.5), 12);
        Assert.Throws<ArgumentException>(() => BinaryHull.FormationEnergy(0, 0, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => BinaryHull.Build([(1.5, 0.0)]));
    }
}
