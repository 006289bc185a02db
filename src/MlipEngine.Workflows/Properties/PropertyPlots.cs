using System.Globalization;
using System.Security;
using System.Text;

namespace MlipEngine.Workflows.Properties;

/// <summary>
/// Small hand-written SVG charts for the properties workflow: phonon dispersion (one polyline per
/// branch, vertical lines and labels at the special points), phonon DOS, and E(V) with its fit.
/// </summary>
public static class PropertyPlots
{
    private const double W = 640, H = 400, L = 64, R = 16, T = 36, B = 44;

    public static string Dispersion(PhononBands bands, string title, PhononDos? dos = null)
    {
        double xmax = bands.Distance[^1];
        double ymin = 0, ymax = 0;
        foreach (var f in bands.Frequencies) { ymin = Math.Min(ymin, f[0]); ymax = Math.Max(ymax, f[^1]); }
        (ymin, ymax) = Range(ymin, ymax);
        var s = Begin(title, "wave vector", "frequency (THz)", 0, xmax, ymin, ymax, xTicks: false);
        foreach (var (label, x) in bands.Ticks)
        {
            double px = Px(x, 0, xmax);
            s.Append($"<line x1=\"{F(px)}\" y1=\"{F(T)}\" x2=\"{F(px)}\" y2=\"{F(H - B)}\" stroke=\"#999\"/>\n");
            s.Append($"<text x=\"{F(px)}\" y=\"{F(H - B + 15)}\" text-anchor=\"middle\">{Esc(label)}</text>\n");
        }
        if (ymin < 0) s.Append($"<line x1=\"{F(L)}\" y1=\"{F(Py(0, ymin, ymax))}\" x2=\"{F(W - R)}\" y2=\"{F(Py(0, ymin, ymax))}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n");
        int branches = bands.Frequencies[0].Length;
        for (int b = 0; b < branches; b++)
        {
            s.Append("<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.4\" points=\"");
            for (int i = 0; i < bands.Distance.Length; i++)
                s.Append(F(Px(bands.Distance[i], 0, xmax))).Append(',').Append(F(Py(bands.Frequencies[i][b], ymin, ymax))).Append(' ');
            s.Append("\"/>\n");
        }
        return End(s);
    }

    public static string Dos(PhononDos dos, string title)
    {
        double xmin = dos.Frequency[0], xmax = dos.Frequency[^1];
        double ymax = dos.Density.Max();
        (_, ymax) = Range(0, ymax);
        var s = Begin(title, "frequency (THz)", "DOS (states/THz/cell)", xmin, xmax, 0, ymax);
        s.Append("<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.4\" points=\"");
        for (int i = 0; i < dos.Frequency.Length; i++)
            s.Append(F(Px(dos.Frequency[i], xmin, xmax))).Append(',').Append(F(Py(dos.Density[i], 0, ymax))).Append(' ');
        s.Append("\"/>\n");
        return End(s);
    }

    public static string EquationOfState(IReadOnlyList<double> v, IReadOnlyList<double> e, BirchMurnaghan fit, string title)
    {
        double xmin = v.Min(), xmax = v.Max(), pad = 0.03 * (xmax - xmin);
        xmin -= pad; xmax += pad;
        double ymin = Math.Min(e.Min(), fit.E0), ymax = e.Max();
        (ymin, ymax) = Range(ymin, ymax);
        var s = Begin(title, "volume (Å³/atom)", "energy (eV/atom)", xmin, xmax, ymin, ymax);
        s.Append("<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.4\" points=\"");
        for (int i = 0; i <= 100; i++)
        {
            double x = xmin + (xmax - xmin) * i / 100;
            s.Append(F(Px(x, xmin, xmax))).Append(',').Append(F(Py(fit.Energy(x), ymin, ymax))).Append(' ');
        }
        s.Append("\"/>\n");
        for (int i = 0; i < v.Count; i++)
            s.Append($"<circle cx=\"{F(Px(v[i], xmin, xmax))}\" cy=\"{F(Py(e[i], ymin, ymax))}\" r=\"3\" fill=\"#c0392b\"/>\n");
        return End(s);
    }

    private static (double, double) Range(double lo, double hi)
    {
        double span = hi - lo;
        if (!(span > 0)) span = Math.Max(1e-6, Math.Abs(hi));
        return (lo - (lo < 0 ? 0.05 * span : 0), hi + 0.05 * span);
    }

    private static double Px(double x, double lo, double hi) => L + (x - lo) / (hi - lo) * (W - L - R);
    private static double Py(double y, double lo, double hi) => H - B - (y - lo) / (hi - lo) * (H - T - B);

    private static StringBuilder Begin(string title, string xLabel, string yLabel, double xmin, double xmax, double ymin, double ymax, bool xTicks = true)
    {
        var s = new StringBuilder();
        s.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        s.Append($"<title>{Esc(title)}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.Append($"<text x=\"{F(W / 2)}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Esc(title)}</text>\n");
        foreach (double t in Ticks(ymin, ymax))
        {
            double py = Py(t, ymin, ymax);
            s.Append($"<line x1=\"{F(L)}\" y1=\"{F(py)}\" x2=\"{F(W - R)}\" y2=\"{F(py)}\" stroke=\"#e4e4e4\"/>\n");
            s.Append($"<text x=\"{F(L - 4)}\" y=\"{F(py + 4)}\" text-anchor=\"end\">{Tick(t)}</text>\n");
        }
        if (xTicks)
            foreach (double t in Ticks(xmin, xmax))
            {
                double px = Px(t, xmin, xmax);
                s.Append($"<line x1=\"{F(px)}\" y1=\"{F(T)}\" x2=\"{F(px)}\" y2=\"{F(H - B)}\" stroke=\"#e4e4e4\"/>\n");
                s.Append($"<text x=\"{F(px)}\" y=\"{F(H - B + 14)}\" text-anchor=\"middle\">{Tick(t)}</text>\n");
            }
        s.Append($"<rect x=\"{F(L)}\" y=\"{F(T)}\" width=\"{F(W - L - R)}\" height=\"{F(H - T - B)}\" fill=\"none\" stroke=\"#333\"/>\n");
        s.Append($"<text x=\"{F((L + W - R) / 2)}\" y=\"{F(H - 8)}\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n");
        s.Append($"<text transform=\"translate(14,{F((T + H - B) / 2)}) rotate(-90)\" text-anchor=\"middle\">{Esc(yLabel)}</text>\n");
        return s;
    }

    private static string End(StringBuilder s) => s.Append("</svg>\n").ToString();

    private static IEnumerable<double> Ticks(double lo, double hi)
    {
        double raw = (hi - lo) / 5, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (double t = Math.Ceiling(lo / step) * step; t <= hi + 1e-9 * step; t += step) yield return Math.Abs(t) < 1e-12 * step ? 0 : t;
    }

    private static string Tick(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";
}
