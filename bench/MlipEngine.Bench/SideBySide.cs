using System.Diagnostics;
using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Bench;

/// <summary>
/// Times one force evaluation (neighbor list reused) and one neighbor-list build, mean of REPS after
/// warm-up, for the comparison script. Prints "key value" lines.
/// </summary>
public static class SideBySide
{
    public static int Run(string style, int repeat, int threads, int reps, double skin)
    {
        var (ff, s) = Systems.Create(style, repeat);
        Systems.Jitter(s);
        var batch = SystemBatch.FromStructure(s);
        using var computer = ff.CreateComputer(new ComputeOptions { Backend = Backend.Cpu, Threads = threads, Skin = skin });
        var result = new ForceResult();
        // warm-up past tiered compilation (tier-1 after 30 calls), as an MD run would be
        for (int w = 0; w < 40; w++) computer.Compute(batch, ForceOutputs.EnergyAndForces, result);
        var force = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            computer.Compute(batch, ForceOutputs.EnergyAndForces, result);
            force[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        var builder = new NeighborListBuilder(threads);
        var list = builder.Create(NeighborListKind.Half);
        for (int w = 0; w < 40; w++) builder.Build(batch, ff.Cutoff + skin, list);
        var neigh = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            builder.Build(batch, ff.Cutoff + skin, list);
            neigh[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        Console.WriteLine($"atoms {s.AtomCount}");
        Console.WriteLine($"energy {result.Energy[0]:R}");
        Console.WriteLine($"pairs {list.PairCount}");
        Console.WriteLine($"force_seconds {Mean(force):R}");
        Console.WriteLine($"neighbor_seconds {Mean(neigh):R}");
        return 0;
    }

    /// <summary>Mean over repetitions, as LAMMPS reports Pair/Neigh time summed over steps.</summary>
    private static double Mean(double[] v) => v.Average();
}
