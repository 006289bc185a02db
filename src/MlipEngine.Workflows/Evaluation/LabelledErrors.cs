using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Training;

namespace MlipEngine.Workflows.Evaluation;

/// <summary>Errors of a potential against the labels of a data set (what <c>mlip test</c> prints), overall and per group.</summary>
public static class LabelledErrors
{
    /// <summary>Runs the comparison; returns the metrics per group ("all" first).</summary>
    /// <param name="computer">The potential under test, bound to its backend.</param>
    /// <param name="inputPath">Labelled frames (extxyz, POSCAR, LAMMPS data, or a folder of them).</param>
    /// <param name="keys">Which extxyz keys hold the labels.</param>
    /// <param name="groupKey">Info key that groups frames (e.g. config_type).</param>
    /// <param name="progress">Frames done; null for none.</param>
    public static IReadOnlyList<(string Group, ErrorMetrics Metrics)> Compute(IForceComputer computer, string inputPath, ExtxyzOptions keys,
        string groupKey, IWorkProgress? progress = null)
    {
        if (!File.Exists(inputPath) && !Directory.Exists(inputPath)) throw new UsageException($"input '{inputPath}' not found");
        var all = new ErrorMetrics();
        var groups = new SortedDictionary<string, ErrorMetrics>(StringComparer.Ordinal);
        // Keep each frame's labels before the evaluator overwrites them with predictions.
        var labels = new Dictionary<Frame, (double? E, Vec3[]? F, double[]? S)>(ReferenceEqualityComparer.Instance);
        IEnumerable<Frame> Labelled()
        {
            foreach (var f in StructureFile.ReadFrames(inputPath, StructureFormat.Auto, new StructureFileOptions { Extxyz = keys }))
            {
                if (f.Energy is null && f.Forces is null && f.Stress is null)
                    throw new EvaluationException(f, $"no labels (looked for '{keys.EnergyKey}', '{keys.ForcesKey}', '{keys.StressKey}')");
                labels[f] = (f.Energy, f.Forces, f.Stress);
                yield return f;
            }
        }
        int done = 0;
        foreach (var f in new FrameEvaluator(computer).Evaluate(Labelled()))
        {
            var (e, fr, s) = labels[f];
            labels.Remove(f);
            int n = f.Structure.AtomCount;
            var energy = e is double re ? (f.Energy!.Value, re) : ((double, double)?)null;
            var forces = fr is not null ? (f.Forces!, fr) : ((Vec3[], Vec3[])?)null;
            var stress = s is not null && f.Stress is not null ? (f.Stress, s) : ((double[], double[])?)null;
            all.Add(n, energy, forces, stress);
            string g = f.GetInfo(groupKey)?.ToString() ?? "(none)";
            if (!groups.TryGetValue(g, out var gm)) groups[g] = gm = new ErrorMetrics();
            gm.Add(n, energy, forces, stress);
            progress?.Report(++done, null);
        }
        if (done == 0) throw StructureFormatException.NoFrames(inputPath);
        var result = new List<(string, ErrorMetrics)> { ("all", all) };
        if (groups.Count > 1 || (groups.Count == 1 && !groups.ContainsKey("(none)")))
            foreach (var (k, v) in groups) result.Add((k, v));
        return result;
    }

}
