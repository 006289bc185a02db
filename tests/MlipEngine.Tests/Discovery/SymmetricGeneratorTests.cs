using MlipEngine.Discovery.Generation;
using MlipEngine.Discovery.Search;
using MlipEngine.Discovery.Symmetry;
using MlipEngine.Geometry;
using MlipEngine.State;
using Xunit;

namespace MlipEngine.Tests.Discovery;

/// <summary>
/// Space-group generation: spglib's operation database, the snapped orbits, and candidates that are
/// invariant under every operation of the group they were built in (checked directly and through spglib).
/// </summary>
public class SymmetricGeneratorTests
{
    private const int Si = 14, Cu = 29, Ni = 28;

    [Fact]
    public void OperationDatabase_HasTheGroupOrdersAndCentrings()
    {
        Assert.True(Spglib.IsAvailable, Spglib.MissingMessage);
        // |G| in the conventional cell = point-group order × centring (International Tables).
        (int Group, int Order, int Centring)[] known = [(1, 1, 1), (2, 2, 1), (12, 8, 2), (62, 8, 1), (139, 32, 2), (166, 36, 3), (194, 24, 1), (225, 192, 4), (227, 192, 4), (229, 96, 2), (230, 96, 2)];
        foreach (var (g, order, centring) in known)
        {
            var ops = Spglib.SpaceGroupOperations(g);
            Assert.Equal(order, ops.Length);
            Assert.Equal(centring, SymmetricPlacement.Centring(g));
            Assert.Contains(ops, op => op.IsTranslation && op.Tx == 0 && op.Ty == 0 && op.Tz == 0);
        }
        Assert.Equal(LatticeSystem.Monoclinic, SymmetricPlacement.SystemOf(15));
        Assert.Equal(LatticeSystem.Hexagonal, SymmetricPlacement.SystemOf(166));
        Assert.Equal(LatticeSystem.Cubic, SymmetricPlacement.SystemOf(195));
        Assert.Throws<ArgumentOutOfRangeException>(() => Spglib.SpaceGroupOperations(231));
    }

    [Fact]
    public void SnappedOrbit_FindsWyckoffMultiplicities()
    {
        // Fd-3m (origin choice 1) in a 5.43 Å cube: a point near 8a (0,0,0) snaps onto it (8 atoms: diamond),
        // one near 16c (1/8,1/8,1/8) onto it, and a general point keeps all 192 images.
        var ops = Spglib.SpaceGroupOperations(227);
        double a = 5.43;
        var cell = Cell.Orthorhombic(a, a, a);
        var h = cell.Matrix;
        var diamond = SymmetricPlacement.SnappedOrbit(new Vec3(0.03, -0.02, 0.01), ops, cell, h, merge: 1.5);
        Assert.Equal(8, diamond.Count);
        Assert.Equal(new SpaceGroup("Fd-3m", 227), Spglib.Analyse(new AtomicStructure(Enumerable.Repeat(Si, 8).ToArray(), diamond.ToArray(), cell)));
        Assert.Equal(16, SymmetricPlacement.SnappedOrbit(new Vec3(0.13, 0.12, 0.125), ops, cell, h, merge: 0.3).Count);
        Assert.Equal(192, SymmetricPlacement.SnappedOrbit(new Vec3(0.3141, 0.0717, 0.1932), ops, cell, h, merge: 0.01).Count);
    }

    [Theory]
    [InlineData(new[] { Si, Si, Si, Si, Si, Si, Si, Si }, 1, 230, 11UL)]
    [InlineData(new[] { Cu, Cu, Cu, Cu, Ni, Ni, Ni, Ni }, 75, 230, 5UL)]
    [InlineData(new[] { Si, Si, Si, Si, Si, Si }, 143, 194, 3UL)]
    public void Candidates_AreInvariantUnderTheirGroup_AndHonourMinimumDistances(int[] numbers, int minGroup, int maxGroup, ulong seed)
    {
        var settings = new GeneratorSettings
        {
            Numbers = numbers, Cell = CandidateCell.Periodic, VolumePerAtom = 16,
            SpaceGroups = Enumerable.Range(minGroup, maxGroup - minGroup + 1).ToArray(),
        };
        var gen = new RandomStructureGenerator(settings);
        var seen = new HashSet<int>();
        for (int k = 0; k < 12; k++)
        {
            var c = gen.Generate(seed, k);
            Assert.True(c.Placed, c.Failure);
            int g = c.SpaceGroup!.Value;
            Assert.InRange(g, minGroup, maxGroup);
            seen.Add(g);
            var s = c.Structure!;
            Assert.Equal(numbers, s.Numbers);
            Assert.Equal(numbers.Length * 16.0, s.Cell.Volume, 8);
            Assert.True(gen.HonoursMinDistances(s));
            AssertInvariant(s, Spglib.SpaceGroupOperations(g));
            // spglib, an independent peer, finds the group or a supergroup: at least as many operations.
            var found = Spglib.Analyse(s, 1e-4);
            Assert.NotNull(found);
            Assert.True(Spglib.SpaceGroupOperations(found!.Value.Number).Length / SymmetricPlacement.Centring(found.Value.Number)
                        >= Spglib.SpaceGroupOperations(g).Length / SymmetricPlacement.Centring(g),
                $"built in {g}, spglib finds {found}");
        }
        Assert.True(seen.Count >= 4, $"only groups {string.Join(", ", seen)} were drawn");
    }

