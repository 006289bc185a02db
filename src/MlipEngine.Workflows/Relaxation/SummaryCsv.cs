using MlipEngine.Workflows;
using System.Globalization;
using CsvHelper;

namespace MlipEngine.Workflows.Relaxation;

/// <summary>The CSV summary of `mlip relax`: one row per candidate, units in the column names.</summary>
public static class SummaryCsv
{
    public static readonly string[] Header =
    [
        "index", "id", "source", "frame", "formula", "atoms", "energy_eV", "energy_per_atom_eV", "volume_A3",
        "steps", "force_calls", "converged", "fmax_eV_A", "smax_eV_A3", "wall_time_s", "status", "reason",
    ];

    public static void Write(TextWriter writer, IEnumerable<RelaxRecord> records)
    {
        using var csv = CsvWriter.Create(writer, new CsvWriterOptions { NewLine = "\n" }, true);
        foreach (var h in Header) csv.WriteField(h);
        csv.EndRecord();
        foreach (var r in records)
        {
            csv.WriteField(r.Index.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(r.Id);
            csv.WriteField(r.Source);
            csv.WriteField(r.Frame.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(r.Formula);
            csv.WriteField(r.Atoms.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(F(r.Energy));
            csv.WriteField(F(r.EnergyPerAtom));
            csv.WriteField(F(r.Volume));
            csv.WriteField(r.Steps.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(r.ForceCalls.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(r.Converged ? "true" : "false");
            csv.WriteField(F(r.Fmax));
            csv.WriteField(F(r.Smax));
            csv.WriteField(r.WallTime.ToString("F4", CultureInfo.InvariantCulture));
            csv.WriteField(r.Status);
            csv.WriteField(r.Reason);
            csv.EndRecord();
        }
        csv.Flush();
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
