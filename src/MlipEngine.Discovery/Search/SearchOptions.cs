using MlipEngine.Discovery.Generation;
using MlipEngine.Dynamics.Relaxation;

namespace MlipEngine.Discovery.Search;

/// <summary>How trials are proposed.</summary>
public enum SearchMode
{
    /// <summary>Every trial is a fresh random candidate, relaxed (AIRSS-style random search).</summary>
    Random,
    /// <summary>
    /// Basin hopping (Wales &amp; Doye 1997): each walker's trial displaces every atom of its current minimum by
    /// a uniform random vector in [−step, step]³, relaxes it, and accepts the new minimum with probability
    /// min(1, exp(−(E_new − E_cur)/T)).
    /// </summary>
    BasinHopping,
    /// <summary>
    /// Evolution (USPEX / ASE GA): a first generation of random candidates, then generations bred from the
    /// lowest-energy distinct minima found so far by heredity, lattice strain, permutation and rattle
    /// (<see cref="EvolutionSettings"/>).
    /// </summary>
    Evolutionary,
}

/// <summary>
/// Evolutionary search: generation g holds trials [g·P, (g+1)·P). Its parents come from the pool of the
/// <see cref="Population"/> lowest-energy distinct minima (fingerprint niching, as in ranking) of all earlier
/// generations, chosen by tournaments of <see cref="Tournament"/>; each child is made by one operator drawn with
/// the given weights (those that do not apply — strain to clusters, permutation to one species — are left out).
/// </summary>
public sealed record EvolutionSettings
{
    /// <summary>Trials per generation (P) and the size of the parent pool.</summary>
    public int Population { get; init; } = 20;
    public double Heredity { get; init; } = 0.5;
    public double Strain { get; init; } = 0.2;
    public double Permutation { get; init; } = 0.1;
    public double Rattle { get; init; } = 0.2;
    /// <summary>
    /// Weight of fresh random candidates (symmetric when <c>symmetry</c> is set) among the children, as USPEX keeps a
    /// fraction of random structures in every generation: they keep the search from closing on one funnel.
    /// </summary>
    public double Random { get; init; } = 0.2;
    /// <summary>Standard deviation of each strain component.</summary>
    public double StrainSigma { get; init; } = 0.1;
    /// <summary>Rattle: each Cartesian displacement uniform in ±this fraction of the shortest minimum distance.</summary>
    public double RattleFraction { get; init; } = 0.3;
    /// <summary>Candidates per tournament; the lowest-energy one becomes a parent.</summary>
    public int Tournament { get; init; } = 3;

    public void Validate()
    {
        if (Population < 2) throw new SearchSettingsException($"evolution.population: must be at least 2, found {Population}");
        if (Tournament < 1) throw new SearchSettingsException($"evolution.tournament: must be at least 1, found {Tournament}");
        foreach (var (key, w) in new[] { ("heredity", Heredity), ("strain", Strain), ("permutation", Permutation), ("rattle", Rattle), ("random", Random) })
            if (!(w >= 0) || !double.IsFinite(w)) throw new SearchSettingsException($"evolution.{key}: must be a non-negative weight, found {w}");
        if (Heredity + Strain + Permutation + Rattle + Random <= 0) throw new SearchSettingsException("evolution: at least one operator weight must be positive");
        if (!(StrainSigma > 0)) throw new SearchSettingsException($"evolution.strain_sigma: must be positive, found {StrainSigma}");
        if (!(RattleFraction > 0)) throw new SearchSettingsException($"evolution.rattle: the step fraction must be positive, found {RattleFraction}");
    }
}

/// <summary>Basin-hopping parameters.</summary>
public sealed record BasinHoppingSettings
{
    /// <summary>Largest displacement per Cartesian component, Å.</summary>
    public double Step { get; init; } = 0.4;
    /// <summary>Metropolis temperature as an energy kT, eV (on the total energy).</summary>
    public double Temperature { get; init; } = 0.8;
    /// <summary>Independent chains hopping side by side (their relaxations share one batch).</summary>
    public int Walkers { get; init; } = 1;
    /// <summary>
    /// Adapt the step as SciPy's <c>basinhopping</c> does by default: every <see cref="Interval"/> hops of a
    /// walker, the step is divided by <see cref="Factor"/> when the walker's acceptance rate so far exceeds
    /// <see cref="TargetAcceptance"/>, else multiplied by it.
    /// </summary>
    public bool Adaptive { get; init; } = true;
    public int Interval { get; init; } = 50;
    public double TargetAcceptance { get; init; } = 0.5;
    public double Factor { get; init; } = 0.9;
}

/// <summary>When two relaxed structures are the same (see <see cref="Fingerprints.StructureFingerprint"/>).</summary>
public sealed record DedupSettings
{
    /// <summary>Largest difference of corresponding sorted distances, Å.</summary>
    public double DistanceTolerance { get; init; } = 0.05;
    /// <summary>Largest difference of energy per atom, eV/atom.</summary>
    public double EnergyTolerance { get; init; } = 0.002;
}

