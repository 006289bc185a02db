using MlipEngine.State;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// A bound force computer of an <see cref="EquivariantModel"/> that also gives the energy's gradient with respect to the model's
/// parameters (<see cref="EquivariantModel.Parameters"/>): the plain reverse pass over the parameters, the energy term of a
/// training loss. The ILGPU backend implements it (issue 18); the trainer's full loss gradient (forces and stress too) is
/// <c>MlipEngine.Training.Gradients.EquivariantParameterGradient</c>, on the CPU.
/// </summary>
public interface IEnergyParameterGradient
{
    /// <summary>
    /// Adds Σ_s a_s ∂E_s/∂θ to <paramref name="gradient"/> (one entry per parameter) for the energies E_s of the systems of
    /// <paramref name="batch"/> with weights a_s = <paramref name="energyCoefficients"/>[s] (1/eV times the loss's units: a
    /// minibatch of frames in one call), and writes E_s (eV, current parameters) to <paramref name="energies"/>.
    /// </summary>
    void AccumulateEnergyGradient(SystemBatch batch, ReadOnlySpan<double> energyCoefficients, Span<double> gradient, Span<double> energies);
}
