using MlipEngine.Geometry;

namespace MlipEngine.Dynamics.CellFilters;

/// <summary>
/// Positions and cell as one set of generalized coordinates, the cell through the matrix logarithm
/// of its deformation gradient — ASE ≥ 3.23's <c>FrechetCellFilter</c> (gradients exact, unlike the
/// older ExpCellFilter), with its hydrostatic-strain and constant-volume modes and a scalar target pressure.
/// </summary>
/// <remarks>
/// Notation (row vectors, lattice vectors as rows): reference cell H₀, deformation gradient F with
/// H = H₀Fᵀ, positions r = zFᵀ, and cell coordinates U = log F, presented scaled as c·U
/// (c = exp_cell_factor, default the number of atoms). The objective is the enthalpy
/// E(z, U) = E_pot(r, H) + p·V(H).
/// <para>
/// Atoms: ∂E/∂z = (∂E/∂r)·F, so the generalized force is f_z = f_r·F.
/// Cell: a change δF with z fixed is the homogeneous deformation ε = δF·F⁻¹, and dE = −W:ε with the
/// enthalpy virial W = −V(σ + p·I) (σ in eV/Å³, ASE sign). Hence −∂E/∂F = W·F⁻ᵀ =: G. Through
/// F = exp(U), −∂E/∂U_μν = ⟨L(U, e_μν), G⟩ = [L(Uᵀ, G)]_μν (the adjoint of exp's Fréchet
/// derivative, see <see cref="MatrixExponential"/>), and −∂E/∂(cU) = L(Uᵀ, G)/c.
/// </para>
/// <para>
/// Hydrostatic strain replaces W by tr(W)/3·I before the pull-back (U stays a multiple of I, the cell
/// only scales); constant volume removes tr/3 from the diagonal of the cell force (ASE: volume kept
/// only approximately, forces no longer exact derivatives). The stress residual used for convergence
/// is σ + p·I after the same projection.
/// </para>
/// </remarks>
public sealed class FrechetCellFilter : CellFilter
{
    private readonly Mat3 _h0;
    private readonly int _atoms;
    private Mat3 _u = Mat3.Zero;           // log F
    private Mat3 _f = Mat3.Identity;       // F = exp(U)
    private Mat3 _fTinv = Mat3.Identity;   // F⁻ᵀ

    /// <param name="pressure">Target pressure p, eV/Å³ (positive compresses).</param>
    /// <param name="expCellFactor">c; default the number of atoms (ASE's default).</param>
    public FrechetCellFilter(SystemState system, CellMode mode = CellMode.Frechet, double pressure = 0, double? expCellFactor = null) : base(system)
    {
        if (mode == CellMode.Fixed) throw new ArgumentException("use FixedCellFilter for a fixed cell");
        if (!system.Cell.FullyPeriodic) throw new ArgumentException("a variable-cell relaxation needs a cell periodic along all three axes");
        Mode = mode;
        Pressure = pressure;
        _atoms = system.AtomCount;
        ExpCellFactor = expCellFactor ?? Math.Max(1, _atoms);
        _h0 = system.Cell.Matrix;
    }

    public CellMode Mode { get; }
    /// <summary>Target pressure, eV/Å³.</summary>
    public double Pressure { get; }
    public double ExpCellFactor { get; }
    /// <summary>Current log-deformation U = log F.</summary>
    public Mat3 LogDeformation => _u;
    public Mat3 DeformationGradient => _f;

    public override int Length => 3 * (_atoms + 3);
    public override bool NeedsStress => true;
    public override double Energy => System.Energy + Pressure * System.Cell.Volume;

    public override void GetCoordinates(Span<double> x)
    {
        for (int i = 0; i < _atoms; i++)
        {
            var z = System.Position(i) * _fTinv;
            x[3 * i] = z.X; x[3 * i + 1] = z.Y; x[3 * i + 2] = z.Z;
        }
        (ExpCellFactor * _u).CopyTo(x.Slice(3 * _atoms, 9));
    }

    public override void SetCoordinates(ReadOnlySpan<double> x)
    {
        _u = (1.0 / ExpCellFactor) * Mat3.FromRowMajor(x.Slice(3 * _atoms, 9));
        _f = MatrixExponential.Exp(_u);
        var fT = _f.Transpose();
        _fTinv = fT.Inverse();
        System.Cell = System.Cell.WithMatrix(_h0 * fT);
        for (int i = 0; i < _atoms; i++) System.SetPosition(i, new Vec3(x[3 * i], x[3 * i + 1], x[3 * i + 2]) * fT);
    }

    public override void GetForces(Span<double> f)
    {
        for (int i = 0; i < _atoms; i++)
        {
            var fz = System.Force(i) * _f;
            f[3 * i] = fz.X; f[3 * i + 1] = fz.Y; f[3 * i + 2] = fz.Z;
        }
        var g = EnthalpyVirial() * _fTinv;
        var d = MatrixExponential.PullBack(_u, g);
        if (Mode == CellMode.ConstantVolume) d = RemoveTrace(d);
        ((1.0 / ExpCellFactor) * d).CopyTo(f.Slice(3 * _atoms, 9));
    }

    public override double StressResidual()
    {
        // −W/V = σ + p·I after the mode's projection.
        var s = (-1.0 / System.Cell.Volume) * EnthalpyVirial();
        if (Mode == CellMode.ConstantVolume) s = RemoveTrace(s);
        return MaxAbs(s);
    }

    /// <summary>W = −V(σ + p·I), eV; isotropic part only for hydrostatic strain.</summary>
    private Mat3 EnthalpyVirial()
    {
        double v = System.Cell.Volume;
        var w = (-v) * (System.StressTensor + Mat3.Diagonal(Pressure, Pressure, Pressure));
        if (Mode == CellMode.Hydrostatic)
        {
            double t = w.Trace / 3.0;
            w = Mat3.Diagonal(t, t, t);
        }
        return w;
    }

    private static Mat3 RemoveTrace(Mat3 m)
    {
        double t = m.Trace / 3.0;
        return m + Mat3.Diagonal(-t, -t, -t);
    }

    private static double MaxAbs(Mat3 m)
    {
        double a = 0;
        Span<double> v = stackalloc double[9];
        m.CopyTo(v);
        foreach (double x in v) if (!(Math.Abs(x) <= a)) a = Math.Abs(x);
        return a;
    }
}
