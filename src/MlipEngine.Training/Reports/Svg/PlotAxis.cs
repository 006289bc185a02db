using System.Globalization;

namespace MlipEngine.Training.Reports.Svg;

/// <summary>Linear or base-10 logarithmic axis: its range, where data values fall on it, and its tick marks.</summary>
internal sealed class PlotAxis
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
    /// Linear axis widened to "nice" tick boundaries: step = 10ᵏ·{1, 2, 5} so that about
    /// <paramref name="targetTicks"/> ticks cover [min, max]. A zero-width range is widened around its value.
    /// </summary>
    public static PlotAxis Linear(double min, double max, int targetTicks = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max < min) (min, max) = (max, min);
        if (max - min <= 1e-12 * Math.Max(Math.Abs(min), Math.Abs(max)))
        {
            double pad = min == 0 ? 1 : 0.1 * Math.Abs(min);
            (min, max) = (min - pad, max + pad);
        }
        double step = NiceStep((max - min) / targetTicks);
        double lo = Math.Floor(min / step) * step, hi = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        int count = (int)Math.Round((hi - lo) / step);
        for (int k = 0; k <= count; k++)
        {
            double t = lo + k * step;
            ticks.Add(Math.Abs(t) < 1e-9 * step ? 0 : t);   // no "-0" or "1e-17" labels
        }
        return new PlotAxis(false, lo, hi, ticks);
    }

    /// <summary>
    /// Log₁₀ axis spanning whole decades around the positive range [min, max]; ticks at each decade, and also
    /// at 2× and 5× when the axis spans at most two decades (so a short curve still has labels).
    /// </summary>
    public static PlotAxis Log(double min, double max)
    {
        if (!(min > 0) || !double.IsFinite(min) || !(max > 0) || !double.IsFinite(max)) (min, max) = (0.1, 1);
        if (max < min) (min, max) = (max, min);
        double lo = Math.Floor(Math.Log10(min)), hi = Math.Ceiling(Math.Log10(max));
        if (hi <= lo) hi = lo + 1;
        int decades = (int)(hi - lo);
        int every = Math.Max(1, (int)Math.Ceiling(decades / 8.0));
        var ticks = new List<double>();
        for (int d = (int)lo; d <= (int)hi; d++)
        {
            if ((d - (int)lo) % every == 0) ticks.Add(Math.Pow(10, d));
            if (decades <= 2 && d < (int)hi) { ticks.Add(2 * Math.Pow(10, d)); ticks.Add(5 * Math.Pow(10, d)); }
        }
        ticks.Sort();
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

    /// <summary>1, 2 or 5 times a power of ten, the smallest such number ≥ <paramref name="raw"/>.</summary>
    internal static double NiceStep(double raw)
    {
        double decade = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / decade;
        double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
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
