using MlipEngine.Neighbors;

namespace MlipEngine.Dynamics.Md;

/// <summary>
/// Checks that stop a run before it produces garbage: non-finite energy (every step, free), atoms
/// closer than <see cref="MinDistance"/> (a cell-list search with that small radius), and atoms that
/// left the box along a non-periodic axis of a non-degenerate cell. Returns a message naming the
/// atoms (0-based indices) or null when all is well.
/// </summary>
public sealed class SafetyChecks
{
    private readonly NeighborListBuilder _builder = new(1);
    private readonly NeighborList _list;

    public SafetyChecks(double minDistance)
    {
        MinDistance = minDistance;
        _list = _builder.Create(NeighborListKind.Half);
    }

    /// <summary>Å; 0 disables the distance check.</summary>
    public double MinDistance { get; }

    public static string? CheckEnergy(MdSystem s)
    {
        double e = s.PotentialEnergy;
        return double.IsFinite(e) ? null : $"potential energy is {e}";
    }

    /// <summary>
    /// Kinetic energy, temperature and (when the last force call had the virial) pressure are finite:
    /// finite but absurd velocities (a corrupted momentum of 1e200) overflow them.
    /// </summary>
    public static string? CheckKinetics(MdSystem s)
    {
        double k = s.KineticEnergy();
        if (!double.IsFinite(k)) return $"kinetic energy is {k} (velocities overflow)";
        double t = s.Temperature(k);
        if (!double.IsFinite(t)) return $"temperature is {t} K";
        if ((s.Forces.Computed & ForceFields.ForceOutputs.Virial) != 0)
        {
            var w = s.Virial;
            for (int i = 0; i < 9; i++) if (!double.IsFinite(w[i])) return $"virial (pressure) is not finite: {w[i]}";
        }
        return null;
    }

    public string? CheckGeometry(MdSystem s)
    {
        // Batch atom o + i is the system's atom i (messages name the system's own indices).
        var b = s.Batch;
        int o = s.Start, n = s.AtomCount;
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(b.X[o + i] + b.Y[o + i] + b.Z[o + i] + b.VX[o + i] + b.VY[o + i] + b.VZ[o + i]))
                return $"atom {i} has a non-finite position or velocity";
        var cell = s.Cell;
        if (cell.IsNonSingular && !cell.FullyPeriodic)
        {
            var inv = cell.Matrix.Inverse();
            for (int i = 0; i < n; i++)
            {
                var f = b.Position(o + i) * inv;
                for (int a = 0; a < 3; a++)
                {
                    double fa = a == 0 ? f.X : a == 1 ? f.Y : f.Z;
                    if (!cell.IsPeriodic(a) && (fa < 0 || fa > 1))
                        return $"atom {i} left the box along non-periodic axis {"abc"[a]} (fractional coordinate {fa:F3})";
                }
            }
        }
        if (MinDistance > 0)
        {
            _builder.Build(b, MinDistance, _list);
            double best = double.MaxValue; int bi = -1, bj = -1;
            for (int i = o; i < o + n; i++)
                for (int k = _list.Offsets[i]; k < _list.Offsets[i + 1]; k++)
                {
                    double d = _list.Displacement(b, i, k).Norm;
                    if (d < MinDistance && d < best) { best = d; bi = i - o; bj = _list.Neighbors[k] - o; }
                }
            if (bi >= 0) return $"atoms {bi} and {bj} are {best:F3} Å apart (closer than safety.min_distance = {MinDistance} Å)";
        }
        return null;
    }
}
