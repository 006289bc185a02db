using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MlipEngine.Chemistry;
using MlipEngine.Cli.Md;
using MlipEngine.Discovery.Generation;
using MlipEngine.Discovery.Search;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.IO.Yaml;
using MlipEngine.Units;

namespace MlipEngine.Cli.Search;

/// <summary>A parsed <c>mlip search</c> config: the search settings, the force field and how to run it.</summary>
public sealed record SearchConfig(SearchOptions Options, IForceField ForceField, string PotentialLabel, string Device, int Threads);

/// <summary>
/// Parses a <c>mlip search</c> YAML config (after <c>--set</c> overrides). Every unknown key or bad value is a
/// <see cref="UsageException"/> (exit 2) of the form <c>search.yaml: key: problem</c>.
/// </summary>
public static class SearchConfigParser
{
    public static readonly string[] TopLevelKeys =
    [
        "potential", "composition", "elements", "atoms", "cell", "mode", "trials", "seed", "min_distance", "volume_per_atom", "relax",
        "basin_hopping", "dedup", "stop_energy", "output", "device", "threads", "batch_atoms", "symmetry", "evolution",
    ];

    public static SearchConfig Load(string path, IReadOnlyList<string> overrides) =>
        ConfigReader.LoadMapping(path, overrides, "search", "potential: ..., composition: ..., ...", Parse);

