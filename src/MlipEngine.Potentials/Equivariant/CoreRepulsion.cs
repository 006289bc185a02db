using MlipEngine.Potentials.Repulsion;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Where a model's short-range core begins, per species pair (type order, ns × ns, symmetric): below
/// <see cref="Inner"/> a pair is pure ZBL repulsion, above <see cref="Outer"/> pure learned model, with a
/// smooth hand-over in between. Stored in the .mlip header. Optionally also the density fade (<see cref="CoreRepulsion"/>):
/// per species the largest neighbour density <see cref="DensityMax"/> N_s of the training data, the relative width w, and the
/// learned energy <see cref="DensityEnergy"/> C_s the fade tends to.
/// </summary>
public sealed record CoreRepulsionSpec(double[] Inner, double[] Outer)
{
    /// <summary>N_s per species (type order): the largest n_i = Σ_j u(ρ_ij) in the training data; null: no density fade.</summary>
    public double[]? DensityMax { get; init; }
    /// <summary>w: the learned energy of atom i fades out between n_i = N and n_i = N(1 + w).</summary>
    public double DensityWidth { get; init; }
    /// <summary>
    /// C_s per species (eV, type order): the learned energy the fade tends to — the learned energy of the densest atom of species s
    /// in the data N was set from; null: 0 (the learned energy fades to nothing; files of version 3).
    /// </summary>
    public double[]? DensityEnergy { get; init; }

