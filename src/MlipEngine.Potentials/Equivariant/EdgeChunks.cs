namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// How the accelerator backends (OpenCL, ILGPU) bound the memory of the equivariant model's per-edge stages: the atoms are cut
/// into chunks [a₀, a₀ + m) whose list slots' scratch — capacity × m slots × the bytes each slot holds (harmonics, Bessel values,
/// per layer the radial MLP's activations and R, the adjoint rows) — fits a budget. Per-atom features and the per-slot gradient
/// g_e stay whole; a chunk's edge stages read the features of any atom, so splitting the atoms changes no arithmetic.
/// </summary>
public static class EdgeChunks
{
    /// <summary>Chunks are multiples of this many atoms (the device layouts pad atom counts to 64).</summary>
    public const int Granularity = 64;

    /// <summary>
    /// The default scratch budget, bytes: 1/8 of device memory, clamped to 64 MiB–4 GiB, and at most 4× the device's largest
    /// allocation when it reports one (<paramref name="maxAllocationBytes"/> &gt; 0; the biggest scratch array, R or ∂E/∂R of one
    /// layer, is under a quarter of the total).
    /// </summary>
    public static long DefaultBudget(long deviceMemoryBytes, long maxAllocationBytes = 0)
    {
        long budget = Math.Clamp(deviceMemoryBytes / 8, 64L << 20, 4L << 30);
        return maxAllocationBytes > 0 ? Math.Min(budget, 4 * maxAllocationBytes) : budget;
    }

    /// <summary>
    /// Atoms per chunk for <paramref name="atoms"/> atoms with <paramref name="capacity"/> slots each (OpenCL: the list's capacity;
    /// ILGPU: the largest count of an atom's edges inside r_c, its compacted slots): the budget over
    /// (bytes per slot × capacity), a multiple of <see cref="Granularity"/> (at least one granule), at most <paramref name="atoms"/>;
    /// <paramref name="overrideAtoms"/> &gt; 0 (tests) replaces the budget's figure. With <paramref name="widestRow"/> &gt; 0 the chunk
    /// is also kept small enough that its widest scratch array (<paramref name="widestRow"/> values per slot) indexes in an int.
    /// </summary>
    public static int AtomsPerChunk(int atoms, int capacity, long bytesPerSlot, long budgetBytes, int overrideAtoms = 0, long widestRow = 0)
    {
        capacity = Math.Max(1, capacity);
        long fit = budgetBytes / (Math.Max(1, bytesPerSlot) * capacity);
        if (widestRow > 0) fit = Math.Min(fit, int.MaxValue / (widestRow * capacity) - Granularity);
        int chunk = overrideAtoms > 0 ? overrideAtoms : (int)Math.Clamp(fit / Granularity * Granularity, Granularity, int.MaxValue);
        return Math.Max(1, Math.Min(chunk, atoms));
    }
}
