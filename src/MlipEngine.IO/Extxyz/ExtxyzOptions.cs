namespace MlipEngine.IO.Extxyz;

/// <summary>
/// Names of the label keys in extxyz files. ASE's defaults are <c>energy</c> (comment line, eV),
/// <c>stress</c> (comment line, 9 or 6 Voigt components, eV/Å³), <c>forces</c> (column, eV/Å) and
/// <c>energies</c> (column, per-atom energies in eV). Training sets often use other names
/// (e.g. <c>dft_energy</c>, <c>REF_forces</c>); the reader then fills <see cref="Frame.Energy"/> etc.
/// from those keys and the writer writes under them.
/// </summary>
public sealed record ExtxyzOptions
{
    public static readonly ExtxyzOptions Default = new();

    /// <summary>Comment-line key of the total energy, eV.</summary>
    public string EnergyKey { get; init; } = "energy";
    /// <summary>Per-atom column (R:3) of the forces, eV/Å.</summary>
    public string ForcesKey { get; init; } = "forces";
    /// <summary>Comment-line key of the stress, eV/Å³ (ASE sign), 9 components or 6 Voigt (xx yy zz yz xz xy).</summary>
    public string StressKey { get; init; } = "stress";
    /// <summary>Per-atom column (R:1) of the per-atom energies, eV.</summary>
    public string AtomEnergiesKey { get; init; } = "energies";
}
