using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Tests.Support;

namespace MlipEngine.Tests.Potentials;

/// <summary>A many-body golden frame (tests/golden/make_manybody_golden.py), read with the engine's extxyz reader.</summary>
internal sealed record GoldenFrame(AtomicStructure Structure, double Energy, Vec3[] Forces, double[] AtomEnergies, double[] Stress)
{
    public static GoldenFrame Read(string name)
    {
        var g = GoldenCase.Load("manybody/" + name);
        return new GoldenFrame(g.Structure, g.Energy, g.Forces, g.AtomEnergies, g.Stress);
    }
}
