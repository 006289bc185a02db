using MlipEngine.Chemistry;
using MlipEngine.Geometry;

namespace MlipEngine.State;

/// <summary>
/// One system as files describe it: atomic numbers, positions (Å), a cell, optional masses (amu)
/// and velocities (Å/fs). The unit that IO reads and writes; engines work on <see cref="SystemBatch"/>.
/// </summary>
public sealed class AtomicStructure
{
    public AtomicStructure(int[] numbers, Vec3[] positions, Cell cell, double[]? masses = null, Vec3[]? velocities = null)
    {
        if (numbers.Length != positions.Length)
            throw new ArgumentException($"{numbers.Length} atomic numbers but {positions.Length} positions");
        if (masses != null && masses.Length != numbers.Length)
            throw new ArgumentException($"{masses.Length} masses for {numbers.Length} atoms");
        if (velocities != null && velocities.Length != numbers.Length)
            throw new ArgumentException($"{velocities.Length} velocities for {numbers.Length} atoms");
        Numbers = numbers;
        Positions = positions;
        Cell = cell;
        Masses = masses;
        Velocities = velocities;
    }

    public int AtomCount => Numbers.Length;
    public int[] Numbers { get; }
    /// <summary>Cartesian positions, Å.</summary>
    public Vec3[] Positions { get; }
    public Cell Cell { get; set; }
    /// <summary>Masses in amu; null means standard atomic masses.</summary>
    public double[]? Masses { get; set; }
    /// <summary>Velocities in Å/fs, or null.</summary>
    public Vec3[]? Velocities { get; set; }

    public double MassOf(int atom) => Masses?[atom] ?? Element.Mass(Numbers[atom]);

    /// <summary>Hill-order chemical formula, e.g. "Cu3Ni" (C and H first when carbon is present).</summary>
    public string Formula
    {
        get
        {
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (int z in Numbers)
            {
                string s = Element.Symbol(z);
                counts[s] = counts.TryGetValue(s, out int c) ? c + 1 : 1;
            }
            var sb = new System.Text.StringBuilder();
            void Emit(string s) { if (counts.Remove(s, out int n)) sb.Append(s).Append(n == 1 ? "" : n.ToString()); }
            if (counts.ContainsKey("C")) { Emit("C"); Emit("H"); }
            foreach (var s in counts.Keys.ToArray()) Emit(s);
            return sb.ToString();
        }
    }

    public AtomicStructure Clone() => new((int[])Numbers.Clone(), (Vec3[])Positions.Clone(), Cell,
        (double[]?)Masses?.Clone(), (Vec3[]?)Velocities?.Clone());
}
