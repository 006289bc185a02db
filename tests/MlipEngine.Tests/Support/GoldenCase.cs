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
    /// <summary>
    /// Names of all golden cases under Golden/: a folder holding golden.xyz + potential.yaml
    /// (make_golden.py), or a pair NAME.xyz + NAME.yaml (make_manybody_golden.py), as "sub/NAME".
    /// </summary>
    public static IEnumerable<string> Names()
    {
        string root = GoldenFiles.GoldenRoot;
        if (!Directory.Exists(root)) yield break;
        foreach (var f in Directory.GetFiles(root, "*.xyz", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = Path.GetRelativePath(root, f).Replace('\\', '/');
            if (Path.GetFileName(f) == "golden.xyz") yield return Path.GetDirectoryName(rel)!.Replace('\\', '/');
            else if (File.Exists(Path.ChangeExtension(f, ".yaml"))) yield return rel[..^4];
        }
    }

    public static GoldenCase Load(string name)
    {
        string dir = Path.Combine(GoldenFiles.GoldenRoot, name);
        (string xyz, string spec) = Directory.Exists(dir)
            ? (Path.Combine(dir, "golden.xyz"), Path.Combine(dir, "potential.yaml"))
            : (Path.Combine(GoldenFiles.GoldenRoot, name + ".xyz"), Path.Combine(GoldenFiles.GoldenRoot, name + ".yaml"));
        var frame = new MlipEngine.IO.Extxyz.ExtxyzReader().ReadFrames(xyz).Single();
        return new GoldenCase(name, frame.Structure, frame.Energy!.Value, frame.Forces!, frame.AtomEnergies!, frame.Stress!, spec);
    }

    /// <summary>The golden case's potential, built from its spec file.</summary>
    public MlipEngine.ForceFields.IForceField CreatePotential() =>
        MlipEngine.Potentials.Spec.PotentialFactory.Create(MlipEngine.Workflows.ForceFields.PotentialSpecLoader.FromFile(SpecPath));
}
