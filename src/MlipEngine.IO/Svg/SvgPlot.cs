using System.Globalization;
using System.Security;
using System.Text;

namespace MlipEngine.IO.Svg;

/// <summary>
/// A single x–y chart rendered as a standalone, well-formed SVG element: frame, grid, ticks, axis labels,
/// title (and optional subtitle), legend, line series, scatter points, labelled vertical markers and the
/// y = x diagonal. The training report, <c>mlip properties</c> and <c>mlip search</c> draw with it.
/// Pixel coordinates have y growing downwards; data are mapped through the two <see cref="PlotAxis"/>.
/// </summary>
public sealed class SvgPlot
{
    private const double MarginLeft = 68, MarginRight = 16, MarginTop = 44, MarginBottom = 46;
    private readonly StringBuilder _body = new();
    private readonly List<(string Label, string Color, bool Dashed)> _legend = [];
    private readonly List<(double X, string Label)> _markers = [];

    public SvgPlot(string title, string xLabel, string yLabel, PlotAxis x, PlotAxis y, int width = 460, int height = 340, string? subtitle = null)
    {
        Title = title;
        Subtitle = subtitle;
        XLabel = xLabel;
        YLabel = yLabel;
        X = x;
        Y = y;
        Width = width;
        Height = height;
    }

    public string Title { get; }
    public string? Subtitle { get; }
    public string XLabel { get; }
    public string YLabel { get; }
    public PlotAxis X { get; }
    public PlotAxis Y { get; }
    public int Width { get; }
    public int Height { get; }

    private double PlotWidth => Width - MarginLeft - MarginRight;
    private double PlotHeight => Height - MarginTop - MarginBottom;
    private double Px(double value) => MarginLeft + X.Fraction(value) * PlotWidth;
    private double Py(double value) => MarginTop + (1 - Y.Fraction(value)) * PlotHeight;

    /// <summary>
    /// A polyline through (xs, ys), broken where a point cannot be drawn (non-finite, or ≤ 0 on a log axis);
    /// a null <paramref name="label"/> keeps it out of the legend (e.g. one of many phonon branches).
    /// </summary>
    public void AddLine(string? label, string color, IReadOnlyList<double> xs, IReadOnlyList<double> ys, bool markers = false, bool dashed = false)
    {
        if (label is not null) _legend.Add((label, color, dashed));
        var points = new StringBuilder();
        int inSegment = 0;
        void Flush()
        {
            if (inSegment > 0)
                _body.Append("<polyline fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"1.6\"")
                     .Append(dashed ? " stroke-dasharray=\"5 3\"" : "").Append(" points=\"").Append(points).Append("\"/>\n");
            points.Clear();
            inSegment = 0;
        }
        for (int i = 0; i < xs.Count; i++)
        {
            double px = Px(xs[i]), py = Py(ys[i]);
            if (!double.IsFinite(px) || !double.IsFinite(py)) { Flush(); continue; }
            if (inSegment++ > 0) points.Append(' ');
            points.Append(F(px)).Append(',').Append(F(py));
            if (markers) _body.Append("<circle cx=\"").Append(F(px)).Append("\" cy=\"").Append(F(py)).Append("\" r=\"2\" fill=\"").Append(color).Append("\"/>\n");
        }
        Flush();
    }

    /// <summary>Scatter points (one &lt;circle&gt; per drawable point) in one group, for parity plots.</summary>
    public void AddScatter(string color, ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double radius = 1.6, double opacity = 0.45)
    {
        _body.Append("<g class=\"points\" fill=\"").Append(color).Append("\" fill-opacity=\"").Append(F2(opacity)).Append("\">\n");
        string r = F(radius);
        for (int i = 0; i < xs.Length; i++)
        {
            double px = Px(xs[i]), py = Py(ys[i]);
            if (!double.IsFinite(px) || !double.IsFinite(py)) continue;
            _body.Append("<circle cx=\"").Append(F(px)).Append("\" cy=\"").Append(F(py)).Append("\" r=\"").Append(r).Append("\"/>\n");
        }
        _body.Append("</g>\n");
    }

    /// <summary>A vertical grey line across the plot at x, labelled below the axis (e.g. a special point of a phonon path).</summary>
    public void AddVerticalMarker(double x, string label) => _markers.Add((x, label));

