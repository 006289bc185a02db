using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MlipEngine.IO.Yaml;

/// <summary>
/// Converts YAML text into a plain tree: scalars as strings, sequences as <see cref="List{T}"/>,
/// mappings as <see cref="Dictionary{TKey,TValue}"/> (string keys, file order kept). Parse errors
/// name the source and line.
/// </summary>
public static class YamlTree
{
    public static object? Parse(string text, string source)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new FormatException($"{source}:{e.Start.Line}: invalid YAML ({e.Message})");
        }
        if (stream.Documents.Count == 0) return null;
        return Convert(stream.Documents[0].RootNode, source);
    }

    public static object? Convert(YamlNode node, string source) => node switch
    {
        YamlScalarNode s => s.Value,
        YamlSequenceNode seq => seq.Children.Select(c => Convert(c, source)).ToList(),
        YamlMappingNode map => ConvertMap(map, source),
        _ => throw new FormatException($"{source}:{node.Start.Line}: unsupported YAML node"),
    };

    private static Dictionary<string, object?> ConvertMap(YamlMappingNode map, string source)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode ks || ks.Value is null) throw new FormatException($"{source}:{k.Start.Line}: mapping keys must be plain names");
            if (!d.TryAdd(ks.Value, Convert(v, source))) throw new FormatException($"{source}:{k.Start.Line}: key '{ks.Value}' appears twice");
        }
        return d;
    }
}
