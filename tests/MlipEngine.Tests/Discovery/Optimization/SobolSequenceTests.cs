using Xunit;
using MlipEngine.Discovery.Optimization;

namespace MlipEngine.Tests.Discovery.Optimization;

public class SobolSequenceTests
{
    /// <summary>scipy.stats.qmc.Sobol(40, scramble=False).random(1024), rows 1, 2, 3, 5, 100, 1023, dimensions 1, 2, 6, 13, 21, 40 (same Joe–Kuo numbers; all values are dyadic, so exact).</summary>
    private static readonly (int Row, double[] Values)[] Scipy =
    [
        (1, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
        (2, [0.75, 0.25, 0.75, 0.25, 0.25, 0.25]),
        (3, [0.25, 0.75, 0.25, 0.75, 0.75, 0.75]),
        (5, [0.875, 0.875, 0.625, 0.875, 0.625, 0.375]),
        (100, [0.4140625, 0.2578125, 0.7421875, 0.4765625, 0.7578125, 0.1328125]),
        (1023, [0.0009765625, 0.7529296875, 0.4384765625, 0.1298828125, 0.8662109375, 0.6982421875]),
    ];

    [Fact]
    public void Unscrambled_MatchesPublishedJoeKuoPoints()
    {
        var points = new SobolSequence(40).Take(1024);
        int[] dims = [0, 1, 5, 12, 20, 39];
        Assert.All(points[0], v => Assert.Equal(0.0, v));
        foreach (var (row, values) in Scipy)
            for (int k = 0; k < dims.Length; k++) Assert.Equal(values[k], points[row][dims[k]]);
    }

    [Fact]
    public void FirstFourDimensions_MatchPublishedEightPoints()
    {
        double[][] expected =
        [
            [0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5], [0.75, 0.25, 0.25, 0.25], [0.25, 0.75, 0.75, 0.75],
            [0.375, 0.375, 0.625, 0.875], [0.875, 0.875, 0.125, 0.375], [0.625, 0.125, 0.875, 0.625], [0.125, 0.625, 0.375, 0.125],
        ];
        var points = new SobolSequence(4).Take(8);
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], points[i]);
    }

    [Fact]
    public void DigitalShift_KeepsOnePointPerElementaryInterval()
    {
        // A (0, m, 2)-net in base 2: the first 2^m points of dimensions 1-2 put exactly one point in each of the 2^m
        // boxes [i/2^a, (i+1)/2^a) × [j/2^b, (j+1)/2^b) with a + b = m; an XOR shift maps those boxes onto each other.
        var points = new SobolSequence(2, seed: 12345).Take(64);
        for (int a = 0; a <= 6; a++)
        {
            int b = 6 - a;
            var boxes = points.Select(p => ((int)(p[0] * (1 << a)), (int)(p[1] * (1 << b)))).Distinct().Count();
            Assert.Equal(64, boxes);
        }
        Assert.NotEqual(0.0, points[0][0]);
    }
}
