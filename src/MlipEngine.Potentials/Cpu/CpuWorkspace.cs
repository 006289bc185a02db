using System.Runtime.CompilerServices;
using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;
using MlipEngine.Threading;

namespace MlipEngine.Potentials.Cpu;

/// <summary>
/// Per-thread scratch for CPU kernels over half neighbor lists: each thread owns a contiguous range of
/// atoms (balanced by pair count) and private accumulators (forces, per-atom scalars, per-system
/// energy and virial) that are reduced in a fixed order, so results are deterministic for a given
/// thread count and no atomics are needed. Buffers only grow.
/// </summary>
/// <remarks>
/// Kernels run as one region on a <see cref="ThreadTeam"/>: each thread prepares its own range and lane
/// (<see cref="PrepareLane"/>), the passes are separated by <see cref="ThreadTeam.Barrier"/>, and each thread
/// finally reduces the lanes over its own atom range (<see cref="ReduceLanes"/>), so a force call costs one
/// dispatch and a few barriers instead of one dispatch per phase.
/// </remarks>
public sealed class CpuWorkspace
{
    public CpuWorkspace(int threads) : this(new ThreadTeam(threads)) { }

    public CpuWorkspace(ThreadTeam team)
    {
        Team = team;
        Threads = team.Size;
        Starts = new int[Threads + 1];
        Lanes = new ThreadLane[Threads];
        for (int t = 0; t < Threads; t++) Lanes[t] = new ThreadLane();
    }

