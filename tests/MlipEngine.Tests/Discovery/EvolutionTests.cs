using MlipEngine.Discovery.Generation;
using MlipEngine.Discovery.Search;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Geometry;
using MlipEngine.State;
using Xunit;
using static MlipEngine.Tests.Discovery.DiscoveryTestSupport;

namespace MlipEngine.Tests.Discovery;

/// <summary>Evolutionary search: the variation operators keep composition and what they should, and the search finds LJ13.</summary>
public class EvolutionTests
{
    private const int Cu = 29, Ni = 28;

    private static AtomicStructure RandomCrystal(int[] numbers, ulong seed) =>
        new RandomStructureGenerator(new GeneratorSettings { Numbers = numbers, VolumePerAtom = 12 }).Generate(seed, 0).Structure!;

    private static Vec3[] Fractional(AtomicStructure s)
    {
        var hinv = s.Cell.Matrix.Inverse();
        return s.Positions.Select(r => r * hinv).ToArray();
    }

    [Fact]
    public void Heredity_KeepsComposition_AndMixesTheParentsCells()
    {
        int[] numbers = [Cu, Cu, Cu, Cu, Cu, Ni, Ni, Ni];
        var a = RandomCrystal(numbers, 1);
        var b = RandomCrystal(numbers, 2);
        b = new AtomicStructure(b.Numbers, b.Positions.Select(r => 1.1 * r).ToArray(), new Cell(1.1 * b.Cell.Matrix, true));
        for (ulong k = 0; k < 20; k++)
        {
            var child = VariationOperators.Heredity(a, b, Xoshiro256.Stream(3, k))!;
            Assert.Equal(numbers, child.Numbers);
            // Volume between the parents' (a weighted mean of them).
            Assert.InRange(child.Cell.Volume, a.Cell.Volume, b.Cell.Volume);
            Assert.All(child.Positions, r => Assert.True(r.IsFinite));
        }
        // Clusters: the atom count and species are kept, the cut is a plane through both centres.
        var ca = new RandomStructureGenerator(new GeneratorSettings { Numbers = numbers, Cell = CandidateCell.Cluster, VolumePerAtom = 12 }).Generate(1, 0).Structure!;
        var cb = new RandomStructureGenerator(new GeneratorSettings { Numbers = numbers, Cell = CandidateCell.Cluster, VolumePerAtom = 12 }).Generate(1, 1).Structure!;
        var cc = VariationOperators.Heredity(ca, cb, Xoshiro256.Stream(4, 0))!;
        Assert.Equal(numbers, cc.Numbers);
        Assert.False(cc.Cell.AnyPeriodic);
        Assert.Null(VariationOperators.Heredity(ca, RandomCrystal([Cu, Cu], 3), Xoshiro256.Stream(4, 1)));
    }

    [Fact]
    public void LatticeStrain_KeepsVolumeAndFractionalCoordinates()
    {
        var a = RandomCrystal([Cu, Cu, Ni, Ni], 5);
        var child = VariationOperators.LatticeStrain(a, Xoshiro256.Stream(1, 0), 0.1)!;
        Assert.Equal(a.Cell.Volume, child.Cell.Volume, 9);
        Assert.NotEqual(a.Cell.Matrix, child.Cell.Matrix);
        var fa = Fractional(a); var fc = Fractional(child);
        for (int i = 0; i < fa.Length; i++) Assert.True((fa[i] - fc[i]).Norm < 1e-9);
        Assert.Null(VariationOperators.LatticeStrain(new AtomicStructure([Cu], [Vec3.Zero], Cell.Open), Xoshiro256.Stream(1, 1), 0.1));
    }

    [Fact]
    public void Permutation_SwapsUnlikeAtoms_KeepingTheSitesAndComposition()
    {
        var a = RandomCrystal([Cu, Cu, Cu, Ni, Ni, Ni], 6);
        var child = VariationOperators.Permutation(a, Xoshiro256.Stream(2, 0), 2)!;
        Assert.Equal(a.Numbers, child.Numbers);
        // The same set of sites, with at least one Cu site now held by Ni.
        Assert.Equal(a.Positions.OrderBy(p => p.X).ThenBy(p => p.Y), child.Positions.OrderBy(p => p.X).ThenBy(p => p.Y));
        var cuSites = Enumerable.Range(0, 6).Where(i => a.Numbers[i] == Cu).Select(i => a.Positions[i]).ToHashSet();
        Assert.Contains(Enumerable.Range(0, 6).Where(i => child.Numbers[i] == Ni), i => cuSites.Contains(child.Positions[i]));
        Assert.Null(VariationOperators.Permutation(RandomCrystal([Cu, Cu], 1), Xoshiro256.Stream(2, 1), 1));
    }

    /// <summary>LJ13 (−44.326801 ε) by evolution: generations of 10 bred by heredity and rattle from the best minima.</summary>
    [Fact]
    public void Evolution_FindsTheLj13GlobalMinimum_AndRecordsOperatorsAndParents()
    {
        using var computer = LjComputer();
        var options = LjClusterOptions(13, SearchMode.Evolutionary, trials: 300, seed: 3) with
        {
            StopEnergy = -44.326801 + 1e-4, Evolution = new EvolutionSettings { Population = 10 },
        };
        var report = new StructureSearch(computer, options).Run();
        Assert.True(report.ReachedStopEnergy, $"best {report.BestEnergy} after {report.Trials.Count} trials");
        Assert.Equal(-44.326801, report.BestEnergy, 5);
        Assert.All(report.Trials.Where(t => t.Trial < 10), t => Assert.Equal("random", t.Operator));

        // Without the stop: four generations, bred from earlier generations only.
        var run = new StructureSearch(computer, options with { StopEnergy = null, Trials = 40 }).Run();
        Assert.Equal(40, run.Trials.Count);
        var bred = run.Trials.Where(t => t.Trial >= 10).ToList();
        Assert.Contains(bred, t => t.Operator == "heredity" && t.Parents!.Length == 2);
        Assert.Contains(bred, t => t.Operator == "rattle" && t.Parents!.Length == 1);
        Assert.Contains(bred, t => t.Operator == "random" && t.Parents is null);   // fresh candidates in every generation
        Assert.All(bred.Where(t => t.Parents != null), t => Assert.All(t.Parents!, p => Assert.True(p < t.Trial / 10 * 10)));
        Assert.DoesNotContain(bred, t => t.Operator is "strain" or "permutation");   // one-species cluster
    }
}
