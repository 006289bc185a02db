using MlipEngine.Discovery.Fingerprints;

namespace MlipEngine.Discovery.Active;

/// <summary>Chooses the frames to label from an exploration pool (<see cref="SelectionSettings"/>).</summary>
public static class FrameSelection
{
    /// <summary>Candidates inside the trust band σ_lo ≤ σ_max &lt; σ_hi.</summary>
    public static List<ExploredFrame> InTrustBand(IEnumerable<ExploredFrame> pool, double lower, double upper) =>
        pool.Where(c => c.Spread.MaxForce >= lower && c.Spread.MaxForce < upper).ToList();

    /// <summary>
    /// A frame's selection score: the largest force spread max_i σ_F,i (eV/Å), or with
    /// <see cref="SelectionSettings.RelativeEpsilon"/> the largest relative spread max_i σ_F,i / (|F̄_i| + ε).
    /// </summary>
    public static double Score(ExploredFrame c, SelectionSettings s) =>
        s.RelativeEpsilon is double eps ? FrameSpread.MaxRelative(c.Frame, eps) : c.Spread.MaxForce;

    /// <summary>
    /// The band of <paramref name="s"/> on this pool: frames with score ≥ the lower edge and max_i σ_F,i &lt; σ_hi.
    /// The lower edge is <see cref="SelectionSettings.Lower"/>, or with <see cref="SelectionSettings.LowerQuantile"/> q
    /// the q-quantile of the scores of the frames below σ_hi (never below <see cref="SelectionSettings.Lower"/>).
    /// </summary>
    public static (List<ExploredFrame> Band, double LowerEdge) InBand(IReadOnlyList<ExploredFrame> pool, SelectionSettings s)
    {
        var below = pool.Where(c => c.Spread.MaxForce < s.Upper).Select(c => (c, score: Score(c, s))).Where(x => double.IsFinite(x.score)).ToList();
        double edge = s.Lower;
        if (s.LowerQuantile is double q && below.Count > 0)
        {
            var sorted = below.Select(x => x.score).Order().ToArray();
            edge = Math.Max(edge, sorted[Math.Clamp((int)Math.Floor(q * sorted.Length), 0, sorted.Length - 1)]);
        }
        return (below.Where(x => x.score >= edge).Select(x => x.c).ToList(), edge);
    }

    /// <summary>
    /// At most <c>MaxFrames</c> frames of <paramref name="pool"/>: with <see cref="SelectionMethod.Committee"/>
    /// those in the band (<see cref="InBand"/>), thinned by <see cref="FarthestPoints"/> (or the largest scores); with
    /// <see cref="SelectionMethod.Random"/> a uniform sample of the whole pool (seeded by the iteration).
    /// </summary>
    public static List<ExploredFrame> Select(IReadOnlyList<ExploredFrame> pool, SelectionSettings s, int iteration)
    {
        if (s.Method == SelectionMethod.Random)
        {
            var rng = new Random(unchecked((int)(s.Seed * 7919 + (ulong)iteration)));
            return pool.OrderBy(_ => rng.Next()).Take(s.MaxFrames).ToList();
        }
        var (band, _) = InBand(pool, s);
        if (band.Count <= s.MaxFrames) return band;
        return s.Diverse ? FarthestPoints(band, s.MaxFrames, c => Score(c, s)) : band.OrderByDescending(c => Score(c, s)).Take(s.MaxFrames).ToList();
    }

    /// <summary>
    /// Farthest-point sampling: start from the frame of largest score (default: spread), then repeatedly add the frame whose
    /// distance to the nearest frame already chosen is largest, so near-duplicate MD snapshots (consecutive
    /// steps of one replica) are not all labelled. Distance: the largest difference of the sorted neighbour
    /// distances (<see cref="StructureFingerprint"/>, Å); frames of other sizes or compositions are infinitely
    /// far. Ties go to the larger score.
    /// </summary>
    public static List<ExploredFrame> FarthestPoints(IReadOnlyList<ExploredFrame> candidates, int count, Func<ExploredFrame, double>? score = null)
    {
        score ??= c => c.Spread.MaxForce;
        var scores = candidates.Select(score).ToArray();
        var prints = candidates.Select(c => StructureFingerprint.Create(c.Frame.Structure, double.NaN)).ToArray();
        var nearest = Enumerable.Repeat(double.PositiveInfinity, candidates.Count).ToArray();
        var taken = new bool[candidates.Count];
        var chosen = new List<ExploredFrame>();
        int next = 0;
        for (int k = 1; k < candidates.Count; k++) if (scores[k] > scores[next]) next = k;
        while (chosen.Count < Math.Min(count, candidates.Count))
        {
            taken[next] = true;
            chosen.Add(candidates[next]);
            int best = -1;
            for (int k = 0; k < candidates.Count; k++)
            {
                if (taken[k]) continue;
                nearest[k] = Math.Min(nearest[k], prints[k].Distance(prints[next]));
                if (best < 0 || nearest[k] > nearest[best] || (nearest[k] == nearest[best] && scores[k] > scores[best])) best = k;
            }
            if (best < 0) break;
            next = best;
        }
        return chosen;
    }
}
