using MlipEngine.Dynamics.Integrators;
using MlipEngine.Files;
using MlipEngine.Geometry;

namespace MlipEngine.Dynamics.Md;

/// <summary>
/// Everything needed to continue a run bit-identically: step and time, positions, velocities,
/// masses, species, cell, frozen mask, integrator state (thermostat/barostat variables and random
/// streams), the positions and cell at the last neighbor-list build (so the restarted list has the
/// same pairs in the same order and the same rebuild schedule), and named output offsets (bytes of
/// each output file at checkpoint time, so a restart truncates frames written after it).
/// Binary, little-endian, with a SHA-256 trailer, written to a temporary file and renamed over the
/// target (<see cref="ChecksummedFile"/>): a corrupt or truncated checkpoint is refused, never loaded.
/// </summary>
public sealed class MdCheckpoint
{
    private const string Magic = "MLIPMDCK";
    private const int Version = 2;   // 2: SHA-256 trailer (ChecksummedFile), potential fingerprint

    public long Step { get; set; }
    public double Time { get; set; }
    public string Integrator { get; set; } = "";
    public byte[] IntegratorState { get; set; } = [];
    public int[] Numbers { get; set; } = [];
    public double[] Masses { get; set; } = [];
    public double[] X { get; set; } = [];
    public double[] Y { get; set; } = [];
    public double[] Z { get; set; } = [];
    public double[] VX { get; set; } = [];
    public double[] VY { get; set; } = [];
    public double[] VZ { get; set; } = [];
    public Cell Cell { get; set; }
    public bool[] Frozen { get; set; } = [];
    /// <summary>Positions and cell of the last neighbor-list build (empty when unknown).</summary>
    public double[] NeighborX { get; set; } = [];
    public double[] NeighborY { get; set; } = [];
    public double[] NeighborZ { get; set; } = [];
    public Cell NeighborCell { get; set; }
    public Dictionary<string, long> Outputs { get; } = new(StringComparer.Ordinal);
    /// <summary>SHA-256 of the potential the run used (its spec and the files it names); a restart with another potential is refused.</summary>
    public string PotentialFingerprint { get; set; } = "";
    /// <summary>A short description of the settings (for a warning when a restart changes them).</summary>
    public string Settings { get; set; } = "";

    /// <summary>Captures the state of a system and its integrator.</summary>
    public static MdCheckpoint Capture(MdSystem s, IIntegrator integrator, long step, double time, NeighborReference? neighbors)
    {
        int n = s.AtomCount;
        var c = new MdCheckpoint
        {
            Step = step, Time = time, Integrator = integrator.Name,
            Numbers = s.Numbers.ToArray(), Masses = s.Mass.ToArray(),
            X = s.X.ToArray(), Y = s.Y.ToArray(), Z = s.Z.ToArray(), VX = s.VX.ToArray(), VY = s.VY.ToArray(), VZ = s.VZ.ToArray(),
            Cell = s.Cell, Frozen = (bool[])s.Frozen.Clone(),
        };
        using (var ms = new MemoryStream())
        {
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) integrator.Save(w);
            c.IntegratorState = ms.ToArray();
        }
        if (neighbors is { Valid: true })
        {
            c.NeighborX = neighbors.X[..n]; c.NeighborY = neighbors.Y[..n]; c.NeighborZ = neighbors.Z[..n];
            c.NeighborCell = neighbors.Cell;
        }
        return c;
    }

    /// <summary>Restores positions, velocities and cell into <paramref name="s"/> and the integrator state.</summary>
    public void Restore(MdSystem s, IIntegrator integrator)
    {
        int n = s.AtomCount;
        if (Numbers.Length != n) throw new FormatException($"checkpoint has {Numbers.Length} atoms, the run has {n}");
        if (!Numbers.AsSpan().SequenceEqual(s.Numbers)) throw new FormatException("checkpoint species differ from the run's structure");
        if (integrator.Name != Integrator) throw new FormatException($"checkpoint was written by integrator '{Integrator}', the config asks for '{integrator.Name}'");
        Masses.CopyTo(s.Mass);
        X.CopyTo(s.X); Y.CopyTo(s.Y); Z.CopyTo(s.Z);
        VX.CopyTo(s.VX); VY.CopyTo(s.VY); VZ.CopyTo(s.VZ);
        s.Cell = Cell;
        using var r = new BinaryReader(new MemoryStream(IntegratorState));
        integrator.Load(r);
    }

    public void Write(string path) => ChecksummedFile.Write(path, w =>
    {
        {
            w.Write(Magic); w.Write(Version);
            w.Write(Step); w.Write(Time); w.Write(Settings); w.Write(Integrator); w.Write(PotentialFingerprint);
            w.Write(IntegratorState.Length); w.Write(IntegratorState);
            int n = Numbers.Length;
            w.Write(n);
            foreach (int z in Numbers) w.Write(z);
            foreach (var a in new[] { Masses, X, Y, Z, VX, VY, VZ }) foreach (double v in a) w.Write(v);
            foreach (bool f in Frozen) w.Write(f);
            WriteCell(w, Cell);
            w.Write(NeighborX.Length == n && n > 0);
            if (NeighborX.Length == n && n > 0)
            {
                foreach (var a in new[] { NeighborX, NeighborY, NeighborZ }) foreach (double v in a) w.Write(v);
                WriteCell(w, NeighborCell);
            }
            w.Write(Outputs.Count);
            foreach (var (k, v) in Outputs) { w.Write(k); w.Write(v); }
        }
    });

    public static MdCheckpoint Read(string path)
    {
        try
        {
            using var r = ChecksummedFile.Open(path, "md checkpoint");
            if (r.ReadString() != Magic) throw new FormatException($"{path}: not an mlip md checkpoint");
            int version = r.ReadInt32();
            if (version != Version) throw new FormatException($"{path}: checkpoint version {version}, this build reads {Version} (checkpoints of older versions have no checksum; start the run anew)");
            var c = new MdCheckpoint { Step = r.ReadInt64(), Time = r.ReadDouble(), Settings = r.ReadString(), Integrator = r.ReadString(), PotentialFingerprint = r.ReadString() };
            c.IntegratorState = r.ReadBytes(r.ReadInt32());
            int n = r.ReadInt32();
            if (n < 0) throw new FormatException($"{path}: corrupt atom count");
            c.Numbers = new int[n];
            for (int i = 0; i < n; i++) c.Numbers[i] = r.ReadInt32();
            double[] ReadArray() { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = r.ReadDouble(); return a; }
            c.Masses = ReadArray(); c.X = ReadArray(); c.Y = ReadArray(); c.Z = ReadArray();
            c.VX = ReadArray(); c.VY = ReadArray(); c.VZ = ReadArray();
            c.Frozen = new bool[n];
            for (int i = 0; i < n; i++) c.Frozen[i] = r.ReadBoolean();
            c.Cell = ReadCell(r);
            if (r.ReadBoolean())
            {
                c.NeighborX = ReadArray(); c.NeighborY = ReadArray(); c.NeighborZ = ReadArray();
                c.NeighborCell = ReadCell(r);
            }
            int no = r.ReadInt32();
            for (int k = 0; k < no; k++) c.Outputs[r.ReadString()] = r.ReadInt64();
            return c;
        }
        catch (EndOfStreamException) { throw new FormatException($"{path}: checkpoint is truncated"); }
        catch (InvalidDataException e) { throw new FormatException(e.Message); }
    }

    private static void WriteCell(BinaryWriter w, Cell cell)
    {
        Span<double> m = stackalloc double[9];
        cell.Matrix.CopyTo(m);
        foreach (double v in m) w.Write(v);
        w.Write(cell.PeriodicA); w.Write(cell.PeriodicB); w.Write(cell.PeriodicC);
    }

    private static Cell ReadCell(BinaryReader r)
    {
        Span<double> m = stackalloc double[9];
        for (int k = 0; k < 9; k++) m[k] = r.ReadDouble();
        return new Cell(Mat3.FromRowMajor(m), r.ReadBoolean(), r.ReadBoolean(), r.ReadBoolean());
    }
}

