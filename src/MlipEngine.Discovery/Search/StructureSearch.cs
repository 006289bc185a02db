using System.Diagnostics;
using System.Globalization;
using System.Text;
using MlipEngine.Chemistry;
using MlipEngine.Discovery.Fingerprints;
using MlipEngine.Discovery.Generation;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Search;

/// <summary>
/// Generative structure search through the force-field API: trials are proposed (random candidates, or
/// basin-hopping moves), relaxed together by the batched relaxer (<see cref="BatchRelaxer"/>), journaled,
/// then deduplicated by fingerprint and ranked by energy per atom. A trial that cannot be placed or whose
/// relaxation fails (non-finite values, explosion, atoms fused below
/// <see cref="RelaxationSettings.MinDistance"/>) is recorded and dropped; it never stops the search.
/// </summary>
/// <remarks>
/// Determinism: trial k's random numbers come from its own stream (seed, k), so a trial's outcome does not
/// depend on which other trials share its batch or whether the run was interrupted and resumed (a resumed
/// basin-hopping walker restarts from the last minimum it accepted, read back from the journal).
/// </remarks>
public sealed partial class StructureSearch
{
    /// <summary>Stream offset separating basin-hopping moves from the generator's streams of the same trial.</summary>
    private const ulong HopStream = 0x5EA2C4B0A51E0001UL;

    private readonly IForceComputer _computer;
    private readonly SearchOptions _options;

    public StructureSearch(IForceComputer computer, SearchOptions options)
    {
        _computer = computer;
        _options = options;
    }

    /// <summary>Called after every finished trial.</summary>
    public Action<SearchProgress>? Progress { get; init; }

    /// <summary>Runs the search (resuming from the output folder's journal when there is one) and writes its outputs.</summary>
    public SearchReport Run(CancellationToken cancel = default)
    {
        Validate();
        var generator = new RandomStructureGenerator(_options.Generator);
        SearchJournal journal;
        if (_options.OutputDirectory is string dir)
        {
            Directory.CreateDirectory(dir);
            journal = SearchJournal.Open(Path.Combine(dir, "journal.jsonl"), Fingerprint());
        }
        else journal = SearchJournal.InMemory();

        using (journal)
        {
            var clock = Stopwatch.StartNew();
            int resumed = journal.Resumed, doneThisRun = 0;
            var done = new HashSet<long>(journal.Records.Select(r => r.Trial));
            long forceCalls = journal.Records.Sum(r => (long)r.ForceCalls);
            // Variable composition: "best" is the lowest energy per atom (totals of different cells do not compare).
            bool perAtom = _options.Variable != null;
            double Score(TrialRecord r) => perAtom && r.Numbers is { Length: > 0 } n ? r.Energy / n.Length : r.Energy;
            double best = journal.Records.Where(r => r.Status != "failed" && r.Status != "unplaced").Select(Score).DefaultIfEmpty(double.PositiveInfinity).Min();
            bool stop = ReachedStop(best);
            int total = _options.Trials;

            void Record(TrialRecord rec)
            {
                journal.Add(rec);
                done.Add(rec.Trial);
                doneThisRun++;
                forceCalls += rec.ForceCalls;
                if (rec.Status != "failed" && rec.Status != "unplaced" && Score(rec) < best) best = Score(rec);
                if (ReachedStop(best)) stop = true;
                Progress?.Invoke(new SearchProgress(done.Count(t => t < total), total, best, perAtom ? 1 : _options.Generator.Numbers.Length, forceCalls, clock.Elapsed.TotalSeconds, doneThisRun, perAtom));
            }

            var relaxer = new BatchRelaxer(_computer, _options.Relaxation) { MaxBatchAtoms = _options.MaxBatchAtoms };
            if (!stop)
            {
                if (_options.Mode == SearchMode.Random) RunRandom(generator, relaxer, done, Record, () => stop, cancel);
                else if (_options.Mode == SearchMode.Evolutionary) RunEvolutionary(generator, relaxer, journal.Records, done, Record, () => stop, cancel);
                else RunBasinHopping(generator, relaxer, journal.Records, done, Record, () => stop, cancel);
            }

            var trials = journal.Records.Where(r => r.Trial < total).OrderBy(r => r.Trial).ToList();
            // Crystals: the space group is part of a structure's identity (cubic and hexagonal diamond have the
            // same energy under SW and the same 12 nearest-neighbour distances) and is written on every result.
            string? note = null, hullNote;
            Func<TrialRecord, Symmetry.SpaceGroup?>? symmetry = null;
            if (_options.Generator.Cell == CandidateCell.Periodic)
            {
                if (Symmetry.Spglib.IsAvailable) symmetry = t => Symmetry.Spglib.Analyse(t.ToStructure(), _options.SymmetryTolerance);
                else note = Symmetry.Spglib.MissingMessage;
            }
            var ranked = Rank(trials, _options.Dedup, symmetry);
            Hull.BinaryHull? hull = null;
            if (_options.Variable is { } vc) (ranked, hull, hullNote) = AddHull(ranked, vc);
            else hullNote = null;
            var report = new SearchReport
            {
                Hull = hull,
                Trials = trials, Ranked = ranked, Resumed = resumed, RunThisTime = doneThisRun, Seconds = clock.Elapsed.TotalSeconds,
                ReachedStopEnergy = stop, Interrupted = cancel.IsCancellationRequested && !stop && trials.Count < total,
            };
            if (note != null) report.Notes.Add(note);
            if (hullNote != null) report.Notes.Add(hullNote);
            if (_options.OutputDirectory is string outDir) SearchOutputs.Write(outDir, report, _options);
            return report;
        }
    }

