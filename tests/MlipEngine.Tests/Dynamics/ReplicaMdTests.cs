using System.Globalization;
using MlipEngine.Cli.Md;
using Xunit;

namespace MlipEngine.Tests.Dynamics;

/// <summary>
/// Replicas in one batch (issue 13): each replica's trajectory is the one a separate run of the same
/// config gives. The replicas read only their own atoms and share one force call whose per-system
/// sums go over the same pairs, so the two agree to round-off (the neighbour list is built over the
/// batch, so the summation order of a replica's pairs can differ from a separate run's).
/// </summary>
public class ReplicaMdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-replicas-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string Write(string name, string text)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    // Argon at two temperatures with different seeds and different starting lattices, one of them an
    // NPT replica (its virial is needed every step; the other replica gets it too and must not care).
    private const string Base = """
        structure: {lattice: fcc, element: Ar, a: 5.26, repeat: [3, 3, 3]}
        potential: {style: lj/cut, cutoff: 8.5, pairs: {Ar-Ar: {epsilon: 0.0104, sigma: 3.4}}}
        velocities: {temperature: 60, seed: 3}
        integrator: {type: nvt-langevin, temperature: 60, tdamp: 100, seed: 7}
        timestep: 5.0
        steps: 60
        neighbor: {skin: 0.3}
        """;

    private string Outputs(string tag) => $$"""
        thermo: {every: 10, file: {{Path.Combine(_dir, $"thermo{tag}.csv")}}}
        trajectory: {file: {{Path.Combine(_dir, $"traj{tag}.xyz")}}, every: 20}
        checkpoint: {file: {{Path.Combine(_dir, $"run{tag}.ckpt")}}}
        threads: 1
        """;

    private static readonly string[] ReplicaChanges =
    [
        "{integrator.temperature: 60}",
        "{integrator: {temperature: 90, seed: 11}, velocities.temperature: 90, structure.repeat: [4, 3, 3]}",
        "{integrator: {type: npt-crescale, temperature: 40, pressure: 0.05}, velocities.temperature: 40}",
    ];

    [Fact]
    public void ReplicasInOneBatch_FollowTheTrajectoriesOfSeparateRuns()
    {
        string batched = Write("batched.yaml", Base + "\n" + Outputs("") + $"\nreplicas: [{string.Join(", ", ReplicaChanges)}]\n");
        var cfg = MdConfigParser.Load(batched, []);
        Assert.Equal(3, cfg.Replicas.Count);
        var run = new MdRun(cfg, TextWriter.Null);
        Assert.Equal(0, run.Run());
        Assert.Equal(3, run.Replicas.Count);
        Assert.Equal(27 * 4 + 36 * 4 + 27 * 4, run.Replicas[0].Batch.AtomCount);   // one batch

        for (int k = 0; k < ReplicaChanges.Length; k++)
        {
            // The separate run: the base config with the replica's changes applied as --set overrides.
            string alone = Write($"alone{k}.yaml", Base + "\n" + Outputs($"-alone{k}"));
            var overrides = ReplicaChanges[k] switch
            {
                var c when c.Contains("structure.repeat") => new[] { "integrator.temperature=90", "integrator.seed=11", "velocities.temperature=90", "structure.repeat=[4,3,3]" },
                var c when c.Contains("npt") => ["integrator.type=npt-crescale", "integrator.temperature=40", "integrator.pressure=0.05", "velocities.temperature=40"],
                _ => ["integrator.temperature=60"],
            };
            Assert.Equal(0, new MdRun(MdConfigParser.Load(alone, overrides), TextWriter.Null).Run());

            var together = ReadThermo(Path.Combine(_dir, $"thermo.r{k}.csv"));
            var separate = ReadThermo(Path.Combine(_dir, $"thermo-alone{k}.csv"));
            Assert.Equal(separate.Count, together.Count);
            Assert.Equal(7, together.Count);   // steps 0, 10, …, 60
            for (int row = 0; row < separate.Count; row++)
                for (int col = 0; col < separate[row].Length; col++)
                {
                    double a = separate[row][col], b = together[row][col];
                    // Round-off of a different pair order, grown over 60 chaotic steps: far below the
                    // differences between replicas (tens of kelvin, eV of energy).
                    Assert.True(Math.Abs(a - b) <= 1e-8 * Math.Max(1, Math.Abs(a)),
                        $"replica {k}, thermo row {row}, column {col}: separate run {a:R}, in the batch {b:R}");
                }
            Assert.True(File.Exists(Path.Combine(_dir, $"traj.r{k}.xyz")));
            Assert.True(File.Exists(Path.Combine(_dir, $"run.r{k}.ckpt")));
        }
        // The replicas really differ (so agreement above is not trivial).
        var t0 = ReadThermo(Path.Combine(_dir, "thermo.r0.csv"));
        var t1 = ReadThermo(Path.Combine(_dir, "thermo.r1.csv"));
        Assert.NotEqual(t0[^1][2], t1[^1][2]);
    }

    [Fact]
    public void ReplicasThatDisagreeOnTheClock_AreAConfigErrorNamingTheReplica()
    {
        string bad = Write("bad.yaml", Base + "\n" + Outputs("") + "\nreplicas: [{integrator.temperature: 60}, {timestep: 2.0}]\n");
        var e = Assert.Throws<FormatException>(() => MdConfigParser.Load(bad, []));
        Assert.Contains("replicas[1].timestep", e.Message);
    }

    [Fact]
    public void ReplicaRun_RestartsEveryReplicaFromItsOwnCheckpoint()
    {
        string text = Base.Replace("steps: 60", "steps: 40") + "\n" + Outputs("").Replace("checkpoint: {file: " + Path.Combine(_dir, "run.ckpt") + "}", "checkpoint: {file: " + Path.Combine(_dir, "run.ckpt") + ", every: 20}")
            + $"\nreplicas: [{ReplicaChanges[0]}, {ReplicaChanges[1]}]\n";
        var cfg = MdConfigParser.Load(Write("restart.yaml", text), []);
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null).Run());
        var reference = new[] { ReadThermo(Path.Combine(_dir, "thermo.r0.csv")), ReadThermo(Path.Combine(_dir, "thermo.r1.csv")) };
        Assert.Equal(99, new MdRun(cfg, TextWriter.Null) { CrashAfterStep = 27 }.Run());
        Assert.Equal(0, new MdRun(cfg, TextWriter.Null).Run(Path.Combine(_dir, "run.r0.ckpt")));
        for (int k = 0; k < 2; k++)
        {
            var continued = ReadThermo(Path.Combine(_dir, $"thermo.r{k}.csv"));
            Assert.Equal(reference[k].Count, continued.Count);
            // A replica restart rebuilds the shared list at the restart positions: equal to round-off.
            for (int row = 0; row < continued.Count; row++)
                for (int col = 0; col < continued[row].Length; col++)
                    Assert.True(Math.Abs(reference[k][row][col] - continued[row][col]) <= 1e-8 * Math.Max(1, Math.Abs(reference[k][row][col])),
                        $"replica {k}, row {row}, column {col}: {reference[k][row][col]:R} vs {continued[row][col]:R}");
        }
    }

    private static List<double[]> ReadThermo(string path) => File.ReadAllLines(path).Skip(1)
        .Select(l => l.Split(',').Select(v => v == "nan" ? double.NaN : double.Parse(v, CultureInfo.InvariantCulture)).Where(double.IsFinite).ToArray()).ToList();
}
