using MlipEngine.Discovery.Generation;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.State;

namespace MlipEngine.Discovery.Search;

public sealed partial class StructureSearch
{
    /// <summary>Stream offset separating evolutionary breeding from the generator's streams of the same trial.</summary>
    private const ulong EvolutionStream = 0xE7011C0DE5EED001UL;
    /// <summary>Tries of the drawn operators before a child falls back to a fresh random candidate.</summary>
    private const int BreedingAttempts = 20;
    /// <summary>A child is relaxed only when no pair is closer than this fraction of its minimum distance.</summary>
    private const double ChildMinDistanceFraction = 0.7;

    /// <summary>
    /// Generation by generation (see <see cref="EvolutionSettings"/>). Deterministic and resumable: the pool of
    /// generation g depends only on trials &lt; g·P, which are all journaled before g is bred, and child t draws
    /// from its own stream (seed, t); so a resumed run breeds the missing children exactly as an uninterrupted one.
    /// </summary>
    private void RunEvolutionary(RandomStructureGenerator generator, BatchRelaxer relaxer, List<TrialRecord> records,
        HashSet<long> done, Action<TrialRecord> record, Func<bool> stop, CancellationToken cancel)
    {
        var evo = _options.Evolution;
        int population = evo.Population;
        for (long first = 0; first < _options.Trials; first += population)
        {
            if (stop() || cancel.IsCancellationRequested) return;
            long last = Math.Min(_options.Trials, first + population);
            List<TrialRecord> pool = first == 0 ? [] : ParentPool(records.Where(r => r.Trial < first).ToList(), population);
            var jobs = new List<RelaxationJob>();
            for (long t = first; t < last; t++)
            {
                if (done.Contains(t)) continue;
                var child = pool.Count == 0 ? null : Breed(pool, generator, Xoshiro256.Stream(_options.Seed ^ EvolutionStream, (ulong)t));
                if (child == null)
                {
                    var g = generator.Generate(_options.Seed, t);
                    if (!g.Placed) { record(new TrialRecord { Trial = t, Status = "unplaced", Reason = g.Failure!, Operator = "random" }); continue; }
                    child = (g.Structure!, "random", [], g.SpaceGroup);
                }
                jobs.Add(new RelaxationJob(t, child.Value.Structure, child.Value));
            }
            foreach (var o in relaxer.Run(jobs).OrderBy(o => o.Job.Id).ToList())
            {
                var (_, op, parents, group) = ((AtomicStructure, string, long[], int?))o.Job.Tag!;
                record(FromOutcome(o, 0, accepted: false) with { Operator = op, Parents = parents.Length > 0 ? parents : null, GeneratedSpaceGroup = group });
                if (cancel.IsCancellationRequested) return;
            }
        }
    }

    /// <summary>The <paramref name="size"/> lowest-energy distinct minima (one per fingerprint group), best first.</summary>
    private List<TrialRecord> ParentPool(List<TrialRecord> earlier, int size) =>
        Rank(earlier, _options.Dedup).Take(size).Select(r => r.Best).ToList();

    /// <summary>
    /// One child of the pool: parents by tournament, an operator by weight; a child with atoms closer than
    /// <see cref="ChildMinDistanceFraction"/> of their minimum distance is bred again. Null when the "random"
    /// operator is drawn or after <see cref="BreedingAttempts"/> tries: the caller places a fresh random candidate.
    /// </summary>
    private (AtomicStructure Structure, string Operator, long[] Parents, int? SpaceGroup)? Breed(List<TrialRecord> pool, RandomStructureGenerator generator, Xoshiro256 rng)
    {
        var evo = _options.Evolution;
        bool periodic = _options.Generator.Cell == CandidateCell.Periodic;
        bool mixed = _options.Generator.Numbers.Distinct().Count() > 1;
        var operators = new List<(string Name, double Weight)>();
        if (pool.Count >= 2 && evo.Heredity > 0) operators.Add(("heredity", evo.Heredity));
        if (periodic && evo.Strain > 0) operators.Add(("strain", evo.Strain));
        if (mixed && evo.Permutation > 0) operators.Add(("permutation", evo.Permutation));
        if (evo.Rattle > 0) operators.Add(("rattle", evo.Rattle));
        if (evo.Random > 0) operators.Add(("random", evo.Random));
        if (operators.Count == 0) return null;
        double total = operators.Sum(o => o.Weight);
        double step = evo.RattleFraction * _options.Generator.Numbers.Distinct().Min(z => _options.Generator.MinDistance(z, z));

        for (int attempt = 0; attempt < BreedingAttempts; attempt++)
        {
            double u = rng.NextDouble() * total;
            string op = operators[^1].Name;
            foreach (var (name, weight) in operators) { if (u < weight) { op = name; break; } u -= weight; }
            if (op == "random") return null;   // the caller places a fresh (possibly symmetric) candidate
            var a = Tournament(pool, rng, evo.Tournament);
            AtomicStructure? child;
            long[] parents;
            if (op == "heredity")
            {
                var b = Tournament(pool, rng, evo.Tournament);
                for (int k = 0; k < 10 && ReferenceEquals(a, b); k++) b = Tournament(pool, rng, evo.Tournament);
                if (ReferenceEquals(a, b)) continue;
                child = VariationOperators.Heredity(a.ToStructure(), b.ToStructure(), rng);
                parents = [a.Trial, b.Trial];
            }
            else
            {
                var s = a.ToStructure();
                child = op switch
                {
                    "strain" => VariationOperators.LatticeStrain(s, rng, evo.StrainSigma),
                    "permutation" => VariationOperators.Permutation(s, rng, Math.Max(1, s.AtomCount / 4)),
                    _ => Displace(s, step, rng),
                };
                parents = [a.Trial];
            }
            if (child != null && generator.ShortestRelativeDistance(child) >= ChildMinDistanceFraction) return (child, op, parents, null);
        }
        return null;
    }

    /// <summary>The lowest-energy of <paramref name="size"/> pool members drawn with replacement (the pool is sorted best first).</summary>
    private static TrialRecord Tournament(List<TrialRecord> pool, Xoshiro256 rng, int size)
    {
        int best = pool.Count - 1;
        for (int k = 0; k < size; k++) best = Math.Min(best, (int)Math.Min(pool.Count - 1, Math.Floor(rng.NextDouble() * pool.Count)));
        return pool[best];
    }
}
