using MlipEngine.Dynamics;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.State;

namespace MlipEngine.Discovery.Active;

/// <summary>
/// Keeps geometries no reference method should be asked about: two atoms (or an atom and a periodic image)
/// closer than <see cref="MinDistance"/> Å — DP-GEN users' top complaint is such frames sent to DFT, where
/// the SCF fails or the result is nonsense that then poisons the training set.
/// </summary>
public sealed record GeometryFilter(double MinDistance)
{
    /// <summary>Null when <paramref name="s"/> may be labelled, else why not.</summary>
    public string? Reject(AtomicStructure s)
    {
        if (MinDistance <= 0 || s.AtomCount == 0) return null;
        double d = StructureChecks.MinimumDistance(new SystemState(s));
        return d < MinDistance ? $"atoms {d:F3} Å apart (filter.min_distance {MinDistance} Å)" : null;
    }
}
