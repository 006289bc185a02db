using System.Runtime.CompilerServices;
using MlipEngine.Geometry;
using MlipEngine.State;
using MlipEngine.Threading;

namespace MlipEngine.Neighbors;

/// <summary>
/// A neighbor list with a Verlet skin: built with radius r_c + skin and rebuilt only when some atom
/// has moved more than skin/2 since the last build (then no pair can have crossed into r_c unseen),
/// when a cell changed by more than the skin can absorb, or when the batch's atoms changed. Small
/// cell deformations (a barostat's) keep the list: its shift vectors are refreshed for the new cell.
/// </summary>
public sealed class VerletNeighborList
{
    private readonly NeighborListBuilder _builder;
    private double[] _x0 = [], _y0 = [], _z0 = [];
    private int[] _numbers = [];
    private int[] _offsets = [];
    private bool _valid, _builtHere;
    private int _atoms;
    private Cell[] _buildCells = [];

    public VerletNeighborList(double cutoff, double skin, NeighborListKind kind, int threads = 1)
        : this(cutoff, skin, kind, new ThreadTeam(threads)) { }

    /// <summary>A list whose builds run on <paramref name="team"/> (shared with the kernels that use the list).</summary>
    public VerletNeighborList(double cutoff, double skin, NeighborListKind kind, ThreadTeam team)
    {
        if (!(cutoff > 0)) throw new ArgumentOutOfRangeException(nameof(cutoff), "cutoff must be positive");
        if (!(skin >= 0)) throw new ArgumentOutOfRangeException(nameof(skin), "skin must be non-negative");
        Cutoff = cutoff;
        Skin = skin;
        _builder = new NeighborListBuilder(team);
        _team = team;
        _moved = new bool[team.Size];
        _checkBody = CheckRange;
        List = _builder.Create(kind);
    }

    /// <summary>Interaction cutoff, Å.</summary>
    public double Cutoff { get; }
    /// <summary>Skin, Å.</summary>
    public double Skin { get; }
    public NeighborList List { get; }
    public int BuildCount { get; private set; }

    /// <summary>
    /// Positions at the last build (the skin test's reference), Å; valid after the first <see cref="Update"/> or
    /// <see cref="UpdateBuiltElsewhere"/>.
    /// </summary>
    public ReadOnlySpan<double> ReferenceX => _x0.AsSpan(0, _atoms);
    public ReadOnlySpan<double> ReferenceY => _y0.AsSpan(0, _atoms);
    public ReadOnlySpan<double> ReferenceZ => _z0.AsSpan(0, _atoms);
    /// <summary>Atoms of the last build's batch (0 before the first).</summary>
    public int ReferenceAtomCount => _atoms;
    /// <summary>Whether <see cref="List"/> holds the last build (false after <see cref="UpdateBuiltElsewhere"/> built one elsewhere).</summary>
    public bool ListBuiltHere => _valid && _builtHere;

    /// <summary>Forces the next <see cref="Update"/> to rebuild.</summary>
    public void Invalidate() => _valid = false;

    /// <summary>Systems rebuilt by the last partial rebuild (diagnostics); 0 after a full build.</summary>
    public int LastPartialSystems { get; private set; }

    /// <summary>
    /// Rebuilds the list when needed; returns true when it did. Each system is judged on its own: when
    /// only some systems of a batch moved past their skin, only those are rebuilt.
    /// </summary>
    public bool Update(SystemBatch batch) => Update(batch, buildHere: true);

    /// <summary>
    /// The skin test of <see cref="Update"/> for a list built elsewhere from the same batch (on a device): returns true when a new
    /// list is needed, and the batch then becomes the reference (positions, cells, atoms), as if built here; the caller builds the
    /// list and <see cref="List"/> is left as it was. Every rebuild is of the whole batch. A list kept while a cell deformed (the rule
    /// of <see cref="CellChangeKeepsListValid"/>) needs its shift vectors made for the new cell, as <see cref="Update"/> does for its own.
    /// </summary>
    public bool UpdateBuiltElsewhere(SystemBatch batch) => Update(batch, buildHere: false);

    private bool Update(SystemBatch batch, bool buildHere)
    {
        int ns = batch.SystemCount;
        bool full = !_valid || _builtHere != buildHere || _atoms != batch.AtomCount || _offsets.Length != ns + 1
            || !batch.SystemOffsets.AsSpan().SequenceEqual(_offsets) || !batch.Numbers.AsSpan().SequenceEqual(_numbers) || Skin == 0;
        int stale = 0;
        if (!full)
        {
            if (_stale.Length < ns) _stale = new bool[ns];
            for (int s = 0; s < ns; s++)
            {
                _stale[s] = SystemNeedsRebuild(batch, s);
                if (_stale[s]) stale++;
            }
            if (stale == 0)
            {
                // Kept: make the list's shift vectors follow any accepted cell change (or a return to the build cell).
                if (buildHere)
                    for (int s = 0; s < ns; s++)
                        if (List.Cells[s] != batch.Cells[s]) { List.UpdateCells(batch); break; }
                return false;
            }
            full = stale == ns || !buildHere;
        }
        if (!buildHere) LastPartialSystems = 0;
        else if (full)
        {
            _builder.Build(batch, Cutoff + Skin, List);
            LastPartialSystems = 0;
        }
        else
        {
            _builder.Build(batch, Cutoff + Skin, List, _stale);
            // systems kept may have had an accepted cell change: refresh shift vectors for all
            List.UpdateCells(batch);
            LastPartialSystems = stale;
        }
        int n = batch.AtomCount;
        if (_x0.Length < n) { _x0 = new double[n]; _y0 = new double[n]; _z0 = new double[n]; }
        if (_buildCells.Length != ns) _buildCells = new Cell[ns];
        for (int s = 0; s < ns; s++)
        {
            if (!full && !_stale[s]) continue;
            int first = batch.SystemOffsets[s], count = batch.AtomCountOf(s);
            Array.Copy(batch.X, first, _x0, first, count); Array.Copy(batch.Y, first, _y0, first, count); Array.Copy(batch.Z, first, _z0, first, count);
            _buildCells[s] = batch.Cells[s];
        }
        // copies into buffers that only grow, so rebuilds during MD do not allocate
        if (_numbers.Length != batch.Numbers.Length) _numbers = new int[batch.Numbers.Length];
        if (_offsets.Length != batch.SystemOffsets.Length) _offsets = new int[batch.SystemOffsets.Length];
        Array.Copy(batch.Numbers, _numbers, _numbers.Length);
        Array.Copy(batch.SystemOffsets, _offsets, _offsets.Length);
        _valid = true;
        _builtHere = buildHere;
        _atoms = n;
        BuildCount++;
        return true;
    }