    public ThreadTeam Team { get; }
    public int Threads { get; }
    /// <summary>Thread t handles atoms [Starts[t], Starts[t+1]).</summary>
    public int[] Starts { get; }
    public ThreadLane[] Lanes { get; }
    private const int CacheLinePad = 8;   // doubles
    /// <summary>Image-corrected positions, xyz interleaved.</summary>
    public double[] Positions = [];
    private SystemBatch? _batch;
    private NeighborList? _list;

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
        PrepareSerial(batch, list);
        list.ImageCorrectedPositions(batch, Positions);
    }

    /// <summary>
    /// The serial part of <see cref="Prepare"/>: sizes buffers and splits atoms into thread ranges with
    /// equal pair counts; positions are left to <see cref="PrepareLane"/>, inside the parallel region.
    /// </summary>
    public void PrepareSerial(SystemBatch batch, NeighborList list)
    {
        int n = batch.AtomCount;
        _batch = batch; _list = list;
        if (Positions.Length < 3 * n) Positions = new double[3 * n];
        foreach (var lane in Lanes)
        {
            if (lane.Force.Length < 3 * n) { lane.Force = new double[3 * n]; lane.Scalar = new double[n]; lane.AtomEnergy = new double[n]; }
            // padded by a cache line: kernels add to Energy once per atom, and another thread's lane
            // allocated next to it must not share the line (false sharing)
            if (lane.Energy.Length < batch.SystemCount + CacheLinePad)
            {
                lane.Energy = new double[batch.SystemCount + CacheLinePad];
                lane.Virial = new double[9 * batch.SystemCount + CacheLinePad];
            }
        }
        long pairs = list.PairCount;
        Starts[0] = 0;
        for (int t = 1; t < Threads; t++)
        {
            // first atom i with Offsets[i] ≥ target (Offsets is non-decreasing)
            long target = pairs * t / Threads;
            int lo = Starts[t - 1], hi = n;
            while (lo < hi) { int mid = (lo + hi) >>> 1; if (list.Offsets[mid] < target) lo = mid + 1; else hi = mid; }
            Starts[t] = lo;
        }
        Starts[Threads] = n;
    }

    /// <summary>
    /// Thread t's share of the preparation, inside a region: image-corrected positions r̃ = r − w·H of its
    /// atoms and zeroed accumulators of its lane. Other threads read these positions: barrier before use.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    public void PrepareLane(int t, int systems, bool scalar, ForceOutputs outputs)
    {
        var batch = _batch!; var list = _list!;
        var x = Positions; var sys = batch.SystemIndex; var images = list.AtomImages;
        var bx = batch.X; var by = batch.Y; var bz = batch.Z;
        int s = -1;
        Geometry.Mat3 h = default;
        for (int i = Starts[t], end = Starts[t + 1]; i < end; i++)
        {
            if (sys[i] != s) { s = sys[i]; h = list.Cells[s].Matrix; }
            int wa = images[3 * i], wb = images[3 * i + 1], wc = images[3 * i + 2];
            x[3 * i] = bx[i] - (wa * h.XX + wb * h.YX + wc * h.ZX);
            x[3 * i + 1] = by[i] - (wa * h.XY + wb * h.YY + wc * h.ZY);
            x[3 * i + 2] = bz[i] - (wa * h.XZ + wb * h.YZ + wc * h.ZZ);
        }
        ClearLane(t, batch.AtomCount, systems, scalar, outputs);
    }

    /// <summary>
    /// Thread t's share of the per-atom reduction, inside a region after a barrier: for its own atoms,
    /// adds every lane's forces and atom energies to the result in lane order (so the sums do not
    /// depend on which thread reduces them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    public void ReduceLanes(int t, ForceResult result, ForceOutputs outputs)
    {
        int a = Starts[t], b = Starts[t + 1];
        bool forces = (outputs & ForceOutputs.Forces) != 0, atomE = (outputs & ForceOutputs.AtomEnergies) != 0;
        var fx = result.Fx; var fy = result.Fy; var fz = result.Fz;
        for (int lane = 0; lane < Threads; lane++)
        {
            var l = Lanes[lane];
            if (forces)
            {
                var f = l.Force;
                for (int i = a; i < b; i++) { fx[i] += f[3 * i]; fy[i] += f[3 * i + 1]; fz[i] += f[3 * i + 2]; }
            }
            if (atomE)
            {
                var e = l.AtomEnergy; var dst = result.AtomEnergies;
                for (int i = a; i < b; i++) dst[i] += e[i];
            }
        }
    }

    /// <summary>Adds all lanes' per-system energies and virials to the result, in lane order (serial; after the region).</summary>
    public void ReduceSystems(ForceResult result, int systems, ForceOutputs outputs)
    {
        for (int t = 0; t < Threads; t++)
        {
            var l = Lanes[t];
            for (int s = 0; s < systems; s++) result.Energy[s] += l.Energy[s];
            if ((outputs & ForceOutputs.Virial) != 0)
                for (int k = 0; k < 9 * systems; k++) result.Virial[k] += l.Virial[k];
        }
    }

    /// <summary>Runs body(t) for every thread lane, in parallel when there is more than one.</summary>
    public void Run(Action<int> body) => Team.Run(body);

    /// <summary>Runs body(start, end) over [0, n) split into one range per thread.</summary>
    public void RunRanges(int n, Action<int, int> body)
    {
        if (Threads == 1 || n < 4096) { body(0, n); return; }
        Team.Run(t => body((int)((long)n * t / Threads), (int)((long)n * (t + 1) / Threads)));
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
    public void Clear(int n, int systems, bool scalar, ForceOutputs outputs) => Run(t => ClearLane(t, n, systems, scalar, outputs));

    /// <summary>Zeroes thread t's lane: the accumulators of n atoms and of the systems that the kernel will use.</summary>
    private void ClearLane(int t, int n, int systems, bool scalar, ForceOutputs outputs)
    {
        var l = Lanes[t];
        if ((outputs & ForceOutputs.Forces) != 0) Array.Clear(l.Force, 0, 3 * n);
        if (scalar) Array.Clear(l.Scalar, 0, n);
        if ((outputs & ForceOutputs.AtomEnergies) != 0) Array.Clear(l.AtomEnergy, 0, n);
        Array.Clear(l.Energy, 0, systems);
        if ((outputs & ForceOutputs.Virial) != 0) Array.Clear(l.Virial, 0, 9 * systems);
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
