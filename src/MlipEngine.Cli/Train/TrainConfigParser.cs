using MlipEngine.Cli.Md;
using MlipEngine.ForceFields;
using MlipEngine.IO.Yaml;
using MlipEngine.Training.Loss;
using MlipEngine.Workflows.Train;
using MlipEngine.Workflows;

namespace MlipEngine.Cli.Train;

/// <summary>
/// Parses a <c>mlip train</c> YAML config (after <c>--set</c> overrides) into a typed
/// <see cref="TrainConfig"/>; every unknown key or bad value is an error naming the file and key.
/// </summary>
public static class TrainConfigParser
{
    public static TrainConfig Load(string path, IReadOnlyList<string> overrides)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training config '{path}' not found", path);
        string full = Path.GetFullPath(path);
        var tree = YamlTree.Parse(File.ReadAllText(full), Path.GetFileName(path));
        var root = tree as Dictionary<string, object?> ?? throw new FormatException($"{Path.GetFileName(path)}: a training config must be a mapping (data: ..., model: ..., ...)");
        foreach (var o in overrides) ConfigReader.ApplyOverride(root, o);
        var cfg = Parse(root, Path.GetFileName(path), Path.GetDirectoryName(full)!);
        cfg.Overrides = overrides.ToArray();
        return cfg;
    }

    public static TrainConfig Parse(Dictionary<string, object?> root, string source, string baseDir)
    {
        var r = new ConfigReader(source);
        r.RequireOnly(root, "", "data", "model", "loss", "stage_two", "optimizer", "schedule", "epochs", "max_time", "early_stopping", "threads", "device", "precision", "seed", "output");
        var data = r.OptionalMapping(root, "", "data") ?? throw r.Error("data", "is required (data: {train: frames.xyz, validation: {fraction: 0.1}})");
        if (data.ContainsKey("config_type_weights"))
            throw r.Error("data.config_type_weights", "has moved to loss.config_type_weights (a number per group, or {energy, forces, stress} multipliers)");
        r.RequireOnly(data, "data", "train", "train_only", "validation", "test", "keys", "e0");
        string[] Files(Dictionary<string, object?> map, string parent, string key)
        {
            if (!map.TryGetValue(key, out var v) || v is null) return [];
            var items = v is List<object?> l ? l : [v];
            return items.Select(x => x as string ?? throw r.Error(ConfigReader.Join(parent, key), "must be a file name or a list of them"))
                .Select(f => File.Exists(Path.Combine(baseDir, f)) ? Path.GetFullPath(Path.Combine(baseDir, f))
                    : throw r.Error(ConfigReader.Join(parent, key), $"data file '{f}' is missing (looked for {Path.GetFullPath(Path.Combine(baseDir, f))})"))
                .ToArray();
        }
        var train = Files(data, "data", "train");
        if (train.Length == 0) throw r.Error("data.train", "is required (one extxyz file or a list)");
        string[] validFiles = []; double fraction = 0.1; int splitSeed = 1;
        if (data.TryGetValue("validation", out var vNode) && vNode is not null)
        {
            if (vNode is Dictionary<string, object?> vm)
            {
                r.RequireOnly(vm, "data.validation", "fraction", "seed", "file");
                fraction = r.Double(vm, "data.validation", "fraction", 0, exclusiveMin: true) ?? fraction;
                if (fraction >= 1) throw r.Error("data.validation.fraction", "must be below 1");
                splitSeed = (int)(r.Integer(vm, "data.validation", "seed") ?? 1);
                validFiles = Files(vm, "data.validation", "file");
            }
            else validFiles = Files(data, "data", "validation");
        }
        var keys = r.OptionalMapping(data, "data", "keys") ?? new();
        r.RequireOnly(keys, "data.keys", "energy", "forces", "stress", "config_type");
        E0Config e0 = new("least_squares", null);
        if (data.TryGetValue("e0", out var e0Node) && e0Node is not null)
        {
            if (e0Node is string mode)
            {
                if (mode is not ("least_squares" or "isolated")) throw r.Error("data.e0", $"must be least_squares, isolated or {{Element: eV, ...}}, found '{mode}'");
                e0 = new E0Config(mode, null);
            }
            else
            {
                var m = r.Mapping(e0Node, "data.e0");
                e0 = new E0Config("fixed", m.Keys.ToDictionary(k => k, k => r.Double(m, "data.e0", k)!.Value));
            }
        }

        var model = r.OptionalMapping(root, "", "model") ?? new();
        r.RequireOnly(model, "model", "init", "cutoff", "num_bessel", "envelope_p", "radial_hidden", "channels", "hidden_lmax", "sh_lmax",
            "correlation", "layers", "readout_hidden", "residual", "avg_neighbors", "seed", "species", "repulsion");
        int? Int(Dictionary<string, object?> m, string parent, string key, long min = 0) => r.Integer(m, parent, key, min) is long v ? (int)v : null;
        var radial = r.List(model, "model", "radial_hidden")?.Select(x => int.TryParse(x as string, out int w) && w > 0 ? w
            : throw r.Error("model.radial_hidden", "must be a list of positive widths, e.g. [32, 32]")).ToArray();
        double? repulsionWidth = 0.5;   // default: a ZBL core below the data's shortest distances
        if (model.TryGetValue("repulsion", out var repNode))
        {
            if (repNode is string none && none == "none") repulsionWidth = null;
            else if (repNode is Dictionary<string, object?> rep)
            {
                r.RequireOnly(rep, "model.repulsion", "width");
                repulsionWidth = r.Double(rep, "model.repulsion", "width", 0, exclusiveMin: true) ?? 0.5;
            }
            else throw r.Error("model.repulsion", "must be 'none' or a mapping {width: Å} (the ZBL core's switching width below the data's shortest distances)");
        }
        var mc = new ModelConfig
        {
            InitFrom = r.String(model, "model", "init") is string init ? Path.GetFullPath(Path.Combine(baseDir, init)) : null,
            Cutoff = r.Double(model, "model", "cutoff", 0, exclusiveMin: true), NumBessel = Int(model, "model", "num_bessel", 1),
            EnvelopeExponent = Int(model, "model", "envelope_p", 2), RadialHidden = radial, Channels = Int(model, "model", "channels", 1),
            HiddenLMax = Int(model, "model", "hidden_lmax"), ShLMax = Int(model, "model", "sh_lmax"), Correlation = Int(model, "model", "correlation", 1),
            Layers = Int(model, "model", "layers", 1), ReadoutHidden = Int(model, "model", "readout_hidden", 1), Residual = r.Bool(model, "model", "residual"),
            AvgNeighbors = r.Double(model, "model", "avg_neighbors", 0, exclusiveMin: true), Seed = Int(model, "model", "seed") ?? 1,
            Species = r.List(model, "model", "species")?.Select(x => x as string ?? throw r.Error("model.species", "must be a list of element symbols")).ToArray(),
            RepulsionWidth = repulsionWidth,
        };

        LossWeights Weights(Dictionary<string, object?> m, string parent, LossWeights basis)
        {
            var w = basis with
            {
                Energy = r.Double(m, parent, "energy", 0) ?? basis.Energy,
                Forces = r.Double(m, parent, "forces", 0) ?? basis.Forces,
                Stress = r.Double(m, parent, "stress", 0) ?? basis.Stress,
            };
            if (m.TryGetValue("huber", out var hv)) w = w with { HuberDelta = hv is null ? null : r.Double(m, parent, "huber", 0, exclusiveMin: true) };
            return w;
        }
        var lossMap = r.OptionalMapping(root, "", "loss") ?? new();
        r.RequireOnly(lossMap, "loss", "energy", "forces", "stress", "huber", "config_type_weights", "stress_weight_per_element");
        var loss = Weights(lossMap, "loss", new LossWeights());
        var ctWeights = ConfigTypeWeights(r, lossMap);
        var perElement = StressWeightPerElement(r, lossMap);

        int epochs = Int(root, "", "epochs", 1) ?? 100;
        (int, LossWeights, double?, double?)? stageTwo = null;
        double? maxMinutes = r.Double(root, "", "max_time", 0, exclusiveMin: true);
        if (r.OptionalMapping(root, "", "stage_two") is { } st)
        {
            r.RequireOnly(st, "stage_two", "start", "start_time", "energy", "forces", "stress", "huber", "lr");
            double start = r.Double(st, "stage_two", "start", 0) ?? 0.8 * epochs;
            int startEpoch = start < 1 ? (int)Math.Round(start * epochs) : (int)start;   // a fraction of the epochs, or an epoch number
            // start_time: minutes of training, or (below 1) a fraction of max_time; stage two begins at whichever of start and start_time comes first
            double? startTime = r.Double(st, "stage_two", "start_time", 0, exclusiveMin: true);
            if (startTime is < 1)
                startTime = maxMinutes is double mm ? startTime * mm : throw r.Error("stage_two.start_time", "is a fraction of max_time, so max_time must be set (or give minutes ≥ 1)");
            stageTwo = (startEpoch, Weights(st, "stage_two", loss with { Energy = 1000 }), r.Double(st, "stage_two", "lr", 0, exclusiveMin: true), startTime);
        }

        var opt = r.OptionalMapping(root, "", "optimizer") ?? new();
        r.RequireOnly(opt, "optimizer", "type", "lr", "weight_decay", "batch_size", "ema", "clip");
        string optType = r.String(opt, "optimizer", "type") ?? "adam";
        if (optType is not ("adam" or "amsgrad")) throw r.Error("optimizer.type", $"must be adam or amsgrad, found '{optType}'");
        double? clip = r.Double(opt, "optimizer", "clip", 0);
        var sch = r.OptionalMapping(root, "", "schedule") ?? new();
        r.RequireOnly(sch, "schedule", "type", "factor", "patience", "warmup", "min_lr");
        string schType = r.String(sch, "schedule", "type") ?? "plateau";
        if (schType is not ("plateau" or "cosine" or "constant")) throw r.Error("schedule.type", $"must be plateau, cosine or constant, found '{schType}'");
        var early = r.OptionalMapping(root, "", "early_stopping");
        if (early is not null) r.RequireOnly(early, "early_stopping", "patience");
        var output = r.OptionalMapping(root, "", "output") ?? new();
        r.RequireOnly(output, "output", "dir", "model");
        string outDir = Path.GetFullPath(Path.Combine(baseDir, r.String(output, "output", "dir") ?? "train-output"));
        string modelPath = r.String(output, "output", "model") is string mp ? Path.GetFullPath(Path.Combine(baseDir, mp)) : Path.Combine(outDir, "model.mlip");
        // device: cpu (the exact dual pass) or a device backend with a parameter gradient (ilgpu[:INDEX]); precision: its float type
        string device = r.String(root, "", "device") ?? "cpu";
        Backend backend;
        try { (backend, _) = CliParsing.ParseDevice(device); }
        catch (UsageException e) { throw r.Error("device", e.Message); }
        var precision = Precision.Float64;
        if (r.String(root, "", "precision") is string prec)
        {
            try { precision = CliParsing.ParsePrecision(prec); }
            catch (UsageException e) { throw r.Error("precision", e.Message); }
            if (precision == Precision.Float32 && backend == Backend.Cpu)
                throw r.Error("precision", "fp32 needs a device (device: ilgpu); the CPU trainer's dual pass is fp64");
        }
        return new TrainConfig
        {
            Source = source, BaseDirectory = baseDir, TrainFiles = train, TrainOnlyFiles = Files(data, "data", "train_only"), ValidationFiles = validFiles, ValidationFraction = fraction,
            TestFiles = Files(data, "data", "test"), SplitSeed = splitSeed,
            EnergyKey = r.String(keys, "data.keys", "energy") ?? "energy", ForcesKey = r.String(keys, "data.keys", "forces") ?? "forces",
            StressKey = r.String(keys, "data.keys", "stress") ?? "stress", ConfigTypeKey = r.String(keys, "data.keys", "config_type") ?? "config_type",
            ConfigTypeWeights = ctWeights, StressWeightPerElement = perElement, E0 = e0, Model = mc, Loss = loss, StageTwo = stageTwo,
            AmsGrad = optType == "amsgrad", LearningRate = r.Double(opt, "optimizer", "lr", 0, exclusiveMin: true) ?? 0.01,
            WeightDecay = r.Double(opt, "optimizer", "weight_decay", 0) ?? 5e-7, BatchSize = Int(opt, "optimizer", "batch_size", 1) ?? 5,
            Ema = r.Double(opt, "optimizer", "ema", 0) ?? 0.99, Clip = clip == 0 ? null : clip ?? 10,
            Schedule = schType, ScheduleFactor = r.Double(sch, "schedule", "factor", 0, exclusiveMin: true) ?? 0.8,
            SchedulePatience = Int(sch, "schedule", "patience", 1) ?? 50, Warmup = r.Double(sch, "schedule", "warmup", 0) ?? 0,
            MinLearningRate = r.Double(sch, "schedule", "min_lr", 0) ?? 0,
            Epochs = epochs, MaxMinutes = maxMinutes,
            EarlyStopping = early is null ? null : Int(early, "early_stopping", "patience", 1),
            Threads = Int(root, "", "threads", 1) ?? Environment.ProcessorCount, Seed = Int(root, "", "seed") ?? 1,
            OutputDirectory = outDir, ModelPath = modelPath, Device = device, Precision = precision,
        };
    }

    /// <summary>
    /// <c>loss.config_type_weights</c>: per config_type, either one number (multiplies the group's energy,
    /// force and stress terms) or a mapping <c>{energy, forces, stress}</c> of multipliers (each ≥ 0, absent = 1).
    /// Whether each group occurs in the data is checked when the data is read.
    /// </summary>
    private static Dictionary<string, TermWeights> ConfigTypeWeights(ConfigReader r, Dictionary<string, object?> loss)
    {
        const string parent = "loss.config_type_weights";
        var map = r.OptionalMapping(loss, "loss", "config_type_weights");
        var result = new Dictionary<string, TermWeights>(StringComparer.Ordinal);
        if (map is null) return result;
        foreach (var (name, node) in map)
        {
            string key = ConfigReader.Join(parent, name);
            if (node is Dictionary<string, object?> terms)
            {
                r.RequireOnly(terms, key, "energy", "forces", "stress");
                result[name] = new TermWeights(r.Double(terms, key, "energy", 0) ?? 1, r.Double(terms, key, "forces", 0) ?? 1, r.Double(terms, key, "stress", 0) ?? 1);
            }
            else if (node is string)
                result[name] = TermWeights.All(r.Double(map, parent, name, 0)!.Value);
            else throw r.Error(key, "must be a number or {energy: w, forces: w, stress: w}");
        }
        return result;
    }

    /// <summary><c>loss.stress_weight_per_element</c>: {Element: multiplier ≥ 0}; element symbols are checked here, membership in the model when it is built.</summary>
    private static Dictionary<string, double> StressWeightPerElement(ConfigReader r, Dictionary<string, object?> loss)
    {
        const string parent = "loss.stress_weight_per_element";
        var map = r.OptionalMapping(loss, "loss", "stress_weight_per_element");
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (map is null) return result;
        foreach (var name in map.Keys)
        {
            if (!MlipEngine.Chemistry.Element.TryAtomicNumber(name, out _))
                throw r.Error(ConfigReader.Join(parent, name), $"'{name}' is not an element symbol");
            result[name] = r.Double(map, parent, name, 0)!.Value;
        }
        return result;
    }
}
