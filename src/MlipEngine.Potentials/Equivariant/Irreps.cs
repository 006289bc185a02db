namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Index arithmetic for features made of all irreps l = 0…L (each with natural parity (−1)ˡ).
/// Component m ∈ {−l…l} of irrep l sits at flat index lm = l² + (m + l); a feature of max degree L has
/// (L+1)² components. Features of many channels are stored [lm][channel] (channel innermost, so SIMD
/// runs over channels).
/// </summary>
public static class Irreps
{
    /// <summary>2l + 1.</summary>
    public static int Dim(int l) => 2 * l + 1;
    /// <summary>(L + 1)²: components of all irreps 0…L.</summary>
    public static int Count(int lmax) => (lmax + 1) * (lmax + 1);
    /// <summary>l²: flat index of component m = −l.</summary>
    public static int Offset(int l) => l * l;
    /// <summary>The degree l of flat index lm (l ≤ 3): l² ≤ lm &lt; (l+1)².</summary>
    public static int Degree(int lm) => lm < 1 ? 0 : lm < 4 ? 1 : lm < 9 ? 2 : 3;
    /// <summary>
    /// l₁ ⊗ l₂ → l₃ is kept when the triangle rule holds and l₁ + l₂ + l₃ is even; the even rule keeps
    /// every feature of parity (−1)ˡ, so the model is invariant under reflections as well as rotations.
    /// </summary>
    public static bool Couples(int l1, int l2, int l3) => l3 >= Math.Abs(l1 - l2) && l3 <= l1 + l2 && ((l1 + l2 + l3) & 1) == 0;
}