    /// <summary>
    /// The unrelaxed candidates of a random search, trial by trial (trial k is the same structure a run relaxes as
    /// trial k): to inspect the generator or to relax the same starts with another code.
    /// </summary>
    public IEnumerable<(long Trial, GeneratedCandidate Candidate)> Candidates()
    {
        Validate();
        if (_options.Mode != SearchMode.Random) throw new SearchSettingsException("mode: only a random search's candidates are known before relaxing (basin hopping and evolution build on relaxed minima)");
        var generator = new RandomStructureGenerator(_options.Generator);
        for (long t = 0; t < _options.Trials; t++) yield return (t, Generate(t, generator));
    }

    private readonly Dictionary<string, GeneratedCandidate?> _unfit = new();
    private readonly Dictionary<string, RandomStructureGenerator> _generators = new();

    /// <summary>
    /// Candidate <paramref name="t"/> from the fixed generator, or from one for the trial's drawn composition;
    /// a drawn composition that none of the allowed space groups fits is an unplaced trial, not an error.
    /// </summary>
    private GeneratedCandidate Generate(long t, RandomStructureGenerator fixedGenerator)
    {
        if (_options.Variable is not { } vc) return fixedGenerator.Generate(_options.Seed, t);
        var numbers = vc.Draw(_options.Seed, t);
        string key = string.Join(",", numbers);
        if (_unfit.TryGetValue(key, out var unfit)) return unfit!;
        if (!_generators.TryGetValue(key, out var g))
        {
            try { _generators[key] = g = new RandomStructureGenerator(_options.Generator with { Numbers = numbers }); }
            catch (SearchSettingsException e) { return _unfit[key] = new GeneratedCandidate(null, e.Message); }
        }
        return g.Generate(_options.Seed, t);
    }

