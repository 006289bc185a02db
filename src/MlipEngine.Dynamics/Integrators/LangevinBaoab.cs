using MlipEngine.Dynamics.Md;
using MlipEngine.Dynamics.Randomness;
using MlipEngine.Units;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// Langevin dynamics, BAOAB splitting (Leimkuhler &amp; Matthews 2013), NVT.
/// </summary>
/// <remarks>
/// dv = F/m dt − γ v dt + √(2γ k_BT/m) dW, with γ = 1/damping (fs⁻¹). Split into B (kick), A (drift)
/// and O (the exact Ornstein–Uhlenbeck solution over Δt):
/// <code>
///   B: v += (Δt/2) F/m        A: r += (Δt/2) v
///   O: v ← c₁ v + √((1 − c₁²) k_BT/m) ξ,   c₁ = e^{−γΔt},  ξ ~ N(0,1)
///   A: r += (Δt/2) v          (forces)    B: v += (Δt/2) F/m
/// </code>
/// k_BT/m in Å²/fs² is k_BT [eV] / (m [amu] · 103.64). Configurational sampling is exact to O(Δt²)
/// with a small constant. Noise is drawn serially in atom order from one xoshiro stream, so a run is
/// reproducible for a seed whatever the thread count. The heat exchanged with the bath is
/// accumulated in <see cref="ExtendedEnergy"/> (K + U − heat is then conserved up to the O-step error).
/// </remarks>
public sealed class LangevinBaoab : IIntegrator
{
    private readonly Xoshiro256 _rng;
    private double[] _sigma = [];
    private double _heat;

    /// <param name="temperature">Target temperature, K.</param>
    /// <param name="damping">1/γ, fs.</param>
    public LangevinBaoab(double temperature, double damping, ulong seed)
    {
        if (!(temperature >= 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be ≥ 0 K");
        if (!(damping > 0)) throw new ArgumentOutOfRangeException(nameof(damping), "damping must be > 0 fs");
        Temperature = temperature;
        Damping = damping;
        Seed = seed;
        _rng = Xoshiro256.Stream(seed, 1);
    }

    public string Name => "nvt-langevin";
    public double Temperature { get; }
    public double Damping { get; }
    /// <summary>Seed of the noise (the host stream here; device-resident runs key Philox with it).</summary>
    public ulong Seed { get; }
    /// <summary>
    /// Heat exchanged with the bath so far, eV (Σ over O steps of K after − K before). Set by
    /// device-resident runs, which accumulate it on the device, when they sync.
    /// </summary>
    public double Heat { get => _heat; set => _heat = value; }

    public void Step(MdSystem s) => IntegratorStep.Run(this, s);

    public void BeforeForces(MdSystem s)
    {
        double dt = s.TimeStep;
        int n = s.AtomCount;
        if (_sigma.Length != n)
        {
            // √(k_BT/m) per atom in Å/fs; zero for frozen atoms (their acceleration factor is zero).
            _sigma = new double[n];
            double kT = PhysicalConstants.Boltzmann * Temperature;
            for (int i = 0; i < n; i++) _sigma[i] = Math.Sqrt(kT * s.AccelerationFactor[i]);
        }
        s.Kick(0.5 * dt);
        s.Drift(0.5 * dt);
        double c1 = Math.Exp(-dt / Damping), c2 = Math.Sqrt(1 - c1 * c1);
        double k0 = s.KineticEnergy();
        Span<double> vx = s.VX, vy = s.VY, vz = s.VZ;
        for (int i = 0; i < n; i++)   // ξ drawn x, y, z per atom in atom order (arguments evaluate left to right)
            IntegratorFormula.Thermalize(ref vx[i], ref vy[i], ref vz[i], c1, c2 * _sigma[i], _rng.NextGaussian(), _rng.NextGaussian(), _rng.NextGaussian());
        _heat += s.KineticEnergy() - k0;
        s.Drift(0.5 * dt);
    }

    public void AfterForces(MdSystem s) => s.Kick(0.5 * s.TimeStep);

    public double ExtendedEnergy(MdSystem s) => -_heat;
    public void Save(BinaryWriter w) { _rng.Save(w); w.Write(_heat); }
    public void Load(BinaryReader r) { _rng.Load(r); _heat = r.ReadDouble(); }
}
