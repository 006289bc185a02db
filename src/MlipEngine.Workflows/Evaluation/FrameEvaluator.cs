using MlipEngine.Workflows;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.State;

namespace MlipEngine.Workflows.Evaluation;

/// <summary>
/// Evaluates a stream of frames with one force computer, grouping consecutive frames into batches
/// (up to <see cref="MaxAtomsPerBatch"/> atoms) so small frames share one force call, and writes the
/// results into the frames (energy, forces, per-atom energies, stress where a volume exists).
/// </summary>
public sealed class FrameEvaluator(IForceComputer computer)
{
    public int MaxAtomsPerBatch { get; init; } = 20_000;
    public int MaxFramesPerBatch { get; init; } = 256;
    private readonly ForceResult _result = new();

    public IEnumerable<Frame> Evaluate(IEnumerable<Frame> frames)
    {
        var pending = new List<Frame>();
        int atoms = 0;
        foreach (var f in frames)
        {
            if (pending.Count > 0 && (atoms + f.Structure.AtomCount > MaxAtomsPerBatch || pending.Count >= MaxFramesPerBatch))
            {
                foreach (var done in Flush(pending)) yield return done;
                pending.Clear(); atoms = 0;
            }
            pending.Add(f);
            atoms += f.Structure.AtomCount;
        }
        if (pending.Count > 0) foreach (var done in Flush(pending)) yield return done;
    }

    private IEnumerable<Frame> Flush(List<Frame> frames)
    {
        var batch = SystemBatch.FromStructures(frames.Select(f => f.Structure).ToArray());
        try
        {
            computer.Compute(batch, ForceOutputs.All, _result);
        }
        catch (ArgumentException) when (frames.Count > 1)
        {
            // Find the offending frame so the message can name it.
            foreach (var f in frames)
            {
                try { computer.Compute(SystemBatch.FromStructure(f.Structure), ForceOutputs.Energy, new ForceResult()); }
                catch (ArgumentException inner) { throw new EvaluationException(f, inner.Message); }
            }
            throw;
        }
        catch (ArgumentException e) { throw new EvaluationException(frames[0], e.Message); }

        for (int s = 0; s < frames.Count; s++)
        {
            var f = frames[s];
            int o = batch.SystemOffsets[s], n = batch.AtomCountOf(s);
            f.Energy = _result.Energy[s];
            var forces = new Vec3[n]; var ae = new double[n];
            for (int i = 0; i < n; i++) { forces[i] = _result.Force(o + i); ae[i] = _result.AtomEnergies[o + i]; }
            f.Forces = forces;
            f.AtomEnergies = ae;
            var stress = _result.StressOf(s).ToArray();
            f.Stress = double.IsFinite(stress[0]) ? stress : null;
            if (!double.IsFinite(f.Energy.Value))
                throw new EvaluationException(f, "energy is not finite (overlapping atoms?)");
            yield return f;
        }
    }
}

/// <summary>A frame could not be evaluated; the message names it.</summary>
public sealed class EvaluationException(Frame frame, string problem)
    : Exception($"{frame.Source ?? "input"}, frame {frame.Index}: {problem}");
