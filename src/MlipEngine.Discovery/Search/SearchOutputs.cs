using System.Globalization;
using System.Text;
using System.Text.Json;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;

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
            if (r.SpaceGroup is { } sg) { f.Info.Add(new("spacegroup", sg.Symbol)); f.Info.Add(new("spacegroup_number", (long)sg.Number)); }
            return f;
        }).ToList();
        Atomic(Path.Combine(dir, "ranked.xyz"), tmp => ExtxyzWriter.Write(tmp, frames));

        var csv = new StringBuilder("rank,formula,atoms,energy,energy_per_atom,volume_per_atom,found_at_trial,times_found,best_trial,force_calls_to_find,spacegroup,spacegroup_number\n");
        foreach (var r in report.Ranked)
        {
            var s = r.Best.ToStructure();
            string volume = s.Cell.FullyPeriodic ? (s.Cell.Volume / s.AtomCount).ToString("F4", ci) : "";
            csv.Append(string.Create(ci, $"{r.Rank},{s.Formula},{s.AtomCount},{r.Best.Energy:R},{r.EnergyPerAtom:R},{volume},{r.FoundAtTrial},{r.TimesFound},{r.Best.Trial},{r.ForceCallsToFind},{r.SpaceGroup?.Symbol},{r.SpaceGroup?.Number}\n"));
        }
        Atomic(Path.Combine(dir, "summary.csv"), tmp => File.WriteAllText(tmp, csv.ToString()));

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
        Atomic(Path.Combine(dir, "search.json"), tmp => File.WriteAllText(tmp, JsonSerializer.Serialize(totals, new JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }

    private static void Atomic(string path, Action<string> write)
    {
        string tmp = path + ".tmp";
        write(tmp);
        File.Move(tmp, path, overwrite: true);
    }
}
