namespace MlipEngine.Training.Loss;

/// <summary>
/// Resolves the loss-term multipliers m_E, m_F, m_σ (<see cref="TermWeights"/>) of a frame from its
/// config_type group and its composition:
/// <code>
///   (m_E, m_F, m_σ) = group weights of the frame's config_type  (the "default" group, else 1, when it has none or is not named)
///   m_σ ← m_σ · (1/N) Σ_i w_σ(Z_i)                             (per-element stress weights, 1 for elements not named)
/// </code>
/// The stress is one tensor per frame, so a per-element stress weight acts through the frame's
/// composition: the mean of its atoms' element weights (exactly w_σ(Z) for a one-element frame).
/// </summary>
public sealed class FrameWeighting
{
    /// <summary>The group name that sets the weights of frames whose config_type is not named (or absent).</summary>
    public const string DefaultGroup = "default";

    public FrameWeighting(IReadOnlyDictionary<string, TermWeights>? configTypes = null, IReadOnlyDictionary<int, double>? stressPerElement = null)
    {
        ConfigTypes = configTypes ?? new Dictionary<string, TermWeights>();
        StressPerElement = stressPerElement ?? new Dictionary<int, double>();
        foreach (var (name, w) in ConfigTypes)
            if (!(w.Energy >= 0 && w.Forces >= 0 && w.Stress >= 0 && double.IsFinite(w.Energy + w.Forces + w.Stress)))
                throw new ArgumentException($"config_type weights of '{name}' must be finite and ≥ 0 ({w})");
        foreach (var (z, w) in StressPerElement)
            if (!(w >= 0 && double.IsFinite(w))) throw new ArgumentException($"stress weight of Z={z} must be finite and ≥ 0, found {w}");
    }

    public static FrameWeighting Uniform { get; } = new();

    public IReadOnlyDictionary<string, TermWeights> ConfigTypes { get; }
    /// <summary>Stress-weight multiplier per atomic number.</summary>
    public IReadOnlyDictionary<int, double> StressPerElement { get; }

    /// <summary>The weights of frames in no named group.</summary>
    public TermWeights Default => ConfigTypes.TryGetValue(DefaultGroup, out var d) ? d : TermWeights.One;

    /// <summary>The group weights of a config_type (before the per-element stress factor).</summary>
    public TermWeights ForGroup(string? configType) =>
        configType is not null && configType != DefaultGroup && ConfigTypes.TryGetValue(configType, out var w) ? w : Default;

    /// <summary>The multipliers of one frame of the given config_type and atomic numbers.</summary>
    public TermWeights For(string? configType, ReadOnlySpan<int> numbers)
    {
        var t = ForGroup(configType);
        if (StressPerElement.Count == 0 || numbers.IsEmpty) return t;
        double sum = 0;
        foreach (int z in numbers) sum += StressPerElement.TryGetValue(z, out double w) ? w : 1;
        return t.WithStress(t.Stress * sum / numbers.Length);
    }

    /// <summary>Named groups (other than "default") that no frame of <paramref name="present"/> belongs to, in name order.</summary>
    public List<string> GroupsAbsentFrom(IEnumerable<string?> present)
    {
        var seen = present.Where(c => c is not null).ToHashSet(StringComparer.Ordinal);
        return ConfigTypes.Keys.Where(k => k != DefaultGroup && !seen.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
    }
}
