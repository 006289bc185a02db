using System.Numerics;

namespace MlipEngine.Kernels;

/// <summary>
/// What a precision-generic formula needs beyond <see cref="IFloatingPointIeee754{TSelf}"/>: constants
/// from double and the conversions kernels do, as static calls that compile to one instruction per
/// precision. The BCL's own conversions (<c>T.CreateTruncating</c>) dispatch on the type at run time,
/// which GPU compilers (ILGPU) cannot translate; these can. A formula written as
/// <c>static T F&lt;T, R&gt;(…) where T : IFloatingPointIeee754&lt;T&gt; where R : IReal&lt;T&gt;</c> is then
/// the same source for the CPU backend (<see cref="F64"/>) and the GPU kernels (<see cref="F64"/> or
/// <see cref="F32"/>).
/// </summary>
public interface IReal<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>A constant or a double-precision input rounded to <typeparamref name="T"/>.</summary>
    static abstract T From(double x);
    /// <summary>The value as double (exact for both precisions): accumulators are fp64.</summary>
    static abstract double Widen(T x);
    /// <summary>Truncation toward zero, as C#'s <c>(int)x</c>.</summary>
    static abstract int Truncate(T x);
}

/// <summary>Double precision: every conversion is the identity.</summary>
public readonly struct F64 : IReal<double>
{
    public static double From(double x) => x;
    public static double Widen(double x) => x;
    public static int Truncate(double x) => (int)x;
}

/// <summary>Single precision (fp32 compute; callers accumulate the results in double).</summary>
public readonly struct F32 : IReal<float>
{
    public static float From(double x) => (float)x;
    public static double Widen(float x) => x;
    public static int Truncate(float x) => (int)x;
}
