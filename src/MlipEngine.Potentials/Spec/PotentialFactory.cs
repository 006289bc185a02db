using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Committee;
using MlipEngine.Potentials.Eam;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Potentials.Pair;
using MlipEngine.Potentials.StillingerWeber;
using MlipEngine.Potentials.Tersoff;

namespace MlipEngine.Potentials.Spec;

/// <summary>
/// The built-in styles: builds a force field from a <see cref="PotentialSpec"/>. One entry per style;
/// the schema of each is documented in docs/potentials.md. The table is immutable: a catalogue
/// (<c>ForceFieldCatalog</c>) starts from it and adds styles of its own.
/// </summary>
public static class PotentialFactory
{
    private static readonly Dictionary<string, Func<PotentialSpec, IForceField>> Builders = new(StringComparer.Ordinal)
    {
        ["lj/cut"] = BuildLennardJones,
        ["morse"] = BuildMorse,
        ["eam"] = BuildFuncfl,
        ["eam/alloy"] = s => BuildSetfl(s, finnisSinclair: false),
        ["eam/fs"] = s => BuildSetfl(s, finnisSinclair: true),
        ["sw"] = s => BuildParameterFile(s, StillingerWeberPotential.FromFile),
        ["tersoff"] = s => BuildParameterFile(s, TersoffPotential.FromFile),
        ["equivariant"] = BuildEquivariant,
        ["committee"] = s => BuildCommittee(s, Create, readSpecFile: null),
    };

    public static IReadOnlyCollection<string> Styles => Builders.Keys;

    /// <summary>The built-in builders, style → builder.</summary>
    public static IReadOnlyDictionary<string, Func<PotentialSpec, IForceField>> BuiltIn => Builders;

    /// <summary>Builds a built-in style.</summary>
    public static IForceField Create(PotentialSpec spec) => Create(spec, Builders);

    /// <summary>Builds <paramref name="spec"/> with the builder its style names in <paramref name="builders"/>; argument errors become errors naming the spec.</summary>
    public static IForceField Create(PotentialSpec spec, IReadOnlyDictionary<string, Func<PotentialSpec, IForceField>> builders)
    {
        if (!builders.TryGetValue(spec.Style, out var build))
            throw spec.Error($"unknown style '{spec.Style}' (known: {string.Join(", ", builders.Keys.Order())})");
        try { return build(spec); }
        catch (ArgumentException e) { throw spec.Error(e.Message); }
    }

    /// <summary><c>{style: equivariant, file: potentials/NAME.mlip}</c>: everything else is in the model file.</summary>
    private static IForceField BuildEquivariant(PotentialSpec spec)
    {
        spec.RequireOnlyKeys("file");
        return EquivariantModelFile.Read(spec.ResolvePath(spec.GetString("file")));
    }

    /// <summary>
    /// <c>{style: committee, members: [a.mlip, b.yaml, {style: ..., ...}]}</c>: each member is a model file
    /// (<c>*.mlip</c>), a spec file, or an inline spec; relative paths resolve against this spec's folder.
    /// </summary>
    /// <param name="create">Builds a member's spec (the caller's style table, so members may use any style it knows).</param>
    /// <param name="readSpecFile">Parses a member spec file (YAML is read outside this assembly), or null when the caller cannot: a spec-file member is then an error.</param>
    public static IForceField BuildCommittee(PotentialSpec spec, Func<PotentialSpec, IForceField> create, Func<string, PotentialSpec>? readSpecFile)
    {
        spec.RequireOnlyKeys("members");
        if (!spec.Fields.TryGetValue("members", out var value) || value is not IEnumerable<object?> list || value is string)
            throw spec.Error("'members' must be a list of model files, spec files or inline specs (e.g. members: [a.mlip, b.mlip])");
        var members = new List<IForceField>();
        var names = new List<string>();
        foreach (var item in list)
        {
            switch (item)
            {
                case string path when path.EndsWith(".mlip", StringComparison.OrdinalIgnoreCase):
                    string model = spec.ResolvePath(path);
                    members.Add(create(new PotentialSpec(new Dictionary<string, object?> { ["style"] = "equivariant", ["file"] = model }, path, spec.BaseDirectory)));
                    names.Add(path);
                    break;
                case string path:
                    string file = spec.ResolvePath(path);
                    if (readSpecFile is null) throw spec.Error($"member '{path}' is a spec file, which only a catalogue (ForceFieldCatalog) can read; name a *.mlip file or write the spec inline");
                    members.Add(create(readSpecFile(file)));
                    names.Add(path);
                    break;
                case IReadOnlyDictionary<string, object?> map:
                    string name = $"{spec.Source} member {members.Count}";
                    members.Add(create(new PotentialSpec(map, name, spec.BaseDirectory)));
                    names.Add(name);
                    break;
                default:
                    throw spec.Error($"member {members.Count} must be a file name or an inline spec, found '{item}'");
            }
        }
        return new CommitteeForceField(members, names);
    }

