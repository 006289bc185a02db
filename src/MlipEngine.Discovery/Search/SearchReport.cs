namespace MlipEngine.Discovery.Search;

/// <summary>A distinct relaxed structure of the ranking.</summary>
public sealed record RankedStructure
{
    /// <summary>1 = lowest energy per atom.</summary>
    public int Rank { get; init; }
    /// <summary>The lowest-energy trial that found this structure (its geometry is the one written).</summary>
    public required TrialRecord Best { get; init; }
    /// <summary>First trial (lowest index) that found it.</summary>
    public long FoundAtTrial { get; init; }
    /// <summary>Trials that relaxed into it.</summary>
    public int TimesFound { get; init; }
    /// <summary>Force evaluations of the whole search up to and including the trial that first found it (trial order).</summary>
    public long ForceCallsToFind { get; init; }
    public double EnergyPerAtom => Best.Energy / Best.Numbers!.Length;
    /// <summary>Space group of a periodic structure (spglib, <see cref="SearchOptions.SymmetryTolerance"/>); null for clusters or without spglib.</summary>
    public Symmetry.SpaceGroup? SpaceGroup { get; init; }
    /// <summary>Variable composition: formation energy per atom against the lowest pure-element results, eV/atom (null when a reference is missing).</summary>
    public double? FormationEnergy { get; init; }
    /// <summary>Variable composition: energy above the convex hull of the results, eV/atom (0 on the hull).</summary>
    public double? EnergyAboveHull { get; init; }
    /// <summary>Fraction of the second element (variable composition).</summary>
    public double? FractionB { get; init; }
    /// <summary>Fractions of every element of the variable composition, in its order.</summary>
    public double[]? Fractions { get; init; }
}

/// <summary>Progress of a running search.</summary>
/// <remarks><see cref="BestEnergyPerAtomOnly"/>: variable composition, where <see cref="BestEnergy"/> is the lowest energy per atom and <see cref="Atoms"/> is 1.</remarks>
public readonly record struct SearchProgress(int Done, int Total, double BestEnergy, int Atoms, long ForceCalls, double Seconds, int DoneThisRun, bool BestEnergyPerAtomOnly = false)
{
    /// <summary>Trials finished per second in this run.</summary>
    public double TrialsPerSecond => Seconds > 0 ? DoneThisRun / Seconds : 0;
}

/// <summary>What a search did and found.</summary>
public sealed class SearchReport
{
    public required IReadOnlyList<TrialRecord> Trials { get; init; }
    public required IReadOnlyList<RankedStructure> Ranked { get; init; }
    /// <summary>Trials read back from the journal of an earlier run.</summary>
    public int Resumed { get; init; }
    /// <summary>Trials finished by this run.</summary>
    public int RunThisTime { get; init; }
    public double Seconds { get; init; }
    /// <summary>Set when the search stopped early because a structure reached <see cref="SearchOptions.StopEnergy"/>.</summary>
    public bool ReachedStopEnergy { get; init; }
    /// <summary>Things the user should know (e.g. spglib missing, so no space groups).</summary>
    public List<string> Notes { get; } = new();
    /// <summary>Set when the search was interrupted (cancellation) before its budget was spent.</summary>
    public bool Interrupted { get; init; }
    /// <summary>Variable composition: the convex hull of the ranked results (null for a fixed composition or a missing reference).</summary>
    public Hull.BinaryHull? Hull { get; init; }

    /// <summary>Relaxations run (every trial except those whose candidate could not be placed), earlier runs included.</summary>
    public int Relaxations => Trials.Count(t => t.Status != "unplaced");
    /// <summary>Force evaluations (one per system per force call) over all trials, earlier runs included.</summary>
    public long ForceCalls => Trials.Sum(t => (long)t.ForceCalls);
    public int Converged => Trials.Count(t => t.Status == "converged");
    public int NotConverged => Trials.Count(t => t.Status == "not_converged");
    public int Failed => Trials.Count(t => t.Status == "failed");
    public int Unplaced => Trials.Count(t => t.Status == "unplaced");
    public double BestEnergy => Ranked.Count > 0 ? Ranked[0].Best.Energy : double.NaN;
}
