using MlipEngine.Chemistry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;

namespace MlipEngine.Training.Data;

/// <summary>What a training set must carry.</summary>
public sealed record LabelRequirements
{
    public bool Energy { get; init; } = true;
    public bool Forces { get; init; } = true;
    public bool Stress { get; init; }
    /// <summary>Atomic numbers the model knows; null accepts any element.</summary>
    public IReadOnlySet<int>? Species { get; init; }
}

/// <summary>Labelled frames read and checked for training: nothing is silently dropped.</summary>
public static class TrainingSet
{
    /// <summary>
    /// Reads every frame (streamed) and checks it: required labels present, finite, right shapes,
    /// elements known. The first problem throws <see cref="TrainingDataException"/> naming the frame.
    /// </summary>
    public static List<Frame> Load(string path, ExtxyzOptions keys, LabelRequirements requirements)
    {
        var frames = new List<Frame>();
        foreach (var f in StructureFile.ReadFrames(path, StructureFormat.Auto, new StructureFileOptions { Extxyz = keys }))
        {
            Check(f, keys, requirements);
            frames.Add(f);
        }
        if (frames.Count == 0) throw new TrainingDataException($"{path}: no frames");
        return frames;
    }

    public static void Check(Frame f, ExtxyzOptions keys, LabelRequirements req)
    {
        int n = f.Structure.AtomCount;
        if (n == 0) throw Problem(f, "has no atoms");
        if (req.Energy)
        {
            if (f.Energy is not double e) throw Problem(f, $"has no energy label '{keys.EnergyKey}'");
            if (!double.IsFinite(e)) throw Problem(f, $"energy '{keys.EnergyKey}' is not finite ({e})");
        }
        if (req.Forces)
        {
            if (f.Forces is null) throw Problem(f, $"has no forces label '{keys.ForcesKey}'");
            if (f.Forces.Length != n) throw Problem(f, $"has {f.Forces.Length} forces for {n} atoms");
            for (int i = 0; i < n; i++)
                if (!f.Forces[i].IsFinite) throw Problem(f, $"force on atom {i} is not finite");
        }
        if (req.Stress)
        {
            if (f.Stress is null) throw Problem(f, $"has no stress label '{keys.StressKey}'");
            if (f.Stress.Length != 9) throw Problem(f, $"stress has {f.Stress.Length} components, expected 9");
            if (f.Stress.Any(v => !double.IsFinite(v))) throw Problem(f, "stress is not finite");
        }
        if (req.Species is { } known)
            for (int i = 0; i < n; i++)
                if (!known.Contains(f.Structure.Numbers[i]))
                    throw Problem(f, $"atom {i} is {Element.Symbol(f.Structure.Numbers[i])}, which the model does not know");
    }

    private static TrainingDataException Problem(Frame f, string what) => new($"{f.Source ?? "input"}, frame {f.Index}: {what}");
}

/// <summary>Bad training data; the message names the file and frame.</summary>
public sealed class TrainingDataException(string message) : Exception(message);
