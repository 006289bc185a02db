using System.Numerics;
using MlipEngine.Geometry;
using MlipEngine.State;
using CMatrix = MathNet.Numerics.LinearAlgebra.Matrix<System.Numerics.Complex>;

namespace MlipEngine.Workflows.Properties;

/// <summary>Phonon dispersion along a path: x (cumulative |Δq|, Å⁻¹), frequencies (THz) per point, and the labelled special points.</summary>
public sealed record PhononBands(double[] Distance, double[][] Frequencies, (string Label, double X)[] Ticks);

/// <summary>Phonon density of states on a Γ-centred q mesh, Gaussian-smeared; normalised to 3 × atoms per cell states.</summary>
public sealed record PhononDos(double[] Frequency, double[] Density, int Mesh, double Smearing);

/// <summary>
/// Harmonic phonons by finite displacements (the phonopy/ASE recipe): force constants of a unit cell
/// from ±h displacements of each of its atoms along x, y, z in an n×n×n supercell, the dynamical matrix
/// by Fourier transform of the force constants, frequencies as the square roots of its eigenvalues.
/// Units: Å, amu, eV; frequencies in THz (negative numbers stand for imaginary frequencies).
/// </summary>
/// <remarks>
/// Φ(κα; jβ) = ∂²E/∂u_κα∂u_jβ = −∂F_jβ/∂u_κα ≈ −[F_jβ(+h) − F_jβ(−h)]/(2h), error O(h²).
/// The acoustic sum rule Σ_j Φ(κα; jβ) = 0 (translation invariance) is imposed on the self term.
/// D_κα,κ′β(q) = Σ_{j ∈ κ′} Φ(κα; jβ)·Σ_T w_T·exp(iq·(r_j + T − r_κ)) / √(m_κ m_κ′), where T runs over the
/// supercell translations giving the shortest r_j + T − r_κ and w_T = 1/(number of them) (atoms on the
/// supercell's Wigner–Seitz boundary are shared between their images), exact at the q commensurate
/// with the supercell. ω² are the eigenvalues of the Hermitian D; ν = ω/2π, with
/// √(eV/(Å²·amu))/2π = 15.633302 THz.
/// </remarks>
public sealed class Phonons
{
    /// <summary>√(eV/(Å²·amu)) / 2π in THz.</summary>
    public const double ThzPerSqrtEvA2Amu = 15.633302;

    private readonly AtomicStructure _cell;
    private readonly int _nb;
    private readonly double[] _invSqrtMass;
    // For each unit-cell atom κ: the supercell atoms j with their basis atom, force-constant block and image vectors.
    private readonly List<(int Basis, double[] Phi, Vec3[] D, double W)>[] _terms;

    private Phonons(AtomicStructure cell, int supercell, double displacement, List<(int, double[], Vec3[], double)>[] terms)
    {
        _cell = cell; _nb = cell.AtomCount; Supercell = supercell; Displacement = displacement; _terms = terms;
        _invSqrtMass = new double[_nb];
        for (int k = 0; k < _nb; k++) _invSqrtMass[k] = 1 / Math.Sqrt(cell.MassOf(k));
    }

    public AtomicStructure UnitCell => _cell;
    public int Supercell { get; }
    /// <summary>Displacement h, Å.</summary>
    public double Displacement { get; }
    public int Branches => 3 * _nb;

    /// <summary>Smallest n whose n×n×n supercell has every face distance ≥ <paramref name="range"/> (at most 8).</summary>
    public static int DefaultSupercell(AtomicStructure cell, double range)
    {
        var f = cell.Cell.FaceDistances;
        double d = Math.Min(f.X, Math.Min(f.Y, f.Z));
        return Math.Clamp((int)Math.Ceiling(range / d - 1e-9), 1, 8);
    }

