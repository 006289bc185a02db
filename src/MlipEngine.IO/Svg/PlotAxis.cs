using System.Globalization;

namespace MlipEngine.IO.Svg;

/// <summary>Linear or base-10 logarithmic axis: its range, where data values fall on it, and its tick marks.</summary>
public sealed class PlotAxis
{
    private readonly double _lo, _hi;   // range in axis coordinates (value, or log10(value))

    private PlotAxis(bool isLog, double lo, double hi, List<double> ticks)
    {
        IsLog = isLog;
        _lo = lo;
        _hi = hi;
        Ticks = ticks;
    }

    public bool IsLog { get; }

    /// <summary>Labelled tick positions, in data values.</summary>
    public IReadOnlyList<double> Ticks { get; }

    public double Min => IsLog ? Math.Pow(10, _lo) : _lo;
    public double Max => IsLog ? Math.Pow(10, _hi) : _hi;

    /// <summary>
    /// Linear axis with "nice" ticks: step = 10ᵏ·{1, 2, 5} so that about <paramref name="targetTicks"/> ticks
    /// cover [min, max]. With <paramref name="snapToTicks"/> the range widens to the enclosing ticks (parity
    /// plots); without it the range is exactly [min, max] and only the ticks inside are kept (epoch axes).
    /// A zero-width range is widened by ±10 % around its value (±1 around 0).
    /// </summary>
    public static PlotAxis Linear(double min, double max, int targetTicks = 5, bool snapToTicks = true)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max < min) (min, max) = (max, min);
        if (max - min <= 1e-12 * Math.Max(Math.Abs(min), Math.Abs(max)))
        {
            double pad = min == 0 ? 1 : 0.1 * Math.Abs(min);
            (min, max) = (min - pad, max + pad);
        }
        double step = NiceStep((max - min) / targetTicks);
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        int count = (int)Math.Round((last - first) / step);
        double slack = 1e-9 * step;
        for (int k = 0; k <= count; k++)
        {
            double t = first + k * step;
            if (Math.Abs(t) < slack) t = 0;   // no "-0" or "1e-17" labels
            if (snapToTicks || (t >= min - slack && t <= max + slack)) ticks.Add(t);
        }
        return snapToTicks ? new PlotAxis(false, first, last, ticks) : new PlotAxis(false, min, max, ticks);
    }

    /// <summary>A linear axis over exactly [min, max] with no ticks (the plot labels its positions itself, e.g. by <see cref="SvgPlot.AddVerticalMarker"/>).</summary>
    public static PlotAxis Bare(double min, double max) => new(false, min, max, []);

    /// <summary>
    /// Log₁₀ axis over the positive range [min, max], padded by 5 % of its span in log space (at least a third
    /// of a decade wide). Ticks at the decades inside; at 2× and 5× too when the axis spans under three
    /// decades, and at every integer mantissa when it spans under one (so a short curve still has labels).
    /// Decade labels are thinned to about eight.
    /// </summary>
    public static PlotAxis Log(double min, double max)
    {
        if (!(min > 0) || !double.IsFinite(min) || !(max > 0) || !double.IsFinite(max)) (min, max) = (0.1, 1);
        if (max < min) (min, max) = (max, min);
        double lo = Math.Log10(min), hi = Math.Log10(max);
        if (hi - lo < 1.0 / 3)
        {
            double mid = 0.5 * (lo + hi);
            (lo, hi) = (mid - 1.0 / 6, mid + 1.0 / 6);
        }
        double pad = 0.05 * (hi - lo);
        (lo, hi) = (lo - pad, hi + pad);
        double span = hi - lo;
        int[] mantissas = span < 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : span < 3 ? [1, 2, 5] : [1];
        int every = Math.Max(1, (int)Math.Ceiling(span / 8));
        var ticks = new List<double>();
        for (int d = (int)Math.Floor(lo); d <= (int)Math.Ceiling(hi); d++)
        {
            if (mantissas.Length == 1 && d % every != 0) continue;
            foreach (int m in mantissas)
            {
                double t = m * Math.Pow(10, d), l = Math.Log10(t);
                if (l >= lo && l <= hi) ticks.Add(t);
            }
        }
        return new PlotAxis(true, lo, hi, ticks);
    }

    /// <summary>Position of <paramref name="value"/> along the axis, 0 at Min and 1 at Max; NaN when it cannot be drawn (≤ 0 on a log axis).</summary>
    public double Fraction(double value)
    {
        if (IsLog)
        {
            if (!(value > 0)) return double.NaN;
            value = Math.Log10(value);
        }
        return (value - _lo) / (_hi - _lo);
    }

    /// <summary>1, 2 or 5 times a power of ten, the one nearest <paramref name="raw"/> (geometric mid-points ≈ 1.5, 3, 7).</summary>
    internal static double NiceStep(double raw)
    {
        double decade = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / decade;
        double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return nice * decade;
    }

    /// <summary>Short tick label: plain decimals between 1e-3 and 1e5, otherwise "2e-5" style.</summary>
    public static string FormatTick(double value)
    {
        if (value == 0) return "0";
        double a = Math.Abs(value);
        if (a >= 1e-3 && a < 1e5) return value.ToString("0.######", CultureInfo.InvariantCulture);
        int exponent = (int)Math.Floor(Math.Log10(a));
        double mantissa = value / Math.Pow(10, exponent);
        return mantissa.ToString("0.##", CultureInfo.InvariantCulture) + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }
}
