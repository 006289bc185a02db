namespace MlipEngine.Dynamics.Barostats;

/// <summary>Which cell degrees of freedom a barostat moves (LAMMPS' iso / aniso / tri).</summary>
public enum PressureCoupling
{
    /// <summary>One strain rate for all axes: the cell scales uniformly (shape kept).</summary>
    Isotropic,
    /// <summary>Three independent axial strain rates (diagonal); angles kept for an orthogonal cell.</summary>
    Anisotropic,
    /// <summary>Full symmetric strain rate (6 components): lengths and angles fluctuate, no rotation.</summary>
    Triclinic,
}
