using MlipEngine.Potentials.Repulsion;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Where a model's short-range core begins, per species pair (type order, ns × ns, symmetric): below
/// <see cref="Inner"/> a pair is pure ZBL repulsion, above <see cref="Outer"/> pure learned model, with a
/// smooth hand-over in between. Stored in the .mlip header.
/// </summary>
public sealed record CoreRepulsionSpec(double[] Inner, double[] Outer)
{
    public void Validate(int species)
    {
        if (Inner.Length != species * species || Outer.Length != species * species)
            throw new ArgumentException($"repulsion: inner and outer need {species}×{species} values (one per species pair), not {Inner.Length} and {Outer.Length}");
        for (int a = 0; a < species; a++)
            for (int b = 0; b < species; b++)
            {
                double ri = Inner[a * species + b], ro = Outer[a * species + b];
                if (!(ri > 0 && ro > ri && double.IsFinite(ro)))
                    throw new ArgumentException($"repulsion: pair {a}-{b} needs 0 < inner < outer, not inner {ri}, outer {ro}");
                if (ri != Inner[b * species + a] || ro != Outer[b * species + a])
                    throw new ArgumentException($"repulsion: the radii of pair {a}-{b} and {b}-{a} differ");
            }
    }

    /// <summary>"Cu-Cu r_in 1.33 Å, r_out 1.83 Å; …" over the species pairs (i ≤ j), for logs and <c>mlip model info</c>.</summary>
    public string Describe(IReadOnlyList<string> species)
    {
        int ns = species.Count;
        return string.Join("; ", from a in Enumerable.Range(0, ns) from b in Enumerable.Range(a, ns - a)
            select string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{species[a]}-{species[b]} r_in {Inner[a * ns + b]:0.###} Å, r_out {Outer[a * ns + b]:0.###} Å"));
    }

    /// <summary>The same radii for every species pair.</summary>
    public static CoreRepulsionSpec Uniform(int species, double inner, double outer)
        => new(Enumerable.Repeat(inner, species * species).ToArray(), Enumerable.Repeat(outer, species * species).ToArray());
}

/// <summary>
/// The short-range core of an equivariant model: a screened nuclear repulsion that takes over where the
/// training data has no pairs (as NequIP/MACE add ZBL), and a learned model that is never asked about
/// distances it was not trained on. For a pair (i, j) at distance r, with r_in &lt; r_out the pair's radii,
/// <code>
///   t = (r − r_in)/(r_out − r_in) clamped to [0, 1],   s(t) = 1 − t³(10 − 15t + 6t²)   (C², s′ = s″ = 0 at both ends)
///   E_core(r) = φ_ZBL(r) · s(t)                                (added once per pair: ½ per directed edge)
///   ρ(r)      = r                                  r ≥ r_out    (the distance the learned radial basis sees)
///             = r_out − δ tanh((r_out − r)/δ)      r &lt; r_out,   δ = (r_out − r_in)/4
/// </code>
/// ρ is C² at r_out (ρ′ = 1, ρ″ = 0 there), increasing, and never below r_out − δ: the learned energy's
/// radial dependence is frozen just inside the training data's edge instead of extrapolated into a
/// spurious well, while the directions of the edges still count. With r_out at or below the shortest
/// distance in the training data the fitted model is untouched on that data. φ · s is a product of
/// positive, decreasing functions, so the core term is monotonically repulsive, and it diverges as r → 0
/// while the learned energy stays bounded.
/// </summary>
public sealed class CoreRepulsion
{
    private readonly int _ns;
    private readonly int[] _z;
    private readonly double[] _inner, _outer;

    public CoreRepulsion(IReadOnlyList<int> atomicNumbers, CoreRepulsionSpec spec)
    {
        _ns = atomicNumbers.Count;
        spec.Validate(_ns);
        Spec = spec;
        _z = atomicNumbers.ToArray();
        _inner = spec.Inner; _outer = spec.Outer;
        MaxOuter = spec.Outer.Max();
    }

    public CoreRepulsionSpec Spec { get; }
    /// <summary>The largest r_out over species pairs, Å.</summary>
    public double MaxOuter { get; }
    public double Inner(int ti, int tj) => _inner[ti * _ns + tj];
    public double Outer(int ti, int tj) => _outer[ti * _ns + tj];

    /// <summary>s(t) and ds/dr for the pair's window.</summary>
    public void Switch(int ti, int tj, double r, out double s, out double dsdr)
    {
        int p = ti * _ns + tj;
        s = SwitchAt(r, _inner[p], _outer[p], out dsdr);
    }

    /// <summary>E_core(r) = φ_ZBL(r) s(r) in eV and its r-derivative; 0 at and beyond r_out.</summary>
    public double PairEnergy(int ti, int tj, double r, out double dEdr)
    {
        int p = ti * _ns + tj;
        return PairEnergyAt(_z[ti], _z[tj], r, _inner[p], _outer[p], out dEdr);
    }

    /// <summary>ρ(r), the distance the learned radial basis sees, and dρ/dr.</summary>
    public double LearnedDistance(int ti, int tj, double r, out double drho)
    {
        int p = ti * _ns + tj;
        return LearnedDistanceAt(r, _inner[p], _outer[p], out drho);
    }

    // The formulas of the class comment, once, on scalars (the pair's radii passed in): the Reference, Cpu and
    // training passes call them through the instance methods above, the ILGPU kernels directly.

    /// <summary>s(t) = 1 − t³(10 − 15t + 6t²), t = (r − r_in)/(r_out − r_in) clamped to [0, 1], and ds/dr = −30 t²(1 − t)²/(r_out − r_in).</summary>
    public static double SwitchAt(double r, double inner, double outer, out double dsdr)
    {
        if (r <= inner) { dsdr = 0; return 1; }
        if (r >= outer) { dsdr = 0; return 0; }
        double w = outer - inner, t = (r - inner) / w;
        dsdr = -30 * t * t * (1 - t) * (1 - t) / w;
        return 1 - t * t * t * (10 - 15 * t + 6 * t * t);
    }

    /// <summary>E_core(r) = φ_ZBL(r) s(r) (eV) for atomic numbers zi, zj and dE_core/dr (eV/Å); 0 at and beyond r_out.</summary>
    public static double PairEnergyAt(int zi, int zj, double r, double inner, double outer, out double dEdr)
    {
        double s = SwitchAt(r, inner, outer, out double ds);
        if (s == 0) { dEdr = 0; return 0; }
        double phi = ZieglerBiersackLittmark.Energy(zi, zj, r, out double dphi);
        dEdr = dphi * s + phi * ds;
        return phi * s;
    }

    /// <summary>ρ(r) = r from r_out, else r_out − δ tanh((r_out − r)/δ) with δ = (r_out − r_in)/4; and dρ/dr = 1 − tanh².</summary>
    public static double LearnedDistanceAt(double r, double inner, double outer, out double drho)
    {
        if (r >= outer) { drho = 1; return r; }
        double depth = 0.25 * (outer - inner), th = Math.Tanh((outer - r) / depth);
        drho = 1 - th * th;
        return outer - depth * th;
    }
}
