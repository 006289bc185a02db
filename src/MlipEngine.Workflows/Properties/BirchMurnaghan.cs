namespace MlipEngine.Workflows.Properties;

/// <summary>
/// Third-order Birch–Murnaghan equation of state fitted to E(V) points. Units: V in Å³, E in eV,
/// B in eV/Å³ (<see cref="BulkModulusGPa"/> in GPa), B′ dimensionless.
/// </summary>
/// <remarks>
/// With t = V^(−2/3), BM3,
/// E(V) = E₀ + (9V₀B/16)·[(x−1)³B′ + (x−1)²(6 − 4x)],  x = (V₀/V)^(2/3) = V₀^(2/3)·t,
/// is exactly a cubic polynomial in t, and every cubic with a minimum is a BM3 curve. So the least-squares
/// BM3 fit is the linear least-squares fit E ≈ c₀ + c₁t + c₂t² + c₃t³ (what ASE's
/// <c>EquationOfState(eos='birchmurnaghan')</c> and pymatgen converge to), and the parameters follow
/// from the cubic at its minimum t₀ (E′(t₀) = 0, E″(t₀) &gt; 0):
/// <list type="bullet">
/// <item>V₀ = t₀^(−3/2), E₀ = E(t₀);</item>
/// <item>B = V·d²E/dV² at V₀. With dt/dV = −(2/3)V^(−5/3) and E′(t₀) = 0: B = (4/9)·E″(t₀)·V₀^(−7/3);</item>
/// <item>B′ = dB/dP at V₀ = −(1 + V·E_VVV/E_VV), and with d²t/dV² = (10/9)V^(−8/3):
/// B′ = 4 + (2/3)·t₀·E‴(t₀)/E″(t₀) (B′ = 4 for the second-order curve, c₃ = 0).</item>
/// </list>
/// </remarks>
public sealed record BirchMurnaghan(double E0, double V0, double B, double BPrime, double RmsResidual)
{
    /// <summary>eV/Å³ → GPa.</summary>
    public const double EvPerA3InGPa = 160.21766208;

    public double BulkModulusGPa => B * EvPerA3InGPa;

    /// <summary>BM3 energy at volume <paramref name="v"/>.</summary>
    public double Energy(double v) => Energy(v, E0, V0, B, BPrime);

    public static double Energy(double v, double e0, double v0, double b, double bp)
    {
        double x = Math.Pow(v0 / v, 2.0 / 3.0);
        return e0 + 9.0 * v0 * b / 16.0 * ((x - 1) * (x - 1) * (x - 1) * bp + (x - 1) * (x - 1) * (6 - 4 * x));
    }

    /// <summary>Least-squares BM3 fit of at least 4 (V, E) points. Throws <see cref="PropertiesException"/> when the fitted curve has no minimum.</summary>
    public static BirchMurnaghan Fit(IReadOnlyList<double> volumes, IReadOnlyList<double> energies)
    {
        int n = volumes.Count;
        if (n < 4 || energies.Count != n) throw new ArgumentException("a Birch–Murnaghan fit needs at least 4 (V, E) points");
        // Scale t to O(1) around the data for a well-conditioned normal system: u = t/t̄.
        double tbar = 0;
        for (int i = 0; i < n; i++) tbar += Math.Pow(volumes[i], -2.0 / 3.0);
        tbar /= n;
        var a = new double[n, 4];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u = Math.Pow(volumes[i], -2.0 / 3.0) / tbar;
            a[i, 0] = 1; a[i, 1] = u; a[i, 2] = u * u; a[i, 3] = u * u * u;
            y[i] = energies[i];
        }
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(a);
        var c = m.QR().Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(y));
        // E'(u) = c1 + 2c2 u + 3c3 u² = 0: the root with E''(u) > 0 nearest the data (u ≈ 1).
        double c1 = c[1], c2 = c[2], c3 = c[3];
        double u0;
        if (Math.Abs(c3) < 1e-14 * Math.Abs(c2))
            u0 = -c1 / (2 * c2);
        else
        {
            double disc = 4 * c2 * c2 - 12 * c3 * c1;
            if (disc < 0) throw new PropertiesException("E(V) has no minimum in the fitted Birch–Murnaghan curve (check the volume range)");
            double sq = Math.Sqrt(disc);
            // Numerically stable roots of 3c3 u² + 2c2 u + c1.
            double q = -0.5 * (2 * c2 + Math.CopySign(sq, c2));
            double r1 = q / (3 * c3), r2 = c1 / q;
            u0 = double.NaN;
            foreach (double r in new[] { r1, r2 })
                if (double.IsFinite(r) && r > 0 && 2 * c2 + 6 * c3 * r > 0 && (double.IsNaN(u0) || Math.Abs(r - 1) < Math.Abs(u0 - 1))) u0 = r;
        }
        if (!(u0 > 0) || !(2 * c2 + 6 * c3 * u0 > 0)) throw new PropertiesException("E(V) has no minimum in the fitted Birch–Murnaghan curve (check the volume range)");
        double t0 = u0 * tbar;
        double e0 = c[0] + c1 * u0 + c2 * u0 * u0 + c3 * u0 * u0 * u0;
        // Derivatives with respect to t: d/dt = (1/t̄) d/du.
        double ett = (2 * c2 + 6 * c3 * u0) / (tbar * tbar);
        double ettt = 6 * c3 / (tbar * tbar * tbar);
        double v0 = Math.Pow(t0, -1.5);
        double b = 4.0 / 9.0 * ett * Math.Pow(v0, -7.0 / 3.0);
        double bp = 4 + 2.0 / 3.0 * t0 * ettt / ett;
        double ss = 0;
        for (int i = 0; i < n; i++)
        {
            double u = Math.Pow(volumes[i], -2.0 / 3.0) / tbar;
            double d = energies[i] - (c[0] + c1 * u + c2 * u * u + c3 * u * u * u);
            ss += d * d;
        }
        return new BirchMurnaghan(e0, v0, b, bp, Math.Sqrt(ss / n));
    }
}
