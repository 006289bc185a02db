using MlipEngine.Geometry;

namespace MlipEngine.Cli.Workflows;

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
            for (int k = 0; k < 9; k++) Stress.Add(ps[k] - rs[k]);
    }
}