    /// <summary>
    /// <c>symmetry:</c> false (default: no symmetry) or true. Crystals: true draws from the 230 space groups;
    /// or one space-group number, a list of numbers, or a range <c>{min: 16, max: 230}</c>. Clusters: true draws
    /// from the 32 crystallographic point groups; or a list of point-group symbols (<c>[m-3m, 432, -43m]</c>)
    /// or space-group numbers (their point groups). Returns space-group numbers (clusters: representatives).
    /// </summary>
    private static int[]? ParseSymmetry(Dictionary<string, object?> root, ConfigReader r, bool cluster)
    {
        if (!root.TryGetValue("symmetry", out var node) || node is null) return null;
        int Number(string key, object? item)
        {
            if (cluster && item is string symbol && SymmetricPlacement.PointGroups.FirstOrDefault(p => p.Symbol == symbol) is { Symbol: not null } pg)
                return pg.SpaceGroup;
            if (item is not string text || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int g) || g < 1 || g > 230)
                throw r.Error(key, cluster
                    ? $"point groups are Hermann–Mauguin symbols ({string.Join(", ", SymmetricPlacement.PointGroups.Select(p => p.Symbol))}) or space-group numbers 1–230, found '{item}'"
                    : $"space groups are numbers 1–230, found '{item}'");
            return g;
        }
        switch (node)
        {
            case string text when text is "false" or "False" or "no" or "off" or "none": return null;
            case string text when text is "true" or "True" or "yes" or "on" or "all":
                return cluster ? SymmetricPlacement.PointGroups.Select(p => p.SpaceGroup).ToArray() : Enumerable.Range(1, 230).ToArray();
            case string text: return [Number("symmetry", text)];
            case List<object?> list:
                if (list.Count == 0) throw r.Error("symmetry", "the list is empty");
                return list.Select((item, k) => Number($"symmetry[{k}]", item)).Distinct().ToArray();
            case Dictionary<string, object?> range when !cluster:
                r.RequireOnly(range, "symmetry", "min", "max");
                int min = range.ContainsKey("min") ? Number("symmetry.min", range["min"]) : 1;
                int max = range.ContainsKey("max") ? Number("symmetry.max", range["max"]) : 230;
                if (max < min) throw r.Error("symmetry.max", $"must be at least symmetry.min ({min}), found {max}");
                return Enumerable.Range(min, max - min + 1).ToArray();
            default: throw r.Error("symmetry", cluster
                ? "must be true, false, a point-group symbol or a list of them"
                : "must be true, false, a space-group number, a list of numbers or {min, max}");
        }
    }

    public static SearchConfig Parse(Dictionary<string, object?> root, string source, string baseDir)
    {
        var r = new ConfigReader(source);
        var ci = CultureInfo.InvariantCulture;
        r.RequireOnly(root, "", TopLevelKeys);

        // ---- potential ----
        if (!root.TryGetValue("potential", out var pNode) || pNode is null) throw r.Error("potential", "is required (a spec file, an inline {style: ..., ...} spec or a model file)");
        var (ff, label, identity) = PotentialNode.Load(r, pNode, "potential", source, baseDir);

        // ---- composition: fixed (composition) or variable (elements + atoms) ----
        bool hasComp = root.TryGetValue("composition", out var compNode) && compNode is not null;
        bool hasElements = root.TryGetValue("elements", out var elNode) && elNode is not null;
        if (hasComp && hasElements) throw r.Error("elements", "give either composition (fixed) or elements with atoms (variable composition), not both");
        if (!hasComp && !hasElements) throw r.Error("composition", "is required, e.g. {Si: 8} (or elements: [A, B] with atoms: {min: 2, max: 8} for a variable composition)");
        if (hasComp && root.ContainsKey("atoms")) throw r.Error("atoms", "goes with elements: [A, B] (variable composition), not with composition");
        VariableComposition? variable = null;
        var numbers = new List<int>();
        if (hasElements)
        {
            var list = r.List(root, "", "elements")!;
            if (list.Count < 2 || list.Count > 4) throw r.Error("elements", $"must list two to four elements, e.g. [Cu, Ni] or [Cu, Ni, Al], found {list.Count}");
            var zs = new int[list.Count];
            for (int k = 0; k < zs.Length; k++)
            {
                string sym = list[k]?.ToString() ?? "";
                if (!Element.TryAtomicNumber(sym, out zs[k])) throw r.Error("elements", $"'{sym}' is not an element symbol");
                if (!ff.Species.Contains(zs[k])) throw r.Error("elements", $"element {sym} is not described by the potential (it has {string.Join(", ", ff.Species.Select(Element.Symbol))})");
            }
            if (zs.Distinct().Count() != zs.Length) throw r.Error("elements", "must name different elements");
            var am = r.OptionalMapping(root, "", "atoms") ?? throw r.Error("atoms", "is required with elements, e.g. {min: 2, max: 8} (atoms per cell)");
            r.RequireOnly(am, "atoms", "min", "max");
            long min = r.Integer(am, "atoms", "min", 1) ?? throw r.Error("atoms.min", "is required");
            long max = r.Integer(am, "atoms", "max", 1) ?? throw r.Error("atoms.max", "is required");
            if (max < min) throw r.Error("atoms.max", $"must be at least atoms.min ({min}), found {max}");
            if (max > 100_000) throw r.Error("atoms.max", $"{max} atoms is more than a search can place");
            variable = new VariableComposition(zs, (int)min, (int)max);
            // The generator's own composition stands for the largest cell, the elements in turn; each trial replaces it.
            for (int k = 0; k < max; k++) numbers.Add(zs[k % zs.Length]);
        }
        var comp = hasComp ? r.OptionalMapping(root, "", "composition")! : new Dictionary<string, object?>();
        foreach (var (symbol, _) in comp)
        {
            if (!Element.TryAtomicNumber(symbol, out int z)) throw r.Error($"composition.{symbol}", "is not an element symbol");
            long count = r.Integer(comp, "composition", symbol, 1) ?? throw r.Error($"composition.{symbol}", "needs a count");
            if (count > 100_000) throw r.Error($"composition.{symbol}", $"{count} atoms is more than a search can place");
            if (!ff.Species.Contains(z)) throw r.Error($"composition.{symbol}", $"element {symbol} is not described by the potential (it has {string.Join(", ", ff.Species.Select(Element.Symbol))})");
            for (long i = 0; i < count; i++) numbers.Add(z);
        }
        if (numbers.Count == 0) throw r.Error("composition", "has no atoms");

        // ---- generator ----
        string cellText = (r.String(root, "", "cell") ?? "periodic").ToLowerInvariant();
        var cell = cellText switch
        {
            "periodic" => CandidateCell.Periodic,
            "cluster" => CandidateCell.Cluster,
            _ => throw r.Error("cell", $"must be periodic or cluster, found '{cellText}'"),
        };
        if (variable != null && cell == CandidateCell.Cluster)
            throw r.Error("cell", "variable composition (elements) searches periodic cells only; use cell: periodic or a fixed composition");
        var minDistances = new Dictionary<(int, int), double>();
        double? uniformMin = null;
        if (root.TryGetValue("min_distance", out var mdNode) && mdNode is not null)
        {
            if (mdNode is Dictionary<string, object?> mdm)
            {
                foreach (var key in mdm.Keys)
                {
                    var parts = key.Split('-');
                    if (parts.Length != 2 || !Element.TryAtomicNumber(parts[0], out int za) || !Element.TryAtomicNumber(parts[1], out int zb))
                        throw r.Error($"min_distance.{key}", "must name a pair of elements like Si-Si");
                    minDistances[(za, zb)] = r.Double(mdm, "min_distance", key, 0)!.Value;
                }
            }
            else uniformMin = r.Double(root, "", "min_distance", 0);
        }
        if (uniformMin is double u)
            foreach (int a in numbers.Distinct()) foreach (int b in numbers.Distinct()) minDistances[(a, b)] = u;
        var spaceGroups = ParseSymmetry(root, r, cell == CandidateCell.Cluster);
        var generator = new GeneratorSettings
        {
            Numbers = numbers.ToArray(), Cell = cell, MinDistances = minDistances,
            VolumePerAtom = r.Double(root, "", "volume_per_atom", 0, exclusiveMin: true),
            SpaceGroups = spaceGroups,
        };

        // ---- search ----
        string modeText = (r.String(root, "", "mode") ?? "random").ToLowerInvariant();
        var mode = modeText switch
        {
            "random" => SearchMode.Random,
            "basin_hopping" or "basin-hopping" => SearchMode.BasinHopping,
            "evolutionary" or "evolution" => SearchMode.Evolutionary,
            _ => throw r.Error("mode", $"must be random, basin_hopping or evolutionary, found '{modeText}'"),
        };
        if (variable != null && mode != SearchMode.Random)
            throw r.Error("mode", "variable composition (elements) needs mode: random (basin hopping and evolution keep one composition)");
        long trials = r.Integer(root, "", "trials") ?? 100;
        if (trials < 1) throw r.Error("trials", $"must be at least 1 (the number of relaxations), found {trials}");
        if (trials > int.MaxValue) throw r.Error("trials", "is too large");
        ulong seed = (ulong)(r.Integer(root, "", "seed", 0) ?? 1);

        // ---- relax ----
        var relax = new RelaxationSettings
        {
            CellMode = cell == CandidateCell.Periodic ? CellMode.Frechet : CellMode.Fixed, Fmax = 0.01,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.LbfgsLineSearch },
        };
        if (r.OptionalMapping(root, "", "relax") is { } rm)
        {
            r.RequireOnly(rm, "relax", "optimizer", "fmax", "smax", "max_steps", "fused_distance", "max_force", "max_step", "pressure", "cell");
            string opt = (r.String(rm, "relax", "optimizer") ?? "lbfgs-ls").ToLowerInvariant();
            var kind = opt switch
            {
                "fire" => OptimizerKind.Fire, "lbfgs" => OptimizerKind.Lbfgs, "bfgs" => OptimizerKind.Bfgs,
                "lbfgs-ls" or "lbfgs_ls" => OptimizerKind.LbfgsLineSearch,
                _ => throw r.Error("relax.optimizer", $"must be lbfgs-ls, fire, lbfgs or bfgs, found '{opt}'"),
            };
            var cellMode = relax.CellMode;
            if (r.String(rm, "relax", "cell") is string cm)
            {
                cellMode = cm.ToLowerInvariant() switch
                {
                    "frechet" => CellMode.Frechet, "fixed" => CellMode.Fixed,
                    _ => throw r.Error("relax.cell", $"must be frechet or fixed, found '{cm}'"),
                };
                if (cell == CandidateCell.Cluster && cellMode != CellMode.Fixed) throw r.Error("relax.cell", "a cluster has no cell to relax");
            }
            relax = relax with
            {
                Optimizer = new OptimizerSettings { Kind = kind, MaxStep = r.Double(rm, "relax", "max_step", 0, exclusiveMin: true) ?? 0.2 },
                Fmax = r.Double(rm, "relax", "fmax", 0, exclusiveMin: true) ?? relax.Fmax,
                Smax = r.Double(rm, "relax", "smax", 0, exclusiveMin: true) ?? relax.Smax,
                MaxSteps = (int)(r.Integer(rm, "relax", "max_steps", 1) ?? relax.MaxSteps),
                MinDistance = r.Double(rm, "relax", "fused_distance", 0) ?? relax.MinDistance,
                MaxForce = r.Double(rm, "relax", "max_force", 0, exclusiveMin: true) ?? relax.MaxForce,
                Pressure = (r.Double(rm, "relax", "pressure") ?? 0) / PhysicalConstants.EvPerA3ToGPa,
                CellMode = cellMode,
            };
        }

        var hop = new BasinHoppingSettings();
        if (r.OptionalMapping(root, "", "basin_hopping") is { } bh)
        {
            r.RequireOnly(bh, "basin_hopping", "step", "temperature", "walkers", "adaptive", "interval", "target_acceptance");
            hop = new BasinHoppingSettings
            {
                Step = r.Double(bh, "basin_hopping", "step", 0, exclusiveMin: true) ?? hop.Step,
                Temperature = r.Double(bh, "basin_hopping", "temperature", 0) ?? hop.Temperature,
                Walkers = (int)(r.Integer(bh, "basin_hopping", "walkers", 1) ?? hop.Walkers),
                Adaptive = r.Bool(bh, "basin_hopping", "adaptive") ?? hop.Adaptive,
                Interval = (int)(r.Integer(bh, "basin_hopping", "interval", 1) ?? hop.Interval),
                TargetAcceptance = r.Double(bh, "basin_hopping", "target_acceptance", 0, exclusiveMin: true) ?? hop.TargetAcceptance,
            };
        }
        var evo = new EvolutionSettings();
        if (r.OptionalMapping(root, "", "evolution") is { } ev)
        {
            r.RequireOnly(ev, "evolution", "population", "heredity", "strain", "permutation", "rattle", "random", "strain_sigma", "rattle_step", "tournament");
            evo = new EvolutionSettings
            {
                Population = (int)(r.Integer(ev, "evolution", "population", 2) ?? evo.Population),
                Heredity = r.Double(ev, "evolution", "heredity", 0) ?? evo.Heredity,
                Strain = r.Double(ev, "evolution", "strain", 0) ?? evo.Strain,
                Permutation = r.Double(ev, "evolution", "permutation", 0) ?? evo.Permutation,
                Rattle = r.Double(ev, "evolution", "rattle", 0) ?? evo.Rattle,
                Random = r.Double(ev, "evolution", "random", 0) ?? evo.Random,
                StrainSigma = r.Double(ev, "evolution", "strain_sigma", 0, exclusiveMin: true) ?? evo.StrainSigma,
                RattleFraction = r.Double(ev, "evolution", "rattle_step", 0, exclusiveMin: true) ?? evo.RattleFraction,
                Tournament = (int)(r.Integer(ev, "evolution", "tournament", 1) ?? evo.Tournament),
            };
            if (evo.Heredity + evo.Strain + evo.Permutation + evo.Rattle + evo.Random <= 0) throw r.Error("evolution", "at least one operator weight (heredity, strain, permutation, rattle, random) must be positive");
            if (mode != SearchMode.Evolutionary) throw r.Error("evolution", "applies to mode: evolutionary");
        }
        var dedup = new DedupSettings();
        if (r.OptionalMapping(root, "", "dedup") is { } dd)
        {
            r.RequireOnly(dd, "dedup", "distance_tolerance", "energy_tolerance");
            dedup = new DedupSettings
            {
                DistanceTolerance = r.Double(dd, "dedup", "distance_tolerance", 0) ?? dedup.DistanceTolerance,
                EnergyTolerance = r.Double(dd, "dedup", "energy_tolerance", 0) ?? dedup.EnergyTolerance,
            };
        }

        if (variable != null && root.TryGetValue("stop_energy", out var se) && se is not null)
            throw r.Error("stop_energy", "is a total energy of one composition; leave it out with a variable composition (elements)");
        string output = r.String(root, "", "output") ?? "runs/search";
        var options = new SearchOptions
        {
            Generator = generator, Variable = variable, Mode = mode, Trials = (int)trials, Seed = seed, Relaxation = relax, BasinHopping = hop, Evolution = evo, Dedup = dedup,
            StopEnergy = r.Double(root, "", "stop_energy"), OutputDirectory = output,
            MaxBatchAtoms = (int)(r.Integer(root, "", "batch_atoms", 1) ?? 2048), PotentialIdentity = identity,
        };
        // Settings that cannot work are reported now, before any force field is bound.
        try { _ = new RandomStructureGenerator(generator); }
        catch (SearchSettingsException e) { throw new FormatException($"{source}: {e.Message}"); }
        string device = r.String(root, "", "device") ?? "cpu";
        int threads = (int)(r.Integer(root, "", "threads", 1) ?? Environment.ProcessorCount);
        _ = ci;
        return new SearchConfig(options, ff, label, device, threads);
    }
}
