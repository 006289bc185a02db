using System.Globalization;
using System.Text.RegularExpressions;
using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Tests.Potentials;

/// <summary>
/// Minimal reader for the golden extxyz files written by tests/golden/make_manybody_golden.py
/// (one frame; Lattice, Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1, energy, stress)
/// and their one-line YAML spec. Stop-gap until the real extxyz reader (MlipEngine.IO) is merged.
/// </summary>
internal sealed record GoldenFrame(AtomicStructure Structure, double Energy, Vec3[] Forces, double[] AtomEnergies, double[] Stress)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Golden", "manybody");

    public static GoldenFrame Read(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(Directory, name + ".xyz"));
        int n = int.Parse(lines[0].Trim(), CultureInfo.InvariantCulture);
        string header = lines[1];
        double[] Numbers(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        string Quoted(string key) => Regex.Match(header, key + "=\"([^\"]*)\"").Groups[1].Value;
        var lat = Numbers(Quoted("Lattice"));
        var stress = Numbers(Quoted("stress"));
        double energy = double.Parse(Regex.Match(header, @"(?<![A-Za-z_])energy=(\S+)").Groups[1].Value, CultureInfo.InvariantCulture);
        if (!header.Contains("Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1"))
            throw new FormatException($"{name}: unexpected Properties in golden header");
        var z = new int[n]; var r = new Vec3[n]; var f = new Vec3[n]; var e = new double[n];
        for (int i = 0; i < n; i++)
        {
            var w = lines[2 + i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double D(int k) => double.Parse(w[k], CultureInfo.InvariantCulture);
            z[i] = Element.AtomicNumber(w[0]);
            r[i] = new Vec3(D(1), D(2), D(3));
            f[i] = new Vec3(D(4), D(5), D(6));
            e[i] = D(7);
        }
        var cell = new Cell(Mat3.FromRows(new Vec3(lat[0], lat[1], lat[2]), new Vec3(lat[3], lat[4], lat[5]), new Vec3(lat[6], lat[7], lat[8])));
        return new GoldenFrame(new AtomicStructure(z, r, cell), energy, f, e, stress);
    }

    /// <summary>The spec beside a golden file: <c>{style: sw, file: PATH, elements: [A, B]}</c>.</summary>
    public static (string Style, string File, string[] Elements) ReadSpec(string name)
    {
        string text = System.IO.File.ReadAllText(Path.Combine(Directory, name + ".yaml"));
        string style = Regex.Match(text, @"style:\s*([^,}\s]+)").Groups[1].Value;
        string file = Regex.Match(text, @"file:\s*([^,}]+)").Groups[1].Value.Trim();
        string[] elements = Regex.Match(text, @"elements:\s*\[([^\]]*)\]").Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (style, file, elements);
    }
}
