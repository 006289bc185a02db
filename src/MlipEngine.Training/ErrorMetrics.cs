using MlipEngine.Geometry;

namespace MlipEngine.Training;

/// <summary>
/// Streaming error statistics of predictions against labels for one group of frames: energy per atom
/// (eV/atom), force components (eV/Å) and stress components (eV/Å³). MAE = Σ|e|/n, RMSE = √(Σe²/n);
/// sums are accumulated in fp64, so a group of any size costs O(1) memory.
/// </summary>
public sealed class ErrorMetrics
{
    public int Frames { get; private set; }
    public long Atoms { get; private set; }
    public Stat EnergyPerAtom { get; } = new();
    public Stat Force { get; } = new();
    public Stat Stress { get; } = new();
    /// <summary>Frames that carry a stress label (0: the group has none, reported as "no labels").</summary>
    public int StressLabelled { get; private set; }

    public sealed class Stat
    {
        private double _abs, _sq;
        public long Count { get; private set; }
        public void Add(double error) { _abs += Math.Abs(error); _sq += error * error; Count++; }
        public double Mae => Count > 0 ? _abs / Count : double.NaN;
        public double Rmse => Count > 0 ? Math.Sqrt(_sq / Count) : double.NaN;
    }

    /// <param name="energy">Predicted and reference total energy (eV), or null when the frame has no energy label.</param>
    /// <param name="forces">Predicted and reference forces (eV/Å), or null.</param>
    /// <param name="stress">Predicted and reference stress (9 components, eV/Å³), or null.</param>
    public void Add(int atoms, (double Predicted, double Reference)? energy, (Vec3[] Predicted, Vec3[] Reference)? forces,
        (double[] Predicted, double[] Reference)? stress)
    {
        Frames++;
        Atoms += atoms;
        if (energy is var (pe, re)) EnergyPerAtom.Add((pe - re) / atoms);
        if (forces is var (pf, rf))
            for (int i = 0; i < pf.Length; i++)
            {
                var d = pf[i] - rf[i];
                Force.Add(d.X); Force.Add(d.Y); Force.Add(d.Z);
            }
        if (stress is var (ps, rs))
        {
            StressLabelled++;
            for (int k = 0; k < 9; k++) Stress.Add(ps[k] - rs[k]);
        }
    }

    /// <summary>Adds a frame from flat arrays: forces [3N] (eV/Å), stress [9] (eV/Å³); null where unlabelled.</summary>
    public void Add(int atoms, double predictedEnergy, double? referenceEnergy, ReadOnlySpan<double> predictedForces, double[]? referenceForces,
        double[]? predictedStress, double[]? referenceStress)
    {
        Frames++;
        Atoms += atoms;
        if (referenceEnergy is double re) EnergyPerAtom.Add((predictedEnergy - re) / atoms);
        if (referenceForces is not null)
            for (int q = 0; q < 3 * atoms; q++) Force.Add(predictedForces[q] - referenceForces[q]);
        if (referenceStress is not null) StressLabelled++;
        if (predictedStress is not null && referenceStress is not null)
            for (int k = 0; k < 9; k++) Stress.Add(predictedStress[k] - referenceStress[k]);
    }

    /// <summary>The errors in meV/atom, meV/Å and meV/Å³ (stress null when no frame had stress).</summary>
    public Reports.SetErrors ToSetErrors() => new(
        1000 * EnergyPerAtom.Mae, 1000 * EnergyPerAtom.Rmse, 1000 * Force.Mae, 1000 * Force.Rmse,
        Stress.Count > 0 ? 1000 * Stress.Mae : null, Stress.Count > 0 ? 1000 * Stress.Rmse : null);
}
