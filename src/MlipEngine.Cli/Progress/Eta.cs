using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MlipEngine.Cli.Progress;

/// <summary>Remaining time as progress lines show it: <c>04:05:06</c>, or <c>3d 04:05:06</c> beyond a day.</summary>
public static class Eta
{
    public static string Format(double seconds)
    {
        // Clamped so a near-zero rate cannot overflow TimeSpan; 99999 days is "forever" on a progress line.
        var t = TimeSpan.FromSeconds(seconds >= 0 ? Math.Min(seconds, 99999 * 86400.0) : 0);
        string clock = t.ToString("hh\\:mm\\:ss", CultureInfo.InvariantCulture);
        return t.Days > 0 ? $"{t.Days}d {clock}" : clock;
    }
}

/// <summary>A Spectre.Console column with <see cref="Eta.Format"/> (its own RemainingTimeColumn shows **:**:** past 99 h).</summary>
public sealed class EtaColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.RemainingTime is TimeSpan t ? Eta.Format(t.TotalSeconds) : "--:--:--");
}
