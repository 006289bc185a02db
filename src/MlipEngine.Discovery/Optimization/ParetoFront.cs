namespace MlipEngine.Discovery.Optimization;

/// <summary>Non-dominated points of a multi-objective history, all objectives as minimisation (maximised ones negated).</summary>
public static class ParetoFront
{
    /// <summary>True when a is no worse than b in every objective and better in one.</summary>
    public static bool Dominates(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        bool better = false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] > b[i]) return false;
            if (a[i] < b[i]) better = true;
        }
        return better;
    }

    /// <summary>Indices of the points no other point dominates (O(n²), fine for an optimisation history).</summary>
    public static List<int> Indices(IReadOnlyList<double[]> points)
    {
        var front = new List<int>();
        for (int i = 0; i < points.Count; i++)
        {
            bool dominated = false;
            for (int j = 0; j < points.Count && !dominated; j++) dominated = j != i && Dominates(points[j], points[i]);
            if (!dominated) front.Add(i);
        }
        return front;
    }

    /// <summary>
    /// Hypervolume dominated by two-objective points up to the reference point r (both minimised): sort the
    /// front by f₁, then HV = Σ_i (f₁^(i+1) − f₁^(i))·(r₂ − f₂^(i)) with f₁^(n+1) = r₁.
    /// </summary>
    public static double Hypervolume2D(IReadOnlyList<double[]> points, double r1, double r2)
    {
        var front = Indices(points).Select(i => points[i]).Where(p => p[0] < r1 && p[1] < r2).OrderBy(p => p[0]).ToList();
        double hv = 0;
        for (int i = 0; i < front.Count; i++)
        {
            double next = i + 1 < front.Count ? front[i + 1][0] : r1;
            hv += (next - front[i][0]) * (r2 - front[i][1]);
        }
        return hv;
    }
}