    /// <summary>The y = x line across the common range of both axes (parity plots use equal axes).</summary>
    public void AddDiagonal(string color = "#555")
    {
        double lo = Math.Max(X.Min, Y.Min), hi = Math.Min(X.Max, Y.Max);
        _body.Append("<line class=\"diagonal\" x1=\"").Append(F(Px(lo))).Append("\" y1=\"").Append(F(Py(lo)))
             .Append("\" x2=\"").Append(F(Px(hi))).Append("\" y2=\"").Append(F(Py(hi)))
             .Append("\" stroke=\"").Append(color).Append("\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n");
    }

    public string Render()
    {
        var s = new StringBuilder(_body.Length + 4096);
        s.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
         .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        s.Append("<title>").Append(Escape(Subtitle is null ? Title : Title + ": " + Subtitle)).Append("</title>\n");
        s.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.Append("<text class=\"title\" x=\"").Append(F(Width / 2.0)).Append("\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">")
         .Append(Escape(Title)).Append("</text>\n");
        if (Subtitle is not null)
            s.Append("<text class=\"subtitle\" x=\"").Append(F(Width / 2.0)).Append("\" y=\"32\" text-anchor=\"middle\">").Append(Escape(Subtitle)).Append("</text>\n");

        double left = MarginLeft, right = Width - MarginRight, top = MarginTop, bottom = Height - MarginBottom;
        foreach (double t in X.Ticks)
        {
            double px = Px(t);
            s.Append("<line x1=\"").Append(F(px)).Append("\" y1=\"").Append(F(top)).Append("\" x2=\"").Append(F(px)).Append("\" y2=\"").Append(F(bottom)).Append("\" stroke=\"#e4e4e4\"/>\n");
            s.Append("<text x=\"").Append(F(px)).Append("\" y=\"").Append(F(bottom + 14)).Append("\" text-anchor=\"middle\">").Append(Escape(PlotAxis.FormatTick(t))).Append("</text>\n");
        }
        foreach (double t in Y.Ticks)
        {
            double py = Py(t);
            s.Append("<line x1=\"").Append(F(left)).Append("\" y1=\"").Append(F(py)).Append("\" x2=\"").Append(F(right)).Append("\" y2=\"").Append(F(py)).Append("\" stroke=\"#e4e4e4\"/>\n");
            s.Append("<text x=\"").Append(F(left - 4)).Append("\" y=\"").Append(F(py + 4)).Append("\" text-anchor=\"end\">").Append(Escape(PlotAxis.FormatTick(t))).Append("</text>\n");
        }
        foreach (var (x, label) in _markers)
        {
            double px = Px(x);
            s.Append("<line x1=\"").Append(F(px)).Append("\" y1=\"").Append(F(top)).Append("\" x2=\"").Append(F(px)).Append("\" y2=\"").Append(F(bottom)).Append("\" stroke=\"#999\"/>\n");
            s.Append("<text x=\"").Append(F(px)).Append("\" y=\"").Append(F(bottom + 15)).Append("\" text-anchor=\"middle\">").Append(Escape(label)).Append("</text>\n");
        }
        s.Append("<rect x=\"").Append(F(left)).Append("\" y=\"").Append(F(top)).Append("\" width=\"").Append(F(PlotWidth)).Append("\" height=\"").Append(F(PlotHeight))
         .Append("\" fill=\"none\" stroke=\"#333\"/>\n");
        s.Append("<text x=\"").Append(F((left + right) / 2)).Append("\" y=\"").Append(F(Height - 8)).Append("\" text-anchor=\"middle\">").Append(Escape(XLabel)).Append("</text>\n");
        s.Append("<text transform=\"translate(14,").Append(F((top + bottom) / 2)).Append(") rotate(-90)\" text-anchor=\"middle\">").Append(Escape(YLabel)).Append("</text>\n");

        s.Append(_body);

        for (int i = 0; i < _legend.Count; i++)
        {
            var (label, color, dashed) = _legend[i];
            double y = top + 12 + 14 * i, x = right - 110;
            s.Append("<line x1=\"").Append(F(x)).Append("\" y1=\"").Append(F(y - 4)).Append("\" x2=\"").Append(F(x + 18)).Append("\" y2=\"").Append(F(y - 4))
             .Append("\" stroke=\"").Append(color).Append("\" stroke-width=\"2\"").Append(dashed ? " stroke-dasharray=\"5 3\"" : "").Append("/>\n");
            s.Append("<text x=\"").Append(F(x + 22)).Append("\" y=\"").Append(F(y)).Append("\">").Append(Escape(label)).Append("</text>\n");
        }
        s.Append("</svg>");
        return s.ToString();
    }

    /// <summary>Pixel coordinate with one decimal (enough for a 460 px plot, keeps the file small).</summary>
    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
    private static string F2(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