    /// <summary>Every operation maps every atom onto an atom of the same species, modulo the lattice.</summary>
    private static void AssertInvariant(AtomicStructure s, SymmetryOperation[] ops)
    {
        var hinv = s.Cell.Matrix.Inverse();
        var f = s.Positions.Select(r => r * hinv).ToArray();
        foreach (var op in ops)
            for (int i = 0; i < f.Length; i++)
            {
                var y = op.Apply(f[i]);
                bool matched = false;
                for (int j = 0; j < f.Length && !matched; j++)
                {
                    if (s.Numbers[j] != s.Numbers[i]) continue;
                    var d = y - f[j];
                    d = new Vec3(d.X - Math.Round(d.X), d.Y - Math.Round(d.Y), d.Z - Math.Round(d.Z));
                    matched = (d * s.Cell.Matrix).Norm < 1e-6;
                }
                Assert.True(matched, $"atom {i} has no image under an operation");
            }
    }

    [Fact]
    public void PointGroups_AreTheCrystallographicOnes_AsOrthogonalGroups()
    {
        int[] orders = [1, 2, 2, 2, 4, 4, 4, 8, 4, 4, 8, 8, 8, 8, 16, 3, 6, 6, 6, 12, 6, 6, 12, 12, 12, 12, 24, 12, 24, 24, 24, 48];
        Assert.Equal(32, SymmetricPlacement.PointGroups.Count);
        for (int k = 0; k < 32; k++)
        {
            var rotations = SymmetricPlacement.PointGroupRotations(SymmetricPlacement.PointGroups[k].SpaceGroup);
            Assert.Equal(orders[k], rotations.Length);
            foreach (var r in rotations)
            {
                var rrt = r * r.Transpose();
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) Assert.Equal(i == j ? 1.0 : 0.0, rrt[i, j], 12);
                // Closed under composition.
                foreach (var q in rotations)
                {
                    var pq = r * q;
                    Assert.Contains(rotations, m => Enumerable.Range(0, 9).All(e => Math.Abs(m[e / 3, e % 3] - pq[e / 3, e % 3]) < 1e-9));
                }
            }
        }
        // Centred groups give their point group: Fm-3m is m-3m.
        Assert.Equal(48, SymmetricPlacement.PointGroupRotations(225).Length);
    }

    [Theory]
    [InlineData(13, 221)]    // m-3m
    [InlineData(38, 221)]
    [InlineData(10, 191)]    // 6/mmm
    [InlineData(7, 215)]     // -43m
    public void ClusterCandidates_AreInvariantUnderTheirPointGroup(int atoms, int group)
    {
        var settings = new GeneratorSettings
        {
            Numbers = Enumerable.Repeat(18, atoms).ToArray(), Cell = CandidateCell.Cluster, VolumePerAtom = 1.5,
            MinDistances = new Dictionary<(int, int), double> { [(18, 18)] = 0.8 }, SpaceGroups = [group],
        };
        var gen = new RandomStructureGenerator(settings);
        var rotations = SymmetricPlacement.PointGroupRotations(group);
        for (int k = 0; k < 6; k++)
        {
            var c = gen.Generate(2, k);
            Assert.True(c.Placed, c.Failure);
            var s = c.Structure!;
            Assert.False(s.Cell.AnyPeriodic);
            Assert.True(gen.HonoursMinDistances(s));
            foreach (var r in rotations)
                foreach (var p in s.Positions)
                    Assert.Contains(s.Positions, q => (r * p - q).Norm < 1e-6);
        }
    }

    [Fact]
    public void Generation_IsReproducible()
    {
        var settings = new GeneratorSettings { Numbers = [Si, Si, Si, Si], SpaceGroups = [1, 2, 10, 47, 123, 191, 221] };
        var a = new RandomStructureGenerator(settings).Generate(9, 4);
        var b = new RandomStructureGenerator(settings).Generate(9, 4);
        Assert.Equal(a.SpaceGroup, b.SpaceGroup);
        Assert.Equal(a.Structure!.Positions, b.Structure!.Positions);
    }

    [Fact]
    public void GroupsWhoseCentringCannotFitTheComposition_AreRefusedWithTheKey()
    {
        // Three atoms: every F-centred group needs multiples of 4.
        var e = Assert.Throws<SearchSettingsException>(() => new RandomStructureGenerator(new GeneratorSettings { Numbers = [Si, Si, Si], SpaceGroups = [225, 227] }));
        Assert.StartsWith("symmetry:", e.Message);
        Assert.Throws<SearchSettingsException>(() => new RandomStructureGenerator(new GeneratorSettings { Numbers = [Si], SpaceGroups = [0] }));
        // An F group among others: only the ones that fit are drawn.
        var gen = new RandomStructureGenerator(new GeneratorSettings { Numbers = [Si, Si, Si], SpaceGroups = [225, 1] });
        Assert.Equal(1, gen.Generate(1, 0).SpaceGroup);
    }
}
