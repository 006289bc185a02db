namespace MlipEngine.IO.Extxyz;

/// <summary>ASE's internal unit system where it differs from ours (ase.units, CODATA 2014 as in ASE 3.22).</summary>
public static class AseUnits
{
    /// <summary>
    /// One femtosecond in ASE time units: ASE's time unit is Å·√(amu/eV), so
    /// fs = 1e-15 s · 1e10 · √(e / amu) = 1e-5 · √(1.6021766208e-19 / 1.660539040e-27) = 0.09822694788464063
    /// (the value of <c>ase.units.fs</c>, checked against ASE in the tests).
    /// </summary>
    public static readonly double Femtosecond = 1e-15 * (1e10 * Math.Sqrt(1.6021766208e-19 / 1.660539040e-27));

    /// <summary>
    /// Velocity in Å/fs from an ASE momentum p (amu·Å per ASE time unit) and mass m (amu):
    /// v_ASE = p/m in Å per ASE time unit, and one fs is <see cref="Femtosecond"/> ASE time units, so
    /// v = (p/m)·fs. Evaluated in this order so it is bit-identical to <c>atoms.get_velocities() * units.fs</c>.
    /// </summary>
    public static double VelocityFromMomentum(double p, double mass) => p / mass * Femtosecond;

    /// <summary>
    /// ASE momentum (amu·Å/ASE time unit) for a velocity v in Å/fs and mass m in amu: p = (v/fs)·m. The
    /// result is nudged by a few ulps when that makes <see cref="VelocityFromMomentum"/> give back v
    /// exactly, so written files round-trip velocities bit-for-bit whenever a representable p allows it
    /// (about 85% of values); otherwise the velocity read back is within 2 ulps (the read side rounds twice).
    /// </summary>
    public static double MomentumFromVelocity(double v, double mass)
    {
        double p = v / Femtosecond * mass;
        if (!double.IsFinite(p) || VelocityFromMomentum(p, mass) == v) return p;
        // Search the neighbouring doubles for an exact pre-image, else keep the closest one.
        double best = p, bestErr = Math.Abs(VelocityFromMomentum(p, mass) - v);
        double up = p, down = p;
        for (int k = 0; k < 8; k++)
        {
            up = Math.BitIncrement(up);
            down = Math.BitDecrement(down);
            foreach (double c in (ReadOnlySpan<double>)[up, down])
            {
                double err = Math.Abs(VelocityFromMomentum(c, mass) - v);
                if (err == 0) return c;
                if (err < bestErr) { best = c; bestErr = err; }
            }
        }
        return best;
    }
}
