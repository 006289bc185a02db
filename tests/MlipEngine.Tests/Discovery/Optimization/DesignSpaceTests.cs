using Xunit;
using MlipEngine.Discovery.Optimization;

namespace MlipEngine.Tests.Discovery.Optimization;

public class DesignSpaceTests
{
    [Fact]
    public void Simplex_EveryCubePointIsAComposition_AndEncodeInvertsDecode()
    {
        var p = new SimplexParameter("x", ["Cu", "Ni", "Al", "Fe", "Co", "Cr", "Mn"]);
        var space = new DesignSpace([p]);
        Assert.Equal(6, space.CubeDimension);
        var rng = new Random(2);
        for (int t = 0; t < 500; t++)
        {
            var u = Enumerable.Range(0, 6).Select(_ => t % 50 == 0 ? (double)rng.Next(2) : rng.NextDouble()).ToArray();
            var x = space.Decode(u);
            Assert.All(x, v => Assert.InRange(v, 0, 1));
            Assert.Equal(1.0, x.Sum(), 1e-12);
            var back = space.Decode(space.Encode(x));
            for (int i = 0; i < x.Length; i++) Assert.Equal(x[i], back[i], 1e-12);
        }
    }

    /// <summary>Stick breaking with Beta(1, k − i) sticks is the flat Dirichlet: a Sobol design gives each component mean 1/k and variance (k − 1)/(k²(k + 1)).</summary>
    [Fact]
    public void Simplex_SobolDesignIsUniformOnTheSimplex()
    {
        const int k = 7;
        var space = new DesignSpace([new SimplexParameter("x", Enumerable.Range(0, k).Select(i => "e" + i).ToArray())]);
        var xs = new SobolSequence(k - 1).Take(4096).Select(u => space.Decode(u)).ToList();
        for (int i = 0; i < k; i++)
        {
            double mean = xs.Average(x => x[i]);
            double variance = xs.Average(x => (x[i] - mean) * (x[i] - mean));
            Assert.Equal(1.0 / k, mean, 2e-3);
            Assert.Equal((k - 1.0) / (k * k * (k + 1.0)), variance, 1e-3);
        }
    }

    [Fact]
    public void MixedSpace_CanonicalPointsDecodeToTheSameDesign()
    {
        var space = new DesignSpace([
            new ContinuousParameter("a", 1e-3, 10, Log: true), new IntegerParameter("n", -2, 3),
            new CategoricalParameter("site", ["Cu", "Ni", "Al"]), new SimplexParameter("x", ["A", "B", "C"]),
        ]);
        Assert.Equal(["a", "n", "site", "x.A", "x.B", "x.C"], space.ColumnNames);
        var rng = new Random(4);
        for (int t = 0; t < 200; t++)
        {
            var u = Enumerable.Range(0, space.CubeDimension).Select(_ => rng.NextDouble()).ToArray();
            var design = space.Decode(u);
            Assert.InRange(design[0], 1e-3, 10);
            Assert.InRange(design[1], -2, 3);
            Assert.Equal(Math.Round(design[1]), design[1]);
            Assert.Equal(design, space.Decode(space.Canonical(u)), (a, b) => Math.Abs(a - b) < 1e-12);
        }
        Assert.Equal("Ni", space.Format(2, 1));
        Assert.True(space.TryParse(2, "Al", out double al) && al == 2);
    }
}