/// <summary>
/// Positions and cell at the last neighbor-list build, tracked by the run loop (it sees the force
/// computer's build counter change) so a checkpoint can recreate the same list on restart.
/// </summary>
public sealed class NeighborReference
{
    public double[] X = [], Y = [], Z = [];
    public Cell Cell;
    public bool Valid;
    private int _builds = -1;

    /// <summary>Call after each force evaluation; copies positions when the list was rebuilt.</summary>
    public void Observe(MdSystem s)
    {
        int builds = s.Computer.NeighborBuilds;
        if (builds == _builds) return;
        _builds = builds;
        int n = s.AtomCount;
        if (X.Length != n) { X = new double[n]; Y = new double[n]; Z = new double[n]; }
        s.X.CopyTo(X); s.Y.CopyTo(Y); s.Z.CopyTo(Z);
        Cell = s.Cell;
        Valid = true;
    }

    /// <summary>Sets the reference from positions and cell held elsewhere (a device-resident run's last build).</summary>
    public void Set(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Cell cell)
    {
        int n = x.Length;
        if (X.Length != n) { X = new double[n]; Y = new double[n]; Z = new double[n]; }
        x.CopyTo(X); y.CopyTo(Y); z.CopyTo(Z);
        Cell = cell;
        Valid = true;
    }

    /// <summary>
    /// Rebuilds the force computer's list at the checkpoint's reference positions (a throw-away
    /// force call), so the next call at the current positions reuses it exactly as the
    /// uninterrupted run did.
    /// </summary>
    /// <remarks>
    /// Stand-alone systems only: replicas share one list over the whole batch, so a replica restart
    /// rebuilds it at the current positions and continues to round-off, not bit for bit.
    /// </remarks>
    public static void Replay(MdSystem s, MdCheckpoint c)
    {
        if (!s.OwnsForces) return;
        var b = s.Batch;
        int n = b.AtomCount;
        if (c.NeighborX.Length != n) return;
        var x = b.X[..n]; var y = b.Y[..n]; var z = b.Z[..n]; var cell = b.Cells[0];
        Array.Copy(c.NeighborX, b.X, n); Array.Copy(c.NeighborY, b.Y, n); Array.Copy(c.NeighborZ, b.Z, n);
        b.Cells[0] = c.NeighborCell;
        s.ComputeForces();
        Array.Copy(x, b.X, n); Array.Copy(y, b.Y, n); Array.Copy(z, b.Z, n);
        b.Cells[0] = cell;
    }
}