    private static IForceField BuildFuncfl(PotentialSpec spec)
    {
        spec.RequireOnlyKeys("file", "files", "elements");
        var elements = spec.GetStringList("elements");
        IReadOnlyList<string> files = spec.TryGetStringList("files") ?? [spec.GetString("file")];
        if (files.Count != elements.Count)
            throw spec.Error($"eam (funcfl) needs one file per element: {files.Count} file(s) for {elements.Count} element(s)");
        CheckElements(spec, elements);
        return EamPotential.FromFuncfl(files.Select(spec.ResolvePath).ToArray(), elements);
    }

    private static IForceField BuildSetfl(PotentialSpec spec, bool finnisSinclair)
    {
        spec.RequireOnlyKeys("file", "elements");
        var elements = spec.GetStringList("elements");
        CheckElements(spec, elements);
        string file = spec.ResolvePath(spec.GetString("file"));
        return finnisSinclair ? EamPotential.FromFinnisSinclair(file, elements) : EamPotential.FromSetfl(file, elements);
    }

    private static IForceField BuildParameterFile(PotentialSpec spec, Func<string, IReadOnlyList<string>, IForceField> read)
    {
        spec.RequireOnlyKeys("file", "elements");
        var elements = spec.GetStringList("elements");
        CheckElements(spec, elements);
        return read(spec.ResolvePath(spec.GetString("file")), elements);
    }

    private static IForceField BuildLennardJones(PotentialSpec spec)
    {
        spec.RequireOnlyKeys("cutoff", "shift", "mixing", "pairs", "elements");
        double? globalCut = spec.TryGetDouble("cutoff");
        bool shift = spec.GetBool("shift", false);
        string mixing = spec.TryGetString("mixing") ?? "geometric";
        if (mixing is not ("geometric" or "arithmetic")) throw spec.Error($"mixing must be geometric or arithmetic, not '{mixing}'");
        var (species, given) = ReadPairs(spec, ["epsilon", "sigma", "cutoff"]);
        var table = new PairParameterTable<LennardJonesPair>(species.Length);
        foreach (var ((a, b), v) in given)
        {
            double cut = v.TryGetValue("cutoff", out var c) ? c : globalCut ?? throw spec.Error($"pair {Sym(species, a, b)} has no cutoff and there is no global 'cutoff'");
            table.Set(a, b, new LennardJonesPair(Need(spec, v, "epsilon", species, a, b), Need(spec, v, "sigma", species, a, b), cut));
        }
        // LAMMPS mixing for missing unlike pairs from the like pairs: ε = √(εᵢεⱼ); σ geometric or arithmetic mean
        for (int a = 0; a < species.Length; a++)
            for (int b = a + 1; b < species.Length; b++)
            {
                if (table.TryGet(a, b, out _)) continue;
                if (!table.TryGet(a, a, out var pa) || !table.TryGet(b, b, out var pb))
                    throw spec.Error($"pair {Sym(species, a, b)} is missing and cannot be mixed without {Sym(species, a, a)} and {Sym(species, b, b)}");
                double eps = Math.Sqrt(pa.Epsilon * pb.Epsilon);
                double sig = mixing == "geometric" ? Math.Sqrt(pa.Sigma * pb.Sigma) : 0.5 * (pa.Sigma + pb.Sigma);
                double cut = globalCut ?? (mixing == "geometric" ? Math.Sqrt(pa.Cutoff * pb.Cutoff) : 0.5 * (pa.Cutoff + pb.Cutoff));
                table.Set(a, b, new LennardJonesPair(eps, sig, cut));
            }
        return new LennardJonesPotential(species, table, shift);
    }