    public void Validate(int species)
    {
        if (DensityMax is { } nmax)
        {
            if (nmax.Length != species) throw new ArgumentException($"repulsion: density_max needs one value per species ({species}), not {nmax.Length}");
            if (nmax.Any(x => !(x > 0 && double.IsFinite(x)))) throw new ArgumentException($"repulsion: density_max must be positive, not [{string.Join(", ", nmax)}]");
            if (!(DensityWidth > 0 && double.IsFinite(DensityWidth))) throw new ArgumentException($"repulsion: density_width must be positive, not {DensityWidth}");
        }
        if (DensityEnergy is { } c)
        {
            if (DensityMax is null) throw new ArgumentException("repulsion: density_energy without density_max (a fade's edge energy without the fade)");
            if (c.Length != species) throw new ArgumentException($"repulsion: density_energy needs one value per species ({species}), not {c.Length}");
            if (c.Any(x => !double.IsFinite(x))) throw new ArgumentException($"repulsion: density_energy must be finite, not [{string.Join(", ", c)}]");
        }
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
                $"{species[a]}-{species[b]} r_in {Inner[a * ns + b]:0.###} Å, r_out {Outer[a * ns + b]:0.###} Å"))
            + (DensityMax is { } nmax ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"; density fade over n/N = 1…{1 + DensityWidth:0.###}, N: {string.Join(", ", species.Select((e, k) => $"{e} {nmax[k]:0.###}"))}") : "")
            + (DensityEnergy is { } c ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $", towards learned energies {string.Join(", ", species.Select((e, k) => $"{e} {c[k]:0.###} eV"))}") : "");
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
/// <para><b>Density fade</b> (optional, <see cref="CoreRepulsionSpec.DensityMax"/>). ρ bounds each pair, not their number:
/// compressed far below its training data, every atom has ever more neighbours inside the cutoff and the learned many-body
/// energy extrapolates in that density (measured: −16 000 eV/atom for Ni at V/V₀ 0.15). With each atom's neighbour density
/// and its fade factor
/// <code>
///   n_i = Σ_j u(ρ(r_ij))        (u the radial basis' cutoff envelope; the sum over i's neighbours within r_c)
///   h_i = s((n_i/N_{z_i} − 1)/w)  (s the switch above: 1 up to N, 0 from N(1 + w) on)
///   E_i = E0_{z_i} + C_{z_i} + h_i · (L_i − C_{z_i}) + ½ Σ_j E_core(r_ij)     (L_i: atom i's learned energy, the sum of its readouts)
/// </code>
/// so beyond N(1 + w) the learned energy is frozen at C_s and only the ZBL core still rises. N_s is the largest n_i of species s
/// in the training data, so h ≡ 1 there and the fitted model is unchanged on its data; C_s is the learned energy of that densest
/// atom (<see cref="CoreRepulsionSpec.DensityEnergy"/>, 0 in version-3 files), so fading does not take away the compression energy
/// the learned part carries at the data's edge (with C = 0, Si fell at 3 of 40 compression steps; with C it rises at all).
/// Forces: with g_e = ∂E/∂d_e per directed edge e = (i → j),
/// <code>
///   ∂E/∂(readout of i) = h_i      (the adjoint pass starts from h_i instead of 1)
///   g_e += (L_i − C_{z_i}) · (dh/dn)_i · u′(ρ) ρ′(r) · d_e/r_e
/// </code>
/// the second term computed, like the core's, from forward quantities alone.</para>
/// </summary>
public sealed class CoreRepulsion
{
    private readonly int _ns;
    private readonly int[] _z;
    private readonly double[] _inner, _outer;

    private readonly double _cutoff;
    private readonly int _p;

    /// <param name="cutoff">r_c and <paramref name="envelopeExponent"/> p of the model's radial basis (the envelope u of the density fade).</param>
    public CoreRepulsion(IReadOnlyList<int> atomicNumbers, CoreRepulsionSpec spec, double cutoff, int envelopeExponent)
    {
        _ns = atomicNumbers.Count;
        spec.Validate(_ns);
        Spec = spec;
        _z = atomicNumbers.ToArray();
        _inner = spec.Inner; _outer = spec.Outer;
        MaxOuter = spec.Outer.Max();
        _cutoff = cutoff; _p = envelopeExponent;
    }

    /// <summary>Whether the model has a density fade (<see cref="CoreRepulsionSpec.DensityMax"/>).</summary>
    public bool HasDensityFade => Spec.DensityMax is not null;

    /// <summary>u(ρ(r)), atom i's density contribution of a neighbour of type tj at r, and its r-derivative.</summary>
    public double NeighbourWeight(int ti, int tj, double r, out double dwdr)
    {
        int p = ti * _ns + tj;
        return NeighbourWeightAt(r, _inner[p], _outer[p], _cutoff, _p, out dwdr);
    }

    /// <summary>C of species ti: the learned energy the density fade tends to (eV; 0 without one).</summary>
    public double FadeEnergy(int ti) => Spec.DensityEnergy is { } c ? c[ti] : 0;

    /// <summary>
    /// The faded learned energy C + h (L − C) of an atom with learned energy <paramref name="learned"/> L, fade h and dh/dn, and
    /// <paramref name="edgeFactor"/> (L − C) dh/dn, the factor of its edges' u′(ρ)ρ′ d/r (every backend calls this).
    /// </summary>
    public static double FadedEnergy(double learned, double h, double dhdn, double edgeEnergy, out double edgeFactor)
    {
        edgeFactor = (learned - edgeEnergy) * dhdn;
        return edgeEnergy + h * (learned - edgeEnergy);
    }

    /// <summary>h(n) and dh/dn for an atom of type ti with neighbour density n (1 without a density fade).</summary>
    public double Fade(int ti, double n, out double dhdn)
    {
        if (Spec.DensityMax is not { } nmax) { dhdn = 0; return 1; }
        return FadeAt(n, nmax[ti], Spec.DensityWidth, out dhdn);
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

    /// <summary>u(ρ(r)) with u the envelope of cutoff r_c and exponent p (<see cref="RadialBasis.EnvelopeAt"/>), and d/dr = u′(ρ) ρ′(r).</summary>
    public static double NeighbourWeightAt(double r, double inner, double outer, double cutoff, int p, out double dwdr)
    {
        double rho = LearnedDistanceAt(r, inner, outer, out double drho);
        double u = RadialBasis.EnvelopeAt(rho, cutoff, p, out double du);
        dwdr = du * drho;
        return u;
    }

    /// <summary>h = s((n/N − 1)/w) with s the switch of <see cref="SwitchAt"/> (1 for n ≤ N, 0 for n ≥ N(1 + w)), and dh/dn.</summary>
    public static double FadeAt(double n, double densityMax, double width, out double dhdn)
    {
        double h = SwitchAt(n / densityMax, 1, 1 + width, out double dhdx);
        dhdn = dhdx / densityMax;
        return h;
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
