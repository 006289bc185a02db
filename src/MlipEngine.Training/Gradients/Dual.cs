using System.Runtime.CompilerServices;

namespace MlipEngine.Training.Gradients;

/// <summary>
/// A first-order dual number x = V + ε D with ε² = 0: carrying (value, directional derivative) through
/// a computation gives f(x) = f(V) + ε f′(V) D, i.e. forward-mode differentiation along one direction.
/// </summary>
public readonly record struct Dual(double V, double D)
{
    public static readonly Dual Zero = new(0, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Dual operator +(Dual a, Dual b) => new(a.V + b.V, a.D + b.D);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Dual operator -(Dual a, Dual b) => new(a.V - b.V, a.D - b.D);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Dual operator -(Dual a) => new(-a.V, -a.D);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Dual operator *(Dual a, Dual b) => new(a.V * b.V, a.V * b.D + a.D * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Dual operator *(Dual a, double s) => new(a.V * s, a.D * s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Dual operator *(double s, Dual a) => new(a.V * s, a.D * s);

    /// <summary>The ε part of a·b without forming the value: a.V b.D + a.D b.V.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Tangent(Dual a, Dual b) => a.V * b.D + a.D * b.V;

    /// <summary>silu(z) = z σ(z); silu′(z) = σ (1 + z (1 − σ)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Dual Silu(Dual z)
    {
        double s = 1 / (1 + Math.Exp(-z.V));
        return new(z.V * s, s * (1 + z.V * (1 - s)) * z.D);
    }

    /// <summary>silu′ as a dual number: silu″(z) = σ (1 − σ) (2 + z (1 − 2σ)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Dual SiluDerivative(Dual z)
    {
        double s = 1 / (1 + Math.Exp(-z.V));
        return new(s * (1 + z.V * (1 - s)), s * (1 - s) * (2 + z.V * (1 - 2 * s)) * z.D);
    }
}
