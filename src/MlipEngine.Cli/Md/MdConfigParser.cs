using MlipEngine.Dynamics.Barostats;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Spec;
using MlipEngine.IO.Yaml;
using MlipEngine.Workflows.ForceFields;
using MlipEngine.Workflows.Md;
using MlipEngine.Workflows;

namespace MlipEngine.Cli.Md;

/// <summary>
/// Parses a <c>mlip md</c> YAML config (after <c>--set</c> overrides) into a typed
/// <see cref="MdConfig"/>; every unknown key or bad value is an error naming the file and key.
/// </summary>
public static class MdConfigParser
{
    public static MdConfig Load(string path, IReadOnlyList<string> overrides)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"run config '{path}' not found", path);
        string full = Path.GetFullPath(path);
        var tree = YamlTree.Parse(File.ReadAllText(full), Path.GetFileName(path));
        var root = tree as Dictionary<string, object?> ?? (tree is null ? new Dictionary<string, object?>(StringComparer.Ordinal)
            : throw new FormatException($"{Path.GetFileName(path)}: a run config must be a mapping (structure: ..., potential: ..., ...)"));
        foreach (var o in overrides) ConfigReader.ApplyOverride(root, o);
        return ParseWithReplicas(root, Path.GetFileName(path), Path.GetDirectoryName(full)!);
    }

    /// <summary>
    /// A run config, optionally with <c>replicas:</c> — a list of mappings, each applied to a copy of the
    /// config like <c>--set</c> (dotted keys, or nested mappings merged key by key), e.g.
    /// <c>replicas: [{integrator.temperature: 300}, {integrator.temperature: 600, velocities.seed: 2}]</c>.
    /// Each replica is a complete run that shares the potential, device, time step, step count and output
    /// intervals (they advance in lock step in one batch); a replica without its own output file names
    /// writes the run's names with <c>.rK</c> before the extension.
    /// </summary>
    public static MdConfig ParseWithReplicas(Dictionary<string, object?> root, string source, string baseDirectory)
    {
        if (!root.TryGetValue("replicas", out var rep) || rep is null) return Parse(root, source, baseDirectory);
        var r = new ConfigReader(source);
        if (rep is not List<object?> list || list.Count == 0) throw r.Error("replicas", "must be a non-empty list of mappings, e.g. [{integrator.temperature: 300}, {integrator.temperature: 600}]");
        var baseTree = (Dictionary<string, object?>)CloneTree(root)!;
        baseTree.Remove("replicas");
        var run = Parse(baseTree, source, baseDirectory);
        var replicas = new List<MdConfig>();
        for (int k = 0; k < list.Count; k++)
        {
            if (list[k] is not Dictionary<string, object?> changes) throw r.Error($"replicas[{k}]", "must be a mapping of config keys, e.g. {integrator.temperature: 300}");
            if (changes.ContainsKey("replicas")) throw r.Error($"replicas[{k}]", "cannot hold replicas of its own");
            var tree = (Dictionary<string, object?>)CloneTree(baseTree)!;
            foreach (var (key, value) in changes) MergeAt(tree, key.Split('.'), CloneTree(value));
            foreach (var output in new[] { "thermo", "trajectory", "checkpoint" })
                if (!HasKey(changes, output, "file") && tree.TryGetValue(output, out var o) && o is Dictionary<string, object?> om && om.TryGetValue("file", out var f) && f is string file)
                    om["file"] = WithReplicaSuffix(file, k);
            if (!HasKey(changes, "checkpoint", "file") && !(tree.TryGetValue("checkpoint", out var c) && c is Dictionary<string, object?> cm && cm.ContainsKey("file")))
            {
                var cp = tree.TryGetValue("checkpoint", out var existing) && existing is Dictionary<string, object?> em ? em : new Dictionary<string, object?>(StringComparer.Ordinal);
                cp["file"] = Path.GetFullPath(WithReplicaSuffix(Path.ChangeExtension(source, ".ckpt"), k));
                tree["checkpoint"] = cp;
            }
            var one = Parse(tree, $"{source}: replicas[{k}]", baseDirectory);
            void Same<T>(string key, T a, T b) { if (!EqualityComparer<T>.Default.Equals(a, b)) throw r.Error($"replicas[{k}].{key}", $"differs from the run's ({b} vs {a}): replicas share one batch, one potential and one clock"); }
            Same("potential", one.PotentialFile, run.PotentialFile);
            if (one.Potential != null && run.Potential != null && !SameTree(one.Potential.Fields, run.Potential.Fields))
                throw r.Error($"replicas[{k}].potential", "differs from the run's: replicas share one batch, one potential and one clock");
            Same("timestep", one.TimeStep, run.TimeStep); Same("steps", one.Steps, run.Steps);
            Same("threads", one.Threads, run.Threads); Same("precision", one.Precision, run.Precision);
            Same("device", one.Backend, run.Backend); Same("device index", one.DeviceIndex, run.DeviceIndex); Same("neighbor.skin", one.Skin, run.Skin);
            Same("thermo.every", one.Thermo.Every, run.Thermo.Every); Same("trajectory.every", one.Trajectory.Every, run.Trajectory.Every);
            Same("checkpoint.every", one.Checkpoint.Every, run.Checkpoint.Every); Same("safety.every", one.SafetyEvery, run.SafetyEvery);
            Same("remove_drift", one.RemoveDriftEvery, run.RemoveDriftEvery);
            replicas.Add(one);
        }
        return new MdConfig
        {
            Source = run.Source, BaseDirectory = run.BaseDirectory, Structure = run.Structure, Potential = run.Potential, PotentialFile = run.PotentialFile,
            VelocityTemperature = run.VelocityTemperature, VelocitySeed = run.VelocitySeed, ZeroMomentum = run.ZeroMomentum, Integrator = run.Integrator,
            TimeStep = run.TimeStep, Steps = run.Steps, Skin = run.Skin, Thermo = run.Thermo, Trajectory = run.Trajectory, Checkpoint = run.Checkpoint,
            Threads = run.Threads, Precision = run.Precision, Backend = run.Backend, DeviceIndex = run.DeviceIndex, RemoveDriftEvery = run.RemoveDriftEvery,
            FrozenIndices = run.FrozenIndices, FrozenZBelow = run.FrozenZBelow, SafetyMinDistance = run.SafetyMinDistance, SafetyEvery = run.SafetyEvery,
            Replicas = replicas,
        };
    }

    private static bool HasKey(Dictionary<string, object?> changes, string section, string key) =>
        changes.ContainsKey($"{section}.{key}") || (changes.TryGetValue(section, out var v) && v is Dictionary<string, object?> m && m.ContainsKey(key));

    /// <summary>thermo.csv → thermo.r2.csv; run.ckpt → run.r2.ckpt.</summary>
    private static string WithReplicaSuffix(string path, int k)
    {
        string ext = Path.GetExtension(path);
        return path[..^ext.Length] + $".r{k}" + ext;
    }

    /// <summary>Sets <paramref name="keys"/> in <paramref name="tree"/>, creating mappings; mapping values merge key by key.</summary>
    internal static void MergeAt(Dictionary<string, object?> tree, string[] keys, object? value)
    {
        var node = tree;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            if (!node.TryGetValue(keys[i], out var child) || child is not Dictionary<string, object?> m)
                node[keys[i]] = m = new Dictionary<string, object?>(StringComparer.Ordinal);
            node = m;
        }
        if (value is Dictionary<string, object?> vm && node.TryGetValue(keys[^1], out var old) && old is Dictionary<string, object?>)
            foreach (var (k, v) in vm) MergeAt((Dictionary<string, object?>)node[keys[^1]]!, [k], v);
        else node[keys[^1]] = value;
    }

    internal static object? CloneTree(object? node) => node switch
    {
        Dictionary<string, object?> m => m.ToDictionary(kv => kv.Key, kv => CloneTree(kv.Value), StringComparer.Ordinal),
        List<object?> l => l.Select(CloneTree).ToList(),
        _ => node,
    };

    private static bool SameTree(object? a, object? b) => (a, b) switch
    {
        (IReadOnlyDictionary<string, object?> x, IReadOnlyDictionary<string, object?> y) => x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && SameTree(kv.Value, v)),
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => SameTree(p.First, p.Second)),
        _ => Equals(a, b),
    };

    public static MdConfig Parse(Dictionary<string, object?> root, string source, string baseDirectory)
    {
        var r = new ConfigReader(source);
        r.RequireOnly(root, "", "structure", "potential", "velocities", "integrator", "timestep", "steps", "time", "neighbor",
            "thermo", "trajectory", "checkpoint", "threads", "precision", "backend", "device", "remove_drift", "frozen", "safety");

        // ---- structure ----
        if (!root.TryGetValue("structure", out var sNode)) throw r.Error("structure", "is required ({file: start.xyz} or {lattice: fcc, element: Cu, a: 3.615, repeat: [10, 10, 10]})");
        var structure = ParseStructure(r, sNode, "structure", baseDirectory);

        // ---- potential ----
        if (!root.TryGetValue("potential", out var pNode) || pNode is null) throw r.Error("potential", "is required (a spec file, an inline {style: ..., ...} spec or a model file)");
        PotentialSpec? spec = null; string? modelFile = null;
        if (pNode is Dictionary<string, object?> pm)
        {
            try { spec = PotentialSpecLoader.FromMapping(pm, $"{source}: potential", baseDirectory); }
            catch (FormatException e) { throw new FormatException(e.Message.StartsWith(source) ? e.Message : $"{source}: potential: {e.Message}"); }
        }
        else if (pNode is string pf)
        {
            string p = Resolve(baseDirectory, pf);
            if (!File.Exists(p)) throw r.Error("potential", $"file '{pf}' not found (looked for {p})");
            string ext = Path.GetExtension(p).ToLowerInvariant();
            if (ext is ".yaml" or ".yml") spec = PotentialSpecLoader.FromFile(p);
            else modelFile = p;
        }
        else throw r.Error("potential", "must be a file path or a mapping {style: ..., ...}");

        // ---- velocities ----
        double? vt = null; ulong vseed = 12345; bool zeroMomentum = true;
        var vel = r.OptionalMapping(root, "", "velocities");
        if (vel != null)
        {
            r.RequireOnly(vel, "velocities", "temperature", "seed", "zero_momentum");
            vt = r.Double(vel, "velocities", "temperature", 0) ?? throw r.Error("velocities.temperature", "is required (K)");
            vseed = (ulong)(r.Integer(vel, "velocities", "seed", 0) ?? 12345);
            zeroMomentum = r.Bool(vel, "velocities", "zero_momentum") ?? true;
        }

        // ---- time step and length ----
        double dt = r.Double(root, "", "timestep", 0, exclusiveMin: true) ?? 1.0;
        long? steps = r.Integer(root, "", "steps", 0);
        double? time = r.Double(root, "", "time", 0);
        if (steps != null && time != null) throw r.Error("steps", "give either 'steps' or 'time' (fs), not both");
        // At most 1e12 steps (years of wall time even for a few atoms); a larger time/timestep would overflow the step count.
        const double maxSteps = 1e12;
        if (steps > maxSteps) throw r.Error("steps", $"{steps} is absurd: at most {maxSteps:G} steps");
        if (time / dt > maxSteps) throw r.Error("time", $"{time:G} fs is {time / dt:G} steps of {dt:G} fs: at most {maxSteps:G} steps");
        long nsteps = steps ?? (time is double t ? (long)Math.Round(t / dt) : throw r.Error("steps", "is required (or 'time' in fs)"));

        // ---- integrator ----
        var integ = r.OptionalMapping(root, "", "integrator") ?? new Dictionary<string, object?> { ["type"] = "nve" };
        r.RequireOnly(integ, "integrator", "type", "temperature", "tdamp", "damping", "pressure", "pdamp", "chain", "couple", "compressibility", "seed");
        string type = r.String(integ, "integrator", "type") ?? "nve";
        if (Array.IndexOf(MdConfig.IntegratorTypes, type) < 0) throw r.Error("integrator.type", $"unknown integrator '{type}' (known: {string.Join(", ", MdConfig.IntegratorTypes)})");
        double? temp = r.Double(integ, "integrator", "temperature", 0);
        double? tdamp = r.Double(integ, "integrator", "tdamp", 0, exclusiveMin: true);
        double? damping = r.Double(integ, "integrator", "damping", 0, exclusiveMin: true);
        if (tdamp != null && damping != null) throw r.Error("integrator.damping", "is an alias of tdamp; give one of them");
        tdamp ??= damping;
        bool thermostatted = type != "nve", barostatted = type.StartsWith("npt");
        if (thermostatted && temp is null) throw r.Error("integrator.temperature", $"is required for {type} (K)");
        if (!thermostatted) foreach (var k in new[] { "temperature", "tdamp", "damping", "chain", "seed" })
            if (integ.ContainsKey(k)) throw r.Error($"integrator.{k}", "has no meaning for nve");
        if (!barostatted) foreach (var k in new[] { "pressure", "pdamp", "couple", "compressibility" })
            if (integ.ContainsKey(k)) throw r.Error($"integrator.{k}", $"has no meaning for {type} (only for npt-mtk, npt-crescale)");
        if (type == "npt-mtk" && temp == 0) throw r.Error("integrator.temperature", "must be > 0 for npt-mtk");
        if (type == "nvt-nhc" && temp == 0) throw r.Error("integrator.temperature", "must be > 0 for nvt-nhc");
        double pressure = r.Double(integ, "integrator", "pressure") ?? 0.0;
        double? pdamp = r.Double(integ, "integrator", "pdamp", 0, exclusiveMin: true);
        int chain = (int)(r.Integer(integ, "integrator", "chain", 1) ?? 3);
        string couple = r.String(integ, "integrator", "couple") ?? "iso";
        var coupling = couple switch
        {
            "iso" => PressureCoupling.Isotropic,
            "aniso" => PressureCoupling.Anisotropic,
            "tri" => PressureCoupling.Triclinic,
            _ => throw r.Error("integrator.couple", $"must be iso, aniso or tri, found '{couple}'"),
        };
        double compress = r.Double(integ, "integrator", "compressibility", 0, exclusiveMin: true) ?? 0.01;
        ulong? iseed = r.Integer(integ, "integrator", "seed", 0) is long ls ? (ulong)ls : null;
        var integrator = new IntegratorConfig(type, temp, tdamp, pressure, pdamp, chain, coupling, compress, iseed);

        // ---- neighbor, outputs, resources ----
        double skin = 1.0;
        var nb = r.OptionalMapping(root, "", "neighbor");
        if (nb != null) { r.RequireOnly(nb, "neighbor", "skin"); skin = r.Double(nb, "neighbor", "skin", 0) ?? 1.0; }
        var thermo = Output(r, root, baseDirectory, "thermo", defaultEvery: 100, fileRequired: false);
        var traj = Output(r, root, baseDirectory, "trajectory", defaultEvery: 100, fileRequired: true);
        var ckpt = Output(r, root, baseDirectory, "checkpoint", defaultEvery: 0, fileRequired: true);
        int threads = (int)(r.Integer(root, "", "threads", 1) ?? Environment.ProcessorCount);
        string prec = r.String(root, "", "precision") ?? "f64";
        var precision = prec switch
        {
            "f64" or "fp64" or "double" => Precision.Float64,
            "f32" or "fp32" or "float" => Precision.Float32,
            _ => throw r.Error("precision", $"must be f64 or f32, found '{prec}'"),
        };
        // `device: cpu | reference | opencl[:INDEX]` (`backend:` is the older name of the same key)
        string deviceKey = r.String(root, "", "device") is string dv ? "device" : "backend";
        string be = r.String(root, "", deviceKey) ?? "cpu";
        Backend backend; int deviceIndex;
        try { (backend, deviceIndex) = CliParsing.ParseDevice(be); }
        catch (UsageException e) { throw r.Error(deviceKey, e.Message); }
        int drift = (int)(r.Integer(root, "", "remove_drift", 0) ?? 0);

        // ---- frozen atoms ----
        var frozen = new List<int>(); double? zBelow = null;
        var fr = r.OptionalMapping(root, "", "frozen");
        if (fr != null)
        {
            r.RequireOnly(fr, "frozen", "indices", "z_below");
            foreach (var item in r.List(fr, "frozen", "indices") ?? [])
            {
                string txt = item as string ?? throw r.Error("frozen.indices", "entries must be indices or ranges like 10-19");
                int dash = txt.IndexOf('-', 1);
                if (dash > 0 && int.TryParse(txt[..dash], out int lo) && int.TryParse(txt[(dash + 1)..], out int hi) && lo >= 0 && hi >= lo)
                    for (int i = lo; i <= hi; i++) frozen.Add(i);
                else if (int.TryParse(txt, out int one) && one >= 0) frozen.Add(one);
                else throw r.Error("frozen.indices", $"'{txt}' is not an index or a range like 10-19");
            }
            zBelow = r.Double(fr, "frozen", "z_below");
        }

        // ---- safety ----
        double minDist = 0.5; int safetyEvery = 0;
        var sa = r.OptionalMapping(root, "", "safety");
        if (sa != null)
        {
            r.RequireOnly(sa, "safety", "min_distance", "every");
            minDist = r.Double(sa, "safety", "min_distance", 0) ?? minDist;
            safetyEvery = (int)(r.Integer(sa, "safety", "every", 0) ?? 0);
        }
        if (safetyEvery == 0) safetyEvery = thermo.Every > 0 ? thermo.Every : 100;

        return new MdConfig
        {
            Source = source, BaseDirectory = baseDirectory, Structure = structure, Potential = spec, PotentialFile = modelFile,
            VelocityTemperature = vt, VelocitySeed = vseed, ZeroMomentum = zeroMomentum, Integrator = integrator,
            TimeStep = dt, Steps = nsteps, Skin = skin, Thermo = thermo, Trajectory = traj, Checkpoint = ckpt,
            Threads = threads, Precision = precision, Backend = backend, DeviceIndex = deviceIndex, RemoveDriftEvery = drift,
            FrozenIndices = frozen.ToArray(), FrozenZBelow = zBelow, SafetyMinDistance = minDist, SafetyEvery = safetyEvery,
        };
    }

    /// <summary>A starting structure: a file name, <c>{file: ...}</c> or <c>{lattice, element, a, c, repeat}</c>; errors name <paramref name="key"/>.</summary>
    public static StructureConfig ParseStructure(ConfigReader r, object? node, string key, string baseDir)
    {
        if (node is string sf) return new StructureConfig(Resolve(baseDir, sf), null, null, 0, null, []);
        else
        {
            var s = r.Mapping(node, key);
            r.RequireOnly(s, key, "file", "lattice", "element", "a", "c", "repeat");
            string? file = r.String(s, key, "file");
            string? lattice = r.String(s, key, "lattice");
            if ((file is null) == (lattice is null)) throw r.Error(key, "give either 'file' or 'lattice' (with element, a, repeat)");
            int[] repeat = [1, 1, 1];
            var rep = s.TryGetValue("repeat", out var rv) ? rv : null;
            if (rep is string one) repeat = [ParseRepeat(r, one), ParseRepeat(r, one), ParseRepeat(r, one)];
            else if (rep is List<object?> l)
            {
                if (l.Count != 3) throw r.Error($"{key}.repeat", $"must have 3 entries, found {l.Count}");
                repeat = l.Select(x => ParseRepeat(r, x as string)).ToArray();
            }
            else if (rep != null) throw r.Error($"{key}.repeat", "must be [nx, ny, nz] or one integer");
            if (file != null)
            {
                if (rep != null && repeat.Any(x => x != 1)) throw r.Error($"{key}.repeat", "is only for built lattices");
                return new StructureConfig(Resolve(baseDir, file), null, null, 0, null, repeat);
            }
            else
            {
                if (Array.IndexOf(Dynamics.Structures.CrystalLattice.Names, lattice) < 0)
                    throw r.Error($"{key}.lattice", $"unknown lattice '{lattice}' (known: {string.Join(", ", Dynamics.Structures.CrystalLattice.Names)})");
                string element = r.RequiredString(s, key, "element");
                if (!Chemistry.Element.TryAtomicNumber(element, out _)) throw r.Error($"{key}.element", $"unknown element '{element}'");
                double a = r.Double(s, key, "a", 0, exclusiveMin: true) ?? throw r.Error($"{key}.a", "is required (lattice constant, Å)");
                double? c = r.Double(s, key, "c", 0, exclusiveMin: true);
                return new StructureConfig(null, lattice, element, a, c, repeat);
            }
    }
    }

    private static int ParseRepeat(ConfigReader r, string? s) =>
        int.TryParse(s, out int n) && n >= 1 ? n : throw r.Error("structure.repeat", $"entries must be positive integers, found '{s}'");

    private static OutputConfig Output(ConfigReader r, Dictionary<string, object?> root, string baseDir, string key, int defaultEvery, bool fileRequired)
    {
        var m = r.OptionalMapping(root, "", key);
        if (m is null) return new OutputConfig(null, key == "thermo" ? defaultEvery : 0);
        r.RequireOnly(m, key, "file", "every");
        string? file = r.String(m, key, "file");
        if (fileRequired && file is null) throw r.Error($"{key}.file", "is required");
        int every = (int)(r.Integer(m, key, "every", 0) ?? defaultEvery);
        // outputs, like LAMMPS', are relative to the working directory (inputs to the config's folder)
        return new OutputConfig(file is null ? null : Path.GetFullPath(file), every);
    }

    private static string Resolve(string baseDir, string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDir, path));
}
