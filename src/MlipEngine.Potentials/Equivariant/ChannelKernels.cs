using System.Numerics;
using System.Runtime.CompilerServices;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// SIMD building blocks of the fused CPU backend, generic over fp64/fp32: vector ops over channels and
/// small GEMMs (radial MLP over a block of edges, per-l channel mixing). Vector&lt;T&gt; is 256 bits by
/// default; DOTNET_MaxVectorTBitWidth=512 makes it AVX-512 wide. The typeof(T) tests are resolved by the
/// JIT per instantiation, so each type gets a true FMA and no branch.
/// </summary>
internal static class ChannelKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int W = Vector<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(double)) return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return a * b + c;
    }

    /// <summary>y += a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(T a, ref T x, ref T y, int n)
    {
        int i = 0;
        var va = new Vector<T>(a);
        for (; i <= n - W; i += W) Vector.StoreUnsafe(Fma(va, Vector.LoadUnsafe(ref x, (nuint)i), Vector.LoadUnsafe(ref y, (nuint)i)), ref y, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y, i) += a * Unsafe.Add(ref x, i);
    }

    /// <summary>y += a ⊙ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulAdd(ref T a, ref T b, ref T y, int n)
    {
        int i = 0;
        for (; i <= n - W; i += W) Vector.StoreUnsafe(Fma(Vector.LoadUnsafe(ref a, (nuint)i), Vector.LoadUnsafe(ref b, (nuint)i), Vector.LoadUnsafe(ref y, (nuint)i)), ref y, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y, i) += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
    }

    /// <summary>y += s a ⊙ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaledMulAdd(T s, ref T a, ref T b, ref T y, int n)
    {
        int i = 0;
        var vs = new Vector<T>(s);
        for (; i <= n - W; i += W) Vector.StoreUnsafe(Fma(vs * Vector.LoadUnsafe(ref a, (nuint)i), Vector.LoadUnsafe(ref b, (nuint)i), Vector.LoadUnsafe(ref y, (nuint)i)), ref y, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y, i) += s * Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
    }

    /// <summary>
    /// One (m₁, m₃) group of the tensor-product adjoint in a single pass over channels:
    /// gR += k h ⊙ g_A,   gH += k′ v,   returns Σ u ⊙ g_A  (u = R⊙h, v = R⊙g_A of the reversed edge).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T TensorProductAdjoint(T k, T kReversed, ref T h, ref T gA, ref T u, ref T v, ref T gR, ref T gH, int n)
    {
        int i = 0;
        var vk = new Vector<T>(k); var vkr = new Vector<T>(kReversed);
        var acc = Vector<T>.Zero;
        for (; i <= n - W; i += W)
        {
            var g = Vector.LoadUnsafe(ref gA, (nuint)i);
            Vector.StoreUnsafe(Fma(vk * Vector.LoadUnsafe(ref h, (nuint)i), g, Vector.LoadUnsafe(ref gR, (nuint)i)), ref gR, (nuint)i);
            acc = Fma(Vector.LoadUnsafe(ref u, (nuint)i), g, acc);
            Vector.StoreUnsafe(Fma(vkr, Vector.LoadUnsafe(ref v, (nuint)i), Vector.LoadUnsafe(ref gH, (nuint)i)), ref gH, (nuint)i);
        }
        T s = Vector.Sum(acc);
        for (; i < n; i++)
        {
            T g = Unsafe.Add(ref gA, i);
            Unsafe.Add(ref gR, i) += k * Unsafe.Add(ref h, i) * g;
            s += Unsafe.Add(ref u, i) * g;
            Unsafe.Add(ref gH, i) += kReversed * Unsafe.Add(ref v, i);
        }
        return s;
    }

    /// <summary>d = a ⊙ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Mul(ref T a, ref T b, ref T d, int n)
    {
        int i = 0;
        for (; i <= n - W; i += W) Vector.StoreUnsafe(Vector.LoadUnsafe(ref a, (nuint)i) * Vector.LoadUnsafe(ref b, (nuint)i), ref d, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
    }

    /// <summary>Σ a ⊙ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot(ref T a, ref T b, int n)
    {
        int i = 0;
        var acc = Vector<T>.Zero;
        for (; i <= n - W; i += W) acc = Fma(Vector.LoadUnsafe(ref a, (nuint)i), Vector.LoadUnsafe(ref b, (nuint)i), acc);
        T s = Vector.Sum(acc);
        for (; i < n; i++) s += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return s;
    }

    /// <summary>
    /// Z (rows × nout, row stride ldz) (+)= X (rows × nin, stride ldx) · W (nin × nout, row-major).
    /// Register blocking 4 rows × 4 vectors: per step of the inner loop, 4 loads of W and 4 broadcasts
    /// of X feed 16 FMAs (16 accumulators), so the loop is bound by the FMA units, not by loads.
    /// </summary>
    public static void GemmNN(ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, Span<T> z, int ldz, int rows, int nin, int nout, bool accumulate)
    {
        ref T rx = ref Unsafe.AsRef(in x[0]); ref T rw = ref Unsafe.AsRef(in w[0]); ref T rz = ref z[0];
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref T x0 = ref Unsafe.Add(ref rx, r * ldx); ref T x1 = ref Unsafe.Add(ref x0, ldx); ref T x2 = ref Unsafe.Add(ref x1, ldx); ref T x3 = ref Unsafe.Add(ref x2, ldx);
            ref T z0 = ref Unsafe.Add(ref rz, r * ldz); ref T z1 = ref Unsafe.Add(ref z0, ldz); ref T z2 = ref Unsafe.Add(ref z1, ldz); ref T z3 = ref Unsafe.Add(ref z2, ldz);
            int o = 0;
            for (; o <= nout - 4 * W; o += 4 * W)
            {
                Vector<T> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
                if (accumulate)
                {
                    a00 = Vector.LoadUnsafe(ref z0, (nuint)o); a01 = Vector.LoadUnsafe(ref z0, (nuint)(o + W)); a02 = Vector.LoadUnsafe(ref z0, (nuint)(o + 2 * W)); a03 = Vector.LoadUnsafe(ref z0, (nuint)(o + 3 * W));
                    a10 = Vector.LoadUnsafe(ref z1, (nuint)o); a11 = Vector.LoadUnsafe(ref z1, (nuint)(o + W)); a12 = Vector.LoadUnsafe(ref z1, (nuint)(o + 2 * W)); a13 = Vector.LoadUnsafe(ref z1, (nuint)(o + 3 * W));
                    a20 = Vector.LoadUnsafe(ref z2, (nuint)o); a21 = Vector.LoadUnsafe(ref z2, (nuint)(o + W)); a22 = Vector.LoadUnsafe(ref z2, (nuint)(o + 2 * W)); a23 = Vector.LoadUnsafe(ref z2, (nuint)(o + 3 * W));
                    a30 = Vector.LoadUnsafe(ref z3, (nuint)o); a31 = Vector.LoadUnsafe(ref z3, (nuint)(o + W)); a32 = Vector.LoadUnsafe(ref z3, (nuint)(o + 2 * W)); a33 = Vector.LoadUnsafe(ref z3, (nuint)(o + 3 * W));
                }
                else
                {
                    a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = Vector<T>.Zero;
                }
                ref T wo = ref Unsafe.Add(ref rw, o);
                for (int i = 0; i < nin; i++)
                {
                    ref T wi = ref Unsafe.Add(ref wo, i * nout);
                    var w0 = Vector.LoadUnsafe(ref wi); var w1 = Vector.LoadUnsafe(ref wi, (nuint)W); var w2 = Vector.LoadUnsafe(ref wi, (nuint)(2 * W)); var w3 = Vector.LoadUnsafe(ref wi, (nuint)(3 * W));
                    var b = new Vector<T>(Unsafe.Add(ref x0, i));
                    a00 = Fma(b, w0, a00); a01 = Fma(b, w1, a01); a02 = Fma(b, w2, a02); a03 = Fma(b, w3, a03);
                    b = new Vector<T>(Unsafe.Add(ref x1, i));
                    a10 = Fma(b, w0, a10); a11 = Fma(b, w1, a11); a12 = Fma(b, w2, a12); a13 = Fma(b, w3, a13);
                    b = new Vector<T>(Unsafe.Add(ref x2, i));
                    a20 = Fma(b, w0, a20); a21 = Fma(b, w1, a21); a22 = Fma(b, w2, a22); a23 = Fma(b, w3, a23);
                    b = new Vector<T>(Unsafe.Add(ref x3, i));
                    a30 = Fma(b, w0, a30); a31 = Fma(b, w1, a31); a32 = Fma(b, w2, a32); a33 = Fma(b, w3, a33);
                }
                Vector.StoreUnsafe(a00, ref z0, (nuint)o); Vector.StoreUnsafe(a01, ref z0, (nuint)(o + W)); Vector.StoreUnsafe(a02, ref z0, (nuint)(o + 2 * W)); Vector.StoreUnsafe(a03, ref z0, (nuint)(o + 3 * W));
                Vector.StoreUnsafe(a10, ref z1, (nuint)o); Vector.StoreUnsafe(a11, ref z1, (nuint)(o + W)); Vector.StoreUnsafe(a12, ref z1, (nuint)(o + 2 * W)); Vector.StoreUnsafe(a13, ref z1, (nuint)(o + 3 * W));
                Vector.StoreUnsafe(a20, ref z2, (nuint)o); Vector.StoreUnsafe(a21, ref z2, (nuint)(o + W)); Vector.StoreUnsafe(a22, ref z2, (nuint)(o + 2 * W)); Vector.StoreUnsafe(a23, ref z2, (nuint)(o + 3 * W));
                Vector.StoreUnsafe(a30, ref z3, (nuint)o); Vector.StoreUnsafe(a31, ref z3, (nuint)(o + W)); Vector.StoreUnsafe(a32, ref z3, (nuint)(o + 2 * W)); Vector.StoreUnsafe(a33, ref z3, (nuint)(o + 3 * W));
            }
            for (; o <= nout - W; o += W)
            {
                Vector<T> a0, a1, a2, a3;
                if (accumulate) { a0 = Vector.LoadUnsafe(ref z0, (nuint)o); a1 = Vector.LoadUnsafe(ref z1, (nuint)o); a2 = Vector.LoadUnsafe(ref z2, (nuint)o); a3 = Vector.LoadUnsafe(ref z3, (nuint)o); }
                else { a0 = a1 = a2 = a3 = Vector<T>.Zero; }
                for (int i = 0; i < nin; i++)
                {
                    var wv = Vector.LoadUnsafe(ref rw, (nuint)(i * nout + o));
                    a0 = Fma(new Vector<T>(Unsafe.Add(ref x0, i)), wv, a0);
                    a1 = Fma(new Vector<T>(Unsafe.Add(ref x1, i)), wv, a1);
                    a2 = Fma(new Vector<T>(Unsafe.Add(ref x2, i)), wv, a2);
                    a3 = Fma(new Vector<T>(Unsafe.Add(ref x3, i)), wv, a3);
                }
                Vector.StoreUnsafe(a0, ref z0, (nuint)o); Vector.StoreUnsafe(a1, ref z1, (nuint)o); Vector.StoreUnsafe(a2, ref z2, (nuint)o); Vector.StoreUnsafe(a3, ref z3, (nuint)o);
            }
            for (; o < nout; o++)
                for (int q = 0; q < 4; q++)
                {
                    T s = accumulate ? Unsafe.Add(ref rz, (r + q) * ldz + o) : T.Zero;
                    for (int i = 0; i < nin; i++) s += Unsafe.Add(ref rx, (r + q) * ldx + i) * Unsafe.Add(ref rw, i * nout + o);
                    Unsafe.Add(ref rz, (r + q) * ldz + o) = s;
                }
        }
        for (; r < rows; r++)
        {
            ref T zr = ref Unsafe.Add(ref rz, r * ldz);
            if (!accumulate) for (int o = 0; o < nout; o++) Unsafe.Add(ref zr, o) = T.Zero;
            for (int i = 0; i < nin; i++) Axpy(Unsafe.Add(ref rx, r * ldx + i), ref Unsafe.Add(ref rw, i * nout), ref zr, nout);
        }
    }

    /// <summary>Out (rows × nin, stride ldo) (+)= G (rows × nout, stride ldg) · Wᵀ, W (nin × nout) row-major.</summary>
    public static void GemmNT(ReadOnlySpan<T> g, int ldg, ReadOnlySpan<T> w, Span<T> output, int ldo, int rows, int nin, int nout, bool accumulate)
    {
        ref T rg = ref Unsafe.AsRef(in g[0]); ref T rw = ref Unsafe.AsRef(in w[0]); ref T ro = ref output[0];
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref T g0 = ref Unsafe.Add(ref rg, r * ldg); ref T g1 = ref Unsafe.Add(ref g0, ldg); ref T g2 = ref Unsafe.Add(ref g1, ldg); ref T g3 = ref Unsafe.Add(ref g2, ldg);
            for (int i = 0; i < nin; i++)
            {
                ref T wi = ref Unsafe.Add(ref rw, i * nout);
                var a0 = Vector<T>.Zero; var a1 = Vector<T>.Zero; var a2 = Vector<T>.Zero; var a3 = Vector<T>.Zero;
                int o = 0;
                for (; o <= nout - W; o += W)
                {
                    var wv = Vector.LoadUnsafe(ref wi, (nuint)o);
                    a0 = Fma(Vector.LoadUnsafe(ref g0, (nuint)o), wv, a0);
                    a1 = Fma(Vector.LoadUnsafe(ref g1, (nuint)o), wv, a1);
                    a2 = Fma(Vector.LoadUnsafe(ref g2, (nuint)o), wv, a2);
                    a3 = Fma(Vector.LoadUnsafe(ref g3, (nuint)o), wv, a3);
                }
                T s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
                for (; o < nout; o++)
                {
                    T wo = Unsafe.Add(ref wi, o);
                    s0 += Unsafe.Add(ref g0, o) * wo; s1 += Unsafe.Add(ref g1, o) * wo; s2 += Unsafe.Add(ref g2, o) * wo; s3 += Unsafe.Add(ref g3, o) * wo;
                }
                ref T oo = ref Unsafe.Add(ref ro, r * ldo + i);
                if (accumulate) { oo += s0; Unsafe.Add(ref oo, ldo) += s1; Unsafe.Add(ref oo, 2 * ldo) += s2; Unsafe.Add(ref oo, 3 * ldo) += s3; }
                else { oo = s0; Unsafe.Add(ref oo, ldo) = s1; Unsafe.Add(ref oo, 2 * ldo) = s2; Unsafe.Add(ref oo, 3 * ldo) = s3; }
            }
        }
        for (; r < rows; r++)
            for (int i = 0; i < nin; i++)
            {
                T s = Dot(ref Unsafe.Add(ref rg, r * ldg), ref Unsafe.Add(ref rw, i * nout), nout);
                ref T oo = ref Unsafe.Add(ref ro, r * ldo + i);
                oo = accumulate ? oo + s : s;
            }
    }
}
