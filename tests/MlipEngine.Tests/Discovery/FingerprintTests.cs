using MlipEngine.Discovery.Fingerprints;
using MlipEngine.Discovery.Search;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Discovery;

public class FingerprintTests
{
    private static AtomicStructure Permute(AtomicStructure s, int seed)
    {
        var order = Enumerable.Range(0, s.AtomCount).OrderBy(_ => new Random(seed).Next()).ToArray();
        var rng = new Random(seed);
        order = order.OrderBy(_ => rng.Next()).ToArray();
        return new AtomicStructure(order.Select(i => s.Numbers[i]).ToArray(), order.Select(i => s.Positions[i]).ToArray(), s.Cell);
    }

    /// <summary>Same structure rotated, translated, atoms permuted and periodic atoms wrapped by a lattice vector: one fingerprint.</summary>
    [Fact]
    public void SameStructure_RotatedPermutedShifted_Matches()
    {
        var cluster = TestStructures.RandomInCell(Cell.Open, 13, [18], 0.9, seed: 4, openSpan: new Vec3(2.5, 2.5, 2.5));
        var moved = Permute(TestStructures.Transform(cluster, TestStructures.RandomRotation(9), new Vec3(3, -1, 2)), 5);
        var a = StructureFingerprint.Create(cluster, -3.0);
        var b = StructureFingerprint.Create(moved, -3.0);
        Assert.True(a.Distance(b) < 1e-10);
        Assert.True(a.Matches(b, 0.05, 0.002));

        var crystal = TestStructures.Fcc("Cu", 3.6, 2, 2, 2, jitter: 0.05, seed: 2);
        var shifted = new AtomicStructure(crystal.Numbers, crystal.Positions.Select((r, i) => i % 3 == 0 ? r + crystal.Cell.A : r).ToArray(), crystal.Cell);
        var crystal2 = Permute(TestStructures.Transform(shifted, TestStructures.RandomRotation(3), new Vec3(0.3, 0.2, 0.1)), 8);
        Assert.True(StructureFingerprint.Create(crystal, -3.5).Distance(StructureFingerprint.Create(crystal2, -3.5)) < 1e-9);
    }

    [Fact]
    public void DifferentStructures_DoNotMatch()
    {
        var a = StructureFingerprint.Create(TestStructures.RandomInCell(Cell.Open, 13, [18], 0.9, seed: 4, openSpan: new Vec3(2.5, 2.5, 2.5)), double.NaN);
        var b = StructureFingerprint.Create(TestStructures.RandomInCell(Cell.Open, 13, [18], 0.9, seed: 5, openSpan: new Vec3(2.5, 2.5, 2.5)), double.NaN);
        Assert.False(a.Matches(b, 0.05, 0.002));
        // fcc and bcc at the same volume per atom.
        var fcc = StructureFingerprint.Create(TestStructures.Fcc("Cu", 3.6, 2, 2, 2), double.NaN);
        var bcc = StructureFingerprint.Create(TestStructures.Bcc("Cu", Math.Cbrt(3.6 * 3.6 * 3.6 / 2), 2, 2, 2), double.NaN);
        Assert.False(fcc.Matches(bcc, 0.05, 0.002));
        // Same geometry, different energy: two.
        var s = TestStructures.Fcc("Cu", 3.6, 1, 1, 1);
        Assert.False(StructureFingerprint.Create(s, -3.5).Matches(StructureFingerprint.Create(s, -3.49), 0.05, 0.002));
    }

    /// <summary>The ranking keeps one entry per distinct structure: two copies (one rotated and permuted) plus a different one rank as two, the copy counted twice.</summary>
    [Fact]
    public void Ranking_CollapsesDuplicatesAndKeepsDistinct()
    {
        var x = TestStructures.RandomInCell(Cell.Open, 7, [18], 0.9, seed: 1, openSpan: new Vec3(2, 2, 2));
        var y = Permute(TestStructures.Transform(x, TestStructures.RandomRotation(2), new Vec3(1, 1, 1)), 3);
        var z = TestStructures.RandomInCell(Cell.Open, 7, [18], 0.9, seed: 2, openSpan: new Vec3(2, 2, 2));
        TrialRecord Rec(long t, AtomicStructure s, double e)
        {
            var (n, p, c, per) = TrialRecord.Pack(s);
            return new TrialRecord { Trial = t, Status = "converged", Energy = e, ForceCalls = 10, Numbers = n, Positions = p, Cell = c, Periodic = per };
        }
        var ranked = StructureSearch.Rank([Rec(0, z, -10.0), Rec(1, y, -12.0), Rec(2, x, -12.0 + 1e-6), Rec(3, x, double.NaN) with { Status = "failed" }], new DedupSettings());
        Assert.Equal(2, ranked.Count);
        Assert.Equal(2, ranked[0].TimesFound);
        Assert.Equal(1, ranked[0].FoundAtTrial);
        Assert.Equal(20, ranked[0].ForceCallsToFind);
        Assert.Equal(0, ranked[1].FoundAtTrial);
        Assert.Equal(1, ranked[1].TimesFound);
    }
}
