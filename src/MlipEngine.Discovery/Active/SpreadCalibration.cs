using MlipEngine.IO;

namespace MlipEngine.Discovery.Active;

/// <summary>
/// Is the committee spread a useful error bar? Compares, atom by atom, the predicted spread σ_F,i with the true
/// error |F̄_i − F_i^ref| of the committee mean on labelled frames the committee did not train on.
/// </summary>
/// <remarks>
/// <para>Ranking: Spearman's ρ between σ_F,i and |ΔF_i| (Pearson's r of their ranks, ties given their mean rank):
/// ρ = 1 when a larger spread always means a larger error; what selection by spread relies on.</para>
/// <para>Coverage: the fraction of atoms with |ΔF_i| ≤ σ_F,i and with |ΔF_i| ≤ 2σ_F,i. If the error of each of
/// the three components were normal with variance σ_F,i²/3 (the spread shared equally), |ΔF_i|² · 3/σ² would be
/// χ²₃ and the expected coverages P(χ²₃ ≤ 3) = 0.608 and P(χ²₃ ≤ 12) = 0.993; lower values mean an
/// over-confident committee (the usual case: members trained on the same data agree more than they are right).</para>
/// </remarks>
public sealed record SpreadCalibration(int Atoms, double Spearman, double Coverage1, double Coverage2)
{
    public const double GaussianCoverage1 = 0.608, GaussianCoverage2 = 0.993;

    /// <summary>
    /// <paramref name="predicted"/>: frames evaluated with the committee (forces = committee mean, with the
    /// per-atom spread); <paramref name="reference"/>: the same frames with reference forces, in the same order.
    /// </summary>
    public static SpreadCalibration Compute(IReadOnlyList<Frame> predicted, IReadOnlyList<Frame> reference)
    {
        var sigma = new List<double>();
        var error = new List<double>();
        for (int k = 0; k < predicted.Count; k++)
        {
            var spread = FrameSpread.PerAtom(predicted[k]);
            var fp = predicted[k].Forces; var fr = reference[k].Forces;
            if (fp is null || fr is null || spread.Length != fp.Length) continue;
            for (int i = 0; i < fp.Length; i++) { sigma.Add(spread[i]); error.Add((fp[i] - fr[i]).Norm); }
        }
        int n = sigma.Count;
        if (n == 0) return new SpreadCalibration(0, double.NaN, double.NaN, double.NaN);
        int in1 = 0, in2 = 0;
        for (int i = 0; i < n; i++)
        {
            if (error[i] <= sigma[i]) in1++;
            if (error[i] <= 2 * sigma[i]) in2++;
        }
        return new SpreadCalibration(n, RankCorrelation(sigma, error), in1 / (double)n, in2 / (double)n);
    }

    /// <summary>Spearman's rank correlation (NaN for fewer than two values or a constant series).</summary>
    public static double RankCorrelation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count < 2) return double.NaN;
        var rx = Ranks(x); var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            double dx = rx[i] - mx, dy = ry[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>1-based ranks; a run of ties shares the mean of the ranks it spans.</summary>
    private static double[] Ranks(IReadOnlyList<double> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Count];
        for (int a = 0; a < order.Length;)
        {
            int b = a;
            while (b + 1 < order.Length && v[order[b + 1]] == v[order[a]]) b++;
            double mean = (a + b) / 2.0 + 1;
            for (int k = a; k <= b; k++) ranks[order[k]] = mean;
            a = b + 1;
        }
        return ranks;
    }
}
