namespace MlipEngine.Discovery.Active;

/// <summary>How exploration frames are chosen for labelling.</summary>
public enum SelectionMethod
{
    /// <summary>The trust band on the committee's largest force spread, thinned by farthest-point sampling.</summary>
    Committee,
    /// <summary>Uniformly at random from every explored frame (the baseline active learning is measured against).</summary>
    Random,
}

/// <summary>
/// The trust band (DP-GEN: σ_lo ≤ max_i σ_F,i &lt; σ_hi, typically 0.05–0.15 eV/Å): below it the model is
/// trusted, above it the geometry is assumed unphysical (the model left its domain) and is not labelled; in
/// between a frame is a candidate. At most <see cref="MaxFrames"/> are kept per iteration.
/// </summary>
public sealed record SelectionSettings
{
    public SelectionMethod Method { get; init; } = SelectionMethod.Committee;
    /// <summary>σ_lo, eV/Å.</summary>
    public double Lower { get; init; } = 0.05;
    /// <summary>σ_hi, eV/Å.</summary>
    public double Upper { get; init; } = 0.15;
    public int MaxFrames { get; init; } = 10;
    /// <summary>Thin candidates by farthest-point sampling on a structure fingerprint (else: the largest spreads).</summary>
    public bool Diverse { get; init; } = true;
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Adaptive lower edge: the band starts at this quantile (0–1) of the pool's scores instead of at
    /// <see cref="Lower"/> (which then still applies as a floor), so it follows the current committee's spread and
    /// never empties while the pool has frames below <see cref="Upper"/>. Null: the absolute band.
    /// </summary>
    public double? LowerQuantile { get; init; }
    /// <summary>
    /// Score frames by the relative deviation max_i σ_F,i / (|F̄_i| + ε) (DP-GEN's relative model deviation) with this
    /// ε (eV/Å) instead of max_i σ_F,i; <see cref="Lower"/> is then dimensionless. <see cref="Upper"/> stays the absolute
    /// guard on max_i σ_F,i (eV/Å) above which a geometry is not labelled. Null: the absolute spread.
    /// </summary>
    public double? RelativeEpsilon { get; init; }
}
