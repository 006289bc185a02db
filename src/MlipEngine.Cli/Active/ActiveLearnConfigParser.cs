using System.Security.Cryptography;
using System.Text;
using MlipEngine.Cli.Md;
using MlipEngine.Cli.Train;
using MlipEngine.Discovery.Active;
using MlipEngine.ForceFields;
using MlipEngine.IO;
using MlipEngine.IO.Yaml;
using MlipEngine.Workflows;
using MlipEngine.Workflows.Md;
using MlipEngine.Workflows.Train;

namespace MlipEngine.Cli.Active;

/// <summary>A parsed <c>mlip active-learn</c> config: the loop's options and its oracle.</summary>
public sealed record ActiveLearnConfig(ActiveLearningOptions Options, ILabeller Labeller, string LabelLabel);

/// <summary>
/// Parses a <c>mlip active-learn</c> YAML config (after <c>--set</c> overrides). Every unknown key or bad value
/// is a <see cref="UsageException"/> (exit 2) of the form <c>al.yaml: key: problem</c>.
/// </summary>
public static class ActiveLearnConfigParser
{
    public static readonly string[] TopLevelKeys =
        ["label", "data", "committee", "train", "finetune", "explore", "select", "filter", "iterations", "stop", "output", "threads"];
    /// <summary>Keys of <c>train:</c> — a <c>mlip train</c> config without data files and output.</summary>
    private static readonly string[] TrainKeys = ["model", "loss", "stage_two", "optimizer", "schedule", "epochs", "max_time", "early_stopping", "threads", "validation", "e0"];
    private static readonly string[] FinetuneKeys = ["loss", "stage_two", "optimizer", "schedule", "epochs", "max_time", "early_stopping"];