    private static IForceField BuildMorse(PotentialSpec spec)
    {
        spec.RequireOnlyKeys("cutoff", "shift", "pairs", "elements");
        double? globalCut = spec.TryGetDouble("cutoff");
        bool shift = spec.GetBool("shift", false);
        var (species, given) = ReadPairs(spec, ["d0", "alpha", "r0", "cutoff"]);
        var table = new PairParameterTable<MorsePair>(species.Length);
        foreach (var ((a, b), v) in given)
        {
            double cut = v.TryGetValue("cutoff", out var c) ? c : globalCut ?? throw spec.Error($"pair {Sym(species, a, b)} has no cutoff and there is no global 'cutoff'");
            table.Set(a, b, new MorsePair(Need(spec, v, "d0", species, a, b), Need(spec, v, "alpha", species, a, b), Need(spec, v, "r0", species, a, b), cut));
        }
        return new MorsePotential(species, table, shift);
    }

    /// <summary>Reads <c>pairs: {A-B: {key: value}}</c>; species order is <c>elements</c> if given, else order of first appearance.</summary>
    private static (int[] Species, List<((int, int), Dictionary<string, double>)>) ReadPairs(PotentialSpec spec, string[] keys)
    {
        var pairs = spec.TryGetMapping("pairs") ?? throw spec.Error("missing 'pairs' (e.g. pairs: {Ar-Ar: {...}})");
        var order = spec.TryGetStringList("elements")?.ToList() ?? new List<string>();
        bool fixedOrder = order.Count > 0;
        if (fixedOrder) CheckElements(spec, order);
        var parsed = new List<(string, string, Dictionary<string, double>)>();
        foreach (var (name, value) in pairs)
        {
            var parts = name.Split('-');
            if (parts.Length != 2) throw spec.Error($"pair name '{name}' must look like A-B (e.g. Cu-Ni)");
            foreach (var p in parts)
            {
                if (!Element.TryAtomicNumber(p, out _)) throw spec.Error($"pair '{name}': unknown element '{p}'");
                if (!order.Contains(p))
                {
                    if (fixedOrder) throw spec.Error($"pair '{name}' uses {p}, which is not in elements [{string.Join(", ", order)}]");
                    order.Add(p);
                }
            }
            if (value is not IReadOnlyDictionary<string, object?> map) throw spec.Error($"pair '{name}' must be a mapping of parameters");
            var vals = new Dictionary<string, double>();
            foreach (var (k, v) in map)
            {
                if (!keys.Contains(k)) throw spec.Error($"pair '{name}': unknown parameter '{k}' (allowed: {string.Join(", ", keys)})");
                vals[k] = PotentialSpec.ParseDouble(v, $"{name}.{k}", spec.Source);
            }
            parsed.Add((parts[0], parts[1], vals));
        }
        var result = parsed.Select(p => ((order.IndexOf(p.Item1), order.IndexOf(p.Item2)), p.Item3)).ToList();
        return (order.Select(Element.AtomicNumber).ToArray(), result);
    }

    private static double Need(PotentialSpec spec, Dictionary<string, double> v, string key, int[] species, int a, int b) =>
        v.TryGetValue(key, out double x) ? x : throw spec.Error($"pair {Sym(species, a, b)} is missing '{key}'");

    private static string Sym(int[] species, int a, int b) => $"{Element.Symbol(species[a])}-{Element.Symbol(species[b])}";

    private static void CheckElements(PotentialSpec spec, IReadOnlyList<string> elements)
    {
        if (elements.Count == 0) throw spec.Error("'elements' is empty");
        foreach (var e in elements)
            if (!Element.TryAtomicNumber(e, out _)) throw spec.Error($"unknown element '{e}' in elements");
        if (elements.Distinct().Count() != elements.Count) throw spec.Error("'elements' lists an element twice");
    }
}