    /// <summary>
    /// Formation energies against the lowest energy per atom among the pure-element results, the convex hull of
    /// the ranked results (binary: <see cref="Hull.BinaryHull"/>, returned for the plot; three or more elements:
    /// <see cref="Hull.CompositionHull"/>), and each one's energy above it. Without every reference the ranking is
    /// returned as it is with a note saying which element was not found.
    /// </summary>
    /// <remarks>E_f = (E − Σ_c n_c μ_c)/N with μ_c the lowest energy per atom of pure c among the results.</remarks>
    public static (List<RankedStructure> Ranked, Hull.BinaryHull? Hull, string? Note) AddHull(List<RankedStructure> ranked, VariableComposition vc)
    {
        double Mu(int z) => ranked.Where(r => r.Best.Numbers!.All(n => n == z)).Select(r => r.EnergyPerAtom).DefaultIfEmpty(double.NaN).Min();
        var mu = vc.Elements.Select(Mu).ToArray();
        var missing = vc.Elements.Where((z, c) => double.IsNaN(mu[c])).Select(Element.Symbol).ToList();
        if (missing.Count > 0)
            return (ranked, null, $"no pure {string.Join(" or ", missing)} structure was found among the converged trials, so formation energies and the hull are left empty (run more trials)");
        int k = vc.Elements.Length;
        var withEf = ranked.Select(r =>
        {
            var counts = vc.Elements.Select(z => r.Best.Numbers!.Count(n => n == z)).ToArray();
            int total = counts.Sum();
            var x = counts.Select(c => (double)c / total).ToArray();
            int pure = Array.FindIndex(counts, c => c == total);
            // The references themselves are exactly 0 (not an ulp away).
            double ef = pure >= 0 && r.EnergyPerAtom == mu[pure] ? 0.0 : (r.Best.Energy - counts.Select((c, e) => c * mu[e]).Sum()) / total;
            return r with { FractionB = x[1], Fractions = x, FormationEnergy = ef };
        }).ToList();
        if (k == 2)
        {
            var hull = Hull.BinaryHull.Build(withEf.Select(r => (r.FractionB!.Value, r.FormationEnergy!.Value)));
            var vertices = hull.Vertices.ToHashSet();
            var result = withEf.Select(r =>
            {
                var p = (r.FractionB!.Value, r.FormationEnergy!.Value);
                // Every point built the hull, so a negative value is rounding: on the hull is 0.
                double above = vertices.Contains(p) ? 0.0 : Math.Max(0.0, hull.EnergyAboveHull(p.Item1, p.Item2));
                return r with { EnergyAboveHull = above };
            }).ToList();
            return (result, hull, null);
        }
        var general = Hull.CompositionHull.Build(k, withEf.Select(r => (r.Fractions!, r.FormationEnergy!.Value)));
        // On the hull to 10⁻⁹ eV/atom is 0; a point the hull was built from cannot lie below it.
        return (withEf.Select(r =>
        {
            double above = general.EnergyAboveHull(r.Fractions!, r.FormationEnergy!.Value);
            return r with { EnergyAboveHull = above < 1e-9 ? 0.0 : above };
        }).ToList(), null, null);
    }

    private bool ReachedStop(double best) => _options.StopEnergy is double target && best <= target;

    private void RunRandom(RandomStructureGenerator generator, BatchRelaxer relaxer, HashSet<long> done,
        Action<TrialRecord> record, Func<bool> stop, CancellationToken cancel)
    {
        IEnumerable<RelaxationJob> Jobs()
        {
            for (long t = 0; t < _options.Trials; t++)
            {
                if (stop() || cancel.IsCancellationRequested) yield break;
                if (done.Contains(t)) continue;
                var g = Generate(t, generator);
                if (!g.Placed) { record(new TrialRecord { Trial = t, Status = "unplaced", Reason = g.Failure! }); continue; }
                yield return new RelaxationJob(t, g.Structure!, Tag: g.SpaceGroup);
            }
        }
        foreach (var outcome in relaxer.Run(Jobs()))
        {
            var trial = FromOutcome(outcome, 0, accepted: false);
            if (outcome.Job.Tag is int group) trial = trial with { GeneratedSpaceGroup = group };
            record(trial);
            if (cancel.IsCancellationRequested) break;
        }
    }

