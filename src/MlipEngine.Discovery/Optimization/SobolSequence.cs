namespace MlipEngine.Discovery.Optimization;

/// <summary>
/// The Sobol low-discrepancy sequence in up to <see cref="MaxDimension"/> dimensions, with the Joe–Kuo
/// direction numbers (file <c>new-joe-kuo-6.21201</c>, the set scipy.stats.qmc.Sobol uses), generated in
/// Gray-code order (Antonov–Saleev). Unscrambled (<c>seed</c> 0) it starts 0, ½, (¾, ¼, …), as published;
/// a non-zero seed applies a random digital shift (XOR of every coordinate with one random 32-bit word per
/// dimension), which keeps the (t, s)-net property and gives each seed its own design.
/// </summary>
public sealed class SobolSequence
{
    private const int Bits = 32;
    private const double Scale = 1.0 / 4294967296.0;   // 2⁻³²

    /// <summary>(dimension, degree s, inner coefficients a, initial m₁…m_s) of new-joe-kuo-6.21201, dimensions 2–40; dimension 1 is the van der Corput sequence (all mₖ = 1).</summary>
    private static readonly (int D, int S, int A, int[] M)[] JoeKuo =
    [
        (2, 1, 0, [1]), (3, 2, 1, [1, 3]), (4, 3, 1, [1, 3, 1]), (5, 3, 2, [1, 1, 1]), (6, 4, 1, [1, 1, 3, 3]),
        (7, 4, 4, [1, 3, 5, 13]), (8, 5, 2, [1, 1, 5, 5, 17]), (9, 5, 4, [1, 1, 5, 5, 5]), (10, 5, 7, [1, 1, 7, 11, 19]),
        (11, 5, 11, [1, 1, 5, 1, 1]), (12, 5, 13, [1, 1, 1, 3, 11]), (13, 5, 14, [1, 3, 5, 5, 31]),
        (14, 6, 1, [1, 3, 3, 9, 7, 49]), (15, 6, 13, [1, 1, 1, 15, 21, 21]), (16, 6, 16, [1, 3, 1, 13, 27, 49]),
        (17, 6, 19, [1, 1, 1, 15, 7, 5]), (18, 6, 22, [1, 3, 1, 15, 13, 25]), (19, 6, 25, [1, 1, 5, 5, 19, 61]),
        (20, 7, 1, [1, 3, 7, 11, 23, 15, 103]), (21, 7, 4, [1, 3, 7, 13, 13, 15, 69]), (22, 7, 7, [1, 1, 3, 13, 7, 35, 63]),
        (23, 7, 8, [1, 3, 5, 9, 1, 25, 53]), (24, 7, 14, [1, 3, 1, 13, 9, 35, 107]), (25, 7, 19, [1, 3, 1, 5, 27, 61, 31]),
        (26, 7, 21, [1, 1, 5, 11, 19, 41, 61]), (27, 7, 28, [1, 3, 5, 3, 3, 13, 69]), (28, 7, 31, [1, 1, 7, 13, 1, 19, 1]),
        (29, 7, 32, [1, 3, 7, 5, 13, 19, 59]), (30, 7, 37, [1, 1, 3, 9, 25, 29, 41]), (31, 7, 41, [1, 3, 5, 13, 23, 1, 55]),
        (32, 7, 42, [1, 3, 7, 3, 13, 59, 17]), (33, 7, 50, [1, 3, 1, 3, 5, 53, 69]), (34, 7, 55, [1, 1, 5, 5, 23, 33, 13]),
        (35, 7, 56, [1, 1, 7, 7, 1, 61, 123]), (36, 7, 59, [1, 1, 7, 9, 13, 61, 49]), (37, 7, 62, [1, 3, 3, 5, 3, 55, 33]),
        (38, 8, 14, [1, 3, 1, 15, 31, 13, 49, 245]), (39, 8, 21, [1, 3, 5, 15, 31, 59, 63, 97]), (40, 8, 22, [1, 3, 1, 11, 11, 11, 77, 249]),
    ];

    public static int MaxDimension => JoeKuo.Length + 1;

    private readonly uint[][] _v;      // direction numbers v_{j,k} = m_{j,k}·2^(32−k)
    private readonly uint[] _x;        // current point, as 32-bit fractions
    private readonly uint[] _shift;    // digital shift (0 unscrambled)
    private long _index;

    public SobolSequence(int dimension, ulong seed = 0)
    {
        if (dimension < 1 || dimension > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), $"Sobol points are available in 1–{MaxDimension} dimensions, asked for {dimension}");
        Dimension = dimension;
        _v = new uint[dimension][];
        _x = new uint[dimension];
        _shift = new uint[dimension];
        for (int j = 0; j < dimension; j++) _v[j] = DirectionNumbers(j);
        if (seed != 0)
        {
            var rng = new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x5eed));
            for (int j = 0; j < dimension; j++) _shift[j] = (uint)rng.NextInt64(0, 1L << 32);
        }
    }

    public int Dimension { get; }

    /// <summary>
    /// m_k from the primitive polynomial x^s + a₁x^(s−1) + … + a_(s−1)x + 1 (aᵢ the bits of A, a₁ highest):
    /// m_k = 2a₁m_(k−1) ⊕ 2²a₂m_(k−2) ⊕ … ⊕ 2^(s−1)a_(s−1)m_(k−s+1) ⊕ 2^s m_(k−s) ⊕ m_(k−s), and v_k = m_k / 2^k.
    /// </summary>
    private static uint[] DirectionNumbers(int j)
    {
        var m = new ulong[Bits + 1];
        if (j == 0) for (int k = 1; k <= Bits; k++) m[k] = 1;
        else
        {
            var (_, s, a, init) = JoeKuo[j - 1];
            for (int k = 1; k <= s; k++) m[k] = (ulong)init[k - 1];
            for (int k = s + 1; k <= Bits; k++)
            {
                ulong mk = m[k - s] ^ (m[k - s] << s);
                for (int i = 1; i < s; i++)
                    if (((a >> (s - 1 - i)) & 1) != 0) mk ^= m[k - i] << i;
                m[k] = mk;
            }
        }
        var v = new uint[Bits + 1];
        for (int k = 1; k <= Bits; k++) v[k] = (uint)(m[k] << (Bits - k));
        return v;
    }

    /// <summary>Writes the next point (in [0, 1)^d) into <paramref name="point"/>; the first is the origin (shifted by the seed).</summary>
    public void Next(Span<double> point)
    {
        if (_index > 0)
        {
            // Gray code: point n differs from point n−1 by direction number c, the lowest zero bit of n−1.
            int c = System.Numerics.BitOperations.TrailingZeroCount(~(_index - 1)) + 1;
            if (c > Bits) throw new InvalidOperationException("Sobol sequence exhausted (2^32 points)");
            for (int j = 0; j < Dimension; j++) _x[j] ^= _v[j][c];
        }
        _index++;
        for (int j = 0; j < Dimension; j++) point[j] = (_x[j] ^ _shift[j]) * Scale;
    }

    /// <summary>The next <paramref name="count"/> points, one array each.</summary>
    public double[][] Take(int count)
    {
        var points = new double[count][];
        for (int i = 0; i < count; i++) { points[i] = new double[Dimension]; Next(points[i]); }
        return points;
    }
}
