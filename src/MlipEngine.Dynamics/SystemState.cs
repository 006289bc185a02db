using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Dynamics;

/// <summary>
/// One system being moved by a minimiser: a view of its slot in a <see cref="SystemBatch"/> (positions,
/// species, masses, cell) and of the <see cref="ForceResult"/> its evaluations land in. Filters and
/// optimizers read and write the batch itself, so a batched relaxation copies nothing per step: a
/// state is copied only when it joins a batch (<see cref="MoveTo"/>) and when it leaves one
/// (<see cref="Detach"/>, which keeps its last evaluation).
/// </summary>
/// <remarks>
/// A new state owns a batch of one and a result of its own (what <see cref="SystemEvaluator"/>
/// evaluates). Units: positions Å, energy eV, forces eV/Å, stress eV/Å³ (ASE sign: positive = tensile).
/// </remarks>
public sealed class SystemState
{
    private SystemBatch _batch;
    private ForceResult _result;
    private int _slot, _start;
    private bool _evaluated;

    public SystemState(AtomicStructure structure)
    {
        _batch = SystemBatch.FromStructure(structure);
        _result = new ForceResult();
        AtomCount = structure.AtomCount;
    }

    public int AtomCount { get; }
    /// <summary>The batch this state is a slot of, and which slot.</summary>
    public SystemBatch Batch => _batch;
    public int Slot => _slot;
    /// <summary>Where this state's evaluations land (shared with the other systems of its batch).</summary>
    public ForceResult Result => _result;

    public ReadOnlySpan<int> Numbers => _batch.Numbers.AsSpan(_start, AtomCount);
    /// <summary>Masses, amu.</summary>
    public ReadOnlySpan<double> Masses => _batch.Mass.AsSpan(_start, AtomCount);
    public Cell Cell { get => _batch.Cells[_slot]; set => _batch.Cells[_slot] = value; }

    /// <summary>Cartesian position of atom i, Å.</summary>
    public Vec3 Position(int atom) => _batch.Position(_start + atom);
    public void SetPosition(int atom, Vec3 r) => _batch.SetPosition(_start + atom, r);

    /// <summary>Potential energy at the last evaluation, eV (NaN before the first).</summary>
    public double Energy => _evaluated ? _result.Energy[_slot] : double.NaN;
    /// <summary>Force on atom i at the last evaluation, eV/Å.</summary>
    public Vec3 Force(int atom) => _evaluated ? _result.Force(_start + atom) : new Vec3(double.NaN, double.NaN, double.NaN);
    /// <summary>Stress at the last evaluation, 9 row-major components, eV/Å³; NaN without a volume or before the first evaluation.</summary>
    public ReadOnlySpan<double> Stress => _evaluated ? _result.StressOf(_slot) : NaNStress;
    private static readonly double[] NaNStress = [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN];
    public Mat3 StressTensor => Mat3.FromRowMajor(Stress);

    /// <summary>Largest per-atom force norm at the last evaluation, eV/Å (ASE's fmax measure).</summary>
    public double MaxForce
    {
        get
        {
            if (!_evaluated) return double.NaN;
            var fx = _result.Fx; var fy = _result.Fy; var fz = _result.Fz;
            double m2 = 0;
            for (int i = _start; i < _start + AtomCount; i++)
            {
                double f2 = fx[i] * fx[i] + fy[i] * fy[i] + fz[i] * fz[i];
                if (!(f2 <= m2)) m2 = f2; // NaN propagates
            }
            return Math.Sqrt(m2);
        }
    }

    /// <summary>
    /// Joins slot <paramref name="slot"/> of <paramref name="batch"/> (whose slot has this state's atom
    /// count): copies species, masses, positions and cell there once; from now on the state reads and
    /// writes the batch, and its evaluations are those of <paramref name="result"/>.
    /// </summary>
    public void MoveTo(SystemBatch batch, int slot, ForceResult result)
    {
        if (batch.AtomCountOf(slot) != AtomCount) throw new ArgumentException($"slot {slot} has {batch.AtomCountOf(slot)} atoms, the state {AtomCount}");
        int o = batch.SystemOffsets[slot];
        Numbers.CopyTo(batch.Numbers.AsSpan(o, AtomCount));
        Masses.CopyTo(batch.Mass.AsSpan(o, AtomCount));
        _batch.X.AsSpan(_start, AtomCount).CopyTo(batch.X.AsSpan(o, AtomCount));
        _batch.Y.AsSpan(_start, AtomCount).CopyTo(batch.Y.AsSpan(o, AtomCount));
        _batch.Z.AsSpan(_start, AtomCount).CopyTo(batch.Z.AsSpan(o, AtomCount));
        batch.Cells[slot] = Cell;
        (_batch, _slot, _start, _result, _evaluated) = (batch, slot, o, result, false);
    }

    /// <summary>Marks the result as holding this state's evaluation at its current positions (after a force call on its batch).</summary>
    public void MarkEvaluated() => _evaluated = true;

    /// <summary>
    /// Leaves a shared batch: copies the state and its last evaluation into a batch and result of its
    /// own, so it stays valid while the shared batch moves on.
    /// </summary>
    public void Detach()
    {
        var own = new SystemBatch([AtomCount]);
        var result = new ForceResult();
        result.Prepare(own, ForceOutputs.All);
        if (_evaluated)
        {
            result.Energy[0] = _result.Energy[_slot];
            _result.Fx.AsSpan(_start, AtomCount).CopyTo(result.Fx);
            _result.Fy.AsSpan(_start, AtomCount).CopyTo(result.Fy);
            _result.Fz.AsSpan(_start, AtomCount).CopyTo(result.Fz);
            _result.StressOf(_slot).CopyTo(result.StressOf(0));
            _result.VirialOf(_slot).CopyTo(result.VirialOf(0));
            result.Computed = _result.Computed;
        }
        bool evaluated = _evaluated;
        MoveTo(own, 0, result);
        _evaluated = evaluated;
    }

    public AtomicStructure ToStructure()
    {
        var r = new Vec3[AtomCount];
        for (int i = 0; i < AtomCount; i++) r[i] = Position(i);
        return new AtomicStructure(Numbers.ToArray(), r, Cell, Masses.ToArray());
    }
}
