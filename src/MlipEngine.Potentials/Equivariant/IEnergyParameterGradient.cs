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
    /// Adds a·∂E/∂θ to <paramref name="gradient"/> (one entry per parameter; a = <paramref name="energyCoefficient"/>, 1/eV times the
    /// loss's units) for the energy E of the one system of <paramref name="frame"/>, and returns E (eV) with the current parameters.
    /// </summary>
    double AccumulateEnergyGradient(SystemBatch frame, double energyCoefficient, Span<double> gradient);
}