    public static Phonons Compute(CrystalEvaluator evaluator, AtomicStructure unitCell, int supercell, double displacement = 0.01, IWorkProgress? progress = null)
    {
        if (supercell < 1) throw new ArgumentException("phonon supercell must be at least 1");
        if (!(displacement > 0)) throw new ArgumentException("displacement must be positive");
        var sc = Lattices.Supercell(unitCell, supercell, supercell, supercell);
        int nb = unitCell.AtomCount, ns = sc.AtomCount;
        // phi[κ][j] = 3×3 block, row α (displaced atom's direction), column β (force on j).
        var phi = new double[nb][][];
        for (int k = 0; k < nb; k++)
        {
            phi[k] = new double[ns][];
            for (int j = 0; j < ns; j++) phi[k][j] = new double[9];
            for (int alpha = 0; alpha < 3; alpha++)
            {
                var fp = evaluator.Evaluate(Displaced(sc, k, alpha, displacement)).Forces;
                var fm = evaluator.Evaluate(Displaced(sc, k, alpha, -displacement)).Forces;
                for (int j = 0; j < ns; j++)
                {
                    var d = fp[j] - fm[j];
                    phi[k][j][3 * alpha] = -d.X / (2 * displacement);
                    phi[k][j][3 * alpha + 1] = -d.Y / (2 * displacement);
                    phi[k][j][3 * alpha + 2] = -d.Z / (2 * displacement);
                }
                progress?.Report(3 * k + alpha + 1, 3 * nb);
            }
            // Acoustic sum rule on the self term (atom k of image 0 is supercell atom k).
            for (int ab = 0; ab < 9; ab++)
            {
                double s = 0;
                for (int j = 0; j < ns; j++) s += phi[k][j][ab];
                phi[k][k][ab] -= s;
            }
        }
        // Shortest images of every (κ, j) pair under the supercell's translations.
        var h = sc.Cell.Matrix;
        var terms = new List<(int, double[], Vec3[], double)>[nb];
        for (int k = 0; k < nb; k++)
        {
            terms[k] = new List<(int, double[], Vec3[], double)>(ns);
            for (int j = 0; j < ns; j++)
            {
                var d0 = sc.Positions[j] - unitCell.Positions[k];
                var best = new List<Vec3>();
                double bestLen = double.PositiveInfinity;
                for (int a = -2; a <= 2; a++)
                    for (int b = -2; b <= 2; b++)
                        for (int c = -2; c <= 2; c++)
                        {
                            var d = d0 + a * h.Row(0) + b * h.Row(1) + c * h.Row(2);
                            double len = d.Norm;
                            if (len < bestLen - 1e-4) { bestLen = len; best.Clear(); best.Add(d); }
                            else if (Math.Abs(len - bestLen) <= 1e-4) best.Add(d);
                        }
                terms[k].Add((j % nb, phi[k][j], best.ToArray(), 1.0 / best.Count));
            }
        }
        return new Phonons(unitCell, supercell, displacement, terms);
    }

    private static AtomicStructure Displaced(AtomicStructure sc, int atom, int axis, double h)
    {
        var s = sc.Clone();
        var r = s.Positions[atom];
        s.Positions[atom] = axis switch { 0 => r with { X = r.X + h }, 1 => r with { Y = r.Y + h }, _ => r with { Z = r.Z + h } };
        return s;
    }

