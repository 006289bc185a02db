using System.Globalization;
using MlipEngine.Chemistry;
using MlipEngine.ForceFields;

namespace MlipEngine.Potentials.Committee;

/// <summary>
/// A committee of K force fields (an ensemble of independently trained models) for active learning: the
/// energy, forces and virial are the committee means, and with <see cref="ForceOutputs.Uncertainty"/> the
/// spread of the members' predictions is reported as well (<see cref="ForceResult.ForceStd"/>,
/// <see cref="ForceResult.EnergyStd"/>, <see cref="ForceResult.MaxForceStd"/>).
/// </summary>
/// <remarks>
/// <para>Means: Ē = (1/K) Σ_k E^k and F̄_i = (1/K) Σ_k F_i^k = (1/K) Σ_k (−∂E^k/∂r_i) = −∂Ē/∂r_i, and likewise
/// W̄ = −∂Ē/∂ε: averaging is linear, so the committee is itself a conservative potential whose forces and
/// stress are the exact derivatives of its energy (MD with it conserves Ē).</para>
/// <para>Spreads (DP-GEN's model deviation, population form): σ_F,i = √( (1/K) Σ_k |F_i^k − F̄_i|² ),
/// σ_E = √( (1/K) Σ_k (E^k − Ē)² ), max_i σ_F,i per system.</para>
/// <para>Members must know the same elements (in any order; types are mapped) and have the same cutoff, so
/// that one neighbor list serves them all: the committee's computer builds it once per call and evaluates
/// each member on it (<see cref="INeighborListEvaluator"/>). Its species order is the first member's.</para>
/// </remarks>
public sealed class CommitteeForceField : IForceField
{
    /// <param name="members">K ≥ 2 force fields.</param>
    /// <param name="names">A name per member for messages (a file name), or null for "member k (style)".</param>
    public CommitteeForceField(IReadOnlyList<IForceField> members, IReadOnlyList<string>? names = null)
    {
        if (members.Count < 2) throw new ArgumentException($"a committee needs at least two members, got {members.Count}");
        if (names != null && names.Count != members.Count) throw new ArgumentException($"{names.Count} names for {members.Count} members");
        Members = members.ToArray();
        MemberNames = names?.ToArray() ?? members.Select((m, k) => $"member {k} ({m.Style})").ToArray();
        var first = Members[0];
        var firstSet = first.Species.Order().ToArray();
        for (int k = 1; k < Members.Length; k++)
        {
            var m = Members[k];
            if (!m.Species.Order().SequenceEqual(firstSet))
                throw new ArgumentException($"committee members must know the same elements: {MemberNames[0]} knows {Symbols(first.Species)}, {MemberNames[k]} knows {Symbols(m.Species)}");
            if (m.Cutoff != first.Cutoff)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"committee members must have the same cutoff (they share one neighbor list): {MemberNames[0]} has {first.Cutoff:R} Å, {MemberNames[k]} has {m.Cutoff:R} Å"));
        }
        Backends = Members.Skip(1).Aggregate<IForceField, IEnumerable<Backend>>(first.Backends, (common, m) => common.Intersect(m.Backends)).ToArray();
        TypeMaps = new int[Members.Length][];
        for (int k = 0; k < Members.Length; k++)
        {
            var map = new int[first.Species.Count];
            for (int t = 0; t < map.Length; t++) map[t] = IndexOf(Members[k].Species, first.Species[t]);
            TypeMaps[k] = map;
        }
    }

    public IForceField[] Members { get; }
    public string[] MemberNames { get; }
    /// <summary>Per member, the member's type index of each committee type (identity when the species order agrees).</summary>
    internal int[][] TypeMaps { get; }

    public string Style => "committee";
    public double Cutoff => Members[0].Cutoff;
    public IReadOnlyList<int> Species => Members[0].Species;
    /// <summary>The backends every member has (among them the host backends that evaluate on a shared list).</summary>
    public IReadOnlyList<Backend> Backends { get; }
    public bool ProvidesUncertainty => true;

    public IForceComputer CreateComputer(ComputeOptions options)
    {
        if (!Backends.Contains(options.Backend))
            throw new NotSupportedException(
                $"committee: backend {options.Backend.Name} is not supported (the members share one host neighbor list; " +
                $"the committee runs on {string.Join(", ", Backends.Select(b => b.Name))})");
        return CommitteeComputer.Create(this, options);
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }

    private static string Symbols(IReadOnlyList<int> species) => string.Join(", ", species.Select(Element.Symbol));
}
