using System.Security.Cryptography;
using MlipEngine.Cli.Md;
using MlipEngine.ForceFields;
using MlipEngine.Workflows.ForceFields;

namespace MlipEngine.Cli;

/// <summary>A config's <c>potential:</c> value — a spec or model file, or an inline <c>{style: ..., ...}</c> spec — as a force field.</summary>
public static class PotentialNode
{
    /// <summary>
    /// The force field, a label for messages, and an identity for journals (the file's SHA-256, or the inline
    /// spec flattened), so a resumed run with another potential is refused. Errors name <paramref name="key"/>.
    /// </summary>
    public static (IForceField ForceField, string Label, string Identity) Load(ConfigReader r, object? node, string key, string source, string baseDir)
    {
        try
        {
            if (node is Dictionary<string, object?> pm)
                return (CliParsing.Catalog.Create(PotentialSpecLoader.FromMapping(pm, $"{source}: {key}", baseDir)), "inline spec", "inline:" + Flatten(pm));
            if (node is string pf)
            {
                string p = Path.IsPathRooted(pf) ? pf : Path.GetFullPath(Path.Combine(baseDir, pf));
                if (!File.Exists(p)) throw r.Error(key, $"file '{pf}' not found (looked for {p})");
                return (CliParsing.Catalog.Load(p), pf, "file:" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));
            }
            throw r.Error(key, "must be a file path or a mapping {style: ..., ...}");
        }
        catch (Exception e) when (e is not FormatException and (ArgumentException or IOException or NotSupportedException))
        {
            throw r.Error(key, e.Message);
        }
    }

    /// <summary>A YAML tree as one canonical line (mapping keys sorted), for fingerprints.</summary>
    public static string Flatten(object? node) => node switch
    {
        Dictionary<string, object?> d => "{" + string.Join(",", d.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + Flatten(kv.Value))) + "}",
        List<object?> l => "[" + string.Join(",", l.Select(Flatten)) + "]",
        null => "~",
        _ => node.ToString()!,
    };
}