    /// <summary>The dynamical matrix at <paramref name="q"/> (Cartesian, Å⁻¹), eV/(Å²·amu).</summary>
    public CMatrix DynamicalMatrix(Vec3 q)
    {
        int n = 3 * _nb;
        var m = CMatrix.Build.Dense(n, n);
        for (int k = 0; k < _nb; k++)
            foreach (var (kp, phi, ds, w) in _terms[k])
            {
                Complex phase = Complex.Zero;
                foreach (var d in ds) phase += Complex.FromPolarCoordinates(w, Vec3.Dot(q, d));
                double scale = _invSqrtMass[k] * _invSqrtMass[kp];
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++)
                        m[3 * k + a, 3 * kp + b] += phi[3 * a + b] * scale * phase;
            }
        // Hermitian part (the finite-difference Φ is symmetric only to O(h²)).
        return 0.5 * (m + m.ConjugateTranspose());
    }

    /// <summary>Frequencies at <paramref name="q"/> (Cartesian, Å⁻¹), THz, ascending; negative for ω² &lt; 0.</summary>
    public double[] Frequencies(Vec3 q)
    {
        var evd = DynamicalMatrix(q).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Hermitian);
        var f = new double[Branches];
        for (int i = 0; i < f.Length; i++)
        {
            double w2 = evd.EigenValues[i].Real;
            f[i] = Math.Sign(w2) * Math.Sqrt(Math.Abs(w2)) * ThzPerSqrtEvA2Amu;
        }
        Array.Sort(f);
        return f;
    }

    /// <summary>Dispersion along <paramref name="path"/> (Cartesian q, Å⁻¹), about <paramref name="points"/> points in all, spaced by |Δq|.</summary>
    public PhononBands Bands((string Label, Vec3 Q)[] path, int points = 200)
    {
        double total = 0;
        for (int s = 1; s < path.Length; s++) total += (path[s].Q - path[s - 1].Q).Norm;
        if (!(total > 0)) throw new ArgumentException("the phonon path has zero length");
        var xs = new List<double>(); var fs = new List<double[]>();
        var ticks = new List<(string, double)> { (path[0].Label, 0) };
        double x = 0;
        for (int s = 1; s < path.Length; s++)
        {
            var dq = path[s].Q - path[s - 1].Q;
            double len = dq.Norm;
            int m = Math.Max(2, (int)Math.Round(points * len / total));
            for (int i = (s == 1 ? 0 : 1); i <= m; i++)
            {
                double t = (double)i / m;
                xs.Add(x + t * len);
                fs.Add(Frequencies(path[s - 1].Q + t * dq));
            }
            x += len;
            ticks.Add((path[s].Label, x));
        }
        return new PhononBands(xs.ToArray(), fs.ToArray(), ticks.ToArray());
    }

    /// <summary>DOS on a Γ-centred <paramref name="mesh"/>³ grid, Gaussian smearing <paramref name="sigma"/> THz, states/THz per unit cell.</summary>
    public PhononDos Dos(int mesh = 16, double sigma = 0.1, int bins = 300)
    {
        var b = Lattices.Reciprocal(_cell.Cell);
        int nq = mesh * mesh * mesh;
        var all = new double[nq][];
        Parallel.For(0, nq, iq =>
        {
            int i = iq / (mesh * mesh), j = iq / mesh % mesh, k = iq % mesh;
            all[iq] = Frequencies(new Vec3((double)i / mesh, (double)j / mesh, (double)k / mesh) * b);
        });
        double lo = 0, hi = 0;
        foreach (var f in all) { lo = Math.Min(lo, f[0]); hi = Math.Max(hi, f[^1]); }
        lo -= 3 * sigma; hi += 3 * sigma;
        var grid = new double[bins];
        var dos = new double[bins];
        double norm = 1.0 / (nq * sigma * Math.Sqrt(2 * Math.PI));
        for (int g = 0; g < bins; g++) grid[g] = lo + (hi - lo) * g / (bins - 1);
        foreach (var fq in all)
            foreach (double f in fq)
            {
                int g0 = Math.Max(0, (int)((f - 5 * sigma - lo) / (hi - lo) * (bins - 1)));
                int g1 = Math.Min(bins - 1, (int)Math.Ceiling((f + 5 * sigma - lo) / (hi - lo) * (bins - 1)));
                for (int g = g0; g <= g1; g++)
                {
                    double u = (grid[g] - f) / sigma;
                    dos[g] += norm * Math.Exp(-0.5 * u * u);
                }
            }
        return new PhononDos(grid, dos, mesh, sigma);
    }
}
