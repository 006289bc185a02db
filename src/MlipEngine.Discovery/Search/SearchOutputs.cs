using MlipEngine.IO.Svg;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.Workflows;

namespace MlipEngine.Discovery.Search;

/// <summary>
/// Writes a search's results into its folder: <c>ranked.xyz</c> (distinct structures, lowest energy per atom
/// first), <c>summary.csv</c> (one row per distinct structure), <c>search.json</c> (totals). Each file is
/// written to a temporary name and moved into place, so an interruption never leaves half a file.
/// </summary>
public static class SearchOutputs
{
    public static void Write(string dir, SearchReport report, SearchOptions options)
    {
        var ci = CultureInfo.InvariantCulture;
        var frames = report.Ranked.Select(r =>
        {
            var f = new Frame(r.Best.ToStructure()) { Energy = r.Best.Energy };
            f.Info.Add(new("rank", (long)r.Rank));
            f.Info.Add(new("energy_per_atom", r.EnergyPerAtom));
            f.Info.Add(new("found_at_trial", r.FoundAtTrial));
            f.Info.Add(new("times_found", (long)r.TimesFound));
            f.Info.Add(new("best_trial", r.Best.Trial));
            f.Info.Add(new("fmax", r.Best.Fmax));
            if (r.FormationEnergy is double ef) f.Info.Add(new("formation_energy", ef));
            if (r.EnergyAboveHull is double eah) f.Info.Add(new("e_above_hull", eah));
            if (r.SpaceGroup is { } sg) { f.Info.Add(new("spacegroup", sg.Symbol)); f.Info.Add(new("spacegroup_number", (long)sg.Number)); }
            return f;
        }).ToList();
        AtomicFileWriter.Write(Path.Combine(dir, "ranked.xyz"), w =>
        {
            using var xyz = new ExtxyzWriter(w);
            foreach (var f in frames) xyz.Write(f);
        });

        var csv = new StringBuilder("rank,formula,atoms,energy,energy_per_atom,volume_per_atom,found_at_trial,times_found,best_trial,force_calls_to_find,spacegroup,spacegroup_number,formation_energy,e_above_hull\n");
        foreach (var r in report.Ranked)
        {
            var s = r.Best.ToStructure();
            string volume = s.Cell.FullyPeriodic ? (s.Cell.Volume / s.AtomCount).ToString("F4", ci) : "";
            csv.Append(string.Create(ci, $"{r.Rank},{s.Formula},{s.AtomCount},{r.Best.Energy:R},{r.EnergyPerAtom:R},{volume},{r.FoundAtTrial},{r.TimesFound},{r.Best.Trial},{r.ForceCallsToFind},{r.SpaceGroup?.Symbol},{r.SpaceGroup?.Number},{r.FormationEnergy:R},{r.EnergyAboveHull:R}\n"));
        }
        AtomicFileWriter.Write(Path.Combine(dir, "summary.csv"), w => w.Write(csv.ToString()));

        var totals = new
        {
            mode = options.Mode == SearchMode.Random ? "random" : "basin_hopping",
            seed = options.Seed,
            trials_budget = options.Trials,
            trials = report.Trials.Count,
            relaxations = report.Relaxations,
            force_evaluations = report.ForceCalls,
            converged = report.Converged,
            not_converged = report.NotConverged,
            failed = report.Failed,
            unplaced = report.Unplaced,
            distinct_structures = report.Ranked.Count,
            best_spacegroup = report.Ranked.Count > 0 ? report.Ranked[0].SpaceGroup?.ToString() : null,
            best_energy = report.Ranked.Count > 0 ? report.BestEnergy : (double?)null,
            best_energy_per_atom = report.Ranked.Count > 0 ? report.Ranked[0].EnergyPerAtom : (double?)null,
            best_found_at_trial = report.Ranked.Count > 0 ? report.Ranked[0].FoundAtTrial : (long?)null,
            force_evaluations_to_best = report.Ranked.Count > 0 ? report.Ranked[0].ForceCallsToFind : (long?)null,
            reached_stop_energy = report.ReachedStopEnergy,
            resumed_trials = report.Resumed,
            seconds_this_run = report.Seconds,
        };
        if (options.Variable is { } vc && report.Hull is { } hull)
            AtomicFileWriter.Write(Path.Combine(dir, "hull.svg"), w => w.Write(HullSvg(report, hull, vc)));
        else if (options.Variable is { Elements.Length: 3 } ternary && report.Ranked.Any(r => r.FormationEnergy is not null))
            AtomicFileWriter.Write(Path.Combine(dir, "hull.svg"), w => w.Write(TernaryHullSvg(report, ternary)));

        AtomicFileWriter.Write(Path.Combine(dir, "search.json"), w => w.Write(JsonSerializer.Serialize(totals, new JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }

    /// <summary>
    /// A plain SVG of the hull: formation energy per atom against the fraction of B, one dot per ranked
    /// structure (blue on the hull, red above it), the hull as a polyline, and the tie line E_f = 0 dashed.
    /// </summary>
    public static string HullSvg(SearchReport report, Hull.BinaryHull hull, VariableComposition vc)
    {
        var pts = report.Ranked.Where(r => r.FormationEnergy is not null).Select(r => (X: r.FractionB!.Value, E: r.FormationEnergy!.Value, On: r.EnergyAboveHull == 0)).ToList();
        double lo = Math.Min(0, pts.Select(p => p.E).DefaultIfEmpty(0).Min()), hi = Math.Max(0, pts.Select(p => p.E).DefaultIfEmpty(0).Max());
        if (hi - lo < 1e-3) { hi += 0.05; lo -= 0.05; }
        double pad = 0.05 * (hi - lo); lo -= pad; hi += pad;
        string a = Chemistry.Element.Symbol(vc.ElementA), b = Chemistry.Element.Symbol(vc.ElementB);
        var plot = new SvgPlot($"convex hull of {a}–{b}", $"x in {a}(1-x){b}x", "formation energy (eV/atom)",
            PlotAxis.Linear(0, 1, snapToTicks: false), PlotAxis.Linear(lo, hi, snapToTicks: false), 640, 420);
        plot.AddLine(null, "gray", [0, 1], [0, 0], dashed: true);
        plot.AddLine("convex hull", "steelblue", hull.Vertices.Select(v => v.X).ToArray(), hull.Vertices.Select(v => v.E).ToArray());
        var on = pts.Where(p => p.On).ToArray(); var above = pts.Where(p => !p.On).ToArray();
        plot.AddScatter("steelblue", on.Select(p => p.X).ToArray(), on.Select(p => p.E).ToArray(), radius: 4, opacity: 1);
        plot.AddScatter("#c0392b", above.Select(p => p.X).ToArray(), above.Select(p => p.E).ToArray(), radius: 4, opacity: 1);
        return plot.Render() + "\n";
    }

    /// <summary>
    /// A ternary diagram: the composition triangle (A bottom left, B bottom right, C on top; x_B + x_C/2 across,
    /// x_C·√3/2 up), one dot per ranked structure at its composition, blue on the hull and red above it.
    /// </summary>
    public static string TernaryHullSvg(SearchReport report, VariableComposition vc)
    {
        var symbols = vc.Elements.Select(Chemistry.Element.Symbol).ToArray();
        double h = Math.Sqrt(3) / 2;
        var pts = report.Ranked.Where(r => r.Fractions is not null && r.FormationEnergy is not null)
            .Select(r => (X: r.Fractions![1] + r.Fractions[2] / 2, Y: r.Fractions[2] * h, On: r.EnergyAboveHull == 0)).ToList();
        var plot = new SvgPlot($"convex hull of {string.Join("–", symbols)}",
            $"{symbols[0]} (left) – {symbols[1]} (right); {symbols[2]} at the top", "",
            PlotAxis.Bare(-0.05, 1.05), PlotAxis.Bare(-0.05, h + 0.05), 560, 520,
            subtitle: "blue: on the hull (E above hull = 0); red: above it");
        plot.AddLine(null, "gray", [0, 1, 0.5, 0], [0, 0, h, 0]);
        var on = pts.Where(p => p.On).ToArray(); var above = pts.Where(p => !p.On).ToArray();
        plot.AddScatter("#c0392b", above.Select(p => p.X).ToArray(), above.Select(p => p.Y).ToArray(), radius: 4, opacity: 0.8);
        plot.AddScatter("steelblue", on.Select(p => p.X).ToArray(), on.Select(p => p.Y).ToArray(), radius: 6, opacity: 1);
        return plot.Render() + "\n";
    }
}
