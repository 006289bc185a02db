using System.Diagnostics;
using System.Globalization;
using MlipEngine.Workflows;

namespace MlipEngine.Cli.Progress;

/// <summary>
/// Progress on stderr: a live bar with ETA and atom-steps/s when stderr is a terminal; a plain line
/// every 10 s otherwise.
/// </summary>
public sealed class MdProgress : IWorkProgress
{
    private readonly long _atoms, _first, _total;
    private readonly bool _live = !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _last;
    private bool _shown;

    public MdProgress(long atoms, long first, long total) { _atoms = atoms; _first = first; _total = total; }

    public void Report(long step, long? total)
    {
        double t = _clock.Elapsed.TotalSeconds;
        if (t - _last < (_live ? 0.25 : 10.0)) return;
        _last = t;
        double rate = (step - _first) / Math.Max(t, 1e-9);
        double eta = rate > 0 ? (_total - step) / rate : 0;
        double frac = _total > 0 ? (double)step / _total : 1;
        string text = string.Format(CultureInfo.InvariantCulture, "{0}/{1} steps  {2:E2} atom-steps/s  ETA {3}",
            step, _total, rate * _atoms, Eta.Format(eta));
        if (_live)
        {
            const int width = 30;
            int filled = (int)(frac * width);
            Console.Error.Write("\r\u001b[2K[" + new string('█', filled) + new string('░', width - filled) + $"] {100 * frac,5:F1}%  " + text);
            _shown = true;
        }
        else Console.Error.WriteLine("md: " + text);
    }

    public void Clear()
    {
        if (_live && _shown) { Console.Error.Write("\r\u001b[2K"); _shown = false; }
    }

    public void Dispose() => Clear();
}
