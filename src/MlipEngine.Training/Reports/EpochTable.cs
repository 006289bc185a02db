using System.Globalization;
using System.Text;

namespace MlipEngine.Training.Reports;

/// <summary>
/// The per-epoch CSV log (one <see cref="EpochRecord"/> per row, header once, flushed after every row so a
/// killed run keeps every finished epoch). Resuming continues the same file: rows after the resumed epoch
/// (written by the interrupted run after its last checkpoint) are dropped first, so the file never holds an
/// epoch twice. Errors are in meV/atom, meV/Å and meV/Å³; an absent stress error is an empty field.
/// </summary>
public sealed class EpochTable : IDisposable
{
    /// <summary>Column names, in order.</summary>
    public static readonly string[] Columns =
    [
        "epoch", "learning_rate", "train_loss", "valid_loss",
        "train_energy_mae_mev_per_atom", "train_energy_rmse_mev_per_atom", "train_force_mae_mev_per_A", "train_force_rmse_mev_per_A",
        "train_stress_mae_mev_per_A3", "train_stress_rmse_mev_per_A3",
        "valid_energy_mae_mev_per_atom", "valid_energy_rmse_mev_per_atom", "valid_force_mae_mev_per_A", "valid_force_rmse_mev_per_A",
        "valid_stress_mae_mev_per_A3", "valid_stress_rmse_mev_per_A3",
        "seconds",
    ];

    private static readonly string Header = string.Join(',', Columns);
    private readonly StreamWriter _writer;
    private readonly StringBuilder _row = new(256);

    private EpochTable(string path, StreamWriter writer)
    {
        Path = path;
        _writer = writer;
    }

    /// <summary>The CSV file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the table for appending. <paramref name="resumedEpoch"/> null: a fresh run, any existing file is
    /// replaced. Otherwise the run resumes after that epoch: existing rows with <c>epoch ≤ resumedEpoch</c> are
    /// kept (the file is rewritten through a temporary file and a rename when later rows must go), and new
    /// rows are appended after them.
    /// </summary>
    /// <exception cref="InvalidDataException">Resuming onto a file whose header is not this table's.</exception>
    public static EpochTable Open(string path, int? resumedEpoch = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        bool writeHeader = true;
        if (resumedEpoch is int last && File.Exists(full))
        {
            var lines = File.ReadAllLines(full);
            if (lines.Length > 0)
            {
                if (lines[0] != Header)
                    throw new InvalidDataException($"{path}: line 1: not an epoch table header (expected '{Header}')");
                // Keep complete rows up to the resumed epoch; a row cut short by a kill ends the kept part.
                // Always rewritten (small file), so the kept part ends with a newline before appending.
                int keep = 1;
                while (keep < lines.Length && lines[keep].Split(',').Length == Columns.Length && ParseEpoch(lines[keep], path, keep + 1) <= last) keep++;
                string temp = full + ".tmp";
                File.WriteAllLines(temp, lines[..keep]);
                File.Move(temp, full, overwrite: true);
                writeHeader = false;
            }
        }
        var stream = new FileStream(full, writeHeader ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.Read);
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        var table = new EpochTable(full, writer);
        if (writeHeader)
        {
            writer.WriteLine(Header);
            writer.Flush();
        }
        return table;
    }

    /// <summary>Appends one row and flushes it to the file.</summary>
    public void Append(EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var r = _row.Clear();
        r.Append(record.Epoch.ToString(CultureInfo.InvariantCulture));
        Field(record.LearningRate); Field(record.TrainLoss); Field(record.ValidationLoss);
        Errors(record.Train); Errors(record.Validation);
        Field(record.Seconds);
        _writer.WriteLine(r);
        _writer.Flush();

        void Field(double? v)
        {
            r.Append(',');
            if (v is double x) r.Append(x.ToString("R", CultureInfo.InvariantCulture));
        }
        void Errors(SetErrors e)
        {
            Field(e.EnergyMae); Field(e.EnergyRmse); Field(e.ForceMae); Field(e.ForceRmse); Field(e.StressMae); Field(e.StressRmse);
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Reads every row of an epoch table (e.g. to draw the learning curves of a resumed run).</summary>
    /// <exception cref="InvalidDataException">The header or a row is malformed (message names file and line).</exception>
    public static List<EpochRecord> Read(string path)
    {
        var records = new List<EpochRecord>();
        using var reader = new StreamReader(path);
        string? line = reader.ReadLine();
        if (line != Header) throw new InvalidDataException($"{path}: line 1: not an epoch table header (expected '{Header}')");
        int lineNumber = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != Columns.Length)
                throw new InvalidDataException($"{path}: line {lineNumber}: {f.Length} fields, expected {Columns.Length}");
            double D(int i) => Number(f[i], path, lineNumber, Columns[i]) ?? throw new InvalidDataException($"{path}: line {lineNumber}: empty {Columns[i]}");
            double? N(int i) => Number(f[i], path, lineNumber, Columns[i]);
            SetErrors E(int o) => new(D(o), D(o + 1), D(o + 2), D(o + 3), N(o + 4), N(o + 5));
            records.Add(new EpochRecord(ParseEpoch(line, path, lineNumber), D(1), D(2), D(3), E(4), E(10), D(16)));
        }
        return records;
    }

    private static int ParseEpoch(string line, string path, int lineNumber)
    {
        int comma = line.IndexOf(',');
        var field = comma < 0 ? line.AsSpan() : line.AsSpan(0, comma);
        return int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch)
            ? epoch
            : throw new InvalidDataException($"{path}: line {lineNumber}: epoch '{field}' is not an integer");
    }

    private static double? Number(string field, string path, int lineNumber, string column)
    {
        if (field.Length == 0) return null;
        return double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new InvalidDataException($"{path}: line {lineNumber}: {column} '{field}' is not a number");
    }
}
