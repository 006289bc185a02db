using System.CommandLine;
using System.Globalization;
using MlipEngine.Chemistry;
using MlipEngine.Cli.Search;
using MlipEngine.Discovery.Search;
using MlipEngine.ForceFields;

namespace MlipEngine.Cli.Commands;

/// <summary>
/// <c>mlip search</c>: generative structure search (random clusters/cells or basin hopping), relaxed in batches,
/// deduplicated and ranked (<see cref="StructureSearch"/>); this verb parses the config, shows progress and prints totals.
/// </summary>
public static class SearchCommand
{
    public static Command Create() => CliParsing.ConfigVerb("search",
        "Generative structure search: random candidates, basin hopping or evolution, relaxed in batches, deduplicated, ranked",
        "Search configuration (YAML): potential, composition, cell, mode, trials, seed, symmetry, min_distance, relax, output", "trials=500",
        "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX] (overrides the config's device:)", "Threads of the force calls (overrides the config's threads:)", Run,
        new Option<string?>("--candidates") { Description = "Write the unrelaxed candidates of a random search (extxyz, one frame per trial) to this file and stop, relaxing nothing" },
        WriteCandidates);

    public static int Run(string configPath, IReadOnlyList<string> overrides, TextWriter output)
    {
        var cfg = SearchConfigParser.Load(configPath, overrides);
        var (backend, index) = CliParsing.ParseDevice(cfg.Device);
        using var computer = CliParsing.Catalog.Bind(cfg.ForceField, new ComputeOptions { Backend = backend, DeviceIndex = index, Threads = cfg.Threads, Skin = 0.5 });
        var o = cfg.Options;
        var search = new StructureSearch(computer, o) { Progress = new SearchProgressLine().Report };
        using var cancel = new CancellationTokenSource();
        int exit = 0;
        using var signals = new InterruptSignals(code => { exit = code; cancel.Cancel(); });
        string formula = new MlipEngine.State.AtomicStructure(o.Generator.Numbers, new MlipEngine.Geometry.Vec3[o.Generator.Numbers.Length], MlipEngine.Geometry.Cell.Open).Formula;
        if (o.Variable is { } vc)
            formula = $"{string.Join("-", vc.Elements.Select(MlipEngine.Chemistry.Element.Symbol))} ({vc.MinAtoms}-{vc.MaxAtoms} atoms, variable composition)";
        output.WriteLine($"search: {formula} {(o.Generator.Cell == Discovery.Generation.CandidateCell.Cluster ? "cluster" : "periodic")}, " +
            $"{o.Mode switch { SearchMode.Random => "random", SearchMode.Evolutionary => "evolutionary", _ => "basin hopping" }}{(o.Generator.SpaceGroups != null ? ", symmetric" : "")}, {o.Trials} trials, seed {o.Seed}, potential {cfg.PotentialLabel}, output {o.OutputDirectory}");
        var report = search.Run(cancel.Token);
        Console.Error.Write("\r" + new string(' ', 100) + "\r");
        Print(report, output, o);
        return exit;
    }

    /// <summary><c>--candidates FILE</c>: the random search's unrelaxed starts, written atomically; unplaced trials are listed, not written.</summary>
    public static int WriteCandidates(string configPath, IReadOnlyList<string> overrides, string path, TextWriter output)
    {
        var cfg = SearchConfigParser.Load(configPath, overrides);
        using var computer = CliParsing.Catalog.Bind(cfg.ForceField, new ComputeOptions { Backend = Backend.Reference, Threads = 1 });
        var frames = new List<MlipEngine.IO.Frame>();
        int unplaced = 0;
        try
        {
            foreach (var (trial, c) in new StructureSearch(computer, cfg.Options).Candidates())
            {
                if (!c.Placed) { unplaced++; output.WriteLine($"trial {trial}: unplaced ({c.Failure})"); continue; }
                var f = new MlipEngine.IO.Frame(c.Structure!);
                f.Info.Add(new("trial", trial));
                if (c.SpaceGroup is int g) f.Info.Add(new("generated_spacegroup", (long)g));
                frames.Add(f);
            }
        }
        catch (SearchSettingsException e) { throw new UsageException($"{Path.GetFileName(configPath)}: {e.Message}"); }
        MlipEngine.Workflows.AtomicFileWriter.Write(path, w =>
        {
            using var xyz = new MlipEngine.IO.Extxyz.ExtxyzWriter(w);
            foreach (var f in frames) xyz.Write(f);
        });
        output.WriteLine($"wrote {frames.Count} candidates to {path}{(unplaced > 0 ? $" ({unplaced} unplaced)" : "")}");
        return 0;
    }

