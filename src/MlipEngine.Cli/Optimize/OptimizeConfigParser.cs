using System.Globalization;
using System.Text.RegularExpressions;
using MlipEngine.Chemistry;
using MlipEngine.Cli.Md;
using MlipEngine.Cli.Search;
using MlipEngine.Discovery.Optimization;
using MlipEngine.ForceFields;
using MlipEngine.IO.Yaml;

namespace MlipEngine.Cli.Optimize;

/// <summary>The engine objective of a config: the force field to bind and what to build from a design.</summary>
public sealed record EngineObjectiveConfig(IForceField ForceField, string PotentialLabel, CrystalObjectiveSettings Settings);

/// <summary>A parsed <c>mlip optimize</c> config: the run's options and either an external command or an engine objective.</summary>
public sealed record OptimizeConfig(OptimizationOptions Options, string? Command, TimeSpan Timeout, string WorkingDirectory, EngineObjectiveConfig? Engine, string Device, int Threads);

/// <summary>
/// Parses a <c>mlip optimize</c> YAML config (after <c>--set</c> overrides). Every unknown key or bad value is a
/// <see cref="UsageException"/> (exit 2) of the form <c>opt.yaml: key: problem</c>.
/// </summary>
public static partial class OptimizeConfigParser
{
    public static readonly string[] TopLevelKeys =
    [
        "space", "constraints", "objective", "objectives", "command", "timeout", "engine", "budget", "batch", "initial", "seed",
        "acquisition", "kappa", "kernel", "mean", "output", "device", "threads",
    ];

    public static OptimizeConfig Load(string path, IReadOnlyList<string> overrides) =>
        ConfigReader.LoadMapping(path, overrides, "optimize", "space: ..., objective: ..., budget: ...", Parse);

