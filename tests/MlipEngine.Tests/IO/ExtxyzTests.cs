using System.Globalization;
using System.Text.Json;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.State;
using Xunit;

namespace MlipEngine.Tests.IO;

public class ExtxyzTests
{
    private static Frame LabelledFrame(int seed, int atoms = 5)
    {
        var s = IoTestUtil.RandomStructure(seed, atoms);
        var rng = new Random(seed + 100);
        s.Velocities = IoTestUtil.RandomVectors(seed + 1, atoms, 0.1);
        var f = new Frame(s)
        {
            Energy = -3.0 * atoms + rng.NextDouble(),
            Forces = IoTestUtil.RandomVectors(seed + 2, atoms, 2.0),
            Stress = [0.01 * rng.NextDouble(), 1e-3 / 3, 2e-3 / 7, 1e-3 / 3, -0.02 * rng.NextDouble(), 5e-4 / 9, 2e-3 / 7, 5e-4 / 9, 1e-17],
            AtomEnergies = Enumerable.Range(0, atoms).Select(i => -3.0 + rng.NextDouble()).ToArray(),
        };
        f.Info.Add(new("config_type", "bulk fcc"));
        f.Info.Add(new("step", 42L));
        f.Info.Add(new("temperature", 300.0));
        f.Info.Add(new("converged", true));
        f.Info.Add(new("free_energy", f.Energy.Value - 0.1 / 3));
        f.Info.Add(new("kpts", new long[] { 4, 4, 2 }));
        f.Info.Add(new("dipole", new double[] { 0.1 / 3, -2.0, 1e-300 }));
        f.Info.Add(new("mask", new bool[] { true, false, true }));
        f.Info.Add(new("note", "he said \"hi\" = ok"));
        f.Arrays.Add(new PerAtomArray("tags", 'I', 1, Enumerable.Range(0, atoms).Select(i => (long)i * 7).ToArray()));
        f.Arrays.Add(new PerAtomArray("initial_magmoms", 'R', 3, Enumerable.Range(0, 3 * atoms).Select(i => i / 3.0).ToArray()));
        f.Arrays.Add(new PerAtomArray("fixed", 'L', 1, Enumerable.Range(0, atoms).Select(i => i % 2 == 0).ToArray()));
        f.Arrays.Add(new PerAtomArray("label", 'S', 1, Enumerable.Range(0, atoms).Select(i => "site" + i).ToArray()));
        return f;
    }