    public static void Print(SearchReport r, TextWriter w, SearchOptions o)
    {
        var ci = CultureInfo.InvariantCulture;
        if (r.Resumed > 0) w.WriteLine($"resumed {r.Resumed} trials from {Path.Combine(o.OutputDirectory ?? "", "journal.jsonl")}");
        w.WriteLine(string.Create(ci, $"trials {r.Trials.Count}/{o.Trials} ({r.RunThisTime} this run, {r.Seconds:F1} s): converged {r.Converged}, not converged {r.NotConverged}, failed {r.Failed}, unplaced {r.Unplaced}"));
        w.WriteLine(string.Create(ci, $"totals: {r.Relaxations} relaxations, {r.ForceCalls} force evaluations"));
        if (r.ReachedStopEnergy) w.WriteLine(string.Create(ci, $"stopped: stop_energy {o.StopEnergy} eV reached"));
        if (r.Interrupted) w.WriteLine("interrupted: run the same command again to resume");
        w.WriteLine($"{r.Ranked.Count} distinct structures; lowest:");
        w.WriteLine("  rank  energy (eV)      eV/atom      found at trial  times found  space group");
        foreach (var s in r.Ranked.Take(10))
            w.WriteLine(string.Create(ci, $"  {s.Rank,4}  {s.Best.Energy,14:F6}  {s.EnergyPerAtom,11:F6}  {s.FoundAtTrial,14}  {s.TimesFound,11}  {s.SpaceGroup?.ToString() ?? "—"}"));
        if (r.Hull is { } hull)
        {
            var onHull = r.Ranked.Where(s => s.EnergyAboveHull == 0).Select(s => string.Create(ci, $"{s.Best.ToStructure().Formula} ({s.FormationEnergy:F4} eV/atom)"));
            w.WriteLine($"convex hull: {hull.Vertices.Count} vertices; on the hull: {string.Join(", ", onHull)}");
        }
        foreach (var note in r.Notes) w.WriteLine("note: " + note);
        if (o.OutputDirectory is string dir) w.WriteLine($"wrote {Path.Combine(dir, "ranked.xyz")}, summary.csv, search.json{(r.Hull != null ? ", hull.svg" : "")}");
    }

    /// <summary>One live progress line on stderr: trials done, best energy so far, trials/s.</summary>
    private sealed class SearchProgressLine
    {
        private readonly bool _live = !Console.IsErrorRedirected;
        private double _last = -1;

        public void Report(SearchProgress p)
        {
            if (p.Seconds - _last < (_live ? 0.2 : 5.0) && p.Done < p.Total) return;
            _last = p.Seconds;
            string best = !double.IsFinite(p.BestEnergy) ? "—"
                : p.BestEnergyPerAtomOnly ? string.Create(CultureInfo.InvariantCulture, $"{p.BestEnergy:F6} eV/atom")
                : string.Create(CultureInfo.InvariantCulture, $"{p.BestEnergy:F6} eV ({p.BestEnergy / p.Atoms:F6} eV/atom)");
            string line = string.Create(CultureInfo.InvariantCulture, $"search: {p.Done}/{p.Total} trials, best {best}, {p.TrialsPerSecond:F1} trials/s, {p.ForceCalls} force evaluations");
            if (_live) Console.Error.Write("\r" + line.PadRight(100));
            else Console.Error.WriteLine(line);
        }
    }
}
