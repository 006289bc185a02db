using MlipEngine.Neighbors;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;

namespace MlipEngine.Training.Gradients;

/// <summary>
/// The fixed geometry of one training frame as the equivariant model sees it: species types and the
/// directed edges i → j within the cutoff (full list, lattice images included) with their vectors
/// d = r_j − r_i (+ shift), lengths, spherical harmonics Y(d) with ∂Y/∂d, and the radial basis b(r) with
/// db/dr. Training frames do not move, so this is built once per frame and cached (issue 5: "neighbor
/// lists built once").
/// </summary>
public sealed class FrameGraph
{
    public int AtomCount { get; private init; }
    public int[] Types { get; private init; } = [];
    public int EdgeCount { get; private init; }
    public int[] Source { get; private init; } = [];
    public int[] Target { get; private init; } = [];
    /// <summary>Edge vectors [e][3], Å.</summary>
    public double[] Vector { get; private init; } = [];
    public double[] Length { get; private init; } = [];
    /// <summary>Y [e][(L+1)²] and ∂Y/∂d as [e][3][(L+1)²] (1/Å).</summary>
    public double[] Harmonics { get; private init; } = [];
    public double[] HarmonicsGradient { get; private init; } = [];
    /// <summary>b [e][N] and db/dr [e][N].</summary>
    public double[] Basis { get; private init; } = [];
    public double[] BasisDerivative { get; private init; } = [];
    /// <summary>Cell volume, Å³ (NaN when not periodic in all three directions).</summary>
    public double Volume { get; private init; }

    /// <summary>
    /// Builds the graph of system 0 of <paramref name="frame"/> for <paramref name="model"/>. A frame on which the model's density
    /// fade (<see cref="CoreRepulsion"/>) would act is refused: the parameter gradient has no fade term (mlip train raises N to its data).
    /// </summary>
    public static FrameGraph Build(EquivariantModel model, SystemBatch frame)
    {
        if (frame.SystemCount != 1) throw new ArgumentException("a frame graph holds one system");
        var hp = model.Hyper;
        int n = frame.AtomCount, nsh = Irreps.Count(hp.ShLMax), nb = hp.NumBessel;
        var types = new int[n];
        for (int i = 0; i < n; i++)
        {
            types[i] = Array.IndexOf(model.SpeciesNumbers, frame.Numbers[i]);
            if (types[i] < 0) throw new ArgumentException($"atom {i} (Z={frame.Numbers[i]}) is not a species of the model");
        }
        var builder = new NeighborListBuilder();
        var list = builder.Create(NeighborListKind.Full);
        builder.Build(frame, hp.Cutoff, list);
        var src = new List<int>(); var dst = new List<int>(); var vec = new List<double>();
        for (int i = 0; i < n; i++)
            for (int k = list.Offsets[i]; k < list.Offsets[i + 1]; k++)
            {
                var d = list.Displacement(frame, i, k);
                if (d.Norm >= hp.Cutoff) continue;
                src.Add(i); dst.Add(list.Neighbors[k]); vec.Add(d.X); vec.Add(d.Y); vec.Add(d.Z);
            }
        int ne = src.Count;
        var r = new double[ne]; var y = new double[ne * nsh]; var dy = new double[ne * 3 * nsh];
        var b = new double[ne * nb]; var db = new double[ne * nb];
        for (int e = 0; e < ne; e++)
        {
            double x0 = vec[3 * e], x1 = vec[3 * e + 1], x2 = vec[3 * e + 2];
            r[e] = Math.Sqrt(x0 * x0 + x1 * x1 + x2 * x2);
            SphericalHarmonics.Evaluate(hp.ShLMax, x0, x1, x2, y.AsSpan(e * nsh, nsh), dy.AsSpan(e * 3 * nsh, 3 * nsh));
            model.EdgeBasis(types[src[e]], types[dst[e]], r[e], b.AsSpan(e * nb, nb), db.AsSpan(e * nb, nb));
        }
        if (model.Core is { HasDensityFade: true } core)
        {
            var density = new double[n];
            for (int e = 0; e < ne; e++) density[src[e]] += core.NeighbourWeight(types[src[e]], types[dst[e]], r[e], out _);
            for (int i = 0; i < n; i++)
                if (core.Spec.DensityMax![types[i]] < density[i])
                    throw new ArgumentException($"atom {i} has neighbour density {density[i]:0.###}, above the model's density fade N = {core.Spec.DensityMax[types[i]]:0.###}: " +
                        "the training gradient has no fade term, so N must cover every frame trained on (mlip train raises it to its data)");
        }
        var cell = frame.Cells[0];
        bool periodic = cell.PeriodicA && cell.PeriodicB && cell.PeriodicC;
        return new FrameGraph
        {
            AtomCount = n, Types = types, EdgeCount = ne, Source = src.ToArray(), Target = dst.ToArray(), Vector = vec.ToArray(),
            Length = r, Harmonics = y, HarmonicsGradient = dy, Basis = b, BasisDerivative = db,
            Volume = periodic ? Math.Abs(cell.Volume) : double.NaN,
        };
    }
}
