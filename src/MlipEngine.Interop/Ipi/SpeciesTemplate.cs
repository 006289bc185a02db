using MlipEngine.Chemistry;
using MlipEngine.State;

namespace MlipEngine.Interop.Ipi;

/// <summary>
/// What i-PI does not send: the chemical species (and periodicity) of the atoms. Like every i-PI
/// driver we take them from a template structure, atom i of the driver being atom i of the template.
/// A template may hold several structures of different sizes: a driver that switches to another
/// system (a different atom count) gets the first template structure with that many atoms. A single
/// element (<see cref="ForElement"/>) fits any atom count.
/// </summary>
public sealed class SpeciesTemplate
{
    private readonly Dictionary<int, Entry> _bySize = new();
    private readonly Entry? _anySize;
    private readonly string _source;

    private sealed record Entry(int[] Numbers, bool[] Periodic);

    private SpeciesTemplate(string source, Entry? anySize) { _source = source; _anySize = anySize; }

    /// <summary>Template from structures (e.g. all frames of a file); the first structure of each size wins.</summary>
    public static SpeciesTemplate FromStructures(IEnumerable<AtomicStructure> structures, string source)
    {
        var t = new SpeciesTemplate(source, null);
        foreach (var s in structures)
            t._bySize.TryAdd(s.AtomCount, new Entry((int[])s.Numbers.Clone(), [s.Cell.PeriodicA, s.Cell.PeriodicB, s.Cell.PeriodicC]));
        if (t._bySize.Count == 0) throw new ArgumentException($"{source}: no structures to take species from");
        return t;
    }

    /// <summary>Every atom is <paramref name="atomicNumber"/>, any count, periodic in all directions.</summary>
    public static SpeciesTemplate ForElement(int atomicNumber) =>
        new($"--species {Element.Symbol(atomicNumber)}", new Entry([atomicNumber], [true, true, true]));

    public string Source => _source;
    public IEnumerable<int> AtomCounts => _bySize.Keys;

    /// <summary>
    /// Fills <paramref name="numbers"/> (length = atom count) and the periodic flags for a system of
    /// <paramref name="atomCount"/> atoms; throws <see cref="IpiException"/> when the template has none.
    /// </summary>
    public void Fill(int atomCount, Span<int> numbers, Span<bool> periodic)
    {
        if (_bySize.TryGetValue(atomCount, out var e))
        {
            e.Numbers.CopyTo(numbers);
            e.Periodic.CopyTo(periodic);
            return;
        }
        if (_anySize != null)
        {
            numbers[..atomCount].Fill(_anySize.Numbers[0]);
            _anySize.Periodic.CopyTo(periodic);
            return;
        }
        throw new IpiException($"the driver sent {atomCount} atoms but the template {_source} has structures of " +
            $"{string.Join(", ", _bySize.Keys)} atoms; give a --structure file with a frame of {atomCount} atoms in the driver's order");
    }
}
