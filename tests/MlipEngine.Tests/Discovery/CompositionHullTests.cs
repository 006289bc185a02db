using MlipEngine.Discovery.Hull;
using Xunit;

namespace MlipEngine.Tests.Discovery;

/// <summary>The k-component hull (a linear programme) against hand-computed ternary hulls and the binary hull.</summary>
public class CompositionHullTests
{
    [Fact]
    public void Ternary_HandComputed()
    {
        // A–B–C with AB (½, ½, 0) at −0.4, ABC (⅓, ⅓, ⅓) at −0.5, BC (0, ½, ½) at −0.1 and A₂C (⅔, 0, ⅓) at +0.05
        // (above the A–C tie line: unstable). The values below were worked by hand and agree with SciPy's linprog on
        // the same programme.
        double third = 1.0 / 3;
        var hull = CompositionHull.Build(3,
        [
            ([0.5, 0.5, 0], -0.4),
            ([third, third, third], -0.5),
            ([0, 0.5, 0.5], -0.1),
            ([2 * third, 0, third], 0.05),
        ]);
        // The vertices reproduce themselves.
        Assert.Equal(-0.4, hull.EnergyAt([0.5, 0.5, 0]), 12);
        Assert.Equal(-0.5, hull.EnergyAt([third, third, third]), 12);
        Assert.Equal(0, hull.EnergyAt([1, 0, 0]), 12);
        // BC at (0, ½, ½): the B–C edge has only B, C and BC, so BC is a vertex of the edge (−0.1 < 0).
        Assert.Equal(-0.1, hull.EnergyAt([0, 0.5, 0.5]), 12);
        // A₂C at (⅔, 0, ⅓): on the A–C edge only A and C (0) lie, the mixture is 0 → above the hull by 0.05.
        Assert.Equal(0.05, hull.EnergyAboveHull([2 * third, 0, third], 0.05), 12);
        // Midpoint of AB and ABC, (5/12, 5/12, 1/6): the mixture ½·AB + ½·ABC gives −0.45 and nothing lower exists.
        Assert.Equal(-0.45, hull.EnergyAt([5.0 / 12, 5.0 / 12, 1.0 / 6]), 12);
        // Centre of the facet A, AB, ABC: ⅓·A + ⅓·AB + ⅓·ABC = (11/18, 5/18, 1/9) at −0.3.
        Assert.Equal(-0.3, hull.EnergyAt([11.0 / 18, 5.0 / 18, 1.0 / 9]), 12);
        // A point below everything is on its own hull: energy above its own hull 0.
        var lower = CompositionHull.Build(3, [([0.2, 0.3, 0.5], -1.0)]);
        Assert.Equal(0, lower.EnergyAboveHull([0.2, 0.3, 0.5], -1.0), 12);
        Assert.Equal(-0.5, lower.EnergyAt([0.1, 0.15, 0.75]), 12);   // halfway to C
    }

    [Fact]
    public void Binary_AgreesWithTheBinaryHull()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var pts = Enumerable.Range(0, 12).Select(_ => (X: Math.Round(rng.NextDouble(), 3), E: rng.NextDouble() - 0.7)).ToList();
            var binary = BinaryHull.Build(pts);
            var general = CompositionHull.Build(2, pts.Select(p => (new[] { 1 - p.X, p.X }, p.E)));
            for (double x = 0; x <= 1.0001; x += 0.05)
            {
                double xx = Math.Min(1, x);
                Assert.Equal(binary.EnergyAt(xx), general.EnergyAt([1 - xx, xx]), 10);
            }
        }
    }

    [Fact]
    public void BadPoints_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => CompositionHull.Build(3, [([0.5, 0.6, 0], -0.1)]));
        Assert.Throws<ArgumentException>(() => CompositionHull.Build(3, [([0.5, 0.5], -0.1)]));
        Assert.Throws<ArgumentException>(() => CompositionHull.Build(1, []));
    }
}
