using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Interop;

/// <summary>
/// The glue every embedding (i-PI, C ABI, Python) shares: copies caller arrays (atom-major x,y,z in Å,
/// atomic numbers, cells as rows in Å) into a cached <see cref="SystemBatch"/> and calls the force
/// computer. The batch and result are reused while the atom counts per system stay the same, so a
/// call allocates nothing; the computer's Verlet list is reused when atoms barely moved.
/// </summary>
public sealed class EmbeddedCalculator : IDisposable
{
    private SystemBatch? _batch;
    private int[] _counts = [];

    public EmbeddedCalculator(IForceComputer computer) { Computer = computer; }

    public IForceComputer Computer { get; }
    /// <summary>Results of the last call (eV, eV/Å, eV, eV/Å³).</summary>
    public ForceResult Result { get; } = new();
    /// <summary>The batch of the last call.</summary>
    public SystemBatch Batch => _batch ?? throw new InvalidOperationException("no call yet");

    /// <summary>
    /// Evaluates systems of <paramref name="atomCounts"/> atoms. <paramref name="positions"/> is
    /// atom-major xyz (3 per atom, Å), <paramref name="cells"/> holds 9 row-major numbers per system
    /// (lattice vectors as rows, Å), <paramref name="periodic"/> 3 flags per system.
    /// </summary>
    public ForceResult Compute(ReadOnlySpan<int> atomCounts, ReadOnlySpan<int> numbers, ReadOnlySpan<double> positions,
        ReadOnlySpan<double> cells, ReadOnlySpan<bool> periodic, ForceOutputs outputs)
    {
        var batch = BatchFor(atomCounts);
        int n = batch.AtomCount;
        if (numbers.Length < n) throw new ArgumentException($"{numbers.Length} atomic numbers for {n} atoms");
        if (positions.Length < 3 * n) throw new ArgumentException($"{positions.Length} position components for {n} atoms");
        var x = batch.X; var y = batch.Y; var z = batch.Z; var zs = batch.Numbers;
        for (int i = 0; i < n; i++)
        {
            x[i] = positions[3 * i]; y[i] = positions[3 * i + 1]; z[i] = positions[3 * i + 2];
            zs[i] = numbers[i];
        }
        for (int s = 0; s < batch.SystemCount; s++)
        {
            var m = Mat3.FromRowMajor(cells.Slice(9 * s, 9));
            bool pa = periodic[3 * s], pb = periodic[3 * s + 1], pc = periodic[3 * s + 2];
            var old = batch.Cells[s];
            // Constructing a Cell validates it; skip that when nothing changed (the common MD case).
            if (old.Matrix != m || old.PeriodicA != pa || old.PeriodicB != pb || old.PeriodicC != pc)
                batch.Cells[s] = new Cell(m, pa, pb, pc);
        }
        Computer.Compute(batch, outputs, Result);
        return Result;
    }

    private SystemBatch BatchFor(ReadOnlySpan<int> counts)
    {
        if (_batch != null && counts.SequenceEqual(_counts)) return _batch;
        foreach (int c in counts) if (c < 0) throw new ArgumentException("negative atom count");
        _counts = counts.ToArray();
        _batch = new SystemBatch(_counts);
        for (int s = 0; s < _batch.SystemCount; s++) _batch.Cells[s] = Cell.Open;
        return _batch;
    }

    public void Dispose() => Computer.Dispose();
}
