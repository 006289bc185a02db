using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.IO;

/// <summary>An extra per-atom column of a frame (extxyz Properties): type S, R, I or L with 1+ columns.</summary>
/// <param name="Data">string[], double[], long[] or bool[], atom-major (atom × Columns).</param>
public sealed record PerAtomArray(string Name, char Type, int Columns, Array Data);

/// <summary>
/// One frame of a file: a structure plus what files carry with it — labels (energy, forces, stress,
/// per-atom energies), free-form info keys and extra per-atom columns, all preserved in order.
/// </summary>
public sealed class Frame
{
    public Frame(AtomicStructure structure) { Structure = structure; }

    public AtomicStructure Structure { get; set; }
    /// <summary>Total energy, eV.</summary>
    public double? Energy { get; set; }
    /// <summary>Forces, eV/Å.</summary>
    public Vec3[]? Forces { get; set; }
    /// <summary>Stress, 9 components row-major, eV/Å³, ASE sign (positive = tensile).</summary>
    public double[]? Stress { get; set; }
    /// <summary>Per-atom energies, eV.</summary>
    public double[]? AtomEnergies { get; set; }
    /// <summary>Other key=value pairs of the comment line, in file order (string, long, double, bool, or arrays of those).</summary>
    public List<KeyValuePair<string, object>> Info { get; } = new();
    /// <summary>Other per-atom columns, in file order.</summary>
    public List<PerAtomArray> Arrays { get; } = new();
    /// <summary>File the frame came from (for messages), or null.</summary>
    public string? Source { get; set; }
    /// <summary>0-based index of the frame in its file.</summary>
    public int Index { get; set; }

    public object? GetInfo(string key)
    {
        foreach (var kv in Info) if (kv.Key == key) return kv.Value;
        return null;
    }

    public void SetInfo(string key, object value)
    {
        for (int i = 0; i < Info.Count; i++)
            if (Info[i].Key == key) { Info[i] = new(key, value); return; }
        Info.Add(new(key, value));
    }

    public bool RemoveInfo(string key) => Info.RemoveAll(kv => kv.Key == key) > 0;
}
