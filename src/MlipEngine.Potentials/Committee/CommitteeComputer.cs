using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;
using MlipEngine.Threading;

namespace MlipEngine.Potentials.Committee;

/// <summary>
/// <see cref="CommitteeForceField"/> bound to a host backend: one Verlet list (the base class keeps it) and
/// one thread team for the whole committee; each call evaluates the K member computers on that list one
/// after the other into one scratch result and folds each into the running mean and spread.
/// </summary>
internal sealed class CommitteeComputer : NeighborForceComputer
{
    private readonly INeighborListEvaluator[] _members;
    private readonly IForceComputer[] _computers;
    private readonly int[][] _typeMaps;
    private readonly bool[] _sameTypes;
    private readonly ThreadTeam? _ownedTeam;
    private readonly ForceResult _member = new();
    private int[] _memberTypes = [];

    private CommitteeComputer(CommitteeForceField ff, ComputeOptions options, NeighborListKind kind, IForceComputer[] computers, ThreadTeam? ownedTeam)
        : base(ff, options, kind)
    {
        _computers = computers;
        _members = computers.Select(c => (INeighborListEvaluator)c).ToArray();
        _typeMaps = ff.TypeMaps;
        _sameTypes = _typeMaps.Select(m => m.Select((t, i) => t == i).All(x => x)).ToArray();
        _ownedTeam = ownedTeam;
    }

    /// <summary>Binds every member with the same options and one shared thread team; checks they can share a list.</summary>
    public static CommitteeComputer Create(CommitteeForceField ff, ComputeOptions options)
    {
        var ownedTeam = options.Team is null ? new ThreadTeam(Math.Max(1, options.Threads)) : null;
        var shared = options with { Team = options.Team ?? ownedTeam };
        var computers = new List<IForceComputer>();
        try
        {
            NeighborListKind kind = default;
            for (int k = 0; k < ff.Members.Length; k++)
            {
                var c = ff.Members[k].CreateComputer(shared);
                computers.Add(c);
                if (c is not INeighborListEvaluator e)
                    throw new NotSupportedException($"committee: {ff.MemberNames[k]} on backend {options.Backend.Name} cannot evaluate on a shared neighbor list");
                if (k == 0) kind = e.ListKind;
                else if (e.ListKind != kind)
                    throw new NotSupportedException(
                        $"committee: {ff.MemberNames[0]} reads a {kind.ToString().ToLowerInvariant()} neighbor list and {ff.MemberNames[k]} a " +
                        $"{e.ListKind.ToString().ToLowerInvariant()} one; members sharing a list must read the same kind");
            }
            return new CommitteeComputer(ff, shared, kind, computers.ToArray(), ownedTeam);
        }
        catch
        {
            foreach (var c in computers) c.Dispose();
            ownedTeam?.Dispose();
            throw;
        }
    }

    protected override ForceOutputs SupportedOutputs => ForceOutputs.All | ForceOutputs.Uncertainty;

    protected override void Evaluate(SystemBatch batch, NeighborList list, int[] types, ForceOutputs outputs, ForceResult result)
    {
        bool spread = (outputs & ForceOutputs.Uncertainty) != 0;
        var asked = (outputs & ForceOutputs.All) | ForceOutputs.Energy | (spread ? ForceOutputs.Forces : ForceOutputs.None);
        for (int k = 0; k < _members.Length; k++)
        {
            _members[k].EvaluateOn(batch, list, MemberTypes(k, types, batch.AtomCount), asked, _member);
            if (k == 0) CopyFirst(asked, result);
            else Fold(k + 1, asked, spread, result);
        }
        if (spread) FinishSpread(batch, _members.Length, result);
    }

    /// <summary>Type indices in member k's species order (the committee's own when the orders agree).</summary>
    private int[] MemberTypes(int k, int[] types, int n)
    {
        if (_sameTypes[k]) return types;
        if (_memberTypes.Length < n) _memberTypes = new int[n];
        var map = _typeMaps[k];
        for (int i = 0; i < n; i++) _memberTypes[i] = map[types[i]];
        return _memberTypes;
    }

