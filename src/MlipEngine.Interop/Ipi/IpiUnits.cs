namespace MlipEngine.Interop.Ipi;

/// <summary>
/// Atomic units of the i-PI wire format with ASE 3.22's values (ase.units, CODATA 2014), so that a
/// quantity sent by ASE and converted back here round-trips to the last bit or two.
/// </summary>
/// <remarks>
/// ASE defines Bohr = 4·10¹⁰·π·ε₀·ħ²/(mₑ·e²) Å and Hartree = mₑ·e³/(16·π²·ε₀²·ħ²) eV with
/// ε₀ = 1/(μ₀c²), ħ = h/2π from CODATA 2014. The literals below are Python's repr of those
/// doubles (shortest round-trip form), checked against <c>ase.units</c> in the tests.
/// </remarks>
public static class IpiUnits
{
    /// <summary>One Bohr radius in Å (ase.units.Bohr).</summary>
    public const double Bohr = 0.5291772105638411;
    /// <summary>One Hartree in eV (ase.units.Hartree).</summary>
    public const double Hartree = 27.211386024367243;
    /// <summary>Force conversion eV/Å → Hartree/Bohr, computed as ASE does: Bohr / Ha.</summary>
    public const double ForceToAtomic = Bohr / Hartree;
    /// <summary>Energy conversion eV → Hartree as ASE's 1.0 / Ha.</summary>
    public const double EnergyToAtomic = 1.0 / Hartree;
}
