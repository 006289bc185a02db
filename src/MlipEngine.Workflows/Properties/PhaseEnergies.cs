using MlipEngine.Dynamics.CellFilters;
using MlipEngine.State;

namespace MlipEngine.Workflows.Properties;

/// <summary>One relaxed phase of an element. Energies in eV/atom, volume in Å³/atom, a in Å (conventional cell; hcp: basal a).</summary>
public sealed record PhaseEnergy(string Phase, double EnergyPerAtom, double VolumePerAtom, double A, bool Converged, string? Failure = null)
{
    /// <summary>Energy above the lowest phase, eV/atom (set by <see cref="PhaseEnergies.Compute"/>).</summary>
    public double Relative { get; init; } = double.NaN;
}

/// <summary>
/// Energies of competing phases of one element: fcc, bcc, hcp (ideal c/a), sc and diamond. Each is
/// scanned over volume (14 points, V/atom from 0.65 to 1.8 times a reference volume, usually the
/// relaxed input crystal's) and relaxed from the lowest point with a hydrostatic cell filter (shape and
/// c/a kept; every atom sits on a centre of symmetry, so the ions do not move).
/// </summary>
public static class PhaseEnergies
{
    public static readonly string[] Phases = ["fcc", "bcc", "hcp", "sc", "diamond"];

    public static IReadOnlyList<PhaseEnergy> Compute(CrystalEvaluator evaluator, string element, double referenceVolumePerAtom, IWorkProgress? progress = null)
    {
        var list = new List<PhaseEnergy>();
        int done = 0;
        foreach (string phase in Phases)
        {
            list.Add(One(evaluator, phase, element, referenceVolumePerAtom));
            progress?.Report(++done, Phases.Length);
        }
        double min = double.PositiveInfinity;
        foreach (var p in list) if (p.Failure is null && p.EnergyPerAtom < min) min = p.EnergyPerAtom;
        return list.Select(p => p with { Relative = p.Failure is null ? p.EnergyPerAtom - min : double.NaN }).ToList();
    }

    private static PhaseEnergy One(CrystalEvaluator evaluator, string phase, string element, double v0)
    {
        int atoms = Lattices.ConventionalAtoms(phase);
        // Cell volume = a³ (cubic) or a·√3a·√(8/3)a = √8·a³ (ideal hcp, orthohexagonal 4-atom cell).
        double shape = phase == "hcp" ? Math.Sqrt(8) : 1.0;
        double ABy(double vpa) => Math.Cbrt(vpa * atoms / shape);
        double bestE = double.PositiveInfinity, bestA = double.NaN;
        const int points = 14;
        for (int i = 0; i < points; i++)
        {
            double v = v0 * 0.65 * Math.Pow(1.8 / 0.65, i / (points - 1.0));
            double e;
            try { e = evaluator.Evaluate(Lattices.Conventional(phase, element, ABy(v))).Energy / atoms; }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException) { continue; }
            if (double.IsFinite(e) && e < bestE) { bestE = e; bestA = ABy(v); }
        }
        if (double.IsNaN(bestA)) return new PhaseEnergy(phase, double.NaN, double.NaN, double.NaN, false, "no finite energy in the volume scan");
        try
        {
            var r = evaluator.RelaxCell(Lattices.Conventional(phase, element, bestA), CellMode.Hydrostatic);
            double a = r.Structure.Cell.Matrix.Row(0).Norm;
            return new PhaseEnergy(phase, r.EnergyPerAtom, r.VolumePerAtom, a, r.Converged);
        }
        catch (PropertiesException e)
        {
            return new PhaseEnergy(phase, double.NaN, double.NaN, double.NaN, false, e.Message);
        }
    }
}
