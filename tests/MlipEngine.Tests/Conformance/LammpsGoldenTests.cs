using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO.Yaml;
using MlipEngine.Potentials.Spec;
using MlipEngine.Tests.Support;
using Xunit;

namespace MlipEngine.Tests.Conformance;

/// <summary>
/// Every committed LAMMPS golden case (tests/golden/make_golden.py), on every backend the case's
/// potential has (Reference, Cpu, and OpenCl and Ilgpu for lj/cut, morse and EAM), and in a
/// general (rotated, non-LAMMPS) orientation: energy ≤ 1e-9 eV/atom, forces ≤ 1e-7 eV/Å,
/// stress ≤ 1e-9 eV/Å³, per-atom energies ≤ 1e-9 eV.
/// </summary>
public class LammpsGoldenTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var name in GoldenCase.Names())
        {
            data.Add(name, Backend.ReferenceName, 1);
            data.Add(name, Backend.CpuName, 2);
            var backends = TestCatalog.Instance.BackendsFor(GoldenCase.Load(name).CreatePotential());
            foreach (var accelerator in new Backend[] { Backend.OpenCl, MlipEngine.Backends.Ilgpu.IlgpuBackend.Name })
                if (backends.Contains(accelerator)) data.Add(name, accelerator.Name, 1);
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesLammps(string name, string backend, int threads)
    {
        var g = GoldenCase.Load(name);
        var ff = g.CreatePotential();
        var ev = Eval.One(ff, g.Structure, new ComputeOptions { Backend = backend, Threads = threads });
        int n = g.Structure.AtomCount;
        Assert.True(Math.Abs(ev.Energy - g.Energy) / n <= 1e-9, $"energy {ev.Energy:R} vs LAMMPS {g.Energy:R}");
        for (int i = 0; i < n; i++)
        {
            Assert.True((ev.Forces[i] - g.Forces[i]).Norm <= 1e-7, $"atom {i}: force {ev.Forces[i]} vs LAMMPS {g.Forces[i]}");
            Assert.True(Math.Abs(ev.AtomEnergies[i] - g.AtomEnergies[i]) <= 1e-9, $"atom {i}: energy {ev.AtomEnergies[i]:R} vs LAMMPS {g.AtomEnergies[i]:R}");
        }
        for (int k = 0; k < 9; k++)
            Assert.True(Math.Abs(ev.Stress[k] - g.Stress[k]) <= 1e-9, $"stress[{k}] {ev.Stress[k]:R} vs LAMMPS {g.Stress[k]:R}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesLammps_InGeneralOrientation(string name, string backend, int threads)
    {
        var g = GoldenCase.Load(name);
        var rot = TestStructures.RandomRotation(name.Length);
        var s = TestStructures.Transform(g.Structure, rot, new Vec3(-4.2, 1.7, 0.3));
        var ff = g.CreatePotential();
        var ev = Eval.One(ff, s, new ComputeOptions { Backend = backend, Threads = threads });
        Assert.True(Math.Abs(ev.Energy - g.Energy) / s.AtomCount <= 1e-9);
        for (int i = 0; i < s.AtomCount; i++)
            Assert.True((ev.Forces[i] - rot * g.Forces[i]).Norm <= 1e-7, $"atom {i}");
        var sig = rot * Mat3.FromRowMajor(g.Stress) * rot.Transpose();
        for (int k = 0; k < 9; k++) Assert.True(Math.Abs(ev.Stress[k] - sig[k / 3, k % 3]) <= 1e-9, $"stress[{k}]");
    }
}
