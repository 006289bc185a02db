using MlipEngine.Chemistry;
using MlipEngine.Geometry;

namespace MlipEngine.State;

/// <summary>
/// The state of many systems concatenated atom after atom, as structure-of-arrays: positions (Å),
/// velocities (Å/fs), masses (amu) and atomic numbers, with <see cref="SystemOffsets"/> marking where
/// each system starts and one <see cref="Cell"/> per system. One system is a batch of one.
/// </summary>
/// <remarks>
/// This is the shape a GPU wants (flat arrays, an index per atom) and what batched relaxation needs.
/// Positions are not wrapped into the cell: neighbor lists carry integer image shifts relative to the
/// stored positions, so unwrapped trajectories and wrapped ones give identical forces.
/// </remarks>
public sealed class SystemBatch
{
    public SystemBatch(int[] systemAtomCounts)
    {
        SystemCount = systemAtomCounts.Length;
        SystemOffsets = new int[SystemCount + 1];
        for (int s = 0; s < SystemCount; s++)
        {
            if (systemAtomCounts[s] < 0) throw new ArgumentException("negative atom count");
            SystemOffsets[s + 1] = SystemOffsets[s] + systemAtomCounts[s];
        }
        AtomCount = SystemOffsets[SystemCount];
        X = new double[AtomCount]; Y = new double[AtomCount]; Z = new double[AtomCount];
        VX = new double[AtomCount]; VY = new double[AtomCount]; VZ = new double[AtomCount];
        Mass = new double[AtomCount];
        Numbers = new int[AtomCount];
        SystemIndex = new int[AtomCount];
        Cells = new Cell[SystemCount];
        for (int s = 0; s < SystemCount; s++)
            Array.Fill(SystemIndex, s, SystemOffsets[s], systemAtomCounts[s]);
    }

    public int SystemCount { get; }
    public int AtomCount { get; }
    /// <summary>Atoms of system s are [SystemOffsets[s], SystemOffsets[s+1]).</summary>
    public int[] SystemOffsets { get; }
    /// <summary>System of each atom.</summary>
    public int[] SystemIndex { get; }
    public double[] X { get; }
    public double[] Y { get; }
    public double[] Z { get; }
    public double[] VX { get; }
    public double[] VY { get; }
    public double[] VZ { get; }
    /// <summary>Masses in amu.</summary>
    public double[] Mass { get; }
    /// <summary>Atomic numbers.</summary>
    public int[] Numbers { get; }
    public Cell[] Cells { get; }

    public int AtomCountOf(int system) => SystemOffsets[system + 1] - SystemOffsets[system];

    public Vec3 Position(int atom) => new(X[atom], Y[atom], Z[atom]);
    public void SetPosition(int atom, Vec3 r) { X[atom] = r.X; Y[atom] = r.Y; Z[atom] = r.Z; }
    public Vec3 Velocity(int atom) => new(VX[atom], VY[atom], VZ[atom]);

    public static SystemBatch FromStructures(IReadOnlyList<AtomicStructure> structures)
    {
        var counts = new int[structures.Count];
        for (int s = 0; s < counts.Length; s++) counts[s] = structures[s].AtomCount;
        var batch = new SystemBatch(counts);
        for (int s = 0; s < counts.Length; s++) batch.SetSystem(s, structures[s]);
        return batch;
    }

    public static SystemBatch FromStructure(AtomicStructure structure) => FromStructures(new[] { structure });

    /// <summary>Copies a structure into slot s (atom counts must match).</summary>
    public void SetSystem(int s, AtomicStructure st)
    {
        int n = AtomCountOf(s);
        if (st.AtomCount != n) throw new ArgumentException($"system {s} has {n} atoms, structure has {st.AtomCount}");
        int o = SystemOffsets[s];
        for (int i = 0; i < n; i++)
        {
            var r = st.Positions[i];
            X[o + i] = r.X; Y[o + i] = r.Y; Z[o + i] = r.Z;
            Numbers[o + i] = st.Numbers[i];
            Mass[o + i] = st.MassOf(i);
            if (st.Velocities != null)
            {
                var v = st.Velocities[i];
                VX[o + i] = v.X; VY[o + i] = v.Y; VZ[o + i] = v.Z;
            }
        }
        Cells[s] = st.Cell;
    }

    /// <summary>Extracts system s as a structure (copies).</summary>
    public AtomicStructure GetSystem(int s)
    {
        int n = AtomCountOf(s), o = SystemOffsets[s];
        var z = new int[n]; var r = new Vec3[n]; var m = new double[n]; var v = new Vec3[n];
        for (int i = 0; i < n; i++)
        {
            z[i] = Numbers[o + i]; r[i] = Position(o + i); m[i] = Mass[o + i]; v[i] = Velocity(o + i);
        }
        return new AtomicStructure(z, r, Cells[s], m, v);
    }

    /// <summary>True when both batches have the same systems, atom counts and species in the same order.</summary>
    public bool HasSameTopology(SystemBatch other)
    {
        if (other.SystemCount != SystemCount || other.AtomCount != AtomCount) return false;
        return SystemOffsets.AsSpan().SequenceEqual(other.SystemOffsets) && Numbers.AsSpan().SequenceEqual(other.Numbers);
    }
}
