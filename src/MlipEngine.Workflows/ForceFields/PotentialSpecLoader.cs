using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;

namespace MlipEngine.Workflows.ForceFields;

/// <summary>Reads potential specs from YAML files or inline YAML/flow text (the YAML itself is parsed by IO's <see cref="YamlTree"/>).</summary>
public static class PotentialSpecLoader
{
    /// <summary>Loads a spec file; relative paths inside resolve against the file's folder.</summary>
    public static PotentialSpec FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"potential spec '{path}' not found", path);
        string full = Path.GetFullPath(path);
        return FromText(File.ReadAllText(full), Path.GetFileName(path), Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses YAML text (block or flow form, e.g. "{style: lj/cut, ...}").</summary>
    public static PotentialSpec FromText(string yaml, string source, string baseDirectory)
    {
        var tree = YamlTree.Parse(yaml, source);
        if (tree is not Dictionary<string, object?> map) throw new FormatException($"{source}: a potential spec must be a mapping with a 'style' key");
        return new PotentialSpec(map, source, baseDirectory);
    }

    /// <summary>An already-parsed mapping (e.g. the <c>potential:</c> block of a run config).</summary>
    public static PotentialSpec FromMapping(Dictionary<string, object?> map, string source, string baseDirectory) => new(map, source, baseDirectory);

    /// <summary>
    /// Accepts what a user passes as <c>--potential</c>: a spec file path, or inline YAML starting with '{'.
    /// </summary>
    public static PotentialSpec Resolve(string argument)
    {
        string t = argument.TrimStart();
        if (t.StartsWith('{')) return FromText(argument, "inline spec", Directory.GetCurrentDirectory());
        return FromFile(argument);
    }
}
