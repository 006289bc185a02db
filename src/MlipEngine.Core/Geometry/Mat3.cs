namespace MlipEngine.Geometry;

/// <summary>
/// A 3×3 matrix of doubles stored row-major. As a cell it holds the lattice vectors a, b, c as
/// rows (ASE's convention), so a fractional row vector s maps to Cartesian r = s·H.
/// </summary>
public readonly record struct Mat3(
    double XX, double XY, double XZ,
    double YX, double YY, double YZ,
    double ZX, double ZY, double ZZ)
{
    public static readonly Mat3 Zero = default;
    public static readonly Mat3 Identity = new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    public static Mat3 FromRows(Vec3 a, Vec3 b, Vec3 c) => new(a.X, a.Y, a.Z, b.X, b.Y, b.Z, c.X, c.Y, c.Z);

    /// <summary>Builds a matrix from 9 numbers in row-major order.</summary>
    public static Mat3 FromRowMajor(ReadOnlySpan<double> v)
    {
        if (v.Length != 9) throw new ArgumentException("a 3×3 matrix needs 9 numbers", nameof(v));
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    public static Mat3 Diagonal(double a, double b, double c) => new(a, 0, 0, 0, b, 0, 0, 0, c);

    public Vec3 Row(int i) => i switch
    {
        0 => new(XX, XY, XZ),
        1 => new(YX, YY, YZ),
        2 => new(ZX, ZY, ZZ),
        _ => throw new ArgumentOutOfRangeException(nameof(i)),
    };

    public double this[int i, int j] => (i * 3 + j) switch
    {
        0 => XX, 1 => XY, 2 => XZ, 3 => YX, 4 => YY, 5 => YZ, 6 => ZX, 7 => ZY, 8 => ZZ,
        _ => throw new ArgumentOutOfRangeException(nameof(i)),
    };

    public void CopyTo(Span<double> rowMajor)
    {
        rowMajor[0] = XX; rowMajor[1] = XY; rowMajor[2] = XZ;
        rowMajor[3] = YX; rowMajor[4] = YY; rowMajor[5] = YZ;
        rowMajor[6] = ZX; rowMajor[7] = ZY; rowMajor[8] = ZZ;
    }

    public double Determinant =>
        XX * (YY * ZZ - YZ * ZY) - XY * (YX * ZZ - YZ * ZX) + XZ * (YX * ZY - YY * ZX);

    public double Trace => XX + YY + ZZ;

    public Mat3 Transpose() => new(XX, YX, ZX, XY, YY, ZY, XZ, YZ, ZZ);

    public Mat3 Inverse()
    {
        double det = Determinant;
        if (det == 0) throw new InvalidOperationException("singular 3×3 matrix");
        double inv = 1.0 / det;
        return new(
            (YY * ZZ - YZ * ZY) * inv, (XZ * ZY - XY * ZZ) * inv, (XY * YZ - XZ * YY) * inv,
            (YZ * ZX - YX * ZZ) * inv, (XX * ZZ - XZ * ZX) * inv, (XZ * YX - XX * YZ) * inv,
            (YX * ZY - YY * ZX) * inv, (XY * ZX - XX * ZY) * inv, (XX * YY - XY * YX) * inv);
    }

    /// <summary>Row vector times matrix: v·M.</summary>
    public static Vec3 operator *(Vec3 v, Mat3 m) => new(
        v.X * m.XX + v.Y * m.YX + v.Z * m.ZX,
        v.X * m.XY + v.Y * m.YY + v.Z * m.ZY,
        v.X * m.XZ + v.Y * m.YZ + v.Z * m.ZZ);

    /// <summary>Matrix times column vector: M·v.</summary>
    public static Vec3 operator *(Mat3 m, Vec3 v) => new(
        m.XX * v.X + m.XY * v.Y + m.XZ * v.Z,
        m.YX * v.X + m.YY * v.Y + m.YZ * v.Z,
        m.ZX * v.X + m.ZY * v.Y + m.ZZ * v.Z);

    public static Mat3 operator *(Mat3 a, Mat3 b) => new(
        a.XX * b.XX + a.XY * b.YX + a.XZ * b.ZX, a.XX * b.XY + a.XY * b.YY + a.XZ * b.ZY, a.XX * b.XZ + a.XY * b.YZ + a.XZ * b.ZZ,
        a.YX * b.XX + a.YY * b.YX + a.YZ * b.ZX, a.YX * b.XY + a.YY * b.YY + a.YZ * b.ZY, a.YX * b.XZ + a.YY * b.YZ + a.YZ * b.ZZ,
        a.ZX * b.XX + a.ZY * b.YX + a.ZZ * b.ZX, a.ZX * b.XY + a.ZY * b.YY + a.ZZ * b.ZY, a.ZX * b.XZ + a.ZY * b.YZ + a.ZZ * b.ZZ);

    public static Mat3 operator *(double s, Mat3 m) => new(
        s * m.XX, s * m.XY, s * m.XZ, s * m.YX, s * m.YY, s * m.YZ, s * m.ZX, s * m.ZY, s * m.ZZ);

    public static Mat3 operator +(Mat3 a, Mat3 b) => new(
        a.XX + b.XX, a.XY + b.XY, a.XZ + b.XZ, a.YX + b.YX, a.YY + b.YY, a.YZ + b.YZ, a.ZX + b.ZX, a.ZY + b.ZY, a.ZZ + b.ZZ);

    /// <summary>Rotation about a unit axis by an angle in radians (Rodrigues).</summary>
    public static Mat3 Rotation(Vec3 axis, double angle)
    {
        var u = axis / axis.Norm;
        double c = Math.Cos(angle), s = Math.Sin(angle), t = 1 - c;
        return new(
            t * u.X * u.X + c, t * u.X * u.Y - s * u.Z, t * u.X * u.Z + s * u.Y,
            t * u.X * u.Y + s * u.Z, t * u.Y * u.Y + c, t * u.Y * u.Z - s * u.X,
            t * u.X * u.Z - s * u.Y, t * u.Y * u.Z + s * u.X, t * u.Z * u.Z + c);
    }

    /// <summary>
    /// Writes the symmetric tensor with components xx yy zz xy xz yz (the six a device reduction returns)
    /// as 9 row-major entries into <paramref name="rowMajor"/>.
    /// </summary>
    public static void WriteSymmetric(Span<double> rowMajor, double xx, double yy, double zz, double xy, double xz, double yz)
    {
        rowMajor[0] = xx; rowMajor[1] = xy; rowMajor[2] = xz;
        rowMajor[3] = xy; rowMajor[4] = yy; rowMajor[5] = yz;
        rowMajor[6] = xz; rowMajor[7] = yz; rowMajor[8] = zz;
    }
}
