using MlipEngine.IO.Svg;

namespace MlipEngine.Workflows.Properties;

/// <summary>
/// The properties workflow's charts, drawn with <see cref="SvgPlot"/>: phonon dispersion (one polyline per
/// branch, vertical lines and labels at the special points), phonon DOS, and E(V) with its fit.
/// </summary>
public static class PropertyPlots
{
    private const int Width = 640, Height = 400;
    private const string Blue = "#1f5fa8", Red = "#c0392b";

    public static string Dispersion(PhononBands bands, string title, PhononDos? dos = null)
    {
        double xmax = bands.Distance[^1];
        double ymin = 0, ymax = 0;
        foreach (var f in bands.Frequencies) { ymin = Math.Min(ymin, f[0]); ymax = Math.Max(ymax, f[^1]); }
        (ymin, ymax) = Range(ymin, ymax);
        var plot = new SvgPlot(title, "wave vector", "frequency (THz)", PlotAxis.Bare(0, xmax), PlotAxis.Linear(ymin, ymax, snapToTicks: false), Width, Height);
        foreach (var (label, x) in bands.Ticks) plot.AddVerticalMarker(x, label);
        if (ymin < 0) plot.AddLine(null, "#999", [0, xmax], [0, 0], dashed: true);
        int branches = bands.Frequencies[0].Length;
        for (int b = 0; b < branches; b++)
            plot.AddLine(null, Blue, bands.Distance, bands.Frequencies.Select(f => f[b]).ToArray());
        return plot.Render() + "\n";
    }

    public static string Dos(PhononDos dos, string title)
    {
        (_, double ymax) = Range(0, dos.Density.Max());
        var plot = new SvgPlot(title, "frequency (THz)", "DOS (states/THz/cell)",
            PlotAxis.Linear(dos.Frequency[0], dos.Frequency[^1], snapToTicks: false), PlotAxis.Linear(0, ymax, snapToTicks: false), Width, Height);
        plot.AddLine(null, Blue, dos.Frequency, dos.Density);
        return plot.Render() + "\n";
    }

    public static string EquationOfState(IReadOnlyList<double> v, IReadOnlyList<double> e, BirchMurnaghan fit, string title)
    {
        double xmin = v.Min(), xmax = v.Max(), pad = 0.03 * (xmax - xmin);
        xmin -= pad; xmax += pad;
        var (ymin, ymax) = Range(Math.Min(e.Min(), fit.E0), e.Max());
        var plot = new SvgPlot(title, "volume (Å³/atom)", "energy (eV/atom)",
            PlotAxis.Linear(xmin, xmax, snapToTicks: false), PlotAxis.Linear(ymin, ymax, snapToTicks: false), Width, Height);
        var xs = Enumerable.Range(0, 101).Select(i => xmin + (xmax - xmin) * i / 100).ToArray();
        plot.AddLine("Birch–Murnaghan fit", Blue, xs, xs.Select(fit.Energy).ToArray());
        plot.AddScatter(Red, v.ToArray(), e.ToArray(), radius: 3, opacity: 1);
        return plot.Render() + "\n";
    }

    /// <summary>The data range padded by 5 % of its span (below only when it reaches under zero).</summary>
    private static (double, double) Range(double lo, double hi)
    {
        double span = hi - lo;
        if (!(span > 0)) span = Math.Max(1e-6, Math.Abs(hi));
        return (lo - (lo < 0 ? 0.05 * span : 0), hi + 0.05 * span);
    }
}
