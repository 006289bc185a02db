using MlipEngine.State;

namespace MlipEngine.Workflows.Properties;

/// <summary>Relaxed vacancy formation energy. Energies in eV.</summary>
/// <remarks>
/// E_f = E(N−1, vacancy, ions relaxed at the perfect crystal's cell) − (N−1)/N · E(N, perfect):
/// the perfect supercell is n×n×n copies of the relaxed cell, the atom removed is atom 0 (every
/// site is equivalent in the one-element crystals this is meant for; for a basis with several
/// inequivalent sites it is the vacancy on site 0). Constant volume, as LAMMPS' usual recipe.
/// The vacancy's neighbours (within 1.2 nearest-neighbour distances) are first displaced by a seeded
/// random 0.02 Å: the symmetric vacancy is a stationary point (zero forces, e.g. Stillinger–Weber Si),
/// and without the kick a minimiser cannot find a lower, symmetry-broken (Jahn–Teller) relaxation.
/// </remarks>
public sealed record VacancyFormation(int Supercell, int Atoms, double PerfectEnergy, double VacancyEnergy, bool Converged, int Steps)
{
    /// <summary>E_f, eV.</summary>
    public double FormationEnergy => VacancyEnergy - (Atoms - 1.0) / Atoms * PerfectEnergy;

    /// <summary>Smallest n with n³·atoms ≥ <paramref name="minAtoms"/>.</summary>
    public static int DefaultSupercell(int cellAtoms, int minAtoms = 100)
    {
        int n = 1;
        while (n * n * n * cellAtoms < minAtoms) n++;
        return n;
    }

    public static VacancyFormation Compute(CrystalEvaluator evaluator, AtomicStructure crystal, int n)
    {
        if (n < 1) throw new ArgumentException("supercell must be at least 1");
        var perfect = Lattices.Supercell(crystal, n, n, n);
        if (perfect.AtomCount < 2) throw new ArgumentException("a vacancy needs at least 2 atoms in the supercell");
        double ePerfect = evaluator.Evaluate(perfect).Energy;
        var numbers = perfect.Numbers[1..];
        var pos = perfect.Positions[1..];
        var masses = new double[pos.Length];
        for (int i = 0; i < masses.Length; i++) masses[i] = perfect.MassOf(i + 1);
        // Seeded kick of the neighbours of the vacant site (minimum image).
        var site = perfect.Positions[0];
        var inv = perfect.Cell.Matrix.Inverse();
        double Dist(Geometry.Vec3 r)
        {
            var f = (r - site) * inv;
            f = new Geometry.Vec3(f.X - Math.Round(f.X), f.Y - Math.Round(f.Y), f.Z - Math.Round(f.Z));
            return perfect.Cell.ToCartesian(f).Norm;
        }
        double nn = double.PositiveInfinity;
        foreach (var r in pos) nn = Math.Min(nn, Dist(r));
        var random = new Random(20261206);
        for (int i = 0; i < pos.Length; i++)
            if (Dist(pos[i]) < 1.2 * nn)
                pos[i] += 0.02 / Math.Sqrt(3) * new Geometry.Vec3(2 * random.NextDouble() - 1, 2 * random.NextDouble() - 1, 2 * random.NextDouble() - 1);
        var vac = new AtomicStructure(numbers, pos, perfect.Cell, masses);
        var relaxed = evaluator.RelaxIons(vac);
        return new VacancyFormation(n, perfect.AtomCount, ePerfect, relaxed.Energy, relaxed.Converged, relaxed.Steps);
    }
}
