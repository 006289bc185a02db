using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Potentials.Cpu;

/// <summary>
/// Per-thread scratch for CPU kernels over half neighbor lists: each thread owns a contiguous range of
/// atoms (balanced by pair count) and private accumulators (forces, per-atom scalars, per-system
/// energy and virial) that are reduced in a fixed order, so results are deterministic for a given
/// thread count and no atomics are needed. Buffers only grow.
/// </summary>
public sealed class CpuWorkspace
{
    public CpuWorkspace(int threads) { Threads = Math.Max(1, threads); Starts = new int[Threads + 1]; Lanes = new ThreadLane[Threads]; for (int t = 0; t < Threads; t++) Lanes[t] = new ThreadLane(); }

    public int Threads { get; }
    /// <summary>Thread t handles atoms [Starts[t], Starts[t+1]).</summary>
    public int[] Starts { get; }
    public ThreadLane[] Lanes { get; }
    /// <summary>Image-corrected positions, xyz interleaved.</summary>
    public double[] Positions = [];
    private ParallelOptions? _parallel;

    public sealed class ThreadLane
    {
        /// <summary>Forces xyz interleaved, eV/Å.</summary>
        public double[] Force = [];
        /// <summary>A per-atom scalar accumulator (e.g. EAM density).</summary>
        public double[] Scalar = [];
        public double[] AtomEnergy = [];
        public double[] Energy = [];
        /// <summary>Virial, 9 per system.</summary>
        public double[] Virial = [];
    }

    /// <summary>Sizes buffers, copies positions and splits atoms into thread ranges with equal pair counts.</summary>
    public void Prepare(SystemBatch batch, NeighborList list)
    {
        int n = batch.AtomCount;
        if (Positions.Length < 3 * n) Positions = new double[3 * n];
        list.ImageCorrectedPositions(batch, Positions);
        foreach (var lane in Lanes)
        {
            if (lane.Force.Length < 3 * n) { lane.Force = new double[3 * n]; lane.Scalar = new double[n]; lane.AtomEnergy = new double[n]; }
            if (lane.Energy.Length < batch.SystemCount) { lane.Energy = new double[batch.SystemCount]; lane.Virial = new double[9 * batch.SystemCount]; }
        }
        long pairs = list.PairCount;
        Starts[0] = 0;
        int i = 0;
        for (int t = 1; t < Threads; t++)
        {
            long target = pairs * t / Threads;
            while (i < n && list.Offsets[i] < target) i++;
            Starts[t] = i;
        }
        Starts[Threads] = n;
    }

    /// <summary>Runs body(t) for every thread lane, in parallel when there is more than one.</summary>
    public void Run(Action<int> body)
    {
        if (Threads == 1) { body(0); return; }
        _parallel ??= new ParallelOptions { MaxDegreeOfParallelism = Threads };
        Parallel.For(0, Threads, _parallel, body);
    }

    /// <summary>Runs body(start, end) over [0, n) split into one range per thread.</summary>
    public void RunRanges(int n, Action<int, int> body)
    {
        if (Threads == 1 || n < 4096) { body(0, n); return; }
        _parallel ??= new ParallelOptions { MaxDegreeOfParallelism = Threads };
        Parallel.For(0, Threads, _parallel, t => body((int)((long)n * t / Threads), (int)((long)n * (t + 1) / Threads)));
    }

    /// <summary>Sums per-thread per-atom scalars into lane 0's Scalar array (which then holds the total).</summary>
    public void ReduceScalar(int n)
    {
        if (Threads == 1) return;
        RunRanges(n, (a, b) =>
        {
            var dst = Lanes[0].Scalar;
            for (int t = 1; t < Threads; t++)
            {
                var src = Lanes[t].Scalar;
                for (int i = a; i < b; i++) dst[i] += src[i];
            }
        });
    }

    /// <summary>Zeroes the accumulators that the kernel will use.</summary>
    public void Clear(int n, int systems, bool scalar, ForceOutputs outputs)
    {
        Run(t =>
        {
            var l = Lanes[t];
            if ((outputs & ForceOutputs.Forces) != 0) Array.Clear(l.Force, 0, 3 * n);
            if (scalar) Array.Clear(l.Scalar, 0, n);
            if ((outputs & ForceOutputs.AtomEnergies) != 0) Array.Clear(l.AtomEnergy, 0, n);
            Array.Clear(l.Energy, 0, systems);
            if ((outputs & ForceOutputs.Virial) != 0) Array.Clear(l.Virial, 0, 9 * systems);
        });
    }

    /// <summary>Adds all lanes' accumulators into the result, in lane order.</summary>
    public void ReduceInto(ForceResult result, int n, int systems, ForceOutputs outputs)
    {
        bool forces = (outputs & ForceOutputs.Forces) != 0, atomE = (outputs & ForceOutputs.AtomEnergies) != 0;
        if (forces || atomE)
        {
            RunRanges(n, (a, b) =>
            {
                for (int t = 0; t < Threads; t++)
                {
                    var l = Lanes[t];
                    if (forces)
                    {
                        var f = l.Force;
                        var fx = result.Fx; var fy = result.Fy; var fz = result.Fz;
                        for (int i = a; i < b; i++) { fx[i] += f[3 * i]; fy[i] += f[3 * i + 1]; fz[i] += f[3 * i + 2]; }
                    }
                    if (atomE)
                    {
                        var e = l.AtomEnergy; var dst = result.AtomEnergies;
                        for (int i = a; i < b; i++) dst[i] += e[i];
                    }
                }
            });
        }
        for (int t = 0; t < Threads; t++)
        {
            var l = Lanes[t];
            for (int s = 0; s < systems; s++) result.Energy[s] += l.Energy[s];
            if ((outputs & ForceOutputs.Virial) != 0)
                for (int k = 0; k < 9 * systems; k++) result.Virial[k] += l.Virial[k];
        }
    }
}
