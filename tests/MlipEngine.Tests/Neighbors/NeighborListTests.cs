using MlipEngine.Geometry;
using MlipEngine.Neighbors;
using MlipEngine.State;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Neighbors;

public class NeighborListTests
{
    /// <summary>
    /// All (i, j, S) with |rⱼ − rᵢ + S·H| &lt; r_c, by visiting every image of every atom. Positions are
    /// first moved into the cell by integer translations wᵢ (so the image range stays small), and a
    /// hit at image n of the moved atoms is the lattice shift S = n + wᵢ − wⱼ of the original ones.
    /// </summary>
    private static HashSet<(int, int, int, int, int)> BruteForce(SystemBatch batch, double rc, bool half)
    {
        var set = new HashSet<(int, int, int, int, int)>();
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var cell = batch.Cells[s];
            int o = batch.SystemOffsets[s], n = batch.AtomCountOf(s);
            var w = new (int A, int B, int C)[n];
            var pos = new Vec3[n];
            Mat3? inv = cell.IsNonSingular ? cell.Matrix.Inverse() : null;
            for (int i = 0; i < n; i++)
            {
                var r = batch.Position(o + i);
                if (inv is Mat3 m)
                {
                    var f = r * m;
                    w[i] = (cell.PeriodicA ? (int)Math.Floor(f.X) : 0, cell.PeriodicB ? (int)Math.Floor(f.Y) : 0, cell.PeriodicC ? (int)Math.Floor(f.Z) : 0);
                }
                pos[i] = r - new Vec3(w[i].A, w[i].B, w[i].C) * cell.Matrix;
            }
            int Range(int axis) => !cell.IsPeriodic(axis) ? 0
                : cell.IsNonSingular ? (int)Math.Ceiling(rc / cell.FaceDistances[axis]) + 1
                : (int)Math.Ceiling(rc / cell.Matrix.Row(axis).Norm) + 4;   // singular (e.g. a wire): atoms are not moved
            int ra = Range(0), rb = Range(1), rcc = Range(2);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    for (int a = -ra; a <= ra; a++)
                        for (int b = -rb; b <= rb; b++)
                            for (int c = -rcc; c <= rcc; c++)
                            {
                                if (i == j && a == 0 && b == 0 && c == 0) continue;
                                var d = pos[j] - pos[i] + new Vec3(a, b, c) * cell.Matrix;
                                if (d.NormSquared >= rc * rc) continue;
                                int sa = a + w[i].A - w[j].A, sb = b + w[i].B - w[j].B, sc = c + w[i].C - w[j].C;
                                if (half && !IsCanonical(o + i, o + j, sa, sb, sc)) continue;
                                set.Add((o + i, o + j, sa, sb, sc));
                            }
        }
        return set;
    }

    /// <summary>Of a pair (i, j, S) and its mirror (j, i, −S), the canonical one has i &lt; j, or i = j and S &gt; 0.</summary>
    private static bool IsCanonical(int i, int j, int a, int b, int c) =>
        i < j || (i == j && (a > 0 || (a == 0 && (b > 0 || (b == 0 && c > 0)))));

    private static HashSet<(int, int, int, int, int)> FromList(NeighborList list)
    {
        var set = new HashSet<(int, int, int, int, int)>();
        for (int i = 0; i < list.AtomCount; i++)
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                var (a, b, c) = list.LatticeShift(i, k);
                int j = list.Neighbors[k];
                // half lists may store either orientation of a pair: compare canonical forms
                var key = list.Kind == NeighborListKind.Full || IsCanonical(i, j, a, b, c) ? (i, j, a, b, c) : (j, i, -a, -b, -c);
                Assert.True(set.Add(key), $"duplicate pair {i}-{j} ({a},{b},{c})");
            }
        return set;
    }

    private static void AssertMatchesBruteForce(SystemBatch batch, double rc, int threads = 1)
    {
        foreach (var kind in new[] { NeighborListKind.Full, NeighborListKind.Half })
        {
            var builder = new NeighborListBuilder(threads);
            var list = builder.Create(kind);
            builder.Build(batch, rc, list);
            var expected = BruteForce(batch, rc, kind == NeighborListKind.Half);
            var actual = FromList(list);
            Assert.Equal(expected.Count, actual.Count);
            Assert.True(expected.SetEquals(actual), $"{kind}: {expected.Except(actual).Count()} missing, {actual.Except(expected).Count()} extra");
            // displacement from the image-corrected positions agrees with the lattice shift
            var x = new double[batch.AtomCount]; var y = new double[batch.AtomCount]; var z = new double[batch.AtomCount];
            list.ImageCorrectedPositions(batch, x, y, z);
            for (int i = 0; i < batch.AtomCount; i++)
                for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
                {
                    int j = list.Neighbors[k], c = list.ShiftCodes[k];
                    var d1 = list.Displacement(batch, i, k);
                    var d2 = new Vec3(x[j] - x[i] + list.ShiftVectors[3 * c], y[j] - y[i] + list.ShiftVectors[3 * c + 1], z[j] - z[i] + list.ShiftVectors[3 * c + 2]);
                    Assert.True((d1 - d2).Norm < 1e-9, $"displacements differ {d1} {d2}");
                }
        }
    }

    [Fact]
    public void RandomCubicCell_MatchesBruteForce()
    {
        var s = TestStructures.RandomInCell(Cell.Orthorhombic(11, 12, 13), 120, [29], 1.5, seed: 3);
        AssertMatchesBruteForce(SystemBatch.FromStructure(s), 4.0);
    }

    [Fact]
    public void LargeSkewedCell_InteriorFastPath_MatchesBruteForce()
    {
        // big enough that most atoms take the interior (no-wrap, SIMD row) path
        var s = TestStructures.Fcc("Cu", 3.6, 5, 5, 5, jitter: 0.3, seed: 4);
        var shear = Mat3.Identity + Mat3.FromRowMajor([0, 0, 0, 0.2, 0, 0, -0.1, 0.15, 0]);
        var t = new AtomicStructure(s.Numbers, s.Positions.Select(r => r * shear).ToArray(), s.Cell.WithMatrix(s.Cell.Matrix * shear));
        AssertMatchesBruteForce(SystemBatch.FromStructure(t), 5.1, threads: 2);
    }

    [Fact]
    public void SkewedTriclinicCell_GeneralOrientation_MatchesBruteForce()
    {
        var h = Mat3.FromRows(new Vec3(9.0, 0.4, -0.3), new Vec3(5.1, 8.2, 0.6), new Vec3(-3.9, 2.7, 7.7));
        var s = TestStructures.RandomInCell(new Cell(h), 80, [29, 28], 1.4, seed: 5);
        AssertMatchesBruteForce(SystemBatch.FromStructure(s), 4.5);
        AssertMatchesBruteForce(SystemBatch.FromStructure(s), 4.5, threads: 2);
    }

    [Fact]
    public void CellThinnerThanCutoff_MultipleImages_MatchesBruteForce()
    {
        var h = Mat3.FromRows(new Vec3(2.6, 0, 0), new Vec3(1.3, 2.2, 0), new Vec3(0.4, 0.9, 3.1));
        var s = TestStructures.RandomInCell(new Cell(h), 3, [14], 0.8, seed: 7);
        AssertMatchesBruteForce(SystemBatch.FromStructure(s), 6.0);
    }

    [Fact]
    public void OneAtomCell_SeesAllItsImages()
    {
        // fcc primitive cell, a = 3.6: 12 neighbours at a/√2, 6 at a, 24 at a√(3/2)
        double a = 3.6;
        var h = Mat3.FromRows(new Vec3(0, a / 2, a / 2), new Vec3(a / 2, 0, a / 2), new Vec3(a / 2, a / 2, 0));
        var s = new AtomicStructure([29], [new Vec3(0.1, 0.2, 0.3)], new Cell(h));
        var batch = SystemBatch.FromStructure(s);
        AssertMatchesBruteForce(batch, 4.0);
        var b = new NeighborListBuilder();
        var full = b.Create(NeighborListKind.Full);
        b.Build(batch, 3.7, full);
        Assert.Equal(18, full.PairCount);
        var half = b.Create(NeighborListKind.Half);
        b.Build(batch, 3.7, half);
        Assert.Equal(9, half.PairCount);
    }

    [Fact]
    public void SlabWithOpenAxis_MatchesBruteForce()
    {
        var h = Mat3.FromRows(new Vec3(10, 0, 0), new Vec3(2, 9, 0), new Vec3(0, 0, 0));
        var cell = new Cell(h, true, true, false);
        var rng = new Random(11);
        var pos = Enumerable.Range(0, 60).Select(_ => new Vec3(0, 0, 0)).ToArray();
        for (int i = 0; i < pos.Length; i++)
            pos[i] = new Vec3(rng.NextDouble(), rng.NextDouble(), 0) * Mat3.FromRows(new Vec3(10, 0, 0), new Vec3(2, 9, 0), new Vec3(0, 0, 1)) + new Vec3(0, 0, 14 * rng.NextDouble() - 3);
        var s = new AtomicStructure(Enumerable.Repeat(13, pos.Length).ToArray(), pos, cell);
        AssertMatchesBruteForce(SystemBatch.FromStructure(s), 4.2);
    }

    [Fact]
    public void MixedPeriodicity_WireAndMolecule_MatchBruteForce()
    {
        var wireCell = new Cell(Mat3.FromRows(new Vec3(0, 0, 0), new Vec3(0, 0, 0), new Vec3(1.2, 0.5, 5.5)), false, false, true);
        var rng = new Random(2);
        var wire = new AtomicStructure(Enumerable.Repeat(6, 12).ToArray(),
            Enumerable.Range(0, 12).Select(_ => new Vec3(6 * rng.NextDouble(), 6 * rng.NextDouble(), 6 * rng.NextDouble())).ToArray(), wireCell);
        AssertMatchesBruteForce(SystemBatch.FromStructure(wire), 3.5);
        var molecule = TestStructures.RandomInCell(Cell.Open, 30, [1, 8], 0.9, seed: 4, openSpan: new Vec3(7, 5, 9));
        AssertMatchesBruteForce(SystemBatch.FromStructure(molecule), 3.0);
    }

    [Fact]
    public void AtomsOutsideCell_UnwrappedPositions_MatchBruteForce()
    {
        var h = Mat3.FromRows(new Vec3(8, 0, 0), new Vec3(1, 7, 0), new Vec3(-1, 1, 9));
        var s = TestStructures.RandomInCell(new Cell(h), 40, [26], 1.5, seed: 9);
        var rng = new Random(1);
        for (int i = 0; i < s.AtomCount; i++)
            s.Positions[i] += new Vec3(rng.Next(-3, 4), rng.Next(-3, 4), rng.Next(-3, 4)) * h;
        AssertMatchesBruteForce(SystemBatch.FromStructure(s), 5.0);
    }

    [Fact]
    public void BatchOfSystems_ListsEachSystemSeparately()
    {
        var a = TestStructures.RandomInCell(Cell.Orthorhombic(7, 7, 7), 20, [29], 1.5, seed: 1);
        var b = TestStructures.RandomInCell(new Cell(Mat3.FromRows(new Vec3(6, 0, 0), new Vec3(3, 5, 0), new Vec3(1, 1, 6))), 15, [28], 1.5, seed: 2);
        var c = TestStructures.RandomInCell(Cell.Open, 10, [1], 1.0, seed: 3, openSpan: new Vec3(5, 5, 5));
        AssertMatchesBruteForce(SystemBatch.FromStructures([a, b, c]), 4.0, threads: 2);
    }

    [Fact]
    public void VerletList_RebuildsOnlyAfterHalfSkinDisplacement()
    {
        var s = TestStructures.Fcc("Cu", 3.6, 3, 3, 3);
        var batch = SystemBatch.FromStructure(s);
        var v = new VerletNeighborList(4.0, 1.0, NeighborListKind.Half);
        Assert.True(v.Update(batch));
        Assert.False(v.Update(batch));
        batch.X[5] += 0.49;
        Assert.False(v.Update(batch));
        batch.X[5] += 0.02;
        Assert.True(v.Update(batch));
        Assert.Equal(2, v.BuildCount);
        // a moved list still contains every pair within the interaction cutoff
        batch.X[7] += 0.45; batch.Y[3] -= 0.45;
        Assert.False(v.Update(batch));
        var expected = BruteForce(batch, 4.0, half: true);
        var listed = FromList(v.List);
        Assert.Subset(listed, expected);
    }

    [Fact]
    public void VerletList_SmallAffineCellChange_KeepsListAndStaysComplete()
    {
        var s = TestStructures.Fcc("Cu", 3.6, 4, 4, 4, jitter: 0.1, seed: 2);
        var batch = SystemBatch.FromStructure(s);
        var v = new VerletNeighborList(4.0, 1.0, NeighborListKind.Half);
        Assert.True(v.Update(batch));
        // 2 % shear-and-stretch with positions following the cell, plus small non-affine moves
        var f = Mat3.Identity + Mat3.FromRowMajor([0.01, 0.005, 0, 0, -0.01, 0.004, 0.002, 0, 0.015]);
        var rng = new Random(5);
        for (int i = 0; i < batch.AtomCount; i++)
            batch.SetPosition(i, batch.Position(i) * f + 0.05 * new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5));
        batch.Cells[0] = batch.Cells[0].WithMatrix(batch.Cells[0].Matrix * f);
        Assert.False(v.Update(batch));
        // every pair within the interaction cutoff is present, with displacements for the new cell
        var listed = FromList(v.List);
        Assert.Subset(listed, BruteForce(batch, 4.0, half: true));
        for (int i = 0; i < batch.AtomCount; i++)
            for (int k = v.List.Offsets[i]; k < v.List.Offsets[i + 1]; k++)
            {
                var (a, b, c) = v.List.LatticeShift(i, k);
                var expected = batch.Position(v.List.Neighbors[k]) - batch.Position(i) + new Vec3(a, b, c) * batch.Cells[0].Matrix;
                Assert.True((v.List.Displacement(batch, i, k) - expected).Norm < 1e-12);
            }
        // a large strain forces a rebuild
        var g = Mat3.Identity + Mat3.FromRowMajor([0.2, 0, 0, 0, 0, 0, 0, 0, 0]);
        for (int i = 0; i < batch.AtomCount; i++) batch.SetPosition(i, batch.Position(i) * g);
        batch.Cells[0] = batch.Cells[0].WithMatrix(batch.Cells[0].Matrix * g);
        Assert.True(v.Update(batch));
    }

    [Fact]
    public void VerletList_OneSystemPastItsSkin_RebuildsOnlyThatSystem_AndStaysExact()
    {
        var a = TestStructures.Fcc("Cu", 3.6, 3, 3, 3, jitter: 0.1, seed: 1);
        var b = TestStructures.RandomInCell(new Cell(Mat3.FromRows(new Vec3(7, 0, 0), new Vec3(2, 6.5, 0), new Vec3(1, 1, 7))), 30, [28], 1.6, seed: 2);
        var c = TestStructures.RandomInCell(Cell.Open, 12, [29], 1.8, seed: 3, openSpan: new Vec3(6, 6, 6));
        var batch = SystemBatch.FromStructures([a, b, c]);
        foreach (var kind in new[] { NeighborListKind.Half, NeighborListKind.Full })
        {
            var v = new VerletNeighborList(4.0, 0.6, kind, threads: 2);
            Assert.True(v.Update(batch));
            // system 1 moves past skin/2; system 0 is strained a little (kept by the deformation rule)
            int o1 = batch.SystemOffsets[1];
            batch.X[o1 + 4] += 0.5; batch.Y[o1 + 7] -= 0.45;
            var f = Mat3.Identity + Mat3.FromRowMajor([0.002, 0, 0, 0, 0, 0, 0, 0, -0.001]);
            for (int i = 0; i < batch.AtomCountOf(0); i++) batch.SetPosition(i, batch.Position(i) * f);
            batch.Cells[0] = batch.Cells[0].WithMatrix(batch.Cells[0].Matrix * f);
            Assert.True(v.Update(batch));
            Assert.Equal(1, v.LastPartialSystems);
            // the kept and the rebuilt parts together contain every pair within the interaction cutoff,
            // and displacements follow the current cells
            Assert.Subset(FromList(v.List), BruteForce(batch, 4.0, kind == NeighborListKind.Half));
            // the rebuilt system holds all its pairs within the list radius, as a fresh build would
            if (kind == NeighborListKind.Full) Assert.Subset(FromList(v.List), BruteForce(batch, 4.0 + 0.6 - 1e-9, false).Where(p => p.Item1 >= o1 && p.Item1 < batch.SystemOffsets[2]).ToHashSet());
            for (int i = 0; i < batch.AtomCount; i++)
                for (int k = v.List.Offsets[i]; k < v.List.Offsets[i + 1]; k++)
                {
                    var (sa, sb, sc) = v.List.LatticeShift(i, k);
                    var h = batch.Cells[batch.SystemIndex[i]].Matrix;
                    var expected = batch.Position(v.List.Neighbors[k]) - batch.Position(i) + new Vec3(sa, sb, sc) * h;
                    Assert.True((v.List.Displacement(batch, i, k) - expected).Norm < 1e-12);
                }
            batch = SystemBatch.FromStructures([a, b, c]);
        }
    }
}
