using System.Text;
using MlipEngine.Geometry;

namespace MlipEngine.IO.Trajectory;

/// <summary>
/// H5MD 1.1 trajectory writer (HDF5 through <see cref="H5"/>): one particle group <c>all</c> with
/// time-dependent <c>position</c>, <c>velocity</c>, <c>force</c> (value [frame][atom][3], Å, Å/fs, eV/Å),
/// <c>box/edges</c> (value [frame][3][3], lattice vectors as rows, Å), time-independent
/// <c>species</c> (atomic numbers) and <c>observables/potential_energy</c> (eV). Every time-dependent
/// element holds <c>step</c> (int64), <c>time</c> (fs) and <c>value</c>, chunked one frame per chunk
/// along an unlimited first axis; the file is flushed after every frame.
/// </summary>
/// <remarks>
/// Restarting keeps the first <c>keepFrames</c> frames (the count recorded in a checkpoint) and
/// appends after them, so a continued run produces the same frames as an uninterrupted one.
/// </remarks>
public sealed class H5mdWriter : IDisposable
{
    private sealed class Element(long value, long step, long time, ulong[] inner)
    {
        public readonly long Value = value, Step = step, Time = time;
        public readonly ulong[] Inner = inner;
    }

    private readonly string _path;
    private readonly long _file;
    private readonly Element _position, _velocity, _force, _edges, _energy;
    private readonly double[] _xyz, _box = new double[9], _one = new double[1], _time = new double[1];
    private readonly long[] _step = new long[1];
    private bool _disposed;

    /// <summary>True when libhdf5 can be loaded.</summary>
    public static bool IsAvailable() => H5.TryInitialize();

    /// <param name="path">File to create (or to continue when <paramref name="keepFrames"/> is set).</param>
    /// <param name="numbers">Atomic numbers (species).</param>
    /// <param name="periodic">Periodicity of a, b, c (box boundary: periodic / none).</param>
    /// <param name="keepFrames">Restart: keep this many frames of the existing file and append after them.</param>
    public H5mdWriter(string path, int[] numbers, bool[] periodic, string creatorVersion, long? keepFrames = null)
    {
        if (!H5.TryInitialize()) throw new IOException($"{path}: H5MD needs libhdf5 (Debian: apt-get install libhdf5-103-1), which is not installed");
        _path = path;
        int n = numbers.Length;
        _xyz = new double[3 * n];
        ulong[] vec = [(ulong)n, 3], box = [3, 3], scalar = [];
        if (keepFrames is long keep && keep > 0)
        {
            _file = Check(H5.H5Fopen(path, H5.AccRdwr, H5.Default), "open");
            H5.CloseOnExecute(_file);
            _position = Open("particles/all/position", vec); _velocity = Open("particles/all/velocity", vec);
            _force = Open("particles/all/force", vec); _edges = Open("particles/all/box/edges", box);
            _energy = Open("observables/potential_energy", scalar);
            long have = FrameCount(_position.Step);
            if (have < keep) throw new FormatException($"{path} has {have} frames, fewer than the {keep} at the checkpoint; it was changed since");
            foreach (var e in All()) foreach (long d in new[] { e.Value, e.Step, e.Time }) Resize(d, (ulong)keep, d == e.Value ? e.Inner : scalar);
            Frames = keep;
            return;
        }
        _file = Check(H5.H5Fcreate(path, H5.AccTrunc, H5.Default, H5.Default), "create");
        H5.CloseOnExecute(_file);
        long h5md = Group(_file, "h5md");
        IntAttribute(h5md, "version", [1, 1]);
        long author = Group(h5md, "author"); StringAttribute(author, "name", Environment.UserName); H5.H5Gclose(author);
        long creator = Group(h5md, "creator"); StringAttribute(creator, "name", "MlipEngine"); StringAttribute(creator, "version", creatorVersion); H5.H5Gclose(creator);
        H5.H5Gclose(h5md);
        long particles = Group(_file, "particles"), all = Group(particles, "all");
        long boxGroup = Group(all, "box");
        IntAttribute(boxGroup, "dimension", [3]);
        StringArrayAttribute(boxGroup, "boundary", [.. periodic.Select(p => p ? "periodic" : "none")]);
        _edges = Create(boxGroup, "edges", box, H5.NativeDouble, "angstrom");
        H5.H5Gclose(boxGroup);
        _position = Create(all, "position", vec, H5.NativeDouble, "angstrom");
        _velocity = Create(all, "velocity", vec, H5.NativeDouble, "angstrom fs-1");
        _force = Create(all, "force", vec, H5.NativeDouble, "eV angstrom-1");
        long space = Check(H5.H5Screate_simple(1, [(ulong)n], null), "species space");
        long species = Check(H5.H5Dcreate2(all, "species", H5.NativeInt, space, H5.Default, H5.Default, H5.Default), "species");
        Check(H5.H5Dwrite(species, H5.NativeInt, H5.Default, H5.Default, H5.Default, numbers), "species write");
        H5.H5Dclose(species); H5.H5Sclose(space);
        H5.H5Gclose(all); H5.H5Gclose(particles);
        long observables = Group(_file, "observables");
        _energy = Create(observables, "potential_energy", scalar, H5.NativeDouble, "eV");
        H5.H5Gclose(observables);
        Check(H5.H5Fflush(_file, H5.ScopeLocal), "flush");
    }