    private void RunBasinHopping(RandomStructureGenerator generator, BatchRelaxer relaxer, IReadOnlyList<TrialRecord> previous,
        HashSet<long> done, Action<TrialRecord> record, Func<bool> stop, CancellationToken cancel)
    {
        var hop = _options.BasinHopping;
        int walkers = hop.Walkers;
        var chains = Enumerable.Range(0, walkers).Select(_ => new Walker(hop)).ToArray();
        // Replay the journal: each walker's current minimum, step size and acceptance counts.
        foreach (var r in previous.OrderBy(r => r.Trial))
            if (r.Walker < walkers) chains[r.Walker].Replay(r);

        for (long round = 0; round * walkers < _options.Trials; round++)
        {
            if (stop() || cancel.IsCancellationRequested) return;
            var jobs = new List<RelaxationJob>();
            for (int w = 0; w < walkers; w++)
            {
                long t = round * walkers + w;
                if (t >= _options.Trials) break;
                if (done.Contains(t)) continue;
                var rng = Xoshiro256.Stream(_options.Seed ^ HopStream, (ulong)t);
                var chain = chains[w];
                if (chain.Current is null)
                {
                    var g = generator.Generate(_options.Seed, t);
                    if (!g.Placed) { record(new TrialRecord { Trial = t, Walker = w, Status = "unplaced", Reason = g.Failure! }); continue; }
                    jobs.Add(new RelaxationJob(t, g.Structure!, (w, rng, 0.0)));
                }
                else
                {
                    double step = chain.BeginHop();
                    jobs.Add(new RelaxationJob(t, Displace(chain.Current, step, rng, generator), (w, rng, step)));
                }
            }
            if (jobs.Count == 0) continue;
            foreach (var o in relaxer.Run(jobs).OrderBy(o => o.Job.Id).ToList())
            {
                var (w, rng, step) = ((int, Xoshiro256, double))o.Job.Tag!;
                var chain = chains[w];
                bool usable = o.Status != RelaxationStatus.Failed && o.Final != null && double.IsFinite(o.Final.Energy);
                bool accept = false;
                if (usable)
                {
                    double e = o.Final!.Energy;
                    if (chain.Current is null) accept = true;
                    else
                    {
                        // Metropolis on the relaxed energies: always downhill, uphill with probability exp(−ΔE/kT).
                        double de = e - chain.Energy;
                        double u = rng.NextDouble();
                        accept = de <= 0 || (hop.Temperature > 0 && u < Math.Exp(-de / hop.Temperature));
                    }
                }
                if (step > 0) chain.Report(accept);
                if (accept) chain.MoveTo(o.Final!.ToStructure(), o.Final.Energy);
                record(FromOutcome(o, w, accept) with { Step = step });
            }
        }
    }

    /// <summary>One basin-hopping chain: its current minimum and its adaptive step (SciPy's AdaptiveStepsize).</summary>
    private sealed class Walker(BasinHoppingSettings settings)
    {
        private long _hops, _accepted;
        public AtomicStructure? Current { get; private set; }
        public double Energy { get; private set; }
        public double Step { get; private set; } = settings.Step;

        /// <summary>Counts a hop and returns its step (adjusted every <see cref="BasinHoppingSettings.Interval"/> hops).</summary>
        public double BeginHop()
        {
            _hops++;
            if (settings.Adaptive && _hops % settings.Interval == 0)
                Step = (double)_accepted / _hops > settings.TargetAcceptance ? Step / settings.Factor : Step * settings.Factor;
            return Step;
        }

        public void Report(bool accepted) { if (accepted) _accepted++; }
        public void MoveTo(AtomicStructure s, double energy) { Current = s; Energy = energy; }

        /// <summary>Repeats, for a journaled trial, what the live loop did.</summary>
        public void Replay(TrialRecord r)
        {
            if (r.Step > 0) { BeginHop(); Report(r.Accepted); }
            if (r.Accepted) MoveTo(r.ToStructure(), r.Energy);
        }
    }

    /// <summary>
    /// Every atom moved by a vector uniform in [−step, step]³ (Å), one atom after the other; a displacement that
    /// brings the atom closer than its minimum distance (<paramref name="generator"/>'s) to any other atom's
    /// current position is redrawn (up to 100 times, then the atom stays). The last of each pair to move is
    /// checked against the other's final position, so the result honours the minimum distances: a start with
    /// fused atoms would only explode in the relaxation.
    /// </summary>
    internal static AtomicStructure Displace(AtomicStructure s, double step, Xoshiro256 rng, RandomStructureGenerator? generator = null)
    {
        var r = (Vec3[])s.Positions.Clone();
        var moved = new AtomicStructure((int[])s.Numbers.Clone(), r, s.Cell);
        for (int i = 0; i < r.Length; i++)
        {
            var old = r[i];
            for (int attempt = 0; attempt < 100; attempt++)
            {
                r[i] = old + step * new Vec3(2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1, 2 * rng.NextDouble() - 1);
                if (generator == null || generator.AtomClears(moved, i)) break;
                r[i] = old;
            }
        }
        return moved;
    }

