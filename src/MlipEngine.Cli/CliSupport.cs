using MlipEngine.ForceFields;
using MlipEngine.Workflows;
using MlipEngine.Workflows.ForceFields;
using Spectre.Console;

namespace MlipEngine.Cli;

public static class CliParsing
{
    /// <summary>
    /// The CLI's force-field catalogue (built-in styles; Reference, Cpu and every backend assembly found
    /// beside mlip.dll). The composition root: verbs bind potentials through it and nothing else.
    /// </summary>
    public static ForceFieldCatalog Catalog => s_catalog.Value;
    private static readonly Lazy<ForceFieldCatalog> s_catalog = new(ForceFieldCatalog.CreateDefault);

    public static Backend ParseBackend(string name) => ParseDevice(name).Backend;

    /// <summary>
    /// A registered backend name, optionally with a device index: <c>cpu</c>, <c>reference</c> (<c>ref</c>),
    /// <c>opencl</c> or <c>opencl:INDEX</c> (INDEX as listed by <c>mlip info</c>; default 0).
    /// </summary>
    public static (Backend Backend, int DeviceIndex) ParseDevice(string name)
    {
        try { return Catalog.ParseDevice(name); }
        catch (FormatException e) { throw new UsageException(e.Message); }
    }

    /// <summary>
    /// A verb that runs one YAML config with <c>--set key=value</c> overrides, <c>--device</c> and <c>--threads</c>
    /// (the two become <c>device=</c> and <c>threads=</c> overrides): <c>mlip search</c>, <c>mlip optimize</c>.
    /// </summary>
    /// <remarks>
    /// <paramref name="alternative"/>: an optional path-valued option that, when given, runs
    /// <paramref name="runAlternative"/> (config, overrides, its value) instead (e.g. <c>mlip search --candidates FILE</c>).
    /// </remarks>
    public static System.CommandLine.Command ConfigVerb(string name, string description, string configHelp, string setExample, string deviceHelp, string threadsHelp,
        Func<string, IReadOnlyList<string>, TextWriter, int> run,
        System.CommandLine.Option<string?>? alternative = null, Func<string, IReadOnlyList<string>, string, TextWriter, int>? runAlternative = null)
    {
        var config = new System.CommandLine.Argument<string>("config") { Description = configHelp };
        var set = new System.CommandLine.Option<string[]>("--set") { Description = $"Override a config value, e.g. --set {setExample} (repeatable)", AllowMultipleArgumentsPerToken = false };
        var device = new System.CommandLine.Option<string?>("--device", "--backend") { Description = deviceHelp };
        var threads = new System.CommandLine.Option<int?>("--threads", "-t") { Description = threadsHelp };
        var cmd = new System.CommandLine.Command(name, description) { config, set, device, threads };
        if (alternative != null) cmd.Options.Add(alternative);
        cmd.SetAction(r =>
        {
            var overrides = (r.GetValue(set) ?? []).ToList();
            if (r.GetValue(device) is string d) overrides.Add("device=" + d);
            if (r.GetValue(threads) is int t) overrides.Add("threads=" + t.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (alternative != null && runAlternative != null && r.GetValue(alternative) is string value)
                return runAlternative(r.GetValue(config)!, overrides, value, Console.Out);
            return run(r.GetValue(config)!, overrides, Console.Out);
        });
        return cmd;
    }

    public static Precision ParsePrecision(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float64" or "fp64" or "f64" or "double" => Precision.Float64,
        "float32" or "fp32" or "f32" or "single" => Precision.Float32,
        _ => throw new UsageException($"unknown precision '{name}' (float64, float32)"),
    };
}

/// <summary>Turns a --potential argument (spec file, inline YAML or model file) into a force field through <see cref="CliParsing.Catalog"/>.</summary>
public static class PotentialLoader
{
    /// <summary>A spec file, inline spec, or a model file (*.mlip) alone, which means {style: equivariant, file: PATH}.</summary>
    public static IForceField Load(string argument) => CliParsing.Catalog.Load(argument);
}

/// <summary>
/// Progress on stderr: a live Spectre.Console line with count, rate and ETA when stderr is a terminal;
/// otherwise a plain line every few seconds (logs stay readable).
/// </summary>
public sealed class ProgressReporter : IWorkProgress
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
        string eta = _total is long tot && rate > 0 ? $", ETA {Progress.Eta.Format((tot - _done) / rate)}" : "";
        string of = _total is long tt ? $"/{tt}" : "";
        return $"{_label}: {_done}{of} {_unit}, {rate:F1} {_unit}/s{eta}";
    }

    public void Dispose()
    {
        if (_live && _lastPrint >= 0) Console.Error.Write("\r" + new string(' ', 80) + "\r");
        _ = _err;
    }
}

/// <summary>
/// Turns SIGINT (Ctrl-C) and SIGTERM (batch schedulers, <c>timeout</c>, <c>kill</c>) into a clean stop:
/// <paramref name="interrupt"/> receives the exit code the run should end with (130 or 143) and the
/// process is not killed; the run finishes its step, writes its checkpoint and returns. Disposing
/// restores the default handling.
/// </summary>
public sealed class InterruptSignals : IDisposable
{
    private readonly System.Runtime.InteropServices.PosixSignalRegistration _int, _term;

    public InterruptSignals(Action<int> interrupt)
    {
        _int = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; interrupt(130); });
        _term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; interrupt(143); });
    }

    public void Dispose() { _int.Dispose(); _term.Dispose(); }
}