    private bool[] _stale = [];

    /// <summary>Skin test of one system: the fixed-cell rule, or the deformation rule when its cell changed.</summary>
    private bool SystemNeedsRebuild(SystemBatch batch, int s)
    {
        if (batch.Cells[s] != _buildCells[s]) return !CellChangeKeepsListValid(batch, s);
        int first = batch.SystemOffsets[s], end = batch.SystemOffsets[s + 1];
        if (_team.Size == 1 || end - first < ParallelAtoms) return MovedPastHalfSkin(batch, first, end);
        // large systems: each thread of the team tests a share of the atoms
        _checkBatch = batch; _checkFirst = first; _checkEnd = end;
        _team.Run(_checkBody);
        _checkBatch = null;
        foreach (bool moved in _moved) if (moved) return true;
        return false;
    }

    /// <summary>Systems at least this large test the skin on all threads of the team.</summary>
    private const int ParallelAtoms = 8192;
    private readonly ThreadTeam _team;
    private readonly bool[] _moved;
    private readonly Action<int> _checkBody;
    private SystemBatch? _checkBatch;
    private int _checkFirst, _checkEnd;

    private void CheckRange(int t)
    {
        long count = _checkEnd - _checkFirst;
        int a = _checkFirst + (int)(count * t / _team.Size), b = _checkFirst + (int)(count * (t + 1) / _team.Size);
        _moved[t] = MovedPastHalfSkin(_checkBatch!, a, b);
    }

    /// <summary>True when some atom in [start, end) moved more than skin/2 since the build (or is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimised from the first call: an MD run's first steps must not run tier-0 code
    private bool MovedPastHalfSkin(SystemBatch batch, int start, int end)
    {
        double limit2 = 0.25 * Skin * Skin;
        var x = batch.X; var y = batch.Y; var z = batch.Z;
        for (int i = start; i < end; i++)
        {
            double dx = x[i] - _x0[i], dy = y[i] - _y0[i], dz = z[i] - _z0[i];
            double d2 = dx * dx + dy * dy + dz * dz;
            if (!(d2 <= limit2)) return true; // also true for NaN
        }
        return false;
    }

    /// <summary>
    /// A cell deformed from H₀ (at build) to H = H₀F, with positions r = r₀F + δ (δ the non-affine
    /// part, as a barostat scales positions with the cell). Every pair or image then has
    /// d = d₀F + δⱼ − δᵢ, so |d| ≥ |d₀|σ_min(F) − 2 max|δ|. A pair left out of the list had
    /// |d₀| ≥ r_c + skin, so it is still outside r_c while 2 max|δ| ≤ (r_c + skin)σ_min(F) − r_c.
    /// σ_min(F) ≥ 1 − ‖F − I‖_F gives a cheap conservative bound. With F = I this is the usual skin/2 rule.
    /// </summary>
    private bool CellChangeKeepsListValid(SystemBatch batch, int s)
    {
        {
            Cell now = batch.Cells[s], then = _buildCells[s];
            if (now.PeriodicA != then.PeriodicA || now.PeriodicB != then.PeriodicB || now.PeriodicC != then.PeriodicC) return false;
            Mat3 f;
            if (now == then) f = Mat3.Identity;
            else
            {
                if (!then.IsNonSingular || !now.IsNonSingular) return false;
                f = then.Matrix.Inverse() * now.Matrix;
            }
            var e = f + (-1.0) * Mat3.Identity;
            double norm = Math.Sqrt(e.XX * e.XX + e.XY * e.XY + e.XZ * e.XZ + e.YX * e.YX + e.YY * e.YY + e.YZ * e.YZ + e.ZX * e.ZX + e.ZY * e.ZY + e.ZZ * e.ZZ);
            double sigmaMin = 1 - norm;
            double allowed = 0.5 * ((Cutoff + Skin) * sigmaMin - Cutoff);
            if (!(allowed > 0)) return false;
            double allowed2 = allowed * allowed;
            for (int i = batch.SystemOffsets[s]; i < batch.SystemOffsets[s + 1]; i++)
            {
                double x0 = _x0[i], y0 = _y0[i], z0 = _z0[i];
                // r₀F for a row vector r₀
                double ax = x0 * f.XX + y0 * f.YX + z0 * f.ZX;
                double ay = x0 * f.XY + y0 * f.YY + z0 * f.ZY;
                double az = x0 * f.XZ + y0 * f.YZ + z0 * f.ZZ;
                double dx = batch.X[i] - ax, dy = batch.Y[i] - ay, dz = batch.Z[i] - az;
                if (!(dx * dx + dy * dy + dz * dz <= allowed2)) return false;
            }
        }
        return true;
    }
}
