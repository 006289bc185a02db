using MlipEngine.ForceFields;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using Spectre.Console;

namespace MlipEngine.Cli;

/// <summary>Bad command-line usage; reported as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

public static class CliParsing
{
    public static Backend ParseBackend(string name) => ParseDevice(name).Backend;

    /// <summary>
    /// <c>cpu</c>, <c>reference</c> (<c>ref</c>), <c>opencl</c> or <c>opencl:INDEX</c> (INDEX as listed by
    /// <c>mlip info</c>; default 0).
    /// </summary>
    public static (Backend Backend, int DeviceIndex) ParseDevice(string name)
    {
        string lower = name.Trim().ToLowerInvariant();
        if (lower == "cpu") return (Backend.Cpu, 0);
        if (lower is "reference" or "ref") return (Backend.Reference, 0);
        if (lower == "opencl") return (Backend.OpenCl, 0);
        if (lower.StartsWith("opencl:", StringComparison.Ordinal))
        {
            if (int.TryParse(lower.AsSpan(7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                return (Backend.OpenCl, index);
            throw new UsageException($"bad device '{name}': expected opencl:INDEX with INDEX a device number from 'mlip info'");
        }
        throw new UsageException($"unknown device '{name}' (cpu, reference, opencl, opencl:INDEX)");
    }

    public static Precision ParsePrecision(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float64" or "fp64" or "double" => Precision.Float64,
        "float32" or "fp32" or "single" => Precision.Float32,
        _ => throw new UsageException($"unknown precision '{name}' (float64, float32)"),
    };
}

/// <summary>Turns a --potential argument (spec file or inline YAML) into a force field.</summary>
public static class PotentialLoader
{
    /// <summary>A spec file, inline spec, or a model file (*.mlip) alone, which means {style: equivariant, file: PATH}.</summary>
    public static IForceField Load(string argument)
    {
        if (argument.TrimEnd().EndsWith(".mlip", StringComparison.OrdinalIgnoreCase) && !argument.TrimStart().StartsWith('{'))
        {
            string full = Path.GetFullPath(argument.Trim());
            var fields = new Dictionary<string, object?> { ["style"] = "equivariant", ["file"] = full };
            return PotentialFactory.Create(new PotentialSpec(fields, Path.GetFileName(full), Path.GetDirectoryName(full)!));
        }
        return PotentialFactory.Create(PotentialSpecLoader.Resolve(argument));
    }
}

/// <summary>
/// Writes a file atomically: everything goes to a temporary file beside the target, renamed over it
/// on <see cref="Commit"/>; disposing without commit deletes the temporary file, so a failed run
/// never leaves a truncated output that looks complete.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _target, _temp;
    private bool _committed;

    public AtomicFileWriter(string path)
    {
        _target = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(_target)!;
        if (!Directory.Exists(dir)) throw new UsageException($"output folder '{dir}' does not exist");
        _temp = Path.Combine(dir, $".{Path.GetFileName(_target)}.{Environment.ProcessId}.tmp");
        Writer = new StreamWriter(_temp, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
    }

    public StreamWriter Writer { get; }

    public void Commit()
    {
        Writer.Flush();
        Writer.BaseStream.Flush();
        Writer.Dispose();
        File.Move(_temp, _target, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Writer.Dispose();
        try { File.Delete(_temp); } catch (IOException) { }
    }
}

/// <summary>
/// Progress on stderr: a live Spectre.Console line with count, rate and ETA when stderr is a terminal;
/// otherwise a plain line every few seconds (logs stay readable).
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private readonly string _label, _unit;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly bool _live = !Console.IsErrorRedirected;
    private readonly IAnsiConsole _err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    private double _lastPrint = -1;
    private long _done;
    private long? _total;

    public ProgressReporter(string label, string unit) { _label = label; _unit = unit; }

    public void Report(long done, long? total)
    {
        _done = done; _total = total;
        double t = _clock.Elapsed.TotalSeconds;
        if (t - _lastPrint < (_live ? 0.2 : 5.0)) return;
        _lastPrint = t;
        string line = Format(t);
        if (_live) Console.Error.Write("\r" + line.PadRight(78));
        else Console.Error.WriteLine(line);
    }

    private string Format(double t)
    {
        double rate = t > 0 ? _done / t : 0;
        string eta = _total is long tot && rate > 0 ? $", ETA {TimeSpan.FromSeconds((tot - _done) / rate):hh\\:mm\\:ss}" : "";
        string of = _total is long tt ? $"/{tt}" : "";
        return $"{_label}: {_done}{of} {_unit}, {rate:F1} {_unit}/s{eta}";
    }

    public void Dispose()
    {
        if (_live && _lastPrint >= 0) Console.Error.Write("\r" + new string(' ', 80) + "\r");
        _ = _err;
    }
}