    public static long UlpDistance(double a, double b) =>
        Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b)); // same sign assumed

    /// <summary>Velocities pass through ASE momenta (amu·Å/ASE time), which allows a 2-ulp change; see AseUnits.</summary>
    internal static void AssertVelocitiesWithinTwoUlps(Vec3[]? expected, Vec3[]? actual)
    {
        Assert.Equal(expected == null, actual == null);
        if (expected == null) return;
        Assert.Equal(expected.Length, actual!.Length);
        static bool Near(double a, double b) => a == b || UlpDistance(a, b) <= 2;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Near(expected[i].X, actual[i].X) && Near(expected[i].Y, actual[i].Y) && Near(expected[i].Z, actual[i].Z),
                $"velocity {i}: {expected[i]} vs {actual[i]}");
    }

    private static void AssertFramesExactlyEqual(Frame expected, Frame actual)
    {
        var s = expected.Structure;
        var withoutVelocities = new AtomicStructure(s.Numbers, s.Positions, s.Cell, s.Masses, actual.Structure.Velocities);
        IoTestUtil.AssertStructuresExactlyEqual(withoutVelocities, actual.Structure);
        AssertVelocitiesWithinTwoUlps(s.Velocities, actual.Structure.Velocities);
        Assert.Equal(expected.Energy, actual.Energy);
        Assert.Equal(expected.Forces, actual.Forces);
        Assert.Equal(expected.Stress, actual.Stress);
        Assert.Equal(expected.AtomEnergies, actual.AtomEnergies);
        Assert.Equal(expected.Info.Select(kv => kv.Key), actual.Info.Select(kv => kv.Key));
        for (int i = 0; i < expected.Info.Count; i++)
        {
            Assert.Equal(expected.Info[i].Value.GetType(), actual.Info[i].Value.GetType());
            Assert.Equal(expected.Info[i].Value, actual.Info[i].Value);
        }
        Assert.Equal(expected.Arrays.Count, actual.Arrays.Count);
        for (int i = 0; i < expected.Arrays.Count; i++)
        {
            var (e, a) = (expected.Arrays[i], actual.Arrays[i]);
            Assert.Equal((e.Name, e.Type, e.Columns), (a.Name, a.Type, a.Columns));
            Assert.Equal(e.Data.Cast<object>(), a.Data.Cast<object>());
        }
    }

    [Fact]
    public void WriteThenRead_RoundTripsEveryValueBitForBit()
    {
        var frames = new[] { LabelledFrame(1), LabelledFrame(2, 7), LabelledFrame(3, 1) };
        frames[1].Structure.Masses = [1.5, 2.25, 3.0 / 7, 63.546, 1e-3, 100, 7];
        frames[2].Structure.Cell = new Cell(new Mat3(4.1, 0, 0, 0, 4.2, 0, 0, 0, 0), true, true, false);
        var dir = IoTestUtil.TempDir();
        var path = Path.Combine(dir, "rt.xyz");
        ExtxyzWriter.Write(path, frames);
        var back = new ExtxyzReader().ReadFrames(path).ToList();
        Assert.Equal(3, back.Count);
        for (int i = 0; i < 3; i++)
        {
            AssertFramesExactlyEqual(frames[i], back[i]);
            Assert.Equal(i, back[i].Index);
            Assert.Equal(path, back[i].Source);
        }
    }

    [Fact]
    public void MomentaToVelocities_RoundTripExactlyOrWithinTwoUlps()
    {
        // Not every v in Å/fs has a double p with (p/m)·fs == v (the map p → v can stretch the ulp grid),
        // so the guarantee is: exact when possible (most values), otherwise within 2 ulps (two roundings in p/m·fs).
        var rng = new Random(5);
        int exact = 0;
        for (int i = 0; i < 20000; i++)
        {
            double v = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 2));
            double m = new[] { 1.008, 63.546, 12.011, 195.084, 3.0 / 7 }[i % 5];
            double back = AseUnits.VelocityFromMomentum(AseUnits.MomentumFromVelocity(v, m), m);
            if (back == v) exact++;
            else Assert.True(UlpDistance(v, back) <= 2, $"v={v:R} m={m} back={back:R}");
        }
        Assert.True(exact > 15000, $"only {exact} of 20000 exact");
    }

    [Fact]
    public void AseFemtosecond_MatchesAseUnits()
    {
        var dir = IoTestUtil.TempDir();
        var fs = IoTestUtil.RunPython(dir, "import ase.units as u\nprint(repr(u.fs))").Trim();
        Assert.Equal(double.Parse(fs, CultureInfo.InvariantCulture), AseUnits.Femtosecond);
    }

    [Fact]
    public void CommentLine_ParsesQuotesEscapesBareKeysArraysAndBooleansAsAse()
    {
        var text = "1\n" +
                   "Lattice=\"3 0 0 0 3 0 0 0 3\" name=\"two words\" esc=\"say \\\"x\\\"\" bare n=5 x=5.0 e=1e-3 " +
                   "arr=\"1 2 3\" farr={1.5 2 3} barr=[T F T] t=T f=F tt=True ff=False spaced = 7 comma=\"1,2\" " +
                   "Properties=species:S:1:pos:R:3 s=abc\nCu 0 0 0\n";
        var f = new ExtxyzReader().ReadFrames(new StringReader(text), "kv.xyz").Single();
        Assert.Equal("two words", f.GetInfo("name"));
        Assert.Equal("say \"x\"", f.GetInfo("esc"));
        Assert.Equal(true, f.GetInfo("bare"));
        Assert.Equal(5L, f.GetInfo("n"));
        Assert.Equal(5.0, f.GetInfo("x"));
        Assert.Equal(1e-3, f.GetInfo("e"));
        Assert.Equal(new long[] { 1, 2, 3 }, f.GetInfo("arr"));
        Assert.Equal(new double[] { 1.5, 2, 3 }, f.GetInfo("farr"));
        Assert.Equal(new[] { true, false, true }, f.GetInfo("barr"));
        Assert.Equal(true, f.GetInfo("t"));
        Assert.Equal(false, f.GetInfo("f"));
        Assert.Equal(true, f.GetInfo("tt"));
        Assert.Equal(false, f.GetInfo("ff"));
        Assert.Equal(7L, f.GetInfo("spaced"));
        Assert.Equal(new long[] { 1, 2 }, f.GetInfo("comma"));
        Assert.Equal("abc", f.GetInfo("s"));
        Assert.Equal(["name", "esc", "bare", "n", "x", "e", "arr", "farr", "barr", "t", "f", "tt", "ff", "spaced", "comma", "s"],
            f.Info.Select(kv => kv.Key));
        Assert.True(f.Structure.Cell.FullyPeriodic); // Lattice without pbc: T T T, as ASE
    }

    [Fact]
    public void NoLattice_DefaultsToOpenCell()
    {
        var f = new ExtxyzReader().ReadFrames(new StringReader("2\n\nH 0 0 0\nH 0 0 0.74\n")).Single();
        Assert.False(f.Structure.Cell.AnyPeriodic);
        Assert.Equal(Mat3.Zero, f.Structure.Cell.Matrix);
        Assert.Equal(new Vec3(0, 0, 0.74), f.Structure.Positions[1]);
    }

    [Fact]
    public void VoigtSixStress_IsExpandedToSymmetricNine()
    {
        var text = "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 stress=\"1 2 3 4 5 6\"\nCu 0 0 0\n";
        var f = new ExtxyzReader().ReadFrames(new StringReader(text)).Single();
        // Voigt order xx yy zz yz xz xy
        Assert.Equal(new double[] { 1, 6, 5, 6, 2, 4, 5, 4, 3 }, f.Stress);
    }

    [Fact]
    public void NineComponentStress_IsReadInAseFortranOrder()
    {
        // ASE writes file[i + 3j] = σ[i, j]; an asymmetric tensor shows the order.
        var text = "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 stress=\"1 2 3 4 5 6 7 8 9\"\nCu 0 0 0\n";
        var f = new ExtxyzReader().ReadFrames(new StringReader(text)).Single();
        Assert.Equal(new double[] { 1, 4, 7, 2, 5, 8, 3, 6, 9 }, f.Stress);
    }

    [Fact]
    public void CustomLabelKeys_AreReadAndWritten()
    {
        var opts = new ExtxyzOptions { EnergyKey = "dft_energy", ForcesKey = "dft_forces", StressKey = "dft_stress", AtomEnergiesKey = "dft_energies" };
        var text = "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3:dft_forces:R:3:forces:R:3 dft_energy=-1.5 energy=-9.0\nCu 0 0 0 0.1 0.2 0.3 7 8 9\n";
        var f = new ExtxyzReader(opts).ReadFrames(new StringReader(text)).Single();
        Assert.Equal(-1.5, f.Energy);
        Assert.Equal(new Vec3(0.1, 0.2, 0.3), f.Forces![0]);
        Assert.Equal(-9.0, f.GetInfo("energy"));          // the default key is just info now
        Assert.Equal("forces", f.Arrays.Single().Name);
        var written = ExtxyzWriter.ToText(f, opts);
        Assert.Contains("dft_energy=-1.5", written);
        Assert.Contains(":dft_forces:R:3", written);
        var again = new ExtxyzReader(opts).ReadFrames(new StringReader(written)).Single();
        AssertFramesExactlyEqual(f, again);
    }

    [Fact]
    public void ZColumn_GivesNumbers_AndSpeciesIsCaseNormalisedAsAse()
    {
        var text = "2\nProperties=species:S:1:pos:R:3:Z:I:1\nCU 0 0 0 29\nni 1 1 1 28\n";
        var f = new ExtxyzReader().ReadFrames(new StringReader(text)).Single();
        Assert.Equal(new[] { 29, 28 }, f.Structure.Numbers);
        var onlyZ = new ExtxyzReader().ReadFrames(new StringReader("1\nProperties=Z:I:1:pos:R:3\n26 0 0 0\n")).Single();
        Assert.Equal(26, onlyZ.Structure.Numbers[0]);
    }

    [Fact]
    public void AseWrittenFile_IsReadWithTheValuesAseReadsBack()
    {
        var dir = IoTestUtil.TempDir();
        var script = """
import json, numpy as np
from ase import Atoms
from ase.io import read, write
from ase.calculators.singlepoint import SinglePointCalculator
import ase.units as u
rng = np.random.RandomState(0)
frames = []
for k in range(3):
    a = Atoms('Cu2NiAl', positions=rng.rand(4, 3) * 4, cell=np.eye(3) * 4 + rng.rand(3, 3) * 0.3, pbc=[True, True, k != 1])
    a.set_momenta(rng.rand(4, 3) - 0.5)
    a.set_array('tags2', np.arange(4) * 3)
    a.set_array('flag', np.array([True, False, True, True]))
    a.info['config_type'] = 'md step'
    a.info['step'] = k
    a.info['temp'] = 300.5
    a.info['vec'] = np.array([1.25, 2.5, 3.0])
    calc = SinglePointCalculator(a, energy=-3.25 - k, forces=rng.rand(4, 3) - 0.5,
                                 stress=rng.rand(6) * 0.01, energies=rng.rand(4) - 3, free_energy=-3.5 - k)
    a.calc = calc
    frames.append(a)
write('ase.xyz', frames, format='extxyz')
out = []
for a in read('ase.xyz', ':'):
    out.append(dict(numbers=a.numbers.tolist(), positions=a.positions.tolist(), cell=a.cell.array.tolist(),
                    pbc=a.pbc.tolist(), energy=a.get_potential_energy(), forces=a.get_forces().tolist(),
                    stress=a.get_stress().tolist(), energies=a.calc.results['energies'].tolist(),
                    velocities=(a.get_velocities() * u.fs).tolist(), tags2=a.arrays['tags2'].tolist(),
                    free_energy=a.calc.results['free_energy'], step=int(a.info['step']), temp=a.info['temp'],
                    vec=a.info['vec'].tolist(), config_type=a.info['config_type']))
json.dump(out, open('ase.json', 'w'))
""";
        IoTestUtil.RunPython(dir, script);
        var frames = new ExtxyzReader().ReadFrames(Path.Combine(dir, "ase.xyz")).ToList();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "ase.json")));
        Assert.Equal(doc.RootElement.GetArrayLength(), frames.Count);
        for (int k = 0; k < frames.Count; k++)
        {
            var e = doc.RootElement[k];
            var f = frames[k];
            var s = f.Structure;
            Assert.Equal(e.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()), s.Numbers);
            Assert.Equal(Vectors(e.GetProperty("positions")), s.Positions);
            Assert.Equal(Vectors(e.GetProperty("cell")), new[] { s.Cell.A, s.Cell.B, s.Cell.C });
            Assert.Equal(e.GetProperty("pbc").EnumerateArray().Select(x => x.GetBoolean()), new[] { s.Cell.PeriodicA, s.Cell.PeriodicB, s.Cell.PeriodicC });
            Assert.Equal(e.GetProperty("energy").GetDouble(), f.Energy);
            Assert.Equal(Vectors(e.GetProperty("forces")), f.Forces);
            var v = e.GetProperty("stress").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(new[] { v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2] }, f.Stress);
            Assert.Equal(e.GetProperty("energies").EnumerateArray().Select(x => x.GetDouble()), f.AtomEnergies);
            Assert.Equal(Vectors(e.GetProperty("velocities")), s.Velocities);
            Assert.Equal(e.GetProperty("free_energy").GetDouble(), f.GetInfo("free_energy"));
            Assert.Equal((long)e.GetProperty("step").GetInt32(), f.GetInfo("step"));
            Assert.Equal(e.GetProperty("temp").GetDouble(), f.GetInfo("temp"));
            Assert.Equal(e.GetProperty("vec").EnumerateArray().Select(x => x.GetDouble()), (double[])f.GetInfo("vec")!);
            Assert.Equal(e.GetProperty("config_type").GetString(), f.GetInfo("config_type"));
            var tags = f.Arrays.Single(a => a.Name == "tags2");
            Assert.Equal(e.GetProperty("tags2").EnumerateArray().Select(x => x.GetInt64()), (long[])tags.Data);
            Assert.Equal('L', f.Arrays.Single(a => a.Name == "flag").Type);
        }
    }

    [Fact]
    public void FileWeWrite_IsReadByAseWithExactValues()
    {
        var dir = IoTestUtil.TempDir();
        var frames = new[] { LabelledFrame(11), LabelledFrame(12, 3) };
        frames[1].Structure.Masses = [2.014, 63.546 / 3, 15.999];
        ExtxyzWriter.Write(Path.Combine(dir, "ours.xyz"), frames);
        var ourRead = new ExtxyzReader().ReadFrames(Path.Combine(dir, "ours.xyz")).ToList();
        var script = """
import json
from ase.io import read
import ase.units as u
out = []
for a in read('ours.xyz', ':', format='extxyz'):
    out.append(dict(numbers=a.numbers.tolist(), positions=a.positions.tolist(), cell=a.cell.array.tolist(),
                    pbc=a.pbc.tolist(), energy=a.get_potential_energy(), forces=a.get_forces().tolist(),
                    stress=a.get_stress(voigt=False).tolist(), energies=a.calc.results['energies'].tolist(),
                    velocities=(a.get_velocities() * u.fs).tolist(), masses=a.get_masses().tolist(),
                    info={k: (v.tolist() if hasattr(v, 'tolist') else v) for k, v in a.info.items()},
                    tags=a.arrays['tags'].tolist(), magmoms=a.arrays['initial_magmoms'].tolist(),
                    label=a.arrays['label'].tolist(), fixed=a.arrays['fixed'].tolist()))
json.dump(out, open('ours.json', 'w'))
""";
        IoTestUtil.RunPython(dir, script);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "ours.json")));
        for (int k = 0; k < frames.Length; k++)
        {
            var e = doc.RootElement[k];
            var f = frames[k];
            var s = f.Structure;
            Assert.Equal(e.GetProperty("numbers").EnumerateArray().Select(x => x.GetInt32()), s.Numbers);
            Assert.Equal(Vectors(e.GetProperty("positions")), s.Positions);
            Assert.Equal(Vectors(e.GetProperty("cell")), new[] { s.Cell.A, s.Cell.B, s.Cell.C });
            Assert.Equal(e.GetProperty("energy").GetDouble(), f.Energy);
            Assert.Equal(Vectors(e.GetProperty("forces")), f.Forces);
            // ASE keeps the symmetric (Voigt) part; our test stress is symmetric.
            Assert.Equal(Vectors(e.GetProperty("stress")).SelectMany(v => new[] { v.X, v.Y, v.Z }), f.Stress);
            Assert.Equal(e.GetProperty("energies").EnumerateArray().Select(x => x.GetDouble()), f.AtomEnergies);
            AssertVelocitiesWithinTwoUlps(s.Velocities, Vectors(e.GetProperty("velocities")));
            Assert.Equal(ourRead[k].Structure.Velocities, Vectors(e.GetProperty("velocities"))); // same arithmetic as ASE, bit for bit
            if (s.Masses != null) Assert.Equal(e.GetProperty("masses").EnumerateArray().Select(x => x.GetDouble()), s.Masses);
            var info = e.GetProperty("info");
            Assert.Equal("bulk fcc", info.GetProperty("config_type").GetString());
            Assert.Equal(42, info.GetProperty("step").GetInt64());
            Assert.Equal(300.0, info.GetProperty("temperature").GetDouble());
            Assert.True(info.GetProperty("converged").GetBoolean());
            Assert.Equal((double)f.GetInfo("free_energy")!, info.GetProperty("free_energy").GetDouble());
            Assert.Equal((double[])f.GetInfo("dipole")!, info.GetProperty("dipole").EnumerateArray().Select(x => x.GetDouble()));
            Assert.Equal("he said \"hi\" = ok", info.GetProperty("note").GetString());
            Assert.Equal((long[])f.Arrays[0].Data, e.GetProperty("tags").EnumerateArray().Select(x => x.GetInt64()));
            Assert.Equal((double[])f.Arrays[1].Data, Vectors(e.GetProperty("magmoms")).SelectMany(v => new[] { v.X, v.Y, v.Z }));
            Assert.Equal((bool[])f.Arrays[2].Data, e.GetProperty("fixed").EnumerateArray().Select(x => x.GetBoolean()));
            Assert.Equal((string[])f.Arrays[3].Data, e.GetProperty("label").EnumerateArray().Select(x => x.GetString()));
        }
    }

    private static Vec3[] Vectors(JsonElement rows) =>
        rows.EnumerateArray().Select(r => new Vec3(r[0].GetDouble(), r[1].GetDouble(), r[2].GetDouble())).ToArray();

    /// <summary>Counts characters handed out, to prove the reader pulls only what it needs.</summary>
    private sealed class CountingReader(TextReader inner) : TextReader
    {
        public long Consumed;
        public override int Read() { int c = inner.Read(); if (c >= 0) Consumed++; return c; }
        public override int Peek() => inner.Peek();
        public override int Read(char[] buffer, int index, int count) { int n = inner.Read(buffer, index, count); Consumed += n; return n; }
        public override int Read(Span<char> buffer) { int n = inner.Read(buffer); Consumed += n; return n; }
        public override string? ReadLine() { var l = inner.ReadLine(); if (l != null) Consumed += l.Length + 1; return l; }
    }

    [Fact]
    public void LargeFile_IsStreamedLazilyOneFrameAtATime()
    {
        const int frames = 200_000;
        var dir = IoTestUtil.TempDir();
        var path = Path.Combine(dir, "big.xyz");
        using (var w = new StreamWriter(path))
        {
            for (int k = 0; k < frames; k++)
                w.Write($"2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 energy={-k - 0.5} step={k}\nCu 0 0 0\nNi 1.5 1.5 {k * 1e-5}\n");
        }
        long fileLength = new FileInfo(path).Length;
        using var counting = new CountingReader(new StreamReader(path));
        using var e = new ExtxyzReader().ReadFrames(counting, "big.xyz").GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(-0.5, e.Current.Energy);
        Assert.True(counting.Consumed < 100_000, $"consumed {counting.Consumed} of {fileLength} chars for the first frame");
        int count = 1;
        Frame last = e.Current;
        while (e.MoveNext()) { count++; last = e.Current; }
        Assert.Equal(frames, count);
        Assert.Equal(frames - 1, last.Index);
        Assert.Equal((long)(frames - 1), last.GetInfo("step"));
        Assert.Equal((frames - 1) * 1e-5, last.Structure.Positions[1].Z);
    }
}
