using System.Globalization;

namespace MlipEngine.Cli.Md;

/// <summary>
/// Typed access to a parsed YAML tree (see <see cref="IO.Yaml.YamlTree"/>) with errors of the form
/// <c>run.yaml: integrator.tdamp: must be a positive number, found 'abc'</c>. Every section is
/// checked for unknown keys so typos fail loudly.
/// </summary>
public sealed class ConfigReader
{
    public ConfigReader(string source) { Source = source; }

    public string Source { get; }

    public FormatException Error(string key, string problem) => new($"{Source}: {key}: {problem}");

    public static string Join(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    public Dictionary<string, object?> Mapping(object? node, string key)
    {
        if (node is Dictionary<string, object?> d) return d;
        throw Error(key, node is null ? "is empty (a mapping {key: value, ...} was expected)" : "must be a mapping {key: value, ...}");
    }

    public Dictionary<string, object?>? OptionalMapping(Dictionary<string, object?> parent, string parentKey, string key)
    {
        if (!parent.TryGetValue(key, out var v) || v is null) return null;
        return Mapping(v, Join(parentKey, key));
    }

    public void RequireOnly(Dictionary<string, object?> map, string key, params string[] allowed)
    {
        foreach (var k in map.Keys)
            if (Array.IndexOf(allowed, k) < 0)
                throw Error(Join(key, k), $"unknown key (allowed in {(key.Length == 0 ? "the top level" : key)}: {string.Join(", ", allowed)})");
    }

    public string? String(Dictionary<string, object?> map, string parent, string key)
    {
        if (!map.TryGetValue(key, out var v) || v is null) return null;
        return v as string ?? throw Error(Join(parent, key), "must be a single value");
    }

    public string RequiredString(Dictionary<string, object?> map, string parent, string key) =>
        String(map, parent, key) ?? throw Error(Join(parent, key), "is required");

    public double? Double(Dictionary<string, object?> map, string parent, string key, double min = double.NegativeInfinity, bool exclusiveMin = false)
    {
        string? s = String(map, parent, key);
        if (s is null) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw Error(Join(parent, key), $"must be a number, found '{s}'");
        if (exclusiveMin ? !(d > min) : !(d >= min))
            throw Error(Join(parent, key), $"must be {(exclusiveMin ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}, found {s}");
        return d;
    }

    public long? Integer(Dictionary<string, object?> map, string parent, string key, long min = long.MinValue)
    {
        string? s = String(map, parent, key);
        if (s is null) return null;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            throw Error(Join(parent, key), $"must be an integer, found '{s}'");
        if (v < min) throw Error(Join(parent, key), $"must be ≥ {min}, found {v}");
        return v;
    }

    public bool? Bool(Dictionary<string, object?> map, string parent, string key)
    {
        string? s = String(map, parent, key);
        return s switch
        {
            null => null,
            "true" or "True" or "yes" or "on" => true,
            "false" or "False" or "no" or "off" => false,
            _ => throw Error(Join(parent, key), $"must be true or false, found '{s}'"),
        };
    }

    public List<object?>? List(Dictionary<string, object?> map, string parent, string key)
    {
        if (!map.TryGetValue(key, out var v) || v is null) return null;
        return v as List<object?> ?? throw Error(Join(parent, key), "must be a list [a, b, ...]");
    }

    /// <summary>
    /// Reads a YAML config file that must be a mapping, applies the <c>--set</c> overrides and hands it to
    /// <paramref name="parse"/> (root, file name for messages, folder for relative paths). A
    /// <see cref="FormatException"/> (or a <see cref="Discovery.Search.SearchSettingsException"/>) becomes a
    /// one-line <see cref="UsageException"/> starting with the file name.
    /// </summary>
    public static T LoadMapping<T>(string path, IReadOnlyList<string> overrides, string verb, string shape, Func<Dictionary<string, object?>, string, string, T> parse)
    {
        if (!File.Exists(path)) throw new UsageException($"{verb} config '{path}' not found");
        string full = Path.GetFullPath(path);
        string source = Path.GetFileName(path);
        try
        {
            var root = IO.Yaml.YamlTree.Parse(File.ReadAllText(full), source) as Dictionary<string, object?>
                ?? throw new FormatException($"{source}: a {verb} config must be a mapping ({shape})");
            foreach (var o in overrides) ApplyOverride(root, o);
            return parse(root, source, Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is FormatException or Discovery.Search.SearchSettingsException)
        {
            throw new UsageException(e.Message.StartsWith(source, StringComparison.Ordinal) ? e.Message : $"{source}: {e.Message}");
        }
    }

    /// <summary>
    /// Applies <c>--set a.b.c=value</c>: the value is parsed as YAML (so <c>[3,3,3]</c> is a list),
    /// intermediate mappings are created when absent.
    /// </summary>
    public static void ApplyOverride(Dictionary<string, object?> root, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new UsageException($"--set expects key=value (e.g. integrator.temperature=300), found '{assignment}'");
        string path = assignment[..eq].Trim(), text = assignment[(eq + 1)..];
        object? value = text.Trim().Length == 0 ? "" : IO.Yaml.YamlTree.Parse(text, $"--set {path}");
        string[] keys = path.Split('.');
        var node = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            if (!node.TryGetValue(keys[i], out var child) || child is null) node[keys[i]] = child = new Dictionary<string, object?>(StringComparer.Ordinal);
            node = child as Dictionary<string, object?>
                ?? throw new UsageException($"--set {path}: '{string.Join('.', keys[..(i + 1)])}' is a value, not a mapping");
        }
        node[keys[^1]] = value;
    }
}
