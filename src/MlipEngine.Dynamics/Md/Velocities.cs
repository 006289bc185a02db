using MlipEngine.Dynamics.Randomness;
using MlipEngine.State;
using MlipEngine.Units;

namespace MlipEngine.Dynamics.Md;

/// <summary>Velocity initialisation and momentum clean-up for one system.</summary>
public static class Velocities
{
    /// <summary>
    /// Maxwell–Boltzmann velocities at T: each component vₐ ~ N(0, k_BT/m) (Å²/fs² = eV/(amu·103.64)),
    /// drawn in atom order from a xoshiro stream of <paramref name="seed"/>. Then the total momentum is
    /// removed (and, for a system with no periodic axis, the angular momentum), and velocities are
    /// rescaled so the instantaneous temperature 2K/(N_f k_B) is exactly T.
    /// </summary>
    public static void InitializeMaxwellBoltzmann(MdSystem system, double temperature, ulong seed, bool zeroMomentum = true)
    {
        var rng = Xoshiro256.Stream(seed, 0);
        double kT = PhysicalConstants.Boltzmann * temperature;
        Span<double> vx = system.VX, vy = system.VY, vz = system.VZ;
        for (int i = 0; i < system.AtomCount; i++)
        {
            double sigma = Math.Sqrt(kT * system.AccelerationFactor[i]);
            vx[i] = sigma * rng.NextGaussian(); vy[i] = sigma * rng.NextGaussian(); vz[i] = sigma * rng.NextGaussian();
        }
        if (zeroMomentum && system.FrozenCount == 0) RemoveDrift(system);
        if (!system.Cell.AnyPeriodic && system.FrozenCount == 0 && system.AtomCount > 2) RemoveRotation(system);
        double k = system.KineticEnergy();
        if (k > 0 && temperature > 0) system.ScaleVelocities(Math.Sqrt(temperature / system.Temperature(k)));
        else if (temperature == 0) system.ScaleVelocities(0);
    }

    /// <summary>Subtracts the centre-of-mass velocity Σmv/Σm of the mobile atoms from each of them.</summary>
    public static void RemoveDrift(MdSystem system)
    {
        Span<double> vx = system.VX, vy = system.VY, vz = system.VZ, mass = system.Mass;
        double px = 0, py = 0, pz = 0, mt = 0;
        for (int i = 0; i < vx.Length; i++)
        {
            if (system.Frozen[i]) continue;
            double m = mass[i];
            px += m * vx[i]; py += m * vy[i]; pz += m * vz[i]; mt += m;
        }
        if (mt == 0) return;
        px /= mt; py /= mt; pz /= mt;
        for (int i = 0; i < vx.Length; i++)
        {
            if (system.Frozen[i]) continue;
            vx[i] -= px; vy[i] -= py; vz[i] -= pz;
        }
    }

    /// <summary>
    /// Removes rigid rotation about the centre of mass: L = Σ m (r − R)×v, I the inertia tensor,
    /// ω = I⁻¹L, v ← v − ω×(r − R). Only meaningful for a system with no periodic axis.
    /// </summary>
    public static void RemoveRotation(MdSystem system)
    {
        var b = new SliceArrays(system);
        int n = system.AtomCount;
        double mt = 0, cx = 0, cy = 0, cz = 0;
        for (int i = 0; i < n; i++) { double m = b.Mass[i]; mt += m; cx += m * b.X[i]; cy += m * b.Y[i]; cz += m * b.Z[i]; }
        cx /= mt; cy /= mt; cz /= mt;
        double lx = 0, ly = 0, lz = 0, ixx = 0, iyy = 0, izz = 0, ixy = 0, ixz = 0, iyz = 0;
        for (int i = 0; i < n; i++)
        {
            double m = b.Mass[i], x = b.X[i] - cx, y = b.Y[i] - cy, z = b.Z[i] - cz;
            lx += m * (y * b.VZ[i] - z * b.VY[i]); ly += m * (z * b.VX[i] - x * b.VZ[i]); lz += m * (x * b.VY[i] - y * b.VX[i]);
            ixx += m * (y * y + z * z); iyy += m * (x * x + z * z); izz += m * (x * x + y * y);
            ixy -= m * x * y; ixz -= m * x * z; iyz -= m * y * z;
        }
        var inertia = new Geometry.Mat3(ixx, ixy, ixz, ixy, iyy, iyz, ixz, iyz, izz);
        if (Math.Abs(inertia.Determinant) < 1e-12 * Math.Pow(inertia.Trace, 3)) return; // linear molecule: skip
        var w = inertia.Inverse() * new Geometry.Vec3(lx, ly, lz);
        for (int i = 0; i < n; i++)
        {
            double x = b.X[i] - cx, y = b.Y[i] - cy, z = b.Z[i] - cz;
            b.VX[i] -= w.Y * z - w.Z * y; b.VY[i] -= w.Z * x - w.X * z; b.VZ[i] -= w.X * y - w.Y * x;
        }
    }

    /// <summary>The system's slice as spans named like the batch's arrays (local indices).</summary>
    private readonly ref struct SliceArrays(MdSystem s)
    {
        public readonly Span<double> X = s.X, Y = s.Y, Z = s.Z, VX = s.VX, VY = s.VY, VZ = s.VZ, Mass = s.Mass;
    }
}
