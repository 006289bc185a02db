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
        double ri = _inner[p], ro = _outer[p];
        if (r <= ri) { s = 1; dsdr = 0; return; }
        if (r >= ro) { s = 0; dsdr = 0; return; }
        double w = ro - ri, t = (r - ri) / w;
        s = 1 - t * t * t * (10 - 15 * t + 6 * t * t);
        dsdr = -30 * t * t * (1 - t) * (1 - t) / w;
    }

    /// <summary>E_core(r) = φ_ZBL(r) s(r) in eV and its r-derivative; 0 at and beyond r_out.</summary>
    public double PairEnergy(int ti, int tj, double r, out double dEdr)
    {
        Switch(ti, tj, r, out double s, out double ds);
        if (s == 0) { dEdr = 0; return 0; }
        double phi = ZieglerBiersackLittmark.Energy(_z[ti], _z[tj], r, out double dphi);
        dEdr = dphi * s + phi * ds;
        return phi * s;
    }

    /// <summary>ρ(r), the distance the learned radial basis sees, and dρ/dr.</summary>
    public double LearnedDistance(int ti, int tj, double r, out double drho)
    {
        int p = ti * _ns + tj;
        double ro = _outer[p];
        if (r >= ro) { drho = 1; return r; }
        double depth = 0.25 * (ro - _inner[p]), th = Math.Tanh((ro - r) / depth);
        drho = 1 - th * th;
        return ro - depth * th;
    }
}