    /// <summary>The first member's values are the mean of a committee of one (copied, so K identical members give them bit for bit).</summary>
    private void CopyFirst(ForceOutputs asked, ForceResult r)
    {
        var m = _member;
        int ns = r.SystemCount, na = r.AtomCount;
        Array.Copy(m.Energy, r.Energy, ns);
        if ((asked & ForceOutputs.AtomEnergies) != 0) Array.Copy(m.AtomEnergies, r.AtomEnergies, na);
        if ((asked & ForceOutputs.Forces) != 0) { Array.Copy(m.Fx, r.Fx, na); Array.Copy(m.Fy, r.Fy, na); Array.Copy(m.Fz, r.Fz, na); }
        if ((asked & ForceOutputs.Virial) != 0) Array.Copy(m.Virial, r.Virial, 9 * ns);
    }

    /// <summary>
    /// Adds member c (1-based count) to the running means and, with <paramref name="spread"/>, to the sums of
    /// squared deviations (kept in <see cref="ForceResult.EnergyStd"/> and <see cref="ForceResult.ForceStd"/>
    /// until <see cref="FinishSpread"/>).
    /// </summary>
    /// <remarks>
    /// Welford's update: x̄_c = x̄_{c−1} + (x − x̄_{c−1})/c and M2_c = M2_{c−1} + (x − x̄_{c−1})(x − x̄_c), so
    /// M2_K = Σ_k (x^k − x̄_K)² in one pass without the cancellation of Σx² − K x̄², and identical members leave
    /// the mean unchanged and M2 = 0 exactly. For a force vector M2 sums the three components: Σ_k |F^k − F̄|².
    /// </remarks>
    private void Fold(int c, ForceOutputs asked, bool spread, ForceResult r)
    {
        var m = _member;
        int ns = r.SystemCount, na = r.AtomCount;
        for (int s = 0; s < ns; s++)
        {
            double x = m.Energy[s], d = x - r.Energy[s];
            r.Energy[s] += d / c;
            if (spread) r.EnergyStd[s] += d * (x - r.Energy[s]);
        }
        if ((asked & ForceOutputs.AtomEnergies) != 0) FoldMean(m.AtomEnergies, r.AtomEnergies, na, c);
        if ((asked & ForceOutputs.Virial) != 0) FoldMean(m.Virial, r.Virial, 9 * ns, c);
        if ((asked & ForceOutputs.Forces) == 0) return;
        if (!spread)
        {
            FoldMean(m.Fx, r.Fx, na, c); FoldMean(m.Fy, r.Fy, na, c); FoldMean(m.Fz, r.Fz, na, c);
            return;
        }
        double[] fx = r.Fx, fy = r.Fy, fz = r.Fz, m2 = r.ForceStd;
        for (int i = 0; i < na; i++)
        {
            double x = m.Fx[i], y = m.Fy[i], z = m.Fz[i];
            double dx = x - fx[i], dy = y - fy[i], dz = z - fz[i];
            fx[i] += dx / c; fy[i] += dy / c; fz[i] += dz / c;
            m2[i] += dx * (x - fx[i]) + dy * (y - fy[i]) + dz * (z - fz[i]);
        }
    }

    private static void FoldMean(double[] x, double[] mean, int n, int c)
    {
        for (int i = 0; i < n; i++) mean[i] += (x[i] - mean[i]) / c;
    }

    /// <summary>σ = √(M2/K) (population form, as DP-GEN), and the largest σ_F,i of each system.</summary>
    private static void FinishSpread(SystemBatch batch, int k, ForceResult r)
    {
        for (int s = 0; s < r.SystemCount; s++)
        {
            r.EnergyStd[s] = Math.Sqrt(r.EnergyStd[s] / k);
            double max = 0;
            for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
            {
                double sf = Math.Sqrt(r.ForceStd[i] / k);
                r.ForceStd[i] = sf;
                if (sf > max) max = sf;
            }
            r.MaxForceStd[s] = max;
        }
    }

    public override void Dispose()
    {
        foreach (var c in _computers) c.Dispose();
        base.Dispose();
        _ownedTeam?.Dispose();
    }
}
