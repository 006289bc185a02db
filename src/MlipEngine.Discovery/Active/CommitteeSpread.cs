using MlipEngine.IO;
using MlipEngine.Workflows.Evaluation;

namespace MlipEngine.Discovery.Active;

/// <summary>
/// How much a committee disagrees on one frame (DP-GEN's model deviation): the largest and the mean per-atom
/// force spread σ_F,i = √((1/K) Σ_k |F_i^k − F̄_i|²) (eV/Å) and the energy spread per atom σ_E/N (eV/atom).
/// </summary>
public readonly record struct FrameSpread(double MaxForce, double MeanForce, double EnergyPerAtom)
{
    /// <summary>The spread a <see cref="FrameEvaluator"/> wrote into a frame evaluated with a committee.</summary>
    public static FrameSpread Of(Frame f)
    {
        double max = f.GetInfo(FrameEvaluator.MaxForceStdKey) is double m ? m : double.NaN;
        double e = f.GetInfo(FrameEvaluator.EnergyStdPerAtomKey) is double x ? x : double.NaN;
        double mean = double.NaN;
        if (f.Arrays.Find(a => a.Name == FrameEvaluator.ForceStdKey)?.Data is double[] per && per.Length > 0)
        {
            double sum = 0;
            foreach (double s in per) sum += s;
            mean = sum / per.Length;
        }
        return new FrameSpread(max, mean, e);
    }

    /// <summary>
    /// The largest relative force spread max_i σ_F,i / (|F̄_i| + ε) of a committee-evaluated frame (DP-GEN's relative
    /// model deviation; F̄_i the committee's mean force on atom i, eV/Å); NaN when the frame carries no spreads or forces.
    /// </summary>
    public static double MaxRelative(Frame f, double epsilon)
    {
        var per = PerAtom(f);
        var forces = f.Forces;
        if (per.Length == 0 || forces is null || forces.Length != per.Length) return double.NaN;
        double max = 0;
        for (int i = 0; i < per.Length; i++) max = Math.Max(max, per[i] / (forces[i].Norm + epsilon));
        return max;
    }

    /// <summary>Per-atom force spreads of a committee-evaluated frame (eV/Å), empty when it carries none.</summary>
    public static double[] PerAtom(Frame f) => f.Arrays.Find(a => a.Name == FrameEvaluator.ForceStdKey)?.Data as double[] ?? [];
}
