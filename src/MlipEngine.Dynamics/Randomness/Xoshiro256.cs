namespace MlipEngine.Dynamics.Randomness;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna 2018): a small, fast generator whose whole state is four
/// 64-bit words, so it can be written to a checkpoint and restored bit-exactly (System.Random's
/// state cannot). Seeded through SplitMix64 so nearby seeds give unrelated streams.
/// </summary>
/// <remarks>
/// Gaussian deviates use the Box–Muller transform, which yields two per pair of uniforms; the
/// second is kept (<see cref="_spare"/>) and is part of the serialised state.
/// </remarks>
public sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    public Xoshiro256(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream derived from a seed and a stream number (e.g. one per thermostat).</summary>
    public static Xoshiro256 Stream(ulong seed, ulong stream) => new(seed ^ (0x9E3779B97F4A7C15UL * (stream + 1)));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal deviate (mean 0, variance 1).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        // Box–Muller: for u1 ∈ (0,1], u2 ∈ [0,1), r = √(−2 ln u1), (r cos 2πu2, r sin 2πu2) are independent N(0,1).
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double phi = 2.0 * Math.PI * u2;
        _spare = r * Math.Sin(phi);
        _hasSpare = true;
        return r * Math.Cos(phi);
    }

    /// <summary>
    /// Gamma(shape k, scale 1) deviate by Marsaglia &amp; Tsang (2000): for k ≥ 1, d = k − 1/3,
    /// c = 1/√(9d); draw x ~ N(0,1), v = (1 + c x)³, accept d·v when ln u &lt; x²/2 + d − d v + d ln v.
    /// For k &lt; 1, Gamma(k) = Gamma(k+1)·u^(1/k).
    /// </summary>
    public double NextGamma(double k)
    {
        if (!(k > 0)) return 0;
        if (k < 1) return NextGamma(k + 1) * Math.Pow(1.0 - NextDouble(), 1.0 / k);
        double d = k - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do { x = NextGaussian(); v = 1.0 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>Sum of n squared standard normals (χ² with n degrees of freedom) = 2·Gamma(n/2).</summary>
    public double NextChiSquared(int n) => n <= 0 ? 0 : 2.0 * NextGamma(0.5 * n);

    public void Save(BinaryWriter w)
    {
        w.Write(_s0); w.Write(_s1); w.Write(_s2); w.Write(_s3); w.Write(_spare); w.Write(_hasSpare);
    }

    public void Load(BinaryReader r)
    {
        _s0 = r.ReadUInt64(); _s1 = r.ReadUInt64(); _s2 = r.ReadUInt64(); _s3 = r.ReadUInt64();
        _spare = r.ReadDouble(); _hasSpare = r.ReadBoolean();
    }
}
