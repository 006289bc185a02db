using MlipEngine.Dynamics.Barostats;
using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Thermostats;
using MlipEngine.Geometry;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// NPT with the MTK barostat and Nosé–Hoover chains on particles and cell (Tuckerman et al. 2006;
/// LAMMPS fix npt), for isotropic, anisotropic or full triclinic coupling.
/// </summary>
/// <remarks>
/// <para>Trotter splitting of one step Δt:</para>
/// <code>
///   T(Δt/2) · B(Δt/2) · V(Δt/2) · R(Δt) · [forces] · V(Δt/2) · B(Δt/2) · T(Δt/2)
/// </code>
/// <para>T: chains on particles and cell. B: p_g += (Δt/2)·G. V: with A = p_g/W = Q Λ Qᵀ and
/// γₖ = λₖ + α, v̇ = a − v(A + αI) at constant a is solved exactly in the eigenbasis,
/// u ← u e^{−γh} + a h e^{−γh/2} sinhc(γh/2), i.e. v ← v·E₁ + a·E₂ with E₁ = Q diag(e^{−γh}) Qᵀ and
/// E₂ = Q diag(h e^{−γh/2} sinhc(γh/2)) Qᵀ. R: ṙ = v + r A at constant v gives
/// r ← r·M + v·N with M = Q diag(e^{λΔt}) Qᵀ, N = Q diag(Δt e^{λΔt/2} sinhc(λΔt/2)) Qᵀ, and H ← H·M.</para>
/// <para>The cell changes every step, so the neighbor list is rebuilt every step.</para>
/// </remarks>
public sealed class MtkNpt : IIntegrator
{
    private readonly NoseHooverChain _particles, _cell;
    private readonly double[] _q = new double[9], _lambda = new double[3], _d = new double[3];
    private readonly double[] _e1 = new double[9], _e2 = new double[9], _m = new double[9], _n = new double[9], _a = new double[9];

    public MtkNpt(double temperature, double tdamp, int chainLength, double pressure, double pdamp, PressureCoupling coupling, MdSystem system)
    {
        if (!system.Cell.FullyPeriodic) throw new ArgumentException("NPT needs a cell periodic along a, b and c");
        Barostat = new MtkBarostat(coupling, pressure, temperature, pdamp, system.AtomCount);
        _particles = new NoseHooverChain(chainLength, temperature, tdamp, system.DegreesOfFreedom);
        _cell = new NoseHooverChain(chainLength, temperature, pdamp, Barostat.DegreesOfFreedom);
    }

    public string Name => "npt-mtk";
    public bool NeedsVirial => true;
    public MtkBarostat Barostat { get; }

    public void Step(MdSystem s) => IntegratorStep.Run(this, s);

    public void BeforeForces(MdSystem s)
    {
        double dt = s.TimeStep, h = 0.5 * dt;
        Thermostats(s, h);
        Barostat.Kick(s, h);
        Velocities(s, h);
        Positions(s, dt);
    }

    public void AfterForces(MdSystem s)
    {
        double h = 0.5 * s.TimeStep;
        Velocities(s, h);
        Barostat.Kick(s, h);
        Thermostats(s, h);
    }

    private void Thermostats(MdSystem s, double h)
    {
        Barostat.Scale(_cell.Propagate(Barostat.KineticEnergy, h));
        s.ScaleVelocities(_particles.Propagate(s.KineticEnergy(), h));
    }

    private void Decompose()
    {
        var p = Barostat.Momentum;
        for (int k = 0; k < 9; k++) _a[k] = p[k] / Barostat.Mass;
        SymmetricMatrix3.Eigen(_a, _lambda, _q);
    }

    private void Velocities(MdSystem s, double h)
    {
        Decompose();
        double alpha = (_lambda[0] + _lambda[1] + _lambda[2]) / s.DegreesOfFreedom;
        for (int k = 0; k < 3; k++) _d[k] = Math.Exp(-(_lambda[k] + alpha) * h);
        SymmetricMatrix3.Compose(_q, _d, _e1);
        for (int k = 0; k < 3; k++)
        {
            double g = _lambda[k] + alpha;
            _d[k] = h * Math.Exp(-0.5 * g * h) * SymmetricMatrix3.Sinhc(0.5 * g * h);
        }
        SymmetricMatrix3.Compose(_q, _d, _e2);
        var acc = s.AccelerationFactor;
        Span<double> vx = s.VX, vy = s.VY, vz = s.VZ;
        ReadOnlySpan<double> fx = s.ForceX, fy = s.ForceY, fz = s.ForceZ;
        var e1 = _e1; var e2 = _e2;
        for (int i = 0; i < vx.Length; i++)
        {
            double x = vx[i], y = vy[i], z = vz[i];
            double ax = fx[i] * acc[i], ay = fy[i] * acc[i], az = fz[i] * acc[i];
            vx[i] = x * e1[0] + y * e1[3] + z * e1[6] + ax * e2[0] + ay * e2[3] + az * e2[6];
            vy[i] = x * e1[1] + y * e1[4] + z * e1[7] + ax * e2[1] + ay * e2[4] + az * e2[7];
            vz[i] = x * e1[2] + y * e1[5] + z * e1[8] + ax * e2[2] + ay * e2[5] + az * e2[8];
        }
    }

    private void Positions(MdSystem s, double dt)
    {
        Decompose();
        for (int k = 0; k < 3; k++) _d[k] = Math.Exp(_lambda[k] * dt);
        SymmetricMatrix3.Compose(_q, _d, _m);
        for (int k = 0; k < 3; k++) _d[k] = dt * Math.Exp(0.5 * _lambda[k] * dt) * SymmetricMatrix3.Sinhc(0.5 * _lambda[k] * dt);
        SymmetricMatrix3.Compose(_q, _d, _n);
        Span<double> x = s.X, y = s.Y, z = s.Z, vx = s.VX, vy = s.VY, vz = s.VZ;
        var m = _m; var n = _n;
        for (int i = 0; i < x.Length; i++)
        {
            double rx = x[i], ry = y[i], rz = z[i], ux = vx[i], uy = vy[i], uz = vz[i];
            x[i] = rx * m[0] + ry * m[3] + rz * m[6] + ux * n[0] + uy * n[3] + uz * n[6];
            y[i] = rx * m[1] + ry * m[4] + rz * m[7] + ux * n[1] + uy * n[4] + uz * n[7];
            z[i] = rx * m[2] + ry * m[5] + rz * m[8] + ux * n[2] + uy * n[5] + uz * n[8];
        }
        s.Cell = s.Cell.WithMatrix(s.Cell.Matrix * Mat3.FromRowMajor(_m));
    }

    public double ExtendedEnergy(MdSystem s) =>
        Barostat.Pressure * s.Cell.Volume + Barostat.KineticEnergy + _particles.Energy + _cell.Energy;

    public void Save(BinaryWriter w) { Barostat.Save(w); _particles.Save(w); _cell.Save(w); }
    public void Load(BinaryReader r) { Barostat.Load(r); _particles.Load(r); _cell.Load(r); }
}
