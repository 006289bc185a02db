using MlipEngine.Geometry;

namespace MlipEngine.Dynamics.Relaxation;

/// <summary>Sanity checks on a structure during relaxation.</summary>
public static class StructureChecks
{
    /// <summary>
    /// Smallest distance between two atoms or an atom and a periodic image of any atom (itself
    /// included), Å; +∞ for a single atom in an open cell. Brute force, O(N²·27): fractional
    /// differences are reduced to [−½, ½) on periodic axes and the 27 neighbouring images are tried,
    /// exact for all but pathologically skewed cells.
    /// </summary>
    public static double MinimumDistance(SystemState s)
    {
        var cell = s.Cell;
        int n = s.AtomCount;
        bool pa = cell.PeriodicA, pb = cell.PeriodicB, pc = cell.PeriodicC;
        var h = cell.Matrix;
        bool fractional = cell.AnyPeriodic && cell.IsNonSingular;
        var hinv = fractional ? h.Inverse() : Mat3.Identity;
        int ra = pa ? 1 : 0, rb = pb ? 1 : 0, rc = pc ? 1 : 0;
        double best2 = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
        {
            var ri = s.Position(i);
            for (int j = i; j < n; j++)
            {
                var d = s.Position(j) - ri;
                if (fractional)
                {
                    var f = d * hinv;
                    f = new Vec3(pa ? f.X - Math.Round(f.X) : f.X, pb ? f.Y - Math.Round(f.Y) : f.Y, pc ? f.Z - Math.Round(f.Z) : f.Z);
                    d = f * h;
                }
                for (int a = -ra; a <= ra; a++)
                    for (int b = -rb; b <= rb; b++)
                        for (int c = -rc; c <= rc; c++)
                        {
                            if (i == j && a == 0 && b == 0 && c == 0) continue;
                            var e = d + a * cell.A + b * cell.B + c * cell.C;
                            double d2 = e.NormSquared;
                            if (!(d2 >= best2)) best2 = d2;
                        }
            }
        }
        return Math.Sqrt(best2);
    }

    /// <summary>True when every energy, force and (if asked) stress value is finite.</summary>
    public static bool IsFinite(SystemState s, bool withStress)
    {
        if (!double.IsFinite(s.Energy)) return false;
        for (int i = 0; i < s.AtomCount; i++) { var f = s.Force(i); if (!double.IsFinite(f.X + f.Y + f.Z)) return false; }
        if (withStress) foreach (double x in s.Stress) if (!double.IsFinite(x)) return false;
        return true;
    }
}
