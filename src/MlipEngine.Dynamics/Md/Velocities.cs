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
        var b = system.Batch;
        var rng = Xoshiro256.Stream(seed, 0);
        double kT = PhysicalConstants.Boltzmann * temperature;
        for (int i = 0; i < b.AtomCount; i++)
        {
            double sigma = Math.Sqrt(kT * system.AccelerationFactor[i]);
            b.VX[i] = sigma * rng.NextGaussian(); b.VY[i] = sigma * rng.NextGaussian(); b.VZ[i] = sigma * rng.NextGaussian();
        }
        if (zeroMomentum && system.FrozenCount == 0) RemoveDrift(system);
        if (!b.Cells[0].AnyPeriodic && system.FrozenCount == 0 && b.AtomCount > 2) RemoveRotation(system);
        double k = system.KineticEnergy();
        if (k > 0 && temperature > 0) system.ScaleVelocities(Math.Sqrt(temperature / system.Temperature(k)));
        else if (temperature == 0) system.ScaleVelocities(0);
    }

    /// <summary>Subtracts the centre-of-mass velocity Σmv/Σm of the mobile atoms from each of them.</summary>
    public static void RemoveDrift(MdSystem system)
    {
        var b = system.Batch;
        double px = 0, py = 0, pz = 0, mt = 0;
        for (int i = 0; i < b.AtomCount; i++)
        {
            if (system.Frozen[i]) continue;
            double m = b.Mass[i];
            px += m * b.VX[i]; py += m * b.VY[i]; pz += m * b.VZ[i]; mt += m;
        }
        if (mt == 0) return;
        px /= mt; py /= mt; pz /= mt;
        for (int i = 0; i < b.AtomCount; i++)
        {
            if (system.Frozen[i]) continue;
            b.VX[i] -= px; b.VY[i] -= py; b.VZ[i] -= pz;
        }
    }

    /// <summary>
    /// Removes rigid rotation about the centre of mass: L = Σ m (r − R)×v, I the inertia tensor,
    /// ω = I⁻¹L, v ← v − ω×(r − R). Only meaningful for a system with no periodic axis.
    /// </summary>
    public static void RemoveRotation(MdSystem system)
    {
        var b = system.Batch;
        int n = b.AtomCount;
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
}
