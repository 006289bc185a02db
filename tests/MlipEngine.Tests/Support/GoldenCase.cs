using System.Globalization;
using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Tests.Support;

/// <summary>
/// A golden single point from LAMMPS (tests/golden/make_golden.py): structure, energy, per-atom
/// energies, forces and stress, read from the committed extended-XYZ file.
/// </summary>
public sealed record GoldenCase(string Name, AtomicStructure Structure, double Energy, Vec3[] Forces, double[] AtomEnergies, double[] Stress, string SpecPath)
{
    public static IEnumerable<string> Names(string subfolder = "")
    {
        string root = Path.Combine(GoldenFiles.GoldenRoot, subfolder);
        if (!Directory.Exists(root)) yield break;
        foreach (var d in Directory.GetDirectories(root).Order())
            if (File.Exists(Path.Combine(d, "golden.xyz"))) yield return Path.GetFileName(d);
    }

    public static GoldenCase Load(string name, string subfolder = "")
    {
        string dir = Path.Combine(GoldenFiles.GoldenRoot, subfolder, name);
        var frame = new MlipEngine.IO.Extxyz.ExtxyzReader().ReadFrames(Path.Combine(dir, "golden.xyz")).Single();
        var s = frame.Structure;
        return new GoldenCase(name, s, frame.Energy!.Value, frame.Forces!, frame.AtomEnergies!, frame.Stress!, Path.Combine(dir, "potential.yaml"));
    }
}
