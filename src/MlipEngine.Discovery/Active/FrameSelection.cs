using MlipEngine.Discovery.Fingerprints;

namespace MlipEngine.Discovery.Active;

/// <summary>Chooses the frames to label from an exploration pool (<see cref="SelectionSettings"/>).</summary>
public static class FrameSelection
{
    /// <summary>Candidates inside the trust band σ_lo ≤ σ_max &lt; σ_hi.</summary>
    public static List<ExploredFrame> InTrustBand(IEnumerable<ExploredFrame> pool, double lower, double upper) =>
        pool.Where(c => c.Spread.MaxForce >= lower && c.Spread.MaxForce < upper).ToList();

    /// <summary>
    /// At most <c>MaxFrames</c> frames of <paramref name="pool"/>: with <see cref="SelectionMethod.Committee"/>
    /// those in the trust band, thinned by <see cref="FarthestPoints"/> (or the largest spreads); with
    /// <see cref="SelectionMethod.Random"/> a uniform sample of the whole pool (seeded by the iteration).
    /// </summary>
    public static List<ExploredFrame> Select(IReadOnlyList<ExploredFrame> pool, SelectionSettings s, int iteration)
    {
        if (s.Method == SelectionMethod.Random)
        {
            var rng = new Random(unchecked((int)(s.Seed * 7919 + (ulong)iteration)));
            return pool.OrderBy(_ => rng.Next()).Take(s.MaxFrames).ToList();
        }
        var band = InTrustBand(pool, s.Lower, s.Upper);
        if (band.Count <= s.MaxFrames) return band;
        return s.Diverse ? FarthestPoints(band, s.MaxFrames) : band.OrderByDescending(c => c.Spread.MaxForce).Take(s.MaxFrames).ToList();
    }

    /// <summary>
    /// Farthest-point sampling: start from the frame of largest spread, then repeatedly add the frame whose
    /// distance to the nearest frame already chosen is largest, so near-duplicate MD snapshots (consecutive
    /// steps of one replica) are not all labelled. Distance: the largest difference of the sorted neighbour
    /// distances (<see cref="StructureFingerprint"/>, Å); frames of other sizes or compositions are infinitely
    /// far. Ties go to the larger spread.
    /// </summary>
    public static List<ExploredFrame> FarthestPoints(IReadOnlyList<ExploredFrame> candidates, int count)
    {
        var prints = candidates.Select(c => StructureFingerprint.Create(c.Frame.Structure, double.NaN)).ToArray();
        var nearest = Enumerable.Repeat(double.PositiveInfinity, candidates.Count).ToArray();
        var taken = new bool[candidates.Count];
        var chosen = new List<ExploredFrame>();
        int next = 0;
        for (int k = 1; k < candidates.Count; k++) if (candidates[k].Spread.MaxForce > candidates[next].Spread.MaxForce) next = k;
        while (chosen.Count < Math.Min(count, candidates.Count))
        {
            taken[next] = true;
            chosen.Add(candidates[next]);
            int best = -1;
            for (int k = 0; k < candidates.Count; k++)
            {
                if (taken[k]) continue;
                nearest[k] = Math.Min(nearest[k], prints[k].Distance(prints[next]));
                if (best < 0 || nearest[k] > nearest[best] || (nearest[k] == nearest[best] && candidates[k].Spread.MaxForce > candidates[best].Spread.MaxForce)) best = k;
            }
            if (best < 0) break;
            next = best;
        }
        return chosen;
    }
}