    private static TrialRecord FromOutcome(RelaxationOutcome o, int walker, bool accepted)
    {
        string status = o.Status switch
        {
            RelaxationStatus.Converged => "converged",
            RelaxationStatus.NotConverged => "not_converged",
            _ => "failed",
        };
        int[]? numbers = null; double[]? positions = null, cell = null; bool periodic = false;
        double energy = double.NaN;
        if (o.Final != null && o.Status != RelaxationStatus.Failed)
        {
            (numbers, positions, cell, periodic) = TrialRecord.Pack(o.Final.ToStructure());
            energy = o.Final.Energy;
        }
        return new TrialRecord
        {
            Trial = o.Job.Id, Walker = walker, Status = status, Reason = o.Reason, Energy = energy, Steps = o.Steps,
            ForceCalls = o.ForceCalls, Fmax = o.Fmax, Accepted = accepted, Numbers = numbers, Positions = positions, Cell = cell, Periodic = periodic,
        };
    }

    /// <summary>
    /// Distinct converged structures by energy per atom: trials are taken in order of energy and each joins
    /// the first distinct structure it matches (<see cref="StructureFingerprint.Matches"/>, and the same space
    /// group when <paramref name="symmetry"/> is given), else starts a new one.
    /// </summary>
    public static List<RankedStructure> Rank(IReadOnlyList<TrialRecord> trials, DedupSettings dedup, Func<TrialRecord, Symmetry.SpaceGroup?>? symmetry = null)
    {
        var minima = trials.Where(t => t.IsMinimum).OrderBy(t => t.Energy / t.Numbers!.Length).ThenBy(t => t.Trial).ToList();
        var groups = new List<(StructureFingerprint Fp, int Group, TrialRecord Best, long First, int Count, Symmetry.SpaceGroup? Sg)>();
        foreach (var t in minima)
        {
            var fp = StructureFingerprint.Create(t.ToStructure(), t.Energy / t.Numbers!.Length);
            var sg = symmetry?.Invoke(t);
            int match = -1;
            // Groups are sorted by energy, so only those within the energy tolerance need a geometry check.
            for (int g = groups.Count - 1; g >= 0; g--)
            {
                if (fp.EnergyPerAtom - groups[g].Fp.EnergyPerAtom > dedup.EnergyTolerance) break;
                if (symmetry != null && groups[g].Sg?.Number != sg?.Number) continue;
                if (fp.Matches(groups[g].Fp, dedup.DistanceTolerance, dedup.EnergyTolerance)) { match = g; break; }
            }
            if (match < 0) groups.Add((fp, groups.Count, t, t.Trial, 1, sg));
            else { var x = groups[match]; groups[match] = (x.Fp, x.Group, x.Best, Math.Min(x.First, t.Trial), x.Count + 1, x.Sg); }
        }
        // Force calls up to each trial, in trial order.
        var cumulative = new Dictionary<long, long>();
        long sum = 0;
        foreach (var t in trials.OrderBy(t => t.Trial)) { sum += t.ForceCalls; cumulative[t.Trial] = sum; }
        return groups.Select((g, i) => new RankedStructure
        {
            Rank = i + 1, Best = g.Best, FoundAtTrial = g.First, TimesFound = g.Count,
            ForceCallsToFind = cumulative.GetValueOrDefault(g.First), SpaceGroup = g.Sg,
        }).ToList();
    }

