using System.Diagnostics;
using MlipEngine.ForceFields;
using MlipEngine.State;
using MlipEngine.Workflows.Properties;

namespace MlipEngine.Discovery.Optimization;

/// <summary>Which quantity of a decorated crystal a <see cref="CrystalObjective"/> returns.</summary>
public enum CrystalProperty { EnergyPerAtom, FormationEnergy, VolumePerAtom }

/// <summary>How much of a decorated crystal is relaxed before its properties are read.</summary>
public enum CrystalRelaxation { None, Ions, Cell }

/// <summary>What a <see cref="CrystalObjective"/> builds from a design.</summary>
public sealed record CrystalObjectiveSettings
{
    /// <summary>fcc, bcc, hcp, diamond or sc (<see cref="Lattices"/>).</summary>
    public string Lattice { get; init; } = "fcc";
    /// <summary>Value column of a categorical parameter whose choices are lattice names (overrides <see cref="Lattice"/>).</summary>
    public int? LatticeColumn { get; init; }
    public IReadOnlyList<string> LatticeChoices { get; init; } = [];
    /// <summary>n×n×n conventional cells.</summary>
    public int Supercell { get; init; } = 2;
    /// <summary>Value column of the fcc-equivalent lattice constant (Å; volume per atom a³/4 on every lattice); null: <see cref="LatticeConstant"/>.</summary>
    public int? LatticeConstantColumn { get; init; }
    public double LatticeConstant { get; init; } = 3.6;
    /// <summary>Value columns of the composition's fractions and their elements (atomic numbers).</summary>
    public required int[] CompositionColumns { get; init; }
    public required int[] Elements { get; init; }
    public CrystalRelaxation Relax { get; init; } = CrystalRelaxation.Ions;
    /// <summary>One property per objective, in order.</summary>
    public required CrystalProperty[] Properties { get; init; }
    /// <summary>Seed of the fixed site shuffle: one composition always gives one decoration.</summary>
    public int DecorationSeed { get; init; } = 7;
}

/// <summary>
/// An engine workflow as objective: the design's composition decorates an n×n×n supercell of a lattice
/// (atom counts N·x_i rounded by largest remainder, species laid on a fixed random permutation of the sites, so
/// equal compositions give equal structures), at the design's lattice constant; it is relaxed
/// (<see cref="CrystalRelaxation"/>) through <see cref="CrystalEvaluator"/> and the batched relaxer, and the
/// energy per atom, the formation energy per atom ΔE = E/N − Σ_i x_i ε_i (ε_i: each pure element in its lowest
/// lattice among those the design can take, cell relaxed, computed once) or the volume per atom is returned. A relaxation that fails is a failed
/// evaluation. Designs of a batch run one after another (the force field already uses every thread).
/// </summary>
public sealed class CrystalObjective(IForceComputer computer, CrystalObjectiveSettings settings) : IDesignEvaluator
{
    private readonly CrystalEvaluator _evaluator = new(computer) { Fmax = 1e-3, Smax = 1e-5, MaxSteps = 1000 };
    private readonly Dictionary<int, double> _pure = new();

    public IReadOnlyList<(double[]? Values, double Seconds, string? Message)> Evaluate(IReadOnlyList<double[]> designs, CancellationToken cancel) =>
        designs.Select(EvaluateOne).ToList();

    /// <summary>The decorated, unrelaxed supercell of a design.</summary>
    public AtomicStructure Build(double[] design)
    {
        var s = settings;
        double a = s.LatticeConstantColumn is int c ? design[c] : s.LatticeConstant;
        string lattice = s.LatticeColumn is int lc ? s.LatticeChoices[(int)design[lc]] : s.Lattice;
        var cell = Lattices.Supercell(Conventional(lattice, "Cu", a), s.Supercell, s.Supercell, s.Supercell);
        int n = cell.AtomCount;
        var fractions = s.CompositionColumns.Select(col => design[col]).ToArray();
        var counts = LargestRemainder(fractions, n);
        var order = Enumerable.Range(0, n).ToArray();
        new Random(s.DecorationSeed).Shuffle(order);
        var numbers = new int[n];
        int site = 0;
        for (int e = 0; e < counts.Length; e++) for (int k = 0; k < counts[e]; k++) numbers[order[site++]] = s.Elements[e];
        return new AtomicStructure(numbers, (MlipEngine.Geometry.Vec3[])cell.Positions.Clone(), cell.Cell);
    }

