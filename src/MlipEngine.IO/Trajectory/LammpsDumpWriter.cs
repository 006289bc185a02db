using System.Globalization;
using System.Text;
using MlipEngine.Chemistry;
using MlipEngine.Geometry;
using MlipEngine.IO.Lammps;

namespace MlipEngine.IO.Trajectory;

/// <summary>
/// Writes LAMMPS text dumps as <c>dump custom … id type element x y z</c> does, readable by
/// OVITO, VMD, ASE (<c>lammps-dump-text</c>) and LAMMPS' <c>read_dump</c>.
/// </summary>
/// <remarks>
/// Orthorhombic cells are written as <c>ITEM: BOX BOUNDS pp pp pp</c> with lo = 0. Other cells are
/// rotated into LAMMPS' restricted triclinic frame (a along x, b in the xy plane; see
/// <see cref="LammpsCellTransform"/>) and written with tilts as LAMMPS writes them:
/// xlo_bound = xlo + min(0, xy, xz, xy + xz), xhi_bound = xhi + max(0, xy, xz, xy + xz),
/// ylo_bound = ylo + min(0, yz), yhi_bound = yhi + max(0, yz). Types number the elements in order of
/// increasing atomic number. Positions are unwrapped (as stored), full round-trip precision.
/// Non-periodic axes are written "ff"; an all-zero cell gets the atoms' bounding box.
/// </remarks>
public sealed class LammpsDumpWriter : IDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly StringBuilder _sb = new();
    private int[] _typeOfNumber = [];

    public LammpsDumpWriter(TextWriter writer, bool flushEachFrame = true, bool ownsWriter = false)
    {
        _writer = writer; FlushEachFrame = flushEachFrame; _ownsWriter = ownsWriter;
    }

    public bool FlushEachFrame { get; set; }

    /// <summary>Writes one frame. Positions in Å, atom ids 1-based in input order.</summary>
    public void Write(long step, ReadOnlySpan<int> numbers, ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Cell cell)
    {
        int n = numbers.Length;
        if (_typeOfNumber.Length == 0)
        {
            _typeOfNumber = new int[Element.MaxAtomicNumber + 1];
            var present = new SortedSet<int>();
            foreach (int zz in numbers) present.Add(zz);
            int t = 1;
            foreach (int zz in present) _typeOfNumber[zz] = t++;
        }
        var sb = _sb.Clear();
        var ic = CultureInfo.InvariantCulture;
        sb.Append("ITEM: TIMESTEP\n").Append(step.ToString(ic)).Append('\n');
        sb.Append("ITEM: NUMBER OF ATOMS\n").Append(n.ToString(ic)).Append('\n');
        string pbc = $"{(cell.PeriodicA ? "pp" : "ff")} {(cell.PeriodicB ? "pp" : "ff")} {(cell.PeriodicC ? "pp" : "ff")}";
        var h = cell.Matrix;
        var transform = LammpsCellTransform.Identity;
        if (!cell.IsNonSingular)
        {
            double x0 = double.MaxValue, x1 = double.MinValue, y0 = double.MaxValue, y1 = double.MinValue, z0 = double.MaxValue, z1 = double.MinValue;
            for (int i = 0; i < n; i++)
            {
                x0 = Math.Min(x0, x[i]); x1 = Math.Max(x1, x[i]); y0 = Math.Min(y0, y[i]); y1 = Math.Max(y1, y[i]); z0 = Math.Min(z0, z[i]); z1 = Math.Max(z1, z[i]);
            }
            if (n == 0) x0 = x1 = y0 = y1 = z0 = z1 = 0;
            sb.Append("ITEM: BOX BOUNDS ").Append(pbc).Append('\n');
            sb.Append(F(x0)).Append(' ').Append(F(x1)).Append('\n').Append(F(y0)).Append(' ').Append(F(y1)).Append('\n').Append(F(z0)).Append(' ').Append(F(z1)).Append('\n');
        }
        else if (h.XY == 0 && h.XZ == 0 && h.YX == 0 && h.YZ == 0 && h.ZX == 0 && h.ZY == 0 && h.XX > 0 && h.YY > 0 && h.ZZ > 0)
        {
            sb.Append("ITEM: BOX BOUNDS ").Append(pbc).Append('\n');
            sb.Append("0 ").Append(F(h.XX)).Append("\n0 ").Append(F(h.YY)).Append("\n0 ").Append(F(h.ZZ)).Append('\n');
        }
        else
        {
            transform = LammpsCellTransform.For(h, allowReflection: true);
            Vec3 a = transform.ToLammps(h.Row(0)), b = transform.ToLammps(h.Row(1)), c = transform.ToLammps(h.Row(2));
            double lx = a.X, ly = b.Y, lz = c.Z, xy = b.X, xz = c.X, yz = c.Y;
            double xlo = Math.Min(Math.Min(0, xy), Math.Min(xz, xy + xz)), xhi = lx + Math.Max(Math.Max(0, xy), Math.Max(xz, xy + xz));
            double ylo = Math.Min(0, yz), yhi = ly + Math.Max(0, yz);
            sb.Append("ITEM: BOX BOUNDS xy xz yz ").Append(pbc).Append('\n');
            sb.Append(F(xlo)).Append(' ').Append(F(xhi)).Append(' ').Append(F(xy)).Append('\n');
            sb.Append(F(ylo)).Append(' ').Append(F(yhi)).Append(' ').Append(F(xz)).Append('\n');
            sb.Append("0 ").Append(F(lz)).Append(' ').Append(F(yz)).Append('\n');
        }
        sb.Append("ITEM: ATOMS id type element x y z\n");
        bool identity = transform.IsIdentity;
        for (int i = 0; i < n; i++)
        {
            var r = new Vec3(x[i], y[i], z[i]);
            if (!identity) r = transform.ToLammps(r);
            sb.Append((i + 1).ToString(ic)).Append(' ').Append(_typeOfNumber[numbers[i]].ToString(ic)).Append(' ').Append(Element.Symbol(numbers[i]))
              .Append(' ').Append(F(r.X)).Append(' ').Append(F(r.Y)).Append(' ').Append(F(r.Z)).Append('\n');
            if (sb.Length > 1 << 20) { _writer.Write(sb); sb.Clear(); }
        }
        _writer.Write(sb);
        if (FlushEachFrame) _writer.Flush();
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public void Flush() => _writer.Flush();

    public void Dispose()
    {
        if (_ownsWriter) _writer.Dispose(); else _writer.Flush();
    }
}
