using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;
using MlipEngine.Training.Loss;

namespace MlipEngine.Tests.Support;

/// <summary>Training samples for loss-gradient tests, labelled near a model's own predictions.</summary>
public static class NoisyLabels
{
    /// <summary>
    /// Labels within ±0.15 eV/atom, ±0.25 eV/Å and ±0.01 eV/Å³ of what <paramref name="predict"/> gives (so the Huber kink sits
    /// among the errors, not beyond all of them), and per-frame weights 0.7, 1.7, 2.7, ….
    /// </summary>
    public static TrainingSample[] Near(EquivariantModel model, IEnumerable<AtomicStructure> structures, int seed, Func<TrainingSample, Prediction> predict)
    {
        var rng = new Random(seed);
        return structures.Select((s, k) =>
        {
            var p = predict(new TrainingSample(model, s, new FrameLabels { AtomCount = s.AtomCount, Energy = 0 }, $"s{k}"));
            var labels = new FrameLabels
            {
                AtomCount = s.AtomCount,
                Energy = p.Energy + s.AtomCount * 0.3 * (rng.NextDouble() - 0.5),
                Forces = p.Forces.Select(f => f + 0.5 * (rng.NextDouble() - 0.5)).ToArray(),
                Stress = p.Stress?.Select(x => x + 0.02 * (rng.NextDouble() - 0.5)).ToArray(),
                Weight = 0.7 + k,
            };
            return new TrainingSample(model, s, labels, $"s{k}");
        }).ToArray();
    }
}
