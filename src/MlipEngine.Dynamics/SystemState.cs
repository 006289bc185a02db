using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Dynamics;

/// <summary>
/// One system being moved by a minimiser or integrator: positions and cell it is at now, and what the
/// force field said at the last evaluation there. Flat arrays (x₀ y₀ z₀ x₁ …) so optimizers and
/// filters work on spans; a driver copies them into and out of a <see cref="SystemBatch"/>.
/// </summary>
public sealed class SystemState
{
    public SystemState(AtomicStructure structure)
    {
        int n = structure.AtomCount;
        Numbers = (int[])structure.Numbers.Clone();
        Masses = new double[n];
        Positions = new double[3 * n];
        Forces = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            Masses[i] = structure.MassOf(i);
            var r = structure.Positions[i];
            Positions[3 * i] = r.X; Positions[3 * i + 1] = r.Y; Positions[3 * i + 2] = r.Z;
        }
        Cell = structure.Cell;
    }

    public int AtomCount => Numbers.Length;
    public int[] Numbers { get; }
    /// <summary>Masses, amu.</summary>
    public double[] Masses { get; }
    /// <summary>Cartesian positions, Å, 3 per atom.</summary>
    public double[] Positions { get; }
    public Cell Cell { get; set; }

    /// <summary>Potential energy at the last evaluation, eV.</summary>
    public double Energy { get; set; } = double.NaN;
    /// <summary>Forces at the last evaluation, eV/Å, 3 per atom.</summary>
    public double[] Forces { get; }
    /// <summary>Stress at the last evaluation, 9 row-major components, eV/Å³ (ASE sign: positive = tensile); NaN without a volume.</summary>
    public double[] Stress { get; } = [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN];

    public Vec3 Position(int atom) => new(Positions[3 * atom], Positions[3 * atom + 1], Positions[3 * atom + 2]);
    public Vec3 Force(int atom) => new(Forces[3 * atom], Forces[3 * atom + 1], Forces[3 * atom + 2]);
    public Mat3 StressTensor => Mat3.FromRowMajor(Stress);

    /// <summary>Largest per-atom force norm at the last evaluation, eV/Å (ASE's fmax measure).</summary>
    public double MaxForce
    {
        get
        {
            double m2 = 0;
            for (int i = 0; i < Forces.Length; i += 3)
            {
                double f2 = Forces[i] * Forces[i] + Forces[i + 1] * Forces[i + 1] + Forces[i + 2] * Forces[i + 2];
                if (!(f2 <= m2)) m2 = f2; // NaN propagates
            }
            return Math.Sqrt(m2);
        }
    }

    /// <summary>Copies the state into slot <paramref name="s"/> of a batch whose slot has the same atoms.</summary>
    public void CopyTo(SystemBatch batch, int s)
    {
        int o = batch.SystemOffsets[s];
        for (int i = 0; i < AtomCount; i++)
        {
            batch.X[o + i] = Positions[3 * i]; batch.Y[o + i] = Positions[3 * i + 1]; batch.Z[o + i] = Positions[3 * i + 2];
        }
        batch.Cells[s] = Cell;
    }

    /// <summary>Initialises slot <paramref name="s"/> (species, masses, positions, cell).</summary>
    public void InitializeSlot(SystemBatch batch, int s)
    {
        int o = batch.SystemOffsets[s];
        Array.Copy(Numbers, 0, batch.Numbers, o, AtomCount);
        Array.Copy(Masses, 0, batch.Mass, o, AtomCount);
        CopyTo(batch, s);
    }

    /// <summary>Reads the evaluation of slot <paramref name="s"/>.</summary>
    public void ReadResult(ForceFields.ForceResult result, SystemBatch batch, int s, bool withStress)
    {
        int o = batch.SystemOffsets[s];
        Energy = result.Energy[s];
        for (int i = 0; i < AtomCount; i++)
        {
            Forces[3 * i] = result.Fx[o + i]; Forces[3 * i + 1] = result.Fy[o + i]; Forces[3 * i + 2] = result.Fz[o + i];
        }
        if (withStress) result.StressOf(s).CopyTo(Stress);
        else Array.Fill(Stress, double.NaN);
    }

    public AtomicStructure ToStructure()
    {
        var r = new Vec3[AtomCount];
        for (int i = 0; i < AtomCount; i++) r[i] = Position(i);
        return new AtomicStructure((int[])Numbers.Clone(), r, Cell, (double[])Masses.Clone());
    }
}
