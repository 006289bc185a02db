using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Tests.Support;

/// <summary>Single-structure evaluation results, copied out of a <see cref="ForceResult"/>.</summary>
public sealed record Evaluation(double Energy, Vec3[] Forces, double[] Stress, double[] Virial, double[] AtomEnergies);

public static class Eval
{
    public static Evaluation One(IForceField ff, AtomicStructure s, ComputeOptions options)
    {
        using var c = TestCatalog.Instance.Bind(ff, options);
        return One(c, s);
    }

    public static Evaluation One(IForceComputer c, AtomicStructure s) => Batch(c, [s])[0];

    public static Evaluation[] Batch(IForceComputer c, IReadOnlyList<AtomicStructure> structures)
    {
        var batch = SystemBatch.FromStructures(structures);
        var r = new ForceResult();
        c.Compute(batch, ForceOutputs.All, r);
        var list = new Evaluation[structures.Count];
        for (int s = 0; s < structures.Count; s++)
        {
            int o = batch.SystemOffsets[s], n = batch.AtomCountOf(s);
            var f = new Vec3[n]; var ae = new double[n];
            for (int i = 0; i < n; i++) { f[i] = r.Force(o + i); ae[i] = r.AtomEnergies[o + i]; }
            list[s] = new Evaluation(r.Energy[s], f, r.StressOf(s).ToArray(), r.VirialOf(s).ToArray(), ae);
        }
        return list;
    }

    public static double Energy(IForceComputer c, AtomicStructure s)
    {
        var batch = SystemBatch.FromStructure(s);
        var r = new ForceResult();
        c.Compute(batch, ForceOutputs.Energy, r);
        return r.Energy[0];
    }
}
