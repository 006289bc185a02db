using MlipEngine.Discovery.Generation;
using MlipEngine.Discovery.Search;
using MlipEngine.Geometry;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Discovery;

public class GeneratorTests
{
    private const int Si = 14, Ge = 32;

    private static double MinPair(MlipEngine.State.AtomicStructure s, int za, int zb)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i < s.AtomCount; i++)
            for (int j = i; j < s.AtomCount; j++)
            {
                bool match = (s.Numbers[i] == za && s.Numbers[j] == zb) || (s.Numbers[i] == zb && s.Numbers[j] == za);
                if (!match) continue;
                if (i == j)
                {
                    if (!s.Cell.AnyPeriodic) continue;
                    best = Math.Min(best, Math.Sqrt(RandomStructureGenerator.ShortestLatticeVector2(s.Cell)));
                }
                else best = Math.Min(best, TestStructures.MinImageDistance(s.Cell, s.Positions[i], s.Positions[j]));
            }
        return best;
    }

    [Fact]
    public void PeriodicCandidates_HonourPerPairMinimumDistancesAndVolume()
    {
        var settings = new GeneratorSettings
        {
            Numbers = [Si, Si, Si, Si, Ge, Ge, Ge, Ge], Cell = CandidateCell.Periodic, VolumePerAtom = 20,
            MinDistances = new Dictionary<(int, int), double> { [(Si, Si)] = 2.2, [(Si, Ge)] = 2.0, [(Ge, Ge)] = 2.4 },
        };
        var gen = new RandomStructureGenerator(settings);
        for (int k = 0; k < 20; k++)
        {
            var c = gen.Generate(7, k);
            Assert.True(c.Placed, c.Failure);
            var s = c.Structure!;
            Assert.True(s.Cell.FullyPeriodic);
            Assert.Equal(8 * 20.0, s.Cell.Volume, 8);
            Assert.True(MinPair(s, Si, Si) >= 2.2 - 1e-12);
            Assert.True(MinPair(s, Si, Ge) >= 2.0 - 1e-12);
            Assert.True(MinPair(s, Ge, Ge) >= 2.4 - 1e-12);
            Assert.True(gen.HonoursMinDistances(s));
            // Cell angles within [60°, 120°].
            foreach (var (u, v) in new[] { (s.Cell.A, s.Cell.B), (s.Cell.A, s.Cell.C), (s.Cell.B, s.Cell.C) })
            {
                double angle = Math.Acos(Vec3.Dot(u, v) / (u.Norm * v.Norm)) * 180 / Math.PI;
                Assert.InRange(angle, 60 - 1e-9, 120 + 1e-9);
            }
        }
    }

    [Fact]
    public void ClusterCandidates_FillTheSphereOfTheirVolumeAtTheMinimumDistance()
    {
        var gen = new RandomStructureGenerator(new GeneratorSettings
        {
            Numbers = Enumerable.Repeat(DiscoveryTestSupport.Ar, 38).ToArray(), Cell = CandidateCell.Cluster, VolumePerAtom = 1.5,
            MinDistances = new Dictionary<(int, int), double> { [(18, 18)] = 0.8 },
        });
        double radius = Math.Cbrt(3 * 38 * 1.5 / (4 * Math.PI));
        for (int k = 0; k < 10; k++)
        {
            var s = gen.Generate(3, k).Structure!;
            Assert.False(s.Cell.AnyPeriodic);
            Assert.All(s.Positions, r => Assert.True(r.Norm <= radius + 1e-12));
            Assert.True(MinPair(s, 18, 18) >= 0.8);
        }
    }

    [Fact]
    public void DefaultMinimumDistanceAndVolume_ComeFromCovalentRadii()
    {
        var settings = new GeneratorSettings { Numbers = [Si, Si], Cell = CandidateCell.Periodic };
        Assert.Equal(0.7 * 2 * 1.11, settings.MinDistance(Si, Si), 12);
        Assert.Equal(2.0 * 4.0 / 3.0 * Math.PI * Math.Pow(1.11, 3), settings.EffectiveVolumePerAtom(), 10);
        var s = new RandomStructureGenerator(settings).Generate(1, 0).Structure!;
        Assert.True(MinPair(s, Si, Si) >= 0.7 * 2 * 1.11 - 1e-12);
    }

    [Fact]
    public void Candidates_AreDeterministicPerSeedAndIndex()
    {
        var settings = new GeneratorSettings { Numbers = [Si, Si, Si, Si, Si, Si, Si, Si], Cell = CandidateCell.Periodic };
        var a = new RandomStructureGenerator(settings);
        var b = new RandomStructureGenerator(settings);
        var x = a.Generate(42, 5).Structure!;
        var y = b.Generate(42, 5).Structure!;
        Assert.Equal(x.Cell.Matrix, y.Cell.Matrix);
        Assert.Equal(x.Positions, y.Positions);
        Assert.NotEqual(x.Positions, a.Generate(43, 5).Structure!.Positions);
        Assert.NotEqual(x.Positions, a.Generate(42, 6).Structure!.Positions);
    }

    [Fact]
    public void ImpossibleSettings_AreRejectedNamingTheKey()
    {
        var tooDense = new GeneratorSettings
        {
            Numbers = [Si, Si], Cell = CandidateCell.Periodic, VolumePerAtom = 5,
            MinDistances = new Dictionary<(int, int), double> { [(Si, Si)] = 3.0 },
        };
        var e = Assert.Throws<SearchSettingsException>(() => new RandomStructureGenerator(tooDense));
        Assert.StartsWith("min_distance:", e.Message);
        var noRadius = new GeneratorSettings { Numbers = [87], Cell = CandidateCell.Cluster };   // Fr: no covalent radius in the table
        Assert.StartsWith("volume_per_atom:", Assert.Throws<SearchSettingsException>(() => new RandomStructureGenerator(noRadius)).Message);
        Assert.StartsWith("min_distance:", Assert.Throws<SearchSettingsException>(() => new RandomStructureGenerator(noRadius with { VolumePerAtom = 50 })).Message);
    }

    [Fact]
    public void UnplaceableCandidate_IsReportedNotThrown()
    {
        // Possible in principle (packing 0.6 < 0.74) but not by random sequential placement with so few tries.
        var gen = new RandomStructureGenerator(new GeneratorSettings
        {
            Numbers = Enumerable.Repeat(Si, 30).ToArray(), Cell = CandidateCell.Periodic, VolumePerAtom = 10,
            MinDistances = new Dictionary<(int, int), double> { [(Si, Si)] = Math.Cbrt(0.6 * 10 * 6 / Math.PI) },
            AttemptsPerAtom = 5, Restarts = 2,
        });
        var c = gen.Generate(1, 0);
        Assert.False(c.Placed);
        Assert.Contains("could not place 30 atoms", c.Failure);
    }
}