    public static OptimizeConfig Parse(Dictionary<string, object?> root, string source, string baseDir)
    {
        var r = new ConfigReader(source);
        r.RequireOnly(root, "", TopLevelKeys);
        var space = ParseSpace(r, root);

        // ---- objectives ----
        bool one = root.TryGetValue("objective", out var oNode) && oNode is not null, many = root.TryGetValue("objectives", out var osNode) && osNode is not null;
        if (one && many) throw r.Error("objectives", "give either objective (one) or objectives (a list), not both");
        if (!one && !many) throw r.Error("objective", "is required, e.g. {name: energy, goal: minimize}");
        var objectiveNodes = one ? [oNode] : r.List(root, "", "objectives")!;
        if (objectiveNodes.Count is < 1 or > 4) throw r.Error("objectives", $"must list 1 to 4 objectives, found {objectiveNodes.Count}");
        var objectives = new List<Objective>();
        var properties = new List<string>();
        for (int k = 0; k < objectiveNodes.Count; k++)
        {
            string key = one ? "objective" : $"objectives[{k}]";
            var m = objectiveNodes[k] as Dictionary<string, object?> ?? throw r.Error(key, "must be a mapping {name: ..., goal: minimize|maximize}");
            r.RequireOnly(m, key, "name", "goal", "property");
            string name = r.String(m, key, "name") ?? throw r.Error(key + ".name", "is required");
            if (!NameRegex().IsMatch(name)) throw r.Error(key + ".name", $"'{name}' must be letters, digits, '_' or '-' (it becomes a CSV column)");
            string goal = (r.String(m, key, "goal") ?? "minimize").ToLowerInvariant();
            bool max = goal switch
            {
                "minimize" or "minimise" or "min" => false,
                "maximize" or "maximise" or "max" => true,
                _ => throw r.Error(key + ".goal", $"must be minimize or maximize, found '{goal}'"),
            };
            if (objectives.Any(o => o.Name == name) || space.ColumnNames.Contains(name)) throw r.Error(key + ".name", $"'{name}' is already a parameter or objective name");
            objectives.Add(new Objective(name, max));
            properties.Add(r.String(m, key, "property") ?? name);
        }

        // ---- how to evaluate: command or engine ----
        string? command = r.String(root, "", "command");
        bool hasEngine = root.TryGetValue("engine", out var eNode) && eNode is not null;
        if (command is null == !hasEngine) throw r.Error("command", command is null
            ? "is required: an external command printing the objective value(s) (or an engine: workflow)"
            : "give either command (external) or engine (a workflow), not both");
        if (command is not null)
        {
            foreach (Match ph in PlaceholderRegex().Matches(command))
                if (!space.ColumnNames.Contains(ph.Groups[1].Value))
                    throw r.Error("command", $"placeholder {{{ph.Groups[1].Value}}} is not a parameter (columns: {string.Join(", ", space.ColumnNames)})");
        }
        double timeout = r.Double(root, "", "timeout", 0, exclusiveMin: true) ?? 3600;
        EngineObjectiveConfig? engine = hasEngine ? ParseEngine(r, r.Mapping(eNode, "engine"), space, properties, baseDir) : null;

        // ---- budget and optimiser ----
        long budget = r.Integer(root, "", "budget", 1) ?? 50;
        long batch = r.Integer(root, "", "batch", 1) ?? 1;
        long initial = r.Integer(root, "", "initial", 2) ?? Math.Min(budget, Math.Max(2 * space.CubeDimension + 2, 5));
        if (budget > 100_000) throw r.Error("budget", $"{budget} evaluations is more than a Gaussian process can model (at most 100000)");
        if (batch > 64) throw r.Error("batch", $"must be at most 64 (designs evaluated together), found {batch}");
        if (space.CubeDimension > SobolSequence.MaxDimension)
            throw r.Error("space", $"takes {space.CubeDimension} unit-cube dimensions; Sobol designs are available up to {SobolSequence.MaxDimension}");
        string acq = (r.String(root, "", "acquisition") ?? "log_ei").ToLowerInvariant();
        string kernel = (r.String(root, "", "kernel") ?? "matern52").ToLowerInvariant();
        string mean = (r.String(root, "", "mean") ?? "constant").ToLowerInvariant();
        var settings = new OptimizerSettings
        {
            Initial = (int)initial,
            Seed = (ulong)(r.Integer(root, "", "seed", 0) ?? 1),
            Acquisition = acq switch
            {
                "log_ei" or "logei" => AcquisitionKind.LogEi, "ei" => AcquisitionKind.Ei, "ucb" => AcquisitionKind.Ucb,
                _ => throw r.Error("acquisition", $"must be log_ei, ei or ucb, found '{acq}'"),
            },
            Kappa = r.Double(root, "", "kappa", 0) ?? 2.0,
            Surrogate = new GpFitSettings
            {
                Kernel = kernel switch
                {
                    "matern52" or "matern" => KernelKind.Matern52, "rbf" => KernelKind.Rbf,
                    _ => throw r.Error("kernel", $"must be matern52 or rbf, found '{kernel}'"),
                },
                Mean = mean switch
                {
                    "constant" => MeanKind.Constant, "linear" => MeanKind.Linear, "empirical" => MeanKind.Empirical,
                    _ => throw r.Error("mean", $"must be constant, linear or empirical, found '{mean}'"),
                },
            },
        };
        var options = new OptimizationOptions
        {
            Space = space, Objectives = objectives, Budget = (int)budget, Batch = (int)batch, Optimizer = settings,
            OutputDirectory = Path.GetFullPath(Path.Combine(baseDir, r.String(root, "", "output") ?? "runs/optimize")),
        };
        string device = r.String(root, "", "device") ?? "cpu";
        int threads = (int)(r.Integer(root, "", "threads", 1) ?? Environment.ProcessorCount);
        return new OptimizeConfig(options, command, TimeSpan.FromSeconds(timeout), baseDir, engine, device, threads);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex NameRegex();
    [GeneratedRegex(@"\{([A-Za-z0-9_.-]+)\}")]
    private static partial Regex PlaceholderRegex();

    /// <summary>
    /// <c>space:</c> a mapping of parameter name → {min, max[, log]} (real), {min, max, type: int} (integer),
    /// {choices: [..]} (categorical) or {simplex: [..]} (fractions summing to 1); <c>constraints:</c> linear
    /// inequalities over the value columns, e.g. <c>"x.Cu + 2*a &lt;= 1.5"</c>.
    /// </summary>
    private static DesignSpace ParseSpace(ConfigReader r, Dictionary<string, object?> root)
    {
        var map = r.OptionalMapping(root, "", "space") ?? throw r.Error("space", "is required, e.g. {x: {min: 0, max: 1}}");
        if (map.Count == 0) throw r.Error("space", "has no parameters");
        var parameters = new List<DesignParameter>();
        foreach (var (name, node) in map)
        {
            string key = "space." + name;
            if (!NameRegex().IsMatch(name)) throw r.Error(key, $"'{name}' must be letters, digits, '_' or '-' (it becomes a CSV column)");
            var m = r.Mapping(node, key);
            if (m.ContainsKey("choices"))
            {
                r.RequireOnly(m, key, "choices");
                var choices = r.List(m, key, "choices")!.Select(c => c?.ToString() ?? "").ToList();
                if (choices.Count < 2) throw r.Error(key + ".choices", "needs at least two choices");
                if (choices.Any(c => c.Length == 0 || c.Contains(',') || c.Contains('"'))) throw r.Error(key + ".choices", "choices must be non-empty and contain no commas or quotes");
                if (choices.Distinct().Count() != choices.Count) throw r.Error(key + ".choices", "lists a choice twice");
                parameters.Add(new CategoricalParameter(name, choices));
            }
            else if (m.ContainsKey("simplex"))
            {
                r.RequireOnly(m, key, "simplex");
                var parts = r.List(m, key, "simplex")!.Select(c => c?.ToString() ?? "").ToList();
                if (parts.Count < 2) throw r.Error(key + ".simplex", "needs at least two components");
                if (parts.Any(c => !NameRegex().IsMatch(c))) throw r.Error(key + ".simplex", "component names must be letters, digits, '_' or '-'");
                if (parts.Distinct().Count() != parts.Count) throw r.Error(key + ".simplex", "lists a component twice");
                parameters.Add(new SimplexParameter(name, parts));
            }
            else
            {
                r.RequireOnly(m, key, "min", "max", "log", "type");
                string type = (r.String(m, key, "type") ?? "real").ToLowerInvariant();
                if (type is "int" or "integer")
                {
                    long lo = r.Integer(m, key, "min") ?? throw r.Error(key + ".min", "is required");
                    long hi = r.Integer(m, key, "max") ?? throw r.Error(key + ".max", "is required");
                    if (hi < lo) throw r.Error(key + ".max", $"must be at least min ({lo}), found {hi}");
                    if (m.ContainsKey("log")) throw r.Error(key + ".log", "applies to real parameters only");
                    parameters.Add(new IntegerParameter(name, lo, hi));
                }
                else if (type is "real" or "float" or "continuous")
                {
                    double lo = r.Double(m, key, "min") ?? throw r.Error(key + ".min", "is required (or give choices: [...] or simplex: [...])");
                    double hi = r.Double(m, key, "max") ?? throw r.Error(key + ".max", "is required");
                    if (!(hi > lo)) throw r.Error(key + ".max", $"must be greater than min ({lo.ToString(CultureInfo.InvariantCulture)})");
                    bool log = r.Bool(m, key, "log") ?? false;
                    if (log && !(lo > 0)) throw r.Error(key + ".min", "must be > 0 on a log scale");
                    parameters.Add(new ContinuousParameter(name, lo, hi, log));
                }
                else throw r.Error(key + ".type", $"must be real or int, found '{type}'");
            }
        }
        var columns = parameters.SelectMany(p => p.ColumnNames).ToList();
        var constraints = new List<LinearConstraint>();
        var list = r.List(root, "", "constraints") ?? [];
        for (int i = 0; i < list.Count; i++)
        {
            string key = $"constraints[{i}]";
            string text = list[i] as string ?? throw r.Error(key, "must be a linear inequality such as \"x.Cu + 2*a <= 1.5\"");
            constraints.Add(ParseConstraint(r, key, text, columns));
        }
        return new DesignSpace(parameters, constraints);
    }

    /// <summary>"Σ c·name &lt;= b" or "&gt;= b" (multiplied by −1); a term is "name", "c*name" or "c name".</summary>
    private static LinearConstraint ParseConstraint(ConfigReader r, string key, string text, List<string> columns)
    {
        var ci = CultureInfo.InvariantCulture;
        string op = text.Contains("<=") ? "<=" : text.Contains(">=") ? ">=" : throw r.Error(key, $"'{text}' needs <= or >=");
        var sides = text.Split(op);
        if (sides.Length != 2 || !double.TryParse(sides[1].Trim(), NumberStyles.Float, ci, out double bound))
            throw r.Error(key, $"'{text}' must be 'terms {op} number'");
        double sign = op == "<=" ? 1 : -1;
        var coefficients = new Dictionary<int, double>();
        foreach (Match t in TermRegex().Matches(sides[0]))
        {
            double c = t.Groups[2].Success && t.Groups[2].Value.Length > 0 ? double.Parse(t.Groups[2].Value, ci) : 1;
            if (t.Groups[1].Value == "-") c = -c;
            int col = columns.IndexOf(t.Groups[3].Value);
            if (col < 0) throw r.Error(key, $"'{t.Groups[3].Value}' is not a parameter column (columns: {string.Join(", ", columns)})");
            coefficients[col] = coefficients.GetValueOrDefault(col) + sign * c;
        }
        if (coefficients.Count == 0) throw r.Error(key, $"'{text}' names no parameter");
        return new LinearConstraint(coefficients, sign * bound, text);
    }

    [GeneratedRegex(@"([+-]?)\s*(?:([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*\*?\s*)?([A-Za-z_][A-Za-z0-9_.-]*)")]
    private static partial Regex TermRegex();

    /// <summary>
    /// <c>engine:</c> potential, lattice, supercell, composition (a simplex parameter whose components are elements),
    /// lattice_constant (a real parameter or a number, Å), relax (none | ions | cell); each objective's property
    /// (its name unless given) is energy_per_atom, formation_energy or volume_per_atom.
    /// </summary>
    private static EngineObjectiveConfig ParseEngine(ConfigReader r, Dictionary<string, object?> e, DesignSpace space, List<string> properties, string baseDir)
    {
        r.RequireOnly(e, "engine", "potential", "lattice", "supercell", "composition", "lattice_constant", "relax");
        if (!e.TryGetValue("potential", out var pNode) || pNode is null) throw r.Error("engine.potential", "is required (a spec file, an inline {style: ..., ...} spec or a model file)");
        var (ff, label, _) = PotentialNode.Load(r, pNode, "engine.potential", r.Source, baseDir);
        string lattice = r.String(e, "engine", "lattice") ?? "fcc";
        var lattices = MlipEngine.Workflows.Properties.Lattices.Names;
        int? latticeColumn = null; IReadOnlyList<string> latticeChoices = [];
        if (space.Parameters.FirstOrDefault(p => p.Name == lattice) is CategoricalParameter lp)
        {
            if (lp.Choices.FirstOrDefault(c => !lattices.Contains(c)) is string bad)
                throw r.Error($"space.{lattice}.choices", $"'{bad}' is not a lattice ({string.Join(", ", lattices)}); engine.lattice names this parameter");
            latticeColumn = space.ColumnNames.ToList().IndexOf(lattice); latticeChoices = lp.Choices;
        }
        else if (!lattices.Contains(lattice.ToLowerInvariant()))
            throw r.Error("engine.lattice", $"must be one of {string.Join(", ", lattices)} or the name of a categorical parameter of them, found '{lattice}'");
        string compName = r.String(e, "engine", "composition") ?? throw r.Error("engine.composition", "is required: the name of a simplex parameter whose components are elements");
        var simplex = space.Parameters.OfType<SimplexParameter>().FirstOrDefault(p => p.Name == compName)
            ?? throw r.Error("engine.composition", $"'{compName}' is not a simplex parameter of space");
        var elements = new int[simplex.Components.Count];
        for (int k = 0; k < elements.Length; k++)
        {
            if (!Element.TryAtomicNumber(simplex.Components[k], out elements[k])) throw r.Error($"space.{compName}.simplex", $"'{simplex.Components[k]}' is not an element symbol");
            if (!ff.Species.Contains(elements[k])) throw r.Error($"space.{compName}.simplex", $"element {simplex.Components[k]} is not described by the potential (it has {string.Join(", ", ff.Species.Select(Element.Symbol))})");
        }
        var compColumns = simplex.ColumnNames.Select(c => space.ColumnNames.ToList().IndexOf(c)).ToArray();
        int? aColumn = null; double a = 3.6;
        string? aText = r.String(e, "engine", "lattice_constant");
        if (aText != null)
        {
            if (double.TryParse(aText, NumberStyles.Float, CultureInfo.InvariantCulture, out double av) && av > 0) a = av;
            else if (space.Parameters.FirstOrDefault(p => p.Name == aText) is ContinuousParameter) aColumn = space.ColumnNames.ToList().IndexOf(aText);
            else throw r.Error("engine.lattice_constant", $"must be a number (Å) or the name of a real parameter, found '{aText}'");
        }
        string relax = (r.String(e, "engine", "relax") ?? "ions").ToLowerInvariant();
        var props = properties.Select((p, k) => p switch
        {
            "energy_per_atom" => CrystalProperty.EnergyPerAtom,
            "formation_energy" => CrystalProperty.FormationEnergy,
            "volume_per_atom" => CrystalProperty.VolumePerAtom,
            _ => throw r.Error(properties.Count == 1 ? "objective.property" : $"objectives[{k}].property", $"an engine objective is energy_per_atom, formation_energy or volume_per_atom, found '{p}'"),
        }).ToArray();
        var settings = new CrystalObjectiveSettings
        {
            Lattice = lattice.ToLowerInvariant(), LatticeColumn = latticeColumn, LatticeChoices = latticeChoices, Supercell = (int)(r.Integer(e, "engine", "supercell", 1) ?? 2), LatticeConstant = a, LatticeConstantColumn = aColumn,
            CompositionColumns = compColumns, Elements = elements, Properties = props,
            Relax = relax switch
            {
                "none" => CrystalRelaxation.None, "ions" => CrystalRelaxation.Ions, "cell" => CrystalRelaxation.Cell,
                _ => throw r.Error("engine.relax", $"must be none, ions or cell, found '{relax}'"),
            },
        };
        return new EngineObjectiveConfig(ff, label, settings);
    }
}
