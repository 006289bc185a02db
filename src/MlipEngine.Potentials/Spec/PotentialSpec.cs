using System.Globalization;

namespace MlipEngine.Potentials.Spec;

/// <summary>
/// A potential named by a small document, e.g.
/// <c>{style: eam/alloy, file: CuNi.eam.alloy, elements: [Cu, Ni]}</c>. Values are the parsed YAML
/// tree (string scalars, <see cref="List{T}"/> of values, <see cref="Dictionary{TKey,TValue}"/> of
/// string → value); typed accessors give errors that name the spec and the key. Relative file
/// paths resolve against <see cref="BaseDirectory"/> (the spec file's folder).
/// </summary>
public sealed class PotentialSpec
{
    public PotentialSpec(IReadOnlyDictionary<string, object?> fields, string source, string baseDirectory)
    {
        Fields = fields;
        Source = source;
        BaseDirectory = baseDirectory;
        if (!fields.TryGetValue("style", out var style) || style is not string s || string.IsNullOrWhiteSpace(s))
            throw Error("missing 'style' (e.g. style: eam/alloy)");
        Style = s.Trim();
    }

    public string Style { get; }
    public IReadOnlyDictionary<string, object?> Fields { get; }
    /// <summary>Where the spec came from, for messages (a file name or "inline spec").</summary>
    public string Source { get; }
    public string BaseDirectory { get; }

    public bool Has(string key) => Fields.ContainsKey(key);

    public FormatException Error(string problem) => new($"{Source}: {problem}");

    /// <summary>Throws when the spec has keys other than the allowed ones (catches typos).</summary>
    public void RequireOnlyKeys(params string[] allowed)
    {
        var unknown = Fields.Keys.Where(k => k != "style" && !allowed.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw Error($"unknown key{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(k => $"'{k}'"))} for style {Style} (allowed: {string.Join(", ", allowed)})");
    }

    public string GetString(string key) => TryGetString(key) ?? throw Error($"missing '{key}'");

    public string? TryGetString(string key) => Fields.TryGetValue(key, out var v) ? v as string ?? throw Error($"'{key}' must be a single value") : null;

    public double GetDouble(string key) => TryGetDouble(key) ?? throw Error($"missing '{key}'");

    public double? TryGetDouble(string key) => Fields.TryGetValue(key, out var v) ? ParseDouble(v, key, Source) : null;

    public bool GetBool(string key, bool fallback)
    {
        if (!Fields.TryGetValue(key, out var v)) return fallback;
        return ParseBool(v, key, Source);
    }

    public IReadOnlyList<string> GetStringList(string key) => TryGetStringList(key) ?? throw Error($"missing '{key}' (a list, e.g. [Cu, Ni])");

    public IReadOnlyList<string>? TryGetStringList(string key)
    {
        if (!Fields.TryGetValue(key, out var v)) return null;
        return v switch
        {
            string s => s.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries),
            IEnumerable<object?> list => list.Select(x => x as string ?? throw Error($"'{key}' must be a list of names")).ToArray(),
            _ => throw Error($"'{key}' must be a list"),
        };
    }

    public IReadOnlyDictionary<string, object?>? TryGetMapping(string key)
    {
        if (!Fields.TryGetValue(key, out var v)) return null;
        return v as IReadOnlyDictionary<string, object?> ?? (v as Dictionary<string, object?>) ?? throw Error($"'{key}' must be a mapping");
    }

    /// <summary>A path value resolved against the spec's folder; checks the file exists.</summary>
    public string ResolvePath(string relativeOrAbsolute)
    {
        string p = Path.IsPathRooted(relativeOrAbsolute) ? relativeOrAbsolute : Path.GetFullPath(Path.Combine(BaseDirectory, relativeOrAbsolute));
        if (!File.Exists(p)) throw Error($"potential file '{relativeOrAbsolute}' not found (looked for {p})");
        return p;
    }

    public static double ParseDouble(object? v, string key, string source)
    {
        if (v is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) return d;
        throw new FormatException($"{source}: '{key}' must be a finite number, found '{v}'");
    }

    public static bool ParseBool(object? v, string key, string source) => v switch
    {
        string s when s is "true" or "True" or "yes" or "on" or "1" => true,
        string s when s is "false" or "False" or "no" or "off" or "0" => false,
        _ => throw new FormatException($"{source}: '{key}' must be true or false, found '{v}'"),
    };
}
