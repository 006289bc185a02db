namespace MlipEngine.Training.Reports;

/// <summary>
/// Reference and predicted values of one quantity on one data set, for a parity plot. Values are plotted in
/// <see cref="Unit"/>; MAE and RMSE are reported in <see cref="ErrorUnit"/> = <see cref="ErrorScale"/> × <see cref="Unit"/>.
/// Pairs with a non-finite value on either side are skipped (and counted in the plot's subtitle).
/// </summary>
public sealed record ParityData(string Quantity, string Unit, string ErrorUnit, double ErrorScale, double[] Reference, double[] Predicted)
{
    /// <summary>Energy per atom, both in eV/atom; errors in meV/atom.</summary>
    public static ParityData EnergyPerAtom(double[] reference, double[] predicted) => new("Energy per atom", "eV/atom", "meV/atom", 1000, reference, predicted);

    /// <summary>Cartesian force components (3 per atom), in eV/Å; errors in meV/Å.</summary>
    public static ParityData ForceComponents(double[] reference, double[] predicted) => new("Force components", "eV/Å", "meV/Å", 1000, reference, predicted);

    /// <summary>Stress components (6 Voigt or 9 per frame), in eV/Å³; errors in meV/Å³.</summary>
    public static ParityData StressComponents(double[] reference, double[] predicted) => new("Stress components", "eV/Å³", "meV/Å³", 1000, reference, predicted);
}

/// <summary>The parity plots of one data set ("validation", "test", …).</summary>
public sealed record ParitySection(string SetName, IReadOnlyList<ParityData> Quantities);

/// <summary>Mean absolute and root-mean-square error over the finite pairs, in the error unit.</summary>
public readonly record struct ParityStatistics(int Count, int Skipped, double Mae, double Rmse)
{
    /// <summary>MAE = Σ|e|/n, RMSE = √(Σe²/n), e = ErrorScale·(predicted − reference), over the n finite pairs.</summary>
    public static ParityStatistics Of(ParityData data)
    {
        if (data.Reference.Length != data.Predicted.Length)
            throw new ArgumentException($"{data.Quantity}: {data.Reference.Length} reference values but {data.Predicted.Length} predictions");
        int n = 0, skipped = 0;
        double sumAbs = 0, sumSq = 0;
        for (int i = 0; i < data.Reference.Length; i++)
        {
            double r = data.Reference[i], p = data.Predicted[i];
            if (!double.IsFinite(r) || !double.IsFinite(p)) { skipped++; continue; }
            double e = data.ErrorScale * (p - r);
            sumAbs += Math.Abs(e);
            sumSq += e * e;
            n++;
        }
        return n == 0 ? new(0, skipped, double.NaN, double.NaN) : new(n, skipped, sumAbs / n, Math.Sqrt(sumSq / n));
    }
}