    public static ActiveLearnConfig Load(string path, IReadOnlyList<string> overrides)
    {
        if (!File.Exists(path)) throw new UsageException($"active-learn config '{path}' not found");
        string full = Path.GetFullPath(path);
        string source = Path.GetFileName(path);
        try
        {
            var root = YamlTree.Parse(File.ReadAllText(full), source) as Dictionary<string, object?>
                ?? throw new FormatException($"{source}: an active-learn config must be a mapping (label: ..., explore: ..., ...)");
            foreach (var o in overrides) ConfigReader.ApplyOverride(root, o);
            return Parse(root, source, Path.GetDirectoryName(full)!, full);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message.StartsWith(source, StringComparison.Ordinal) ? e.Message : $"{source}: {e.Message}");
        }
    }

    public static ActiveLearnConfig Parse(Dictionary<string, object?> root, string source, string baseDir, string configPath)
    {
        var r = new ConfigReader(source);
        r.RequireOnly(root, "", TopLevelKeys);
        string File_(string key, string f)
        {
            string p = Path.IsPathRooted(f) ? f : Path.GetFullPath(Path.Combine(baseDir, f));
            return File.Exists(p) ? p : throw r.Error(key, $"file '{f}' not found (looked for {p})");
        }
        string output = Path.GetFullPath(Path.Combine(baseDir, r.String(root, "", "output") ?? "runs/active"));
        int threads = (int)(r.Integer(root, "", "threads", 1) ?? 1);

        // ---- label: the oracle ----
        var label = r.OptionalMapping(root, "", "label") ?? throw r.Error("label", "is required: {potential: SPEC} or {command: \"prog {input} {output}\", timeout: s}");
        r.RequireOnly(label, "label", "potential", "command", "timeout");
        ILabeller labeller; string labelText;
        bool hasPot = label.TryGetValue("potential", out var pNode) && pNode is not null;
        string? command = r.String(label, "label", "command");
        if (hasPot == (command is not null)) throw r.Error("label", "give either potential (an engine potential as the oracle) or command (an external program)");
        if (hasPot)
        {
            if (label.ContainsKey("timeout")) throw r.Error("label.timeout", "applies to label.command only");
            var (ff, name, oracleIdentity) = PotentialNode.Load(r, pNode, "label.potential", source, baseDir);
            var computer = CliParsing.Catalog.Bind(ff, new ComputeOptions { Backend = Backend.Cpu, Threads = threads });
            labeller = new PotentialLabeller(computer, oracleIdentity);
            labelText = $"potential {name}";
        }
        else
        {
            double timeout = r.Double(label, "label", "timeout", 0, exclusiveMin: true) ?? 600;
            // {config_dir}: the config's folder, so a wrapper script beside the config is found from the label's working folder.
            labeller = new CommandLabeller(command!.Replace("{config_dir}", baseDir, StringComparison.Ordinal), Path.Combine(output, "labelling"), TimeSpan.FromSeconds(timeout));
            labelText = $"command \"{command}\" (timeout {timeout} s)";
        }

        // ---- data ----
        var data = r.OptionalMapping(root, "", "data") ?? new();
        r.RequireOnly(data, "data", "initial", "rattle", "test");
        var initial = (data.TryGetValue("initial", out var one) && one is string s1 ? [s1] : r.List(data, "data", "initial") ?? [])
            .Select(x => File_("data.initial", x as string ?? throw r.Error("data.initial", "must be a file name or a list of them"))).ToArray();
        InitialRattle? rattle = null;
        if (r.OptionalMapping(data, "data", "rattle") is { } rm)
        {
            r.RequireOnly(rm, "data.rattle", "frames", "amplitude", "seed");
            rattle = new InitialRattle((int)(r.Integer(rm, "data.rattle", "frames", 1) ?? 10), r.Double(rm, "data.rattle", "amplitude", 0, exclusiveMin: true) ?? 0.1,
                (ulong)(r.Integer(rm, "data.rattle", "seed", 0) ?? 1));
        }
        if (initial.Length == 0 && rattle is null) throw r.Error("data", "needs initial (labelled extxyz) or rattle: {frames: N, amplitude: Å} (label rattled starting structures)");
        string? test = r.String(data, "data", "test") is string t ? File_("data.test", t) : null;

        // ---- committee and training ----
        var committee = r.OptionalMapping(root, "", "committee") ?? new();
        r.RequireOnly(committee, "committee", "size");
        int size = (int)(r.Integer(committee, "committee", "size", 2) ?? 4);
        var train = r.OptionalMapping(root, "", "train") ?? new();
        r.RequireOnly(train, "train", TrainKeys);
        var finetune = r.OptionalMapping(root, "", "finetune") ?? new();
        r.RequireOnly(finetune, "finetune", FinetuneKeys);
        TrainConfig MemberConfig(MemberTraining m, string trainSource, string memberBase)
        {
            var tree = (Dictionary<string, object?>)MdConfigParser.CloneTree(train)!;
            if (m.InitFrom is not null) foreach (var (k, v) in finetune) MdConfigParser.MergeAt(tree, [k], MdConfigParser.CloneTree(v));
            var validation = tree.Remove("validation", out var vn) && vn is Dictionary<string, object?> vm ? vm : new Dictionary<string, object?>();
            validation["seed"] = m.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var d = new Dictionary<string, object?> { ["train"] = m.TrainFiles.Cast<object?>().ToList(), ["validation"] = validation };
            if (tree.Remove("e0", out var e0)) d["e0"] = e0;
            tree["data"] = d;
            var model = tree.TryGetValue("model", out var mn) && mn is Dictionary<string, object?> mm ? mm : new Dictionary<string, object?>();
            if (m.InitFrom is not null) model = new Dictionary<string, object?> { ["init"] = m.InitFrom };
            else model["seed"] = m.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
            tree["model"] = model;
            tree["seed"] = m.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!tree.ContainsKey("threads")) tree["threads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
            tree["output"] = new Dictionary<string, object?> { ["dir"] = m.OutputDirectory, ["model"] = m.ModelPath };
            return TrainConfigParser.Parse(tree, trainSource, memberBase);
        }
        // Checked now, so a bad train: key fails before any labelling (the config itself stands in for the data file).
        try { MemberConfig(new MemberTraining(0, 0, 1, [configPath], null, output, Path.Combine(output, "m.mlip")), $"{source}: train", baseDir); }
        catch (FormatException e) { throw new FormatException(e.Message.Replace($"{source}: train: data.validation", $"{source}: train.validation", StringComparison.Ordinal)); }
        Func<MemberTraining, TrainConfig> trainConfig = m =>
        {
            Directory.CreateDirectory(m.OutputDirectory);
            var cfg = MemberConfig(m, "config.yaml", m.OutputDirectory);
            return cfg;
        };

        // ---- explore ----
        var ex = r.OptionalMapping(root, "", "explore") ?? throw r.Error("explore", "is required (structures, temperatures, steps, ...)");
        r.RequireOnly(ex, "explore", "structures", "search", "temperatures", "pressures", "integrator", "timestep", "tdamp", "pdamp", "steps", "sample_every", "halt", "seed", "min_distance");
        var structures = new List<StructureConfig>();
        var list = r.List(ex, "explore", "structures") ?? [];
        for (int k = 0; k < list.Count; k++) structures.Add(MdConfigParser.ParseStructure(r, list[k], $"explore.structures[{k}]", baseDir));
        if (r.OptionalMapping(ex, "explore", "search") is { } sm)
        {
            r.RequireOnly(sm, "explore.search", "file", "count");
            string ranked = File_("explore.search.file", r.RequiredString(sm, "explore.search", "file"));
            int count = (int)(r.Integer(sm, "explore.search", "count", 1) ?? 4);
            structures.AddRange(SearchStarts(ranked, count, Path.Combine(output, "search-starts")));
        }
        if (structures.Count == 0) throw r.Error("explore.structures", "needs at least one starting structure (a file or {lattice, element, a, repeat}), or explore.search");
        List<double> Doubles(string key, double fallback) => (r.List(ex, "explore", key) ?? (ex.ContainsKey(key) ? [ex[key]] : [fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            .Select(x => double.TryParse(x as string, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v
                : throw r.Error($"explore.{key}", "must be a number or a list of numbers")).ToList();
        string integrator = r.String(ex, "explore", "integrator") ?? "nvt-langevin";
        if (Array.IndexOf(MdConfig.IntegratorTypes, integrator) < 0) throw r.Error("explore.integrator", $"unknown '{integrator}' (known: {string.Join(", ", MdConfig.IntegratorTypes)})");
        var pressures = Doubles("pressures", 0);
        if (!integrator.StartsWith("npt", StringComparison.Ordinal) && pressures.Any(p => p != 0)) throw r.Error("explore.pressures", $"need a barostat (npt-mtk or npt-crescale), not {integrator}");
        var explore = new ExplorationSettings
        {
            Structures = structures, Temperatures = Doubles("temperatures", 300), Pressures = pressures, Integrator = integrator,
            TimeStep = r.Double(ex, "explore", "timestep", 0, exclusiveMin: true) ?? 2, Tdamp = r.Double(ex, "explore", "tdamp", 0, exclusiveMin: true),
            Pdamp = r.Double(ex, "explore", "pdamp", 0, exclusiveMin: true), Steps = r.Integer(ex, "explore", "steps", 1) ?? 1000,
            SampleEvery = (int)(r.Integer(ex, "explore", "sample_every", 1) ?? 20), HaltSpread = r.Double(ex, "explore", "halt", 0, exclusiveMin: true) ?? 0.5,
            Seed = (ulong)(r.Integer(ex, "explore", "seed", 0) ?? 1), SafetyMinDistance = r.Double(ex, "explore", "min_distance", 0) ?? 0.5,
        };

        // ---- select, filter, stop ----
        var sel = r.OptionalMapping(root, "", "select") ?? new();
        r.RequireOnly(sel, "select", "method", "lower", "upper", "max_frames", "diverse", "seed", "lower_quantile", "relative");
        string method = r.String(sel, "select", "method") ?? "committee";
        var select = new SelectionSettings
        {
            Method = method switch { "committee" => SelectionMethod.Committee, "random" => SelectionMethod.Random, _ => throw r.Error("select.method", $"must be committee or random, found '{method}'") },
            Lower = r.Double(sel, "select", "lower", 0) ?? 0.05, Upper = r.Double(sel, "select", "upper", 0, exclusiveMin: true) ?? 0.15,
            MaxFrames = (int)(r.Integer(sel, "select", "max_frames", 1) ?? 10), Diverse = r.Bool(sel, "select", "diverse") ?? true,
            Seed = (ulong)(r.Integer(sel, "select", "seed", 0) ?? 1),
            LowerQuantile = r.Double(sel, "select", "lower_quantile", 0),
            RelativeEpsilon = r.Double(sel, "select", "relative", 0, exclusiveMin: true),
        };
        if (select.LowerQuantile is > 1) throw r.Error("select.lower_quantile", $"must be between 0 and 1, found {select.LowerQuantile}");
        if (select.RelativeEpsilon is null && select.Upper <= select.Lower) throw r.Error("select.upper", $"must be above select.lower ({select.Lower} eV/Å)");
        if (explore.HaltSpread < select.Upper) throw r.Error("explore.halt", $"must be at least select.upper ({select.Upper} eV/Å): replicas would halt before reaching the trust band's top");
        var filter = r.OptionalMapping(root, "", "filter") ?? new();
        r.RequireOnly(filter, "filter", "min_distance");
        var stop = r.OptionalMapping(root, "", "stop") ?? new();
        r.RequireOnly(stop, "stop", "labels", "spread");

        // The fingerprint: everything but the run length (iterations, stop), so a finished run can be extended.
        var identity = root.Where(kv => kv.Key is not ("iterations" or "stop" or "threads")).ToDictionary(kv => kv.Key, kv => kv.Value);
        var options = new ActiveLearningOptions
        {
            OutputDirectory = output, Iterations = (int)(r.Integer(root, "", "iterations", 0) ?? 5), CommitteeSize = size, TrainConfig = trainConfig,
            InitialData = initial, InitialRattle = rattle, TestData = test, Explore = explore, Select = select,
            Filter = new GeometryFilter(r.Double(filter, "filter", "min_distance", 0) ?? 1.0),
            LabelBudget = r.Integer(stop, "stop", "labels", 1) is long b ? (int)b : null, StopSpread = r.Double(stop, "stop", "spread", 0, exclusiveMin: true),
            Fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(PotentialNode.Flatten(identity) + "|" + labeller.Identity)))[..16], Threads = threads,
        };
        return new ActiveLearnConfig(options, labeller, labelText);
    }

    /// <summary>The first <paramref name="count"/> frames of a <c>mlip search</c> ranked.xyz, one file each (MD starts from a file's first frame).</summary>
    private static IEnumerable<StructureConfig> SearchStarts(string ranked, int count, string dir)
    {
        Directory.CreateDirectory(dir);
        int k = 0;
        foreach (var f in StructureFile.ReadFrames(ranked).Take(count))
        {
            string p = Path.Combine(dir, $"start-{k++}.xyz");
            StructureFile.Write(p, new Frame(f.Structure));
            yield return StructureConfig.FromFile(p);
        }
    }
}
