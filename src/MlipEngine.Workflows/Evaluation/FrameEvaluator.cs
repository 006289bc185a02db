using MlipEngine.Workflows;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.State;

namespace MlipEngine.Workflows.Evaluation;

/// <summary>
/// Evaluates a stream of frames with one force computer, grouping consecutive frames into batches
/// (up to <see cref="MaxAtomsPerBatch"/> atoms) so small frames share one force call, and writes the
/// results into the frames (energy, forces, per-atom energies, stress where a volume exists). When the
/// force field reports an uncertainty (a committee), each frame also gets the per-atom column
/// <see cref="ForceStdKey"/> (eV/Å) and the info keys <see cref="EnergyStdKey"/> (eV),
/// <see cref="EnergyStdPerAtomKey"/> (eV/atom) and <see cref="MaxForceStdKey"/> (eV/Å).
/// </summary>
public sealed class FrameEvaluator(IForceComputer computer)
{
    public const string ForceStdKey = "force_std", EnergyStdKey = "energy_std", EnergyStdPerAtomKey = "energy_std_per_atom", MaxForceStdKey = "max_force_std";

    public int MaxAtomsPerBatch { get; init; } = 20_000;
    public int MaxFramesPerBatch { get; init; } = 256;
    private readonly ForceResult _result = new();
    private readonly ForceOutputs _outputs = ForceOutputs.All | (computer.ForceField.ProvidesUncertainty ? ForceOutputs.Uncertainty : ForceOutputs.None);

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
            computer.Compute(batch, _outputs, _result);
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
            if ((_result.Computed & ForceOutputs.Uncertainty) != 0)
            {
                f.Arrays.RemoveAll(a => a.Name == ForceStdKey);
                f.Arrays.Add(new PerAtomArray(ForceStdKey, 'R', 1, _result.ForceStd.AsSpan(o, n).ToArray()));
                f.SetInfo(EnergyStdKey, _result.EnergyStd[s]);
                f.SetInfo(EnergyStdPerAtomKey, n > 0 ? _result.EnergyStd[s] / n : 0.0);
                f.SetInfo(MaxForceStdKey, _result.MaxForceStd[s]);
            }
            if (!double.IsFinite(f.Energy.Value))
                throw new EvaluationException(f, "energy is not finite (overlapping atoms?)");
            yield return f;
        }
    }
}

/// <summary>A frame could not be evaluated; the message names it.</summary>
public sealed class EvaluationException(Frame frame, string problem)
    : Exception($"{frame.Source ?? "input"}, frame {frame.Index}: {problem}");
