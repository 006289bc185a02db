using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Potentials.ManyBody;

/// <summary>
/// Threading and accumulation shared by the optimised many-body kernels (sw, tersoff). The atoms of
/// the batch are split into one contiguous chunk per thread; a kernel scatters forces, per-atom
/// energies, energies and virials of its chunk into its own <see cref="ThreadBuffers"/>, which are
/// summed afterwards in thread order — so results are deterministic for a given thread count.
/// </summary>
/// <remarks>
/// Kernels work from image-corrected positions (<see cref="NeighborList.ImageCorrectedPositions"/>):
/// dᵢⱼ = r̃ⱼ − r̃ᵢ + ShiftVectors[code]. Buffers only grow; the parallel body is a cached delegate,
/// so a call allocates nothing beyond what <see cref="Parallel.For(int,int,Action{int})"/> itself does.
/// </remarks>
internal abstract class ManyBodyCpuComputer : NeighborForceComputer
{
    /// <summary>What one thread accumulates. Arrays are indexed by global atom / system index.</summary>
    protected sealed class ThreadBuffers
    {
        public double[] Fx = [], Fy = [], Fz = [], AtomEnergy = [], Energy = [], Virial = [];

        public void Prepare(int atoms, int systems, bool forces, bool atomEnergies)
        {
            if (Fx.Length < atoms) { Fx = new double[atoms]; Fy = new double[atoms]; Fz = new double[atoms]; AtomEnergy = new double[atoms]; }
            if (Energy.Length < systems) { Energy = new double[systems]; Virial = new double[9 * systems]; }
            Array.Clear(Energy, 0, systems);
            Array.Clear(Virial, 0, 9 * systems);
            if (forces) { Array.Clear(Fx, 0, atoms); Array.Clear(Fy, 0, atoms); Array.Clear(Fz, 0, atoms); }
            if (atomEnergies) Array.Clear(AtomEnergy, 0, atoms);
        }
    }

    private readonly ThreadBuffers[] _buffers;
    private readonly Action<int> _body;
    private double[] _x = [], _y = [], _z = [];

    protected ManyBodyCpuComputer(IForceField forceField, ComputeOptions options)
        : base(forceField, options, NeighborListKind.Full)
    {
        _buffers = new ThreadBuffers[Threads];
        for (int t = 0; t < _buffers.Length; t++) _buffers[t] = new ThreadBuffers();
        _body = RunChunk;
    }

    // State of the current call, read by the kernels.
    protected SystemBatch Batch = null!;
    protected NeighborList List = null!;
    protected int[] Types = [];
    /// <summary>Image-corrected positions r̃ (Å).</summary>
    protected double[] X => _x;
    protected double[] Y => _y;
    protected double[] Z => _z;
    /// <summary>Gradients are needed (forces or virial asked for).</summary>
    protected bool NeedGradient;
    protected bool NeedAtomEnergies;

    protected sealed override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        int na = batch.AtomCount, ns = batch.SystemCount;
        Batch = batch; List = list; Types = types;
        NeedGradient = (outputs & (ForceOutputs.Forces | ForceOutputs.Virial)) != 0;
        NeedAtomEnergies = (outputs & ForceOutputs.AtomEnergies) != 0;
        if (_x.Length < na) { _x = new double[na]; _y = new double[na]; _z = new double[na]; }
        list.ImageCorrectedPositions(batch, _x, _y, _z);
        foreach (var b in _buffers) b.Prepare(na, ns, NeedGradient, NeedAtomEnergies);

        if (_buffers.Length == 1) RunChunk(0);
        else Parallel.For(0, _buffers.Length, _body);

        for (int s = 0; s < ns; s++)
        {
            double e = 0;
            foreach (var b in _buffers) e += b.Energy[s];
            result.Energy[s] = e;
            if ((outputs & ForceOutputs.Virial) != 0)
                for (int c = 0; c < 9; c++)
                {
                    double w = 0;
                    foreach (var b in _buffers) w += b.Virial[9 * s + c];
                    result.Virial[9 * s + c] = w;
                }
        }
        if ((outputs & ForceOutputs.Forces) != 0)
            for (int i = 0; i < na; i++)
            {
                double fx = 0, fy = 0, fz = 0;
                foreach (var b in _buffers) { fx += b.Fx[i]; fy += b.Fy[i]; fz += b.Fz[i]; }
                result.Fx[i] = fx; result.Fy[i] = fy; result.Fz[i] = fz;
            }
        if (NeedAtomEnergies)
            for (int i = 0; i < na; i++)
            {
                double e = 0;
                foreach (var b in _buffers) e += b.AtomEnergy[i];
                result.AtomEnergies[i] = e;
            }
    }

    private void RunChunk(int t)
    {
        int na = Batch.AtomCount, nt = _buffers.Length;
        int first = (int)((long)na * t / nt), end = (int)((long)na * (t + 1) / nt);
        ComputeAtoms(first, end, _buffers[t], t);
    }

    /// <summary>Adds the terms centred on atoms [first, end) into <paramref name="buffers"/>.</summary>
    protected abstract void ComputeAtoms(int first, int end, ThreadBuffers buffers, int thread);

    /// <summary>
    /// Applies the accumulated gradients gₙ = ∂E/∂dₙ of every short-list displacement dₙ of atom i:
    /// dₙ = r_jₙ − rᵢ, so Fᵢ += gₙ, F_jₙ −= gₙ, and the virial W_ab −= Σₙ dₙ,a gₙ,b.
    /// </summary>
    protected static void ApplyGradients(int i, int count, ReadOnlySpan<int> js,
        ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz,
        ReadOnlySpan<double> gx, ReadOnlySpan<double> gy, ReadOnlySpan<double> gz,
        ThreadBuffers buf, int system)
    {
        double fix = 0, fiy = 0, fiz = 0;
        double wxx = 0, wxy = 0, wxz = 0, wyx = 0, wyy = 0, wyz = 0, wzx = 0, wzy = 0, wzz = 0;
        var fx = buf.Fx; var fy = buf.Fy; var fz = buf.Fz;
        for (int n = 0; n < count; n++)
        {
            double x = gx[n], y = gy[n], z = gz[n];
            fix += x; fiy += y; fiz += z;
            int j = js[n];
            fx[j] -= x; fy[j] -= y; fz[j] -= z;
            double ax = dx[n], ay = dy[n], az = dz[n];
            wxx += ax * x; wxy += ax * y; wxz += ax * z;
            wyx += ay * x; wyy += ay * y; wyz += ay * z;
            wzx += az * x; wzy += az * y; wzz += az * z;
        }
        fx[i] += fix; fy[i] += fiy; fz[i] += fiz;
        var w = buf.Virial.AsSpan(9 * system, 9);
        w[0] -= wxx; w[1] -= wxy; w[2] -= wxz;
        w[3] -= wyx; w[4] -= wyy; w[5] -= wyz;
        w[6] -= wzx; w[7] -= wzy; w[8] -= wzz;
    }
}