    /// <summary>Frames in the file.</summary>
    public long Frames { get; private set; }

    /// <summary>Appends one frame (structure of arrays as in a SystemBatch; velocities/forces may be null → zeros).</summary>
    public void Write(long step, double time, Cell cell, double potentialEnergy,
        ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z,
        ReadOnlySpan<double> vx, ReadOnlySpan<double> vy, ReadOnlySpan<double> vz,
        ReadOnlySpan<double> fx, ReadOnlySpan<double> fy, ReadOnlySpan<double> fz)
    {
        _step[0] = step;
        Vectors(x, y, z); Append(_position, _xyz, step, time);
        Vectors(vx, vy, vz); Append(_velocity, _xyz, step, time);
        Vectors(fx, fy, fz); Append(_force, _xyz, step, time);
        var h = cell.Matrix;
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) _box[3 * r + c] = h[r, c];
        Append(_edges, _box, step, time);
        _one[0] = potentialEnergy; Append(_energy, _one, step, time);
        Frames++;
        Check(H5.H5Fflush(_file, H5.ScopeLocal), "flush");
    }

    private void Vectors(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        int n = _xyz.Length / 3;
        if (a.IsEmpty) { Array.Clear(_xyz); return; }
        for (int i = 0; i < n; i++) { _xyz[3 * i] = a[i]; _xyz[3 * i + 1] = b[i]; _xyz[3 * i + 2] = c[i]; }
    }

    private void Append(Element e, double[] value, long step, double time)
    {
        ulong f = (ulong)Frames;
        _time[0] = time;
        WriteFrame(e.Value, f, e.Inner, value);
        WriteFrame(e.Step, f, [], _step);
        WriteFrame(e.Time, f, [], _time);
    }

    private void WriteFrame(long dset, ulong frame, ulong[] inner, Array buffer)
    {
        int rank = 1 + inner.Length;
        var size = new ulong[rank]; var start = new ulong[rank]; var count = new ulong[rank];
        size[0] = frame + 1; start[0] = frame; count[0] = 1;
        for (int k = 0; k < inner.Length; k++) { size[k + 1] = inner[k]; count[k + 1] = inner[k]; }
        Check(H5.H5Dset_extent(dset, size), "extend");
        long fileSpace = Check(H5.H5Dget_space(dset), "space");
        long memSpace = Check(H5.H5Screate_simple(rank, count, null), "space");
        try
        {
            Check(H5.H5Sselect_hyperslab(fileSpace, H5.SelectSet, start, null, count, null), "select");
            int rc = buffer is long[] l ? H5.H5Dwrite(dset, H5.NativeInt64, memSpace, fileSpace, H5.Default, l)
                : H5.H5Dwrite(dset, H5.NativeDouble, memSpace, fileSpace, H5.Default, (double[])buffer);
            Check(rc, "write");
        }
        finally { H5.H5Sclose(memSpace); H5.H5Sclose(fileSpace); }
    }

    private IEnumerable<Element> All() => [_position, _velocity, _force, _edges, _energy];

    private Element Create(long parent, string name, ulong[] inner, long type, string unit)
    {
        long g = Group(parent, name);
        var e = new Element(Dataset(g, "value", inner, type, unit), Dataset(g, "step", [], H5.NativeInt64, null), Dataset(g, "time", [], H5.NativeDouble, "fs"), inner);
        H5.H5Gclose(g);
        return e;
    }

    private long Dataset(long loc, string name, ulong[] inner, long type, string? unit)
    {
        int rank = 1 + inner.Length;
        var dims = new ulong[rank]; var max = new ulong[rank]; var chunk = new ulong[rank];
        max[0] = H5.Unlimited;
        chunk[0] = inner.Length == 0 ? 256UL : 1UL;   // scalars: 256 frames per chunk; arrays: one frame
        for (int k = 0; k < inner.Length; k++) { dims[k + 1] = max[k + 1] = chunk[k + 1] = inner[k]; }
        long space = Check(H5.H5Screate_simple(rank, dims, max), "space");
        long dcpl = Check(H5.H5Pcreate(H5.DatasetCreate), "plist");
        Check(H5.H5Pset_chunk(dcpl, rank, chunk), "chunk");
        long d = Check(H5.H5Dcreate2(loc, name, type, space, H5.Default, dcpl, H5.Default), $"dataset {name}");
        H5.H5Pclose(dcpl); H5.H5Sclose(space);
        if (unit != null) StringAttribute(d, "unit", unit);
        return d;
    }

    private Element Open(string group, ulong[] inner) =>
        new(Check(H5.H5Dopen2(_file, group + "/value", H5.Default), group), Check(H5.H5Dopen2(_file, group + "/step", H5.Default), group),
            Check(H5.H5Dopen2(_file, group + "/time", H5.Default), group), inner);

    private long FrameCount(long dset)
    {
        long space = Check(H5.H5Dget_space(dset), "space");
        var dims = new ulong[1];
        Check(H5.H5Sget_simple_extent_dims(space, dims, null), "dims");
        H5.H5Sclose(space);
        return (long)dims[0];
    }

    private void Resize(long dset, ulong frames, ulong[] inner)
    {
        var size = new ulong[1 + inner.Length];
        size[0] = frames;
        inner.CopyTo(size, 1);
        Check(H5.H5Dset_extent(dset, size), "truncate");
    }

    private long Group(long parent, string name) => Check(H5.H5Gcreate2(parent, name, H5.Default, H5.Default, H5.Default), $"group {name}");

    private void IntAttribute(long obj, string name, int[] values)
    {
        long space = values.Length == 1 ? H5.H5Screate(H5.ScalarSpace) : H5.H5Screate_simple(1, [(ulong)values.Length], null);
        long a = Check(H5.H5Acreate2(obj, name, H5.NativeInt, Check(space, "space"), H5.Default, H5.Default), $"attribute {name}");
        Check(H5.H5Awrite(a, H5.NativeInt, values), $"attribute {name}");
        H5.H5Aclose(a); H5.H5Sclose(space);
    }

    private void StringAttribute(long obj, string name, string value) => StringAttributes(obj, name, [value], scalar: true);
    private void StringArrayAttribute(long obj, string name, string[] values) => StringAttributes(obj, name, values, scalar: false);

    /// <summary>Fixed-length, NUL-padded strings (width = longest + 1).</summary>
    private void StringAttributes(long obj, string name, string[] values, bool scalar)
    {
        var bytes = values.Select(Encoding.UTF8.GetBytes).ToArray();
        int width = bytes.Max(b => b.Length) + 1;
        var buf = new byte[width * values.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i].CopyTo(buf, i * width);
        long type = Check(H5.H5Tcopy(H5.CString), "type");
        Check(H5.H5Tset_size(type, (nuint)width), "type");
        long space = Check(scalar ? H5.H5Screate(H5.ScalarSpace) : H5.H5Screate_simple(1, [(ulong)values.Length], null), "space");
        long a = Check(H5.H5Acreate2(obj, name, type, space, H5.Default, H5.Default), $"attribute {name}");
        Check(H5.H5Awrite(a, type, buf), $"attribute {name}");
        H5.H5Aclose(a); H5.H5Sclose(space); H5.H5Tclose(type);
    }

    private long Check(long id, string what) => id >= 0 ? id : throw new IOException($"{_path}: HDF5 {what} failed");
    private void Check(int rc, string what) { if (rc < 0) throw new IOException($"{_path}: HDF5 {what} failed"); }

    public void Flush() => H5.H5Fflush(_file, H5.ScopeLocal);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var e in All()) { H5.H5Dclose(e.Value); H5.H5Dclose(e.Step); H5.H5Dclose(e.Time); }
        H5.H5Fclose(_file);
    }
}
