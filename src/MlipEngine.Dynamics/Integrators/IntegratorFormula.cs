using System.Numerics;
using System.Runtime.CompilerServices;
using MlipEngine.Dynamics.Md;

namespace MlipEngine.Dynamics.Integrators;

/// <summary>
/// The per-atom updates of the splitting integrators, written once for the host (<see cref="MdSystem"/>'s kick and drift,
/// <see cref="LangevinBaoab"/>'s O step, with T = double) and the ILGPU device-resident kernels (<c>VerletKernels</c>), so the
/// two produce the same bits. Generic over the float type as the shared potential formulas are (no BCL conversions: ILGPU
/// translates only the operators); the state of an MD run is double on every backend today. Each update is one factor of
/// the Trotter splitting of e^{iLΔt}:
/// <code>
///   B (kick):  e^{iL_v h}:  v ← v + h·F/m = v + c·F,          c = h·a,  a = 1/(m·103.64) (Å/fs² per eV/Å)
///   A (drift): e^{iL_r h}:  r ← r + h·v
///   O (bath):  the exact Ornstein–Uhlenbeck solution over Δt of dv = −γv dt + √(2γ k_BT/m) dW:
///              v ← c₁·v + σ·ξ,   c₁ = e^{−γΔt},  σ = √(1 − c₁²)·√(k_BT·a),  ξ ~ N(0, 1) per component
/// </code>
/// The OpenCL C kernels (kernels/md.cl) restate the same three lines in C, which cannot share this source.
/// </summary>
public static class IntegratorFormula
{
    /// <summary>B: v += c·F (v in Å/fs, F in eV/Å, <paramref name="c"/> = h·a in Å·fs⁻¹ per eV/Å, h the kick's span in fs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Kick<T>(ref T vx, ref T vy, ref T vz, T c, T fx, T fy, T fz) where T : IFloatingPointIeee754<T>
    {
        vx += c * fx; vy += c * fy; vz += c * fz;
    }

    /// <summary>A: r += h·v (r in Å, v in Å/fs, <paramref name="h"/> the drift's span in fs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Drift<T>(ref T x, ref T y, ref T z, T h, T vx, T vy, T vz) where T : IFloatingPointIeee754<T>
    {
        x += h * vx; y += h * vy; z += h * vz;
    }

    /// <summary>
    /// O: v ← c₁·v + σ·ξ with <paramref name="sigma"/> = √(1 − c₁²)·√(k_BT/m) (Å/fs; zero for a frozen atom) and the
    /// standard normals ξ = (<paramref name="gx"/>, <paramref name="gy"/>, <paramref name="gz"/>), drawn by the caller
    /// (the host from its xoshiro stream in atom order, the device from Philox keyed by seed, step and atom).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Thermalize<T>(ref T vx, ref T vy, ref T vz, T c1, T sigma, T gx, T gy, T gz) where T : IFloatingPointIeee754<T>
    {
        vx = c1 * vx + sigma * gx; vy = c1 * vy + sigma * gy; vz = c1 * vz + sigma * gz;
    }
}
