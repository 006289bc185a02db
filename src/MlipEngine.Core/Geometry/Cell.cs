namespace MlipEngine.Geometry;

/// <summary>
/// A simulation cell: lattice vectors a, b, c as the rows of <see cref="Matrix"/> (Å), any
/// orientation (general triclinic, not only LAMMPS' lower-triangular form), and periodicity per
/// axis. A molecule is a cell with no periodic axis; its vectors may then be zero (ASE's default).
/// </summary>
/// <remarks>
/// Cartesian r and fractional s are row vectors related by r = s·H, s = r·H⁻¹. The distance between
/// the two lattice planes spanned by b and c is V / |b × c| (likewise for the other axes); it is the
/// thickness a neighbor search must compare with the cutoff to know how many periodic images to visit.
/// </remarks>
public readonly struct Cell : IEquatable<Cell>
{
    public Cell(Mat3 matrix, bool periodicA, bool periodicB, bool periodicC)
    {
        Matrix = matrix;
        PeriodicA = periodicA; PeriodicB = periodicB; PeriodicC = periodicC;
        for (int i = 0; i < 3; i++)
        {
            var v = matrix.Row(i);
            if (!v.IsFinite) throw new ArgumentException($"cell vector {"abc"[i]} is not finite");
            if (IsPeriodic(i) && v.NormSquared == 0)
                throw new ArgumentException($"cell vector {"abc"[i]} is zero but the axis is periodic");
        }
        if (periodicA && periodicB && periodicC && !IsNonSingular)
            throw new ArgumentException($"periodic cell has zero volume (det = {matrix.Determinant:G6} Å³)");
    }

    public Cell(Mat3 matrix, bool periodic = true) : this(matrix, periodic, periodic, periodic) { }

    /// <summary>An open (non-periodic) cell with zero vectors, for molecules and clusters.</summary>
    public static Cell Open => new(Mat3.Zero, false, false, false);

    /// <summary>An orthorhombic periodic box with edge lengths in Å.</summary>
    public static Cell Orthorhombic(double lx, double ly, double lz, bool periodic = true) => new(Mat3.Diagonal(lx, ly, lz), periodic);

    /// <summary>Lattice vectors as rows, Å.</summary>
    public Mat3 Matrix { get; }
    public bool PeriodicA { get; }
    public bool PeriodicB { get; }
    public bool PeriodicC { get; }

    public bool IsPeriodic(int axis) => axis switch { 0 => PeriodicA, 1 => PeriodicB, 2 => PeriodicC, _ => throw new ArgumentOutOfRangeException(nameof(axis)) };
    public bool AnyPeriodic => PeriodicA || PeriodicB || PeriodicC;
    public bool FullyPeriodic => PeriodicA && PeriodicB && PeriodicC;

    public Vec3 A => Matrix.Row(0);
    public Vec3 B => Matrix.Row(1);
    public Vec3 C => Matrix.Row(2);

    /// <summary>Signed volume det(H) in Å³ (positive for a right-handed cell).</summary>
    public double Determinant => Matrix.Determinant;

    /// <summary>Volume |det H| in Å³; zero for a degenerate (e.g. molecular) cell.</summary>
    public double Volume => Math.Abs(Matrix.Determinant);

    /// <summary>True when the three vectors span space, so fractional coordinates exist.</summary>
    public bool IsNonSingular
    {
        get
        {
            double scale = A.Norm * B.Norm * C.Norm;
            return scale > 0 && Math.Abs(Matrix.Determinant) > 1e-12 * scale;
        }
    }

    /// <summary>Distances between opposite faces (Å): V/|b×c|, V/|c×a|, V/|a×b|.</summary>
    public Vec3 FaceDistances
    {
        get
        {
            double v = Volume;
            return new(v / Vec3.Cross(B, C).Norm, v / Vec3.Cross(C, A).Norm, v / Vec3.Cross(A, B).Norm);
        }
    }

    public Vec3 ToCartesian(Vec3 fractional) => fractional * Matrix;
    public Vec3 ToFractional(Vec3 cartesian) => cartesian * Matrix.Inverse();

    /// <summary>The same cell with its vectors replaced (periodicity kept).</summary>
    public Cell WithMatrix(Mat3 matrix) => new(matrix, PeriodicA, PeriodicB, PeriodicC);

    public bool Equals(Cell other) => Matrix == other.Matrix && PeriodicA == other.PeriodicA && PeriodicB == other.PeriodicB && PeriodicC == other.PeriodicC;
    public override bool Equals(object? obj) => obj is Cell c && Equals(c);
    public override int GetHashCode() => HashCode.Combine(Matrix, PeriodicA, PeriodicB, PeriodicC);
    public static bool operator ==(Cell a, Cell b) => a.Equals(b);
    public static bool operator !=(Cell a, Cell b) => !a.Equals(b);
}