    /// <summary>
    /// The conventional cell of <paramref name="lattice"/> at the volume per atom a_fcc³/4 of an fcc crystal of lattice
    /// constant <paramref name="aFcc"/> (a = a_fcc·(n/4)^(1/3), n atoms per conventional cell), so one range of the
    /// lattice-constant parameter means the same densities on every lattice.
    /// </summary>
    public static AtomicStructure Conventional(string lattice, string element, double aFcc) =>
        Lattices.Conventional(lattice, element, aFcc * Math.Cbrt(Lattices.ConventionalAtoms(lattice) / 4.0));

    /// <summary>n_i = ⌊N x_i⌋, then the remaining atoms to the largest remainders N x_i − n_i (ties to the first).</summary>
    public static int[] LargestRemainder(double[] fractions, int total)
    {
        double sum = fractions.Sum();
        var exact = fractions.Select(f => sum > 0 ? f / sum * total : (double)total / fractions.Length).ToArray();
        var counts = exact.Select(v => (int)Math.Floor(v)).ToArray();
        int left = total - counts.Sum();
        foreach (int i in Enumerable.Range(0, fractions.Length).OrderByDescending(i => exact[i] - counts[i]).ThenBy(i => i).Take(left)) counts[i]++;
        return counts;
    }

    private CrystalState Relaxed(AtomicStructure s) => settings.Relax switch
    {
        CrystalRelaxation.Ions => _evaluator.RelaxIons(s),
        CrystalRelaxation.Cell => _evaluator.RelaxCell(s),
        _ => new CrystalState(s, _evaluator.Evaluate(s).Energy, default, true, 0, 0),
    };

    /// <summary>ε of element z: the lowest energy per atom of the pure element over the lattices the design can take, cell relaxed.</summary>
    private double PureEnergyPerAtom(int z)
    {
        if (_pure.TryGetValue(z, out double e)) return e;
        var s = settings;
        var lattices = s.LatticeColumn is null ? [s.Lattice] : s.LatticeChoices;
        return _pure[z] = lattices.Min(l => _evaluator.RelaxCell(Conventional(l, MlipEngine.Chemistry.Element.Symbol(z), s.LatticeConstant)).EnergyPerAtom);
    }

    private (double[]?, double, string?) EvaluateOne(double[] design)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var state = Relaxed(Build(design));
            if (!double.IsFinite(state.Energy)) return (null, clock.Elapsed.TotalSeconds, "non-finite energy");
            var values = settings.Properties.Select(p => p switch
            {
                CrystalProperty.VolumePerAtom => state.VolumePerAtom,
                CrystalProperty.FormationEnergy => state.EnergyPerAtom - FormationReference(state.Structure),
                _ => state.EnergyPerAtom,
            }).ToArray();
            return (values, clock.Elapsed.TotalSeconds, state.Converged ? null : "relaxation not converged");
        }
        catch (Exception e) when (e is PropertiesException or InvalidOperationException or ArgumentException)
        {
            return (null, clock.Elapsed.TotalSeconds, e.Message);
        }
    }

    /// <summary>Σ_i x_i ε_i over the elements actually placed (x_i = n_i/N).</summary>
    private double FormationReference(AtomicStructure s)
    {
        double r = 0;
        foreach (var g in s.Numbers.GroupBy(z => z)) r += (double)g.Count() / s.AtomCount * PureEnergyPerAtom(g.Key);
        return r;
    }
}