    /// <summary>Throws <see cref="SearchSettingsException"/> (message starting with the config key) for settings that cannot work.</summary>
    public void Validate()
    {
        if (_options.Trials < 1) throw new SearchSettingsException($"trials: must be at least 1, found {_options.Trials}");
        var species = new HashSet<int>(_computer.ForceField.Species);
        foreach (int z in _options.Generator.Numbers.Distinct())
            if (!species.Contains(z))
                throw new SearchSettingsException($"composition: element {Element.Symbol(z)} is not described by the potential (it has {string.Join(", ", _computer.ForceField.Species.Select(Element.Symbol))})");
        if (_options.Variable is { } v)
        {
            foreach (int z in v.Elements)
                if (!species.Contains(z))
                    throw new SearchSettingsException($"elements: {Element.Symbol(z)} is not described by the potential (it has {string.Join(", ", _computer.ForceField.Species.Select(Element.Symbol))})");
            if (v.Elements.Length < 2 || v.Elements.Distinct().Count() != v.Elements.Length) throw new SearchSettingsException("elements: must name two or more different elements");
            if (v.MinAtoms < 1 || v.MaxAtoms < v.MinAtoms) throw new SearchSettingsException($"atoms: needs 1 <= min <= max, found min {v.MinAtoms}, max {v.MaxAtoms}");
            if (_options.Generator.Cell != CandidateCell.Periodic) throw new SearchSettingsException("cell: variable composition (elements) searches periodic cells only; use cell: periodic or a fixed composition");
            if (_options.Mode != SearchMode.Random) throw new SearchSettingsException("mode: variable composition (elements) needs mode: random (basin hopping and evolution keep one composition)");
            if (_options.StopEnergy != null) throw new SearchSettingsException("stop_energy: is a total energy of one composition; leave it out with a variable composition (elements)");
        }
        if (_options.Mode == SearchMode.Evolutionary) _options.Evolution.Validate();
        if (_options.Mode == SearchMode.BasinHopping)
        {
            if (_options.BasinHopping.Walkers < 1) throw new SearchSettingsException("basin_hopping.walkers: must be at least 1");
            if (_options.BasinHopping.Adaptive && (_options.BasinHopping.Interval < 1 || !(_options.BasinHopping.TargetAcceptance is > 0 and < 1) || !(_options.BasinHopping.Factor is > 0 and < 1)))
                throw new SearchSettingsException("basin_hopping: interval must be at least 1, target_acceptance and the factor in (0, 1)");
            if (!(_options.BasinHopping.Step > 0)) throw new SearchSettingsException("basin_hopping.step: must be positive");
            if (!(_options.BasinHopping.Temperature >= 0)) throw new SearchSettingsException("basin_hopping.temperature: must be non-negative");
        }
    }

    /// <summary>What determines the trials' outcomes, for the journal header.</summary>
    internal string Fingerprint()
    {
        var ci = CultureInfo.InvariantCulture;
        var g = _options.Generator;
        var sb = new StringBuilder();
        sb.Append("v1|").Append(_options.PotentialIdentity).Append('|').Append(string.Join(",", g.Numbers)).Append('|').Append(g.Cell);
        sb.Append("|md=").Append(string.Join(",", g.MinDistances.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.Item1}-{kv.Key.Item2}:{kv.Value.ToString("R", ci)}")));
        sb.Append("|mdf=").Append(g.MinDistanceFactor.ToString("R", ci)).Append("|v=").Append(g.EffectiveVolumePerAtom().ToString("R", ci));
        sb.Append("|gen=").Append(g.AttemptsPerAtom).Append(',').Append(g.Restarts).Append(',').Append(g.MinCellAngle.ToString("R", ci)).Append(',').Append(g.MaxAspectRatio.ToString("R", ci));
        if (_options.Variable is { } vc) sb.Append("|var=").Append(vc);
        sb.Append("|mode=").Append(_options.Mode).Append("|seed=").Append(_options.Seed);
        sb.Append("|relax=").Append(_options.Relaxation with { }).Append(_options.Relaxation.Optimizer);
        if (_options.Mode == SearchMode.BasinHopping) sb.Append("|hop=").Append(_options.BasinHopping);
        if (_options.Mode == SearchMode.Evolutionary) sb.Append("|evo=").Append(_options.Evolution);
        if (g.SpaceGroups is { } groups) sb.Append("|sg=").Append(string.Join(",", groups));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }
}
