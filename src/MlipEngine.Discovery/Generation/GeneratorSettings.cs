using MlipEngine.Chemistry;

using MlipEngine.Discovery.Search;

namespace MlipEngine.Discovery.Generation;

/// <summary>Whether candidates are isolated clusters (open cell) or bulk crystals (periodic cell).</summary>
public enum CandidateCell { Cluster, Periodic }

/// <summary>
/// What a random candidate looks like: its atoms, its boundary conditions, the smallest allowed distance
/// of each pair of species and its volume per atom.
/// </summary>
public sealed record GeneratorSettings
{
    /// <summary>Atomic numbers of the atoms, in the order they are placed and written.</summary>
    public required int[] Numbers { get; init; }
    public CandidateCell Cell { get; init; } = CandidateCell.Periodic;
    /// <summary>
    /// Smallest distance of a pair of species (Z₁, Z₂), Å; pairs not listed get
    /// <see cref="MinDistanceFactor"/> × (r_cov,1 + r_cov,2).
    /// </summary>
    public IReadOnlyDictionary<(int, int), double> MinDistances { get; init; } = new Dictionary<(int, int), double>();
    /// <summary>Default minimum distance as a fraction of the summed covalent radii (AIRSS' MINSEP idea).</summary>
    public double MinDistanceFactor { get; init; } = 0.7;
    /// <summary>
    /// Volume per atom, Å³: of the cell (periodic) or of the sphere the atoms are placed in (cluster).
    /// Null: <see cref="VolumeFactor"/> × the mean covalent-sphere volume (4π/3)r_cov³.
    /// </summary>
    public double? VolumePerAtom { get; init; }
    /// <summary>Estimated volume per atom as a multiple of the covalent-sphere volume (an assumption: 2 ≈ a packing fraction of ½).</summary>
    public double VolumeFactor { get; init; } = 2.0;
    /// <summary>Random positions tried per atom before the whole candidate is started again.</summary>
    public int AttemptsPerAtom { get; init; } = 500;
    /// <summary>Fresh starts (new cell, all atoms again) before the candidate is reported as not placeable.</summary>
    public int Restarts { get; init; } = 20;
    /// <summary>Periodic cells: smallest angle between cell vectors, degrees (the largest is 180° minus this).</summary>
    public double MinCellAngle { get; init; } = 60;
    /// <summary>Periodic cells: largest ratio of the longest to the shortest cell vector.</summary>
    public double MaxAspectRatio { get; init; } = 2.0;

    /// <summary>
    /// Periodic cells: space groups (1–230) to build candidates in, one drawn uniformly per start among those
    /// whose centring fits the composition; null places atoms without symmetry. See <see cref="SymmetricPlacement"/>.
    /// </summary>
    public IReadOnlyList<int>? SpaceGroups { get; init; }

    /// <summary>Minimum distance of species pair (a, b), Å.</summary>
    public double MinDistance(int a, int b)
    {
        if (MinDistances.TryGetValue((a, b), out double d) || MinDistances.TryGetValue((b, a), out d)) return d;
        double? ra = CovalentRadii.Of(a), rb = CovalentRadii.Of(b);
        if (ra is null || rb is null)
            throw new SearchSettingsException($"min_distance: no covalent radius for {Element.Symbol(ra is null ? a : b)}; give min_distance for the pair {Element.Symbol(a)}-{Element.Symbol(b)}");
        return MinDistanceFactor * (ra.Value + rb.Value);
    }

    /// <summary>The volume per atom used, Å³ (given or estimated).</summary>
    public double EffectiveVolumePerAtom()
    {
        if (VolumePerAtom is double v) return v;
        double sum = 0;
        foreach (int z in Numbers)
        {
            double r = CovalentRadii.Of(z) ?? throw new SearchSettingsException($"volume_per_atom: no covalent radius for {Element.Symbol(z)} to estimate it from; give volume_per_atom");
            sum += 4.0 / 3.0 * Math.PI * r * r * r;
        }
        return VolumeFactor * sum / Numbers.Length;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the setting when no candidate can exist: a minimum
    /// distance whose spheres (radius d/2, packing fraction at most π/√18 ≈ 0.74) do not fit the volume.
    /// </summary>
    public void Validate()
    {
        if (Numbers.Length == 0) throw new SearchSettingsException("composition: no atoms");
        double v = EffectiveVolumePerAtom();
        if (!(v > 0) || !double.IsFinite(v)) throw new SearchSettingsException($"volume_per_atom: must be positive, found {v}");
        double spheres = 0;
        foreach (int z in Numbers)
        {
            double d = MinDistance(z, z);
            if (!(d >= 0)) throw new SearchSettingsException($"min_distance: must be non-negative for {Element.Symbol(z)}-{Element.Symbol(z)}");
            spheres += Math.PI / 6 * d * d * d;
        }
        double packing = spheres / (v * Numbers.Length);
        if (packing > 0.74)
            throw new SearchSettingsException($"min_distance: spheres of the minimum distances fill {packing:F2} of the volume ({v:G4} Å³/atom); at most 0.74 can be packed — lower min_distance or raise volume_per_atom");
    }
}
