namespace MlipEngine.Chemistry;

/// <summary>Chemical elements by atomic number, with ASE's symbols and standard atomic masses (amu).</summary>
public static class Element
{
    /// <summary>Largest atomic number known (Og).</summary>
    public static int MaxAtomicNumber => ElementData.Symbols.Length - 1;

    public static string Symbol(int atomicNumber) =>
        (uint)atomicNumber < (uint)ElementData.Symbols.Length ? ElementData.Symbols[atomicNumber]
        : throw new ArgumentOutOfRangeException(nameof(atomicNumber), $"no element with atomic number {atomicNumber}");

    /// <summary>Standard atomic mass in amu (ASE's table).</summary>
    public static double Mass(int atomicNumber) =>
        (uint)atomicNumber < (uint)ElementData.Masses.Length ? ElementData.Masses[atomicNumber]
        : throw new ArgumentOutOfRangeException(nameof(atomicNumber), $"no element with atomic number {atomicNumber}");

    /// <summary>Atomic number of a symbol such as "Cu" (case-sensitive as in ASE); throws with a clear message when unknown.</summary>
    public static int AtomicNumber(string symbol) =>
        TryAtomicNumber(symbol, out int z) ? z : throw new ArgumentException($"unknown element '{symbol}'");

    public static bool TryAtomicNumber(ReadOnlySpan<char> symbol, out int atomicNumber)
    {
        var syms = ElementData.Symbols;
        for (int z = 1; z < syms.Length; z++)
            if (symbol.SequenceEqual(syms[z])) { atomicNumber = z; return true; }
        atomicNumber = 0;
        return false;
    }
}
