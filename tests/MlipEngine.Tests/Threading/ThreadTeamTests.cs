using MlipEngine.Dynamics.Md;
using MlipEngine.Tests.Dynamics;
using MlipEngine.Threading;
using Xunit;

namespace MlipEngine.Tests.Threading;

public class ThreadTeamTests
{
    [Fact]
    public void Run_GivesEveryMemberItsIndexOnce_ManyTimesInARow()
    {
        using var team = new ThreadTeam(3);
        var hits = new int[3];
        for (int r = 0; r < 2000; r++) team.Run(t => Interlocked.Increment(ref hits[t]));
        Assert.Equal([2000, 2000, 2000], hits);
    }

    [Fact]
    public void Barrier_EveryMemberSeesAllWritesOfThePreviousPhase()
    {
        using var team = new ThreadTeam(2);
        var a = new long[2];
        long bad = 0;
        for (int r = 1; r <= 500; r++)
        {
            int round = r;
            team.Run(t =>
            {
                for (int phase = 0; phase < 4; phase++)
                {
                    a[t] = round * 10 + phase;
                    team.Barrier();
                    if (a[1 - t] != round * 10 + phase) Interlocked.Increment(ref bad);
                    team.Barrier();   // nobody overwrites a[t] before the other has read it
                }
            });
        }
        Assert.Equal(0, bad);
    }

    [Fact]
    public void Run_RethrowsAMembersException_AndTheTeamStaysUsable()
    {
        using var team = new ThreadTeam(2);
        var e = Assert.Throws<InvalidOperationException>(() => team.Run(t =>
        {
            if (t == 1) throw new InvalidOperationException("member 1 failed");
            team.Barrier();   // member 0 must not wait forever for the failed member
        }));
        Assert.Equal("member 1 failed", e.Message);
        int sum = 0;
        team.Run(t => { team.Barrier(); Interlocked.Add(ref sum, t + 1); });
        Assert.Equal(3, sum);
    }

    [Fact]
    public void RunDynamic_VisitsEveryItemOnce()
    {
        using var team = new ThreadTeam(2);
        var seen = new int[1000];
        team.RunDynamic(seen.Length, c => Interlocked.Increment(ref seen[c]));
        Assert.All(seen, v => Assert.Equal(1, v));
    }

    /// <summary>
    /// Large systems kick and drift on the force computer's threads; the updates are per atom, so with the
    /// same forces the result must be bitwise that of one thread (restarts and thread counts rely on it).
    /// </summary>
    [Fact]
    public void KickDrift_OnTwoThreads_IsBitwiseTheSerialUpdate()
    {
        const int repeat = 13;   // 4·13³ = 8788 atoms: above the parallel threshold
        var two = MdTestSystems.Argon(repeat, 5.0, threads: 2);
        var one = MdTestSystems.Argon(repeat, 5.0, threads: 1);
        Assert.True(two.AtomCount >= 8192);
        Velocities.InitializeMaxwellBoltzmann(two, 60, 7, true);
        Velocities.InitializeMaxwellBoltzmann(one, 60, 7, true);
        two.ComputeForces();
        one.ComputeForces();
        Array.Copy(two.Forces.Fx, one.Forces.Fx, one.AtomCount);
        Array.Copy(two.Forces.Fy, one.Forces.Fy, one.AtomCount);
        Array.Copy(two.Forces.Fz, one.Forces.Fz, one.AtomCount);
        foreach (var s in new[] { one, two }) { s.KickDrift(2.5, 5.0); s.Kick(2.5); s.Drift(1.0); }
        Assert.Equal(one.Batch.X, two.Batch.X);
        Assert.Equal(one.Batch.Z, two.Batch.Z);
        Assert.Equal(one.Batch.VY, two.Batch.VY);
        two.Computer.Dispose(); one.Computer.Dispose();
    }
}
