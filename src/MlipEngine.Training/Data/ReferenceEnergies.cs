using MathNet.Numerics.LinearAlgebra;
using MlipEngine.IO;

namespace MlipEngine.Training.Data;

/// <summary>
/// Per-element reference energies E0 (eV), the constant part of the energy a model does not learn:
/// from isolated-atom frames when the data has them, else by least squares
/// <code>  min over E0 of Σ_f (E_f − Σ_s n_fs E0_s)²  </code>
/// (n_fs = atoms of element s in frame f), solved by QR of the count matrix (MathNet.Numerics).
/// </summary>
public static class ReferenceEnergies
{
    /// <summary>Energies of single-atom frames (or frames with <c>config_type=isolated_atom</c>), per atomic number.</summary>
    public static Dictionary<int, double> FromIsolatedAtoms(IEnumerable<Frame> frames)
    {
        var e0 = new Dictionary<int, double>();
        foreach (var f in frames)
        {
            bool isolated = f.Structure.AtomCount == 1 || (f.GetInfo("config_type") as string) == "isolated_atom";
            if (!isolated || f.Structure.AtomCount != 1 || f.Energy is not double e) continue;
            e0[f.Structure.Numbers[0]] = e;
        }
        return e0;
    }

    /// <summary>Least-squares E0 over the given species; throws when the counts cannot separate them.</summary>
    public static Dictionary<int, double> FitLeastSquares(IReadOnlyList<Frame> frames, IReadOnlyList<int> species)
    {
        var energyFrames = frames.Where(f => f.Energy is not null).ToList();
        if (energyFrames.Count < species.Count)
            throw new TrainingDataException($"{energyFrames.Count} frames with energies cannot determine E0 of {species.Count} elements");
        var a = Matrix<double>.Build.Dense(energyFrames.Count, species.Count);
        var b = Vector<double>.Build.Dense(energyFrames.Count);
        for (int r = 0; r < energyFrames.Count; r++)
        {
            foreach (int z in energyFrames[r].Structure.Numbers)
            {
                int c = IndexOf(species, z);
                if (c < 0) throw new TrainingDataException($"{energyFrames[r].Source}, frame {energyFrames[r].Index}: element Z={z} is not among the fitted species");
                a[r, c] += 1;
            }
            b[r] = energyFrames[r].Energy!.Value;
        }
        var qr = a.QR();
        // A rank-deficient count matrix (e.g. every frame has the same composition ratio) cannot separate the E0s.
        double smallest = Enumerable.Range(0, species.Count).Min(i => Math.Abs(qr.R[i, i]));
        double largest = Enumerable.Range(0, species.Count).Max(i => Math.Abs(qr.R[i, i]));
        if (smallest <= 1e-10 * largest)
            throw new TrainingDataException("the compositions do not determine E0 per element (all frames have proportional compositions); provide isolated-atom frames");
        var x = qr.Solve(b);
        var e0 = new Dictionary<int, double>();
        for (int c = 0; c < species.Count; c++) e0[species[c]] = x[c];
        return e0;
    }

    private static int IndexOf(IReadOnlyList<int> list, int z)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == z) return i;
        return -1;
    }
}
