using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Workflows.Properties;

/// <summary>A crystal after an evaluation or a relaxation. Units: eV, eV/Å, eV/Å³ (ASE sign: positive = tensile).</summary>
public sealed record CrystalState(AtomicStructure Structure, double Energy, Mat3 Stress, bool Converged, int Steps, double Fmax)
{
    public double EnergyPerAtom => Energy / Structure.AtomCount;
    public double VolumePerAtom => Structure.Cell.Volume / Structure.AtomCount;
}

/// <summary>
/// The one place the properties workflow touches the force-field API: single-point evaluations and
/// relaxations (fixed cell, or ions + cell through <see cref="FrechetCellFilter"/>) of one crystal with a
/// bound <see cref="IForceComputer"/>, through the same <see cref="BatchRelaxer"/> <c>mlip relax</c> uses.
/// </summary>
/// <remarks>
/// Tolerances are tight on purpose: relaxed-ion elastic constants are derivatives of the stress of
/// crystals whose ions were relaxed at ±0.5 % strain, where the ionic forces the strain induces are
/// ~10⁻² eV/Å; a residual of 10⁻⁵ eV/Å leaves ≲ 0.1 % of that relaxation undone.
/// </remarks>
public sealed class CrystalEvaluator
{
    private readonly IForceComputer _computer;
    private readonly ForceResult _result = new();

    public CrystalEvaluator(IForceComputer computer) { _computer = computer; }

    public IForceComputer Computer => _computer;
    /// <summary>Force tolerance of ionic relaxations, eV/Å.</summary>
    public double Fmax { get; init; } = 1e-5;
    /// <summary>Stress tolerance of cell relaxations, eV/Å³ (1e-6 eV/Å³ = 0.16 MPa).</summary>
    public double Smax { get; init; } = 1e-6;
    public int MaxSteps { get; init; } = 3000;
    /// <summary>Force evaluations so far (single points and relaxation steps).</summary>
    public long ForceCalls { get; private set; }

    /// <summary>Energy, forces and stress of <paramref name="structure"/> as it is.</summary>
    public (double Energy, Vec3[] Forces, Mat3 Stress) Evaluate(AtomicStructure structure)
    {
        var batch = SystemBatch.FromStructure(structure);
        _computer.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, _result);
        ForceCalls++;
        var f = new Vec3[structure.AtomCount];
        for (int i = 0; i < f.Length; i++) f[i] = _result.Force(i);
        var stress = structure.Cell.FullyPeriodic ? Mat3.FromRowMajor(_result.StressOf(0)) : Mat3.Zero;
        return (_result.Energy[0], f, stress);
    }

    /// <summary>Relaxes the ions at fixed cell (L-BFGS).</summary>
    public CrystalState RelaxIons(AtomicStructure structure) => Relax(structure, CellMode.Fixed);

    /// <summary>Relaxes ions and cell (<paramref name="mode"/>: Frechet = full cell, Hydrostatic = shape kept) to zero stress.</summary>
    public CrystalState RelaxCell(AtomicStructure structure, CellMode mode = CellMode.Frechet) => Relax(structure, mode);

    private CrystalState Relax(AtomicStructure structure, CellMode mode)
    {
        var settings = new RelaxationSettings
        {
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Lbfgs },
            CellMode = mode, Fmax = Fmax, Smax = Smax, MaxSteps = MaxSteps,
            MinDistance = 0.3, DistanceCheckInterval = 100,
        };
        var relaxer = new BatchRelaxer(_computer, settings) { MaxBatchAtoms = int.MaxValue };
        RelaxationOutcome? outcome = null;
        foreach (var o in relaxer.Run([new RelaxationJob(0, structure.Clone())])) outcome = o;
        ForceCalls += relaxer.SystemEvaluations;
        if (outcome is null || outcome.Status == RelaxationStatus.Failed || outcome.Final is null)
            throw new PropertiesException($"relaxation ({mode.ToString().ToLowerInvariant()} cell) of {structure.Formula} failed: {outcome?.Reason ?? "no result"}");
        var final = outcome.Final;
        var stress = structure.Cell.FullyPeriodic ? final.StressTensor : Mat3.Zero;
        return new CrystalState(final.ToStructure(), final.Energy, stress, outcome.Status == RelaxationStatus.Converged, outcome.Steps, outcome.Fmax);
    }
}

/// <summary>A property could not be computed (a relaxation failed, a fit has no minimum); the CLI prints it as one line.</summary>
public sealed class PropertiesException(string message) : InvalidOperationException(message);
