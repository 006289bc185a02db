using MlipEngine.IO;

namespace MlipEngine.Training.Data;

/// <summary>
/// What the stress labels of a data set offer, checked at load: how many frames carry one, and which
/// labels are not symmetric. A Cauchy stress (and the model's, the strain derivative of a rotation-invariant
/// energy) is symmetric; an antisymmetric part in a label is a units/ordering mistake (e.g. a Voigt vector
/// read in the wrong order) or noise, and in any case cannot be fitted — the loss sees only sym(Δσ)'s gradient.
/// </summary>
public sealed record StressLabelAudit(int Frames, int FramesWithStress, IReadOnlyList<(Frame Frame, double Asymmetry)> Asymmetric)
{
    /// <summary>
    /// Labels written with ≥ 8 significant digits are symmetric to ~1e-10 eV/Å³ after rounding; 1e-6 eV/Å³
    /// (0.16 MPa) is far below any DFT stress precision and far above rounding.
    /// </summary>
    public const double AsymmetryTolerance = 1e-6;

    public bool HasNoStress => FramesWithStress == 0;

    public static StressLabelAudit Of(IEnumerable<Frame> frames)
    {
        int n = 0, withStress = 0;
        var asym = new List<(Frame, double)>();
        foreach (var f in frames)
        {
            n++;
            if (f.Stress is not { Length: 9 } s) continue;
            withStress++;
            double a = Asymmetry(s);
            if (a > AsymmetryTolerance) asym.Add((f, a));
        }
        return new StressLabelAudit(n, withStress, asym);
    }

    /// <summary>max_{a&lt;b} |σ_ab − σ_ba| of a row-major 3×3 tensor (its units).</summary>
    public static double Asymmetry(ReadOnlySpan<double> s) =>
        Math.Max(Math.Abs(s[1] - s[3]), Math.Max(Math.Abs(s[2] - s[6]), Math.Abs(s[5] - s[7])));
}
