using System.Diagnostics;
using System.Globalization;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.State;
using MlipEngine.Workflows.Evaluation;

namespace MlipEngine.Discovery.Active;

/// <summary>A reference label (energy eV, forces eV/Å, stress eV/Å³ or null), or why there is none.</summary>
public sealed record LabelOutcome(double Energy, Vec3[]? Forces, double[]? Stress, string? Error, double Seconds)
{
    public bool Failed => Error is not null;
    public static LabelOutcome Failure(string error, double seconds) => new(double.NaN, null, null, error, seconds);

    /// <summary>A copy of <paramref name="s"/> carrying this label (energy, forces, stress).</summary>
    public Frame ToFrame(AtomicStructure s) => new(s.Clone()) { Energy = Energy, Forces = Forces, Stress = Stress };
}

/// <summary>
/// The oracle of active learning: labels one structure with reference energy, forces and (for a periodic cell)
/// stress. A labeller reports a failure as an <see cref="LabelOutcome.Error"/>, it does not throw: a failed
/// label is recorded and the frame skipped.
/// </summary>
public interface ILabeller
{
    /// <summary>What labels (for messages and the label cache's fingerprint: other text, other labels).</summary>
    string Identity { get; }
    LabelOutcome Label(AtomicStructure structure, CancellationToken cancel = default);
}

/// <summary>Any engine potential (EAM, Tersoff, an equivariant model) as the oracle, bound once (the labeller disposes the computer).</summary>
public sealed class PotentialLabeller(IForceComputer computer, string identity) : ILabeller, IDisposable
{
    public void Dispose() => computer.Dispose();

    private readonly FrameEvaluator _evaluator = new(computer);

    public string Identity { get; } = identity;

    public LabelOutcome Label(AtomicStructure structure, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var f = _evaluator.Evaluate([new Frame(structure.Clone())]).Single();
            return new LabelOutcome(f.Energy!.Value, f.Forces, f.Stress, null, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is EvaluationException or ArgumentException or InvalidOperationException)
        {
            return LabelOutcome.Failure(e.Message, clock.Elapsed.TotalSeconds);
        }
    }
}

/// <summary>
/// An external program as the oracle (the hook for DFT and semi-empirical codes: GPAW, CP2K, xtb, VASP
/// wrappers). For each structure it gets a fresh working folder holding <c>input.xyz</c> (extxyz) and must
/// write <c>output.xyz</c>: the same atoms with <c>energy=</c> (eV), a <c>forces</c> column (eV/Å) and, for a
/// periodic cell, optionally <c>stress=</c> (eV/Å³). The command runs through <c>/bin/sh -c</c> in that folder;
/// <c>{input}</c> and <c>{output}</c> in it are replaced by the two file names. A non-zero exit, a run past
/// <see cref="Timeout"/> (the process tree is killed), or an output without a finite energy and forces for
/// every atom is a failure whose message ends with the last lines of the program's stderr.
/// </summary>
public sealed class CommandLabeller(string command, string workDirectory, TimeSpan timeout) : ILabeller
{
    public string Command { get; } = command;
    public TimeSpan Timeout { get; } = timeout;
    public string Identity => "command:" + Command;
    private int _calls;

    public LabelOutcome Label(AtomicStructure structure, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        string dir = Path.Combine(workDirectory, $"label-{Environment.ProcessId}-{Interlocked.Increment(ref _calls)}");
        Directory.CreateDirectory(dir);
        string input = Path.Combine(dir, "input.xyz"), output = Path.Combine(dir, "output.xyz");
        StructureFile.Write(input, new Frame(structure));
        var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Command.Replace("{input}", "input.xyz", StringComparison.Ordinal).Replace("{output}", "output.xyz", StringComparison.Ordinal));
        string Elapsed() => clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"label.command: could not start /bin/sh");
        var stderr = p.StandardError.ReadToEndAsync(cancel);
        var stdout = p.StandardOutput.ReadToEndAsync(cancel);
        bool finished;
        try { finished = p.WaitForExitAsync(cancel).Wait(Timeout); }
        catch (AggregateException) { finished = false; }
        if (!finished)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            return LabelOutcome.Failure(cancel.IsCancellationRequested ? "interrupted" : $"timed out after {Timeout.TotalSeconds:G4} s (process killed){Tail(stderr)}", clock.Elapsed.TotalSeconds);
        }
        if (p.ExitCode != 0) return LabelOutcome.Failure($"exit code {p.ExitCode} after {Elapsed()} s{Tail(stderr)}", clock.Elapsed.TotalSeconds);
        if (!File.Exists(output)) return LabelOutcome.Failure($"wrote no output.xyz{Tail(stderr)}", clock.Elapsed.TotalSeconds);
        Frame labelled;
        try { labelled = StructureFile.ReadFirst(output); }
        catch (Exception e) when (e is FormatException or IOException or StructureFormatException) { return LabelOutcome.Failure($"unreadable output.xyz: {e.Message}", clock.Elapsed.TotalSeconds); }
        if (labelled.Structure.AtomCount != structure.AtomCount)
            return LabelOutcome.Failure($"output.xyz has {labelled.Structure.AtomCount} atoms, the input {structure.AtomCount}", clock.Elapsed.TotalSeconds);
        if (labelled.Energy is not double e0 || !double.IsFinite(e0)) return LabelOutcome.Failure("output.xyz has no finite energy=", clock.Elapsed.TotalSeconds);
        if (labelled.Forces is not { } forces || forces.Any(f => !double.IsFinite(f.X + f.Y + f.Z)))
            return LabelOutcome.Failure("output.xyz has no finite forces column", clock.Elapsed.TotalSeconds);
        var stress = labelled.Stress is { } st && st.All(double.IsFinite) ? st : null;
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return new LabelOutcome(e0, forces, stress, null, clock.Elapsed.TotalSeconds);
    }

    private static string Tail(Task<string> stderr)
    {
        string text;
        try { text = stderr.Wait(TimeSpan.FromSeconds(2)) ? stderr.Result : ""; }
        catch (AggregateException) { text = ""; }
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "" : "; stderr: " + string.Join(" | ", lines.TakeLast(3));
    }
}