/// <summary>
/// Variable composition of two or more elements: each trial draws its total atom count uniformly from
/// [<see cref="MinAtoms"/>, <see cref="MaxAtoms"/>], then its composition uniformly among all ways of splitting
/// n atoms over the elements (zeros allowed, so the pure elements, the hull's references, are drawn too), from its
/// own random stream (seed, trial). For two elements this is the count of B uniform in 0 … n.
/// </summary>
public sealed record VariableComposition(int[] Elements, int MinAtoms, int MaxAtoms)
{
    private const ulong CompositionStream = 0xC0A1B2C3D4E5F607UL;

    public VariableComposition(int elementA, int elementB, int minAtoms, int maxAtoms) : this([elementA, elementB], minAtoms, maxAtoms) { }

    public int ElementA => Elements[0];
    public int ElementB => Elements[1];

    /// <summary>Trial <paramref name="trial"/>'s atomic numbers (grouped by element, in the order of <see cref="Elements"/>).</summary>
    public int[] Draw(ulong seed, long trial)
    {
        var rng = Dynamics.Randomness.Xoshiro256.Stream(seed ^ CompositionStream, (ulong)trial);
        int n = MinAtoms + (int)Math.Min(MaxAtoms - MinAtoms, Math.Floor(rng.NextDouble() * (MaxAtoms - MinAtoms + 1)));
        int k = Elements.Length;
        var counts = new int[k];
        if (k == 2)
        {
            counts[1] = (int)Math.Min(n, Math.Floor(rng.NextDouble() * (n + 1)));
            counts[0] = n - counts[1];
        }
        else
        {
            // Stars and bars: the k − 1 bars at a uniformly random (k−1)-subset of the n + k − 1 slots.
            var bars = new SortedSet<int>();
            while (bars.Count < k - 1) bars.Add((int)Math.Min(n + k - 2, Math.Floor(rng.NextDouble() * (n + k - 1))));
            int previous = -1, e = 0;
            foreach (int bar in bars) { counts[e++] = bar - previous - 1; previous = bar; }
            counts[k - 1] = n + k - 2 - previous;
        }
        return Enumerable.Range(0, k).SelectMany(c => Enumerable.Repeat(Elements[c], counts[c])).ToArray();
    }

    public bool Equals(VariableComposition? other) =>
        other is not null && Elements.SequenceEqual(other.Elements) && MinAtoms == other.MinAtoms && MaxAtoms == other.MaxAtoms;

    public override int GetHashCode() => HashCode.Combine(string.Join(",", Elements), MinAtoms, MaxAtoms);

    /// <summary>Stable text for the journal's fingerprint (two elements: as written before more were allowed).</summary>
    public override string ToString() => Elements.Length == 2
        ? $"VariableComposition {{ ElementA = {ElementA}, ElementB = {ElementB}, MinAtoms = {MinAtoms}, MaxAtoms = {MaxAtoms} }}"
        : $"VariableComposition {{ Elements = {string.Join(",", Elements)}, MinAtoms = {MinAtoms}, MaxAtoms = {MaxAtoms} }}";
}

/// <summary>Everything a <see cref="StructureSearch"/> needs besides the bound force field.</summary>
public sealed record SearchOptions
{
    public required GeneratorSettings Generator { get; init; }
    /// <summary>
    /// Variable composition (periodic random search only): each trial's atoms are drawn by
    /// <see cref="VariableComposition.Draw"/> and replace <see cref="GeneratorSettings.Numbers"/>; the ranked
    /// results get formation energies and energies above the convex hull. Null: the fixed composition of the generator.
    /// </summary>
    public VariableComposition? Variable { get; init; }
    public SearchMode Mode { get; init; } = SearchMode.Random;
    /// <summary>Relaxations to run (the budget), trials 0 … Trials−1.</summary>
    public int Trials { get; init; } = 100;
    public ulong Seed { get; init; } = 1;
    /// <summary>Local relaxation of every trial (clusters: positions only; crystals: positions and cell).</summary>
    public RelaxationSettings Relaxation { get; init; } = new();
    public BasinHoppingSettings BasinHopping { get; init; } = new();
    public EvolutionSettings Evolution { get; init; } = new();
    public DedupSettings Dedup { get; init; } = new();
    /// <summary>Stop once a relaxed structure's total energy is at or below this, eV (null: use the whole budget).</summary>
    public double? StopEnergy { get; init; }
    /// <summary>Output folder (journal, ranked.xyz, summary.csv, search.json); null keeps everything in memory.</summary>
    public string? OutputDirectory { get; init; }
    /// <summary>spglib's position tolerance for the space group of each ranked crystal, Å.</summary>
    public double SymmetryTolerance { get; init; } = 0.1;
    /// <summary>Atom budget of one relaxation batch.</summary>
    public int MaxBatchAtoms { get; init; } = 2048;
    /// <summary>
    /// Identifies the potential in the journal header (e.g. its file and a hash of its text), so a journal
    /// written with another potential is refused.
    /// </summary>
    public string PotentialIdentity { get; init; } = "";
}
