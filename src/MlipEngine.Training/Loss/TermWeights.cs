namespace MlipEngine.Training.Loss;

/// <summary>
/// Dimensionless multipliers of a frame's energy, force and stress loss terms (each ≥ 0, 1 = unchanged):
/// they scale λ_E, λ_F and λ_σ for the frames of one config_type group, as MACE's
/// <c>config_type_weights</c> and FitSNAP's group weights do.
/// </summary>
public readonly record struct TermWeights(double Energy, double Forces, double Stress)
{
    public static TermWeights One => new(1, 1, 1);

    /// <summary>The same multiplier on all three terms.</summary>
    public static TermWeights All(double w) => new(w, w, w);

    public TermWeights WithStress(double stress) => this with { Stress = stress };

    public override string ToString() => FormattableString.Invariant($"E {Energy:G4}, F {Forces:G4}, σ {Stress:G4}");
}
