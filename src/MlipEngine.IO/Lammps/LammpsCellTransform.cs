using MlipEngine.Geometry;

namespace MlipEngine.IO.Lammps;

/// <summary>
/// The orthogonal map Q taking a structure into LAMMPS' restricted triclinic frame, r_L = r·Q (row
/// vectors): a along +x, b in the xy plane with b_y &gt; 0, c with c_z &gt; 0.
/// </summary>
/// <remarks>
/// Q's columns are the orthonormal frame e1 = a/|a|, e2 = (b − (b·e1)e1)/|…|, e3 = e1 × e2, so
/// a·Q = (|a|, 0, 0), b·Q = (b·e1, b·e2, 0), c·Q = (c·e1, c·e2, c·e3). For a right-handed cell
/// (det H &gt; 0) c·e3 &gt; 0 and Q is a proper rotation. A left-handed cell cannot be represented by
/// LAMMPS (its box always has c_z &gt; 0); on request the writer uses e3 = −(e1 × e2) instead, which
/// mirrors the structure (<see cref="IsReflection"/>; det Q = −1) — energies of reflection-invariant
/// potentials are unchanged, vectors transform with the same Q.
/// Vectors (positions, forces, velocities) map back as v = v_L·Qᵀ; a stress tensor as σ = Q σ_L Qᵀ.
/// </remarks>
public readonly record struct LammpsCellTransform(Mat3 Q)
{
    public static readonly LammpsCellTransform Identity = new(Mat3.Identity);

    public bool IsReflection => Q.Determinant < 0;
    public bool IsIdentity => Q == Mat3.Identity;

    /// <summary>Vector from the original frame into LAMMPS' frame: v·Q.</summary>
    public Vec3 ToLammps(Vec3 v) => v * Q;

    /// <summary>Vector (force, eV/Å; velocity; position, Å) from LAMMPS' frame back to the original: v·Qᵀ.</summary>
    public Vec3 FromLammps(Vec3 v) => v * Q.Transpose();

    /// <summary>Stress (9 components row-major, any units) from LAMMPS' frame back: σ = Q σ_L Qᵀ.</summary>
    public double[] StressFromLammps(ReadOnlySpan<double> stressLammps)
    {
        var s = Mat3.FromRowMajor(stressLammps);
        var r = Q * s * Q.Transpose();
        var result = new double[9];
        r.CopyTo(result);
        return result;
    }

    /// <summary>Stress into LAMMPS' frame: σ_L = Qᵀ σ Q.</summary>
    public double[] StressToLammps(ReadOnlySpan<double> stress)
    {
        var s = Mat3.FromRowMajor(stress);
        var r = Q.Transpose() * s * Q;
        var result = new double[9];
        r.CopyTo(result);
        return result;
    }

    /// <summary>
    /// The transform for a cell given by rows a, b, c. Returns identity (exactly) when the cell is
    /// already in restricted form, so such structures are written without any rounding.
    /// </summary>
    /// <exception cref="ArgumentException">Degenerate cell, or left-handed without <paramref name="allowReflection"/>.</exception>
    public static LammpsCellTransform For(Mat3 h, bool allowReflection = false)
    {
        if (h.XY == 0 && h.XZ == 0 && h.YZ == 0 && h.XX > 0 && h.YY > 0 && h.ZZ > 0) return Identity;
        Vec3 a = h.Row(0), b = h.Row(1), c = h.Row(2);
        double det = h.Determinant;
        double scale = a.Norm * b.Norm * c.Norm;
        if (!(scale > 0) || Math.Abs(det) <= 1e-12 * scale)
            throw new ArgumentException($"LAMMPS needs a cell with three independent vectors (det = {det:G6} Å³)");
        if (det < 0 && !allowReflection)
            throw new ArgumentException(
                $"the cell is left-handed (det = {det:G6} Å³); LAMMPS boxes are always right-handed and cannot represent it. " +
                "Reorder or negate a lattice vector, or allow a reflection (the structure is then mirrored; see LammpsCellTransform).");
        var e1 = a / a.Norm;
        var bp = b - Vec3.Dot(b, e1) * e1;
        var e2 = bp / bp.Norm;
        var e3 = Vec3.Cross(e1, e2);
        if (det < 0) e3 = -e3;
        // Columns e1, e2, e3.
        return new LammpsCellTransform(new Mat3(e1.X, e2.X, e3.X, e1.Y, e2.Y, e3.Y, e1.Z, e2.Z, e3.Z));
    }
}
