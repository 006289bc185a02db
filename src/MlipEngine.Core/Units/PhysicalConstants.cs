namespace MlipEngine.Units;

/// <summary>
/// Units at every interface: energy eV, length Å, mass amu, time fs, temperature K, stress eV/Å³
/// (ASE sign: positive = tensile). Constants are CODATA 2014 as used by ASE 3.22 (ase.units).
/// </summary>
public static class PhysicalConstants
{
    /// <summary>Boltzmann constant, eV/K.</summary>
    public const double Boltzmann = 8.617330337217213e-05;

    /// <summary>1 eV/Å³ in GPa.</summary>
    public const double EvPerA3ToGPa = 160.21766208;

    /// <summary>1 bar in eV/Å³ (1 bar = 1e-4 GPa).</summary>
    public const double BarToEvPerA3 = 1e-4 / EvPerA3ToGPa;

    /// <summary>
    /// Kinetic energy conversion: ½ m v² with m in amu and v in Å/fs gives amu·Å²/fs²; one of those is
    /// this many eV (1.66053904e-27 kg · 1e10 m²/s² / 1.6021766208e-19 J).
    /// </summary>
    public const double AmuA2PerFs2ToEv = 103.642691910225;
}
