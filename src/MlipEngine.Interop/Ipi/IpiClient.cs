using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using MlipEngine.ForceFields;

namespace MlipEngine.Interop.Ipi;

/// <summary>How a <see cref="IpiClient.Run"/> ended.</summary>
public enum IpiEnd
{
    /// <summary>The driver sent EXIT.</summary>
    Exit,
    /// <summary>The driver closed the connection between two messages without EXIT (ASE's SocketIOCalculator does so when closed).</summary>
    ClosedBetweenMessages,
}

/// <summary>
/// A client ("driver code" in i-PI's words, the force provider) of the i-PI socket protocol.
/// </summary>
/// <remarks>
/// <para>Wire format (i-PI, and ASE 3.22's <c>ase/calculators/socketio.py</c>): every message starts
/// with a 12-byte ASCII header padded with spaces; numbers are native little-endian float64/int32.</para>
/// <list type="bullet">
/// <item>STATUS → we answer READY (waiting for positions) or HAVEDATA (forces computed, not yet fetched).</item>
/// <item>POSDATA, then h (9 float64), h⁻¹ (9), natoms (int32), positions (3·natoms float64), all in Bohr.
/// The driver sends <c>cell.T / Bohr</c>: the 9 numbers are hᵀ in row-major order, i.e. the lattice
/// vectors are the <em>columns</em> of h; our cell (vectors as rows) is H[j][i] = m[3i+j]·Bohr.
/// We compute at once, as i-PI's own drivers do.</item>
/// <item>GETFORCE → FORCEREADY, energy (Hartree), natoms (int32), forces (3·natoms, Hartree/Bohr),
/// virial (9, Hartree), extra-string length (int32) and bytes. The driver reads the virial as
/// <c>recv(3,3).T</c>, so we send Wᵀ row-major; W is −σV (ASE: stress = −virial/V), which is
/// exactly our <see cref="ForceResult.Virial"/> (LAMMPS sign). We send an empty extra string.</item>
/// <item>INIT, bead index (int32), length (int32), init string: accepted at any time and ignored except
/// for logging (we need no initialisation; species come from the template).</item>
/// <item>EXIT → return.</item>
/// </list>
/// <para>Cell changes (NPT, variable-cell relaxation) are just new POSDATA: the neighbor list rebuilds.
/// A new atom count takes its species from <see cref="SpeciesTemplate"/>. A driver whose cell is
/// singular (ASE sends zeros for a molecule) is treated as non-periodic.</para>
/// </remarks>
public sealed class IpiClient
{
    private const int HeaderLength = 12;
    private readonly Socket _socket;
    private readonly EmbeddedCalculator _calculator;
    private readonly SpeciesTemplate _template;
    private readonly TextWriter? _log;
    private byte[] _buffer = new byte[1 << 12];
    private int[] _numbers = [];
    private double[] _positions = [];
    private readonly double[] _cell = new double[9];
    private readonly bool[] _periodic = new bool[3];
    private readonly int[] _count = new int[1];
    private bool _haveData;
    private int _atomCount;

    public IpiClient(Socket socket, EmbeddedCalculator calculator, SpeciesTemplate template, TextWriter? log = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the i-PI client assumes a little-endian machine");
        _socket = socket;
        _calculator = calculator;
        _template = template;
        _log = log;
    }

    /// <summary>Force calls served so far.</summary>
    public long ForceCalls { get; private set; }
    /// <summary>Time spent in force evaluation (excludes socket I/O).</summary>
    public TimeSpan ComputeTime { get; private set; }
    /// <summary>Bead index of the last INIT.</summary>
    public int BeadIndex { get; private set; }

    /// <summary>
    /// Serves until EXIT or a clean close between messages. Throws <see cref="IpiException"/> when
    /// the driver disappears in the middle of a message or after sending positions it never fetched,
    /// or sends something malformed.
    /// </summary>
    public IpiEnd Run()
    {
        while (true)
        {
            string? header = ReadHeader();
            if (header == null)
            {
                if (_haveData)
                    throw new IpiException("the driver disappeared: connection closed after POSDATA before it asked for the forces");
                return IpiEnd.ClosedBetweenMessages;
            }
            _log?.WriteLine($"ipi: <- {header}");
            switch (header)
            {
                case "STATUS":
                    SendHeader(_haveData ? "HAVEDATA" : "READY");
                    break;
                case "POSDATA":
                    ReceivePositionsAndCompute();
                    break;
                case "GETFORCE":
                    if (!_haveData) throw new IpiException("the driver sent GETFORCE before POSDATA");
                    SendForces();
                    _haveData = false;
                    break;
                case "INIT":
                    ReceiveInit();
                    break;
                case "EXIT":
                    return IpiEnd.Exit;
                default:
                    throw new IpiException($"the driver sent an unknown message '{header}' (expected STATUS, POSDATA, GETFORCE, INIT or EXIT)");
            }
        }
    }

    private void ReceivePositionsAndCompute()
    {
        // h and h⁻¹ (hᵀ row-major, Bohr) then natoms.
        Span<byte> head = stackalloc byte[18 * 8 + 4];
        ReadExact(head, "POSDATA cell");
        var h = MemoryMarshal.Cast<byte, double>(head[..72]);
        int n = BinaryPrimitives.ReadInt32LittleEndian(head[144..]);
        if (n < 0 || n > 100_000_000) throw new IpiException($"the driver sent an impossible atom count {n}");
        if (n != _atomCount || _numbers.Length < n)
        {
            if (_numbers.Length < n) { _numbers = new int[n]; _positions = new double[3 * n]; }
            _template.Fill(n, _numbers.AsSpan(0, n), _periodic);
            if (_atomCount != 0) _log?.WriteLine($"ipi: atom count changed {_atomCount} → {n}; species from {_template.Source}");
            _atomCount = n;
        }
        // Lattice vector i (row i of our H) is column i of the driver's h: H[i][j] = m[3j+i].
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                _cell[3 * i + j] = h[3 * j + i] * IpiUnits.Bohr;
        var pos = _positions.AsSpan(0, 3 * n);
        ReadExact(MemoryMarshal.AsBytes(pos), "POSDATA positions");
        for (int k = 0; k < pos.Length; k++)
        {
            double v = pos[k] * IpiUnits.Bohr;
            if (!double.IsFinite(v)) throw new IpiException($"the driver sent a non-finite coordinate for atom {k / 3}");
            pos[k] = v;
        }
        Span<bool> periodic = stackalloc bool[3];
        _periodic.CopyTo(periodic);
        double det = Geometry.Mat3.FromRowMajor(_cell).Determinant;
        if (!(Math.Abs(det) > 0)) periodic.Clear();   // a molecule: ASE sends a zero cell
        var sw = Stopwatch.StartNew();
        _count[0] = n;
        try
        {
            _calculator.Compute(_count, _numbers.AsSpan(0, n), pos, _cell, periodic, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial);
        }
        catch (ArgumentException e)
        {
            throw new IpiException($"cannot evaluate the driver's structure: {e.Message}");
        }
        ComputeTime += sw.Elapsed;
        ForceCalls++;
        _haveData = true;
    }

    private void SendForces()
    {
        var r = _calculator.Result;
        int n = _atomCount;
        int length = HeaderLength + 8 + 4 + 24 * n + 72 + 4;
        if (_buffer.Length < length) _buffer = new byte[length];
        var span = _buffer.AsSpan(0, length);
        WriteHeader(span, "FORCEREADY");
        int o = HeaderLength;
        BinaryPrimitives.WriteDoubleLittleEndian(span[o..], r.Energy[0] / IpiUnits.Hartree); o += 8;
        BinaryPrimitives.WriteInt32LittleEndian(span[o..], n); o += 4;
        var f = MemoryMarshal.Cast<byte, double>(span.Slice(o, 24 * n)); o += 24 * n;
        for (int i = 0; i < n; i++)
        {
            f[3 * i] = IpiUnits.ForceToAtomic * r.Fx[i];
            f[3 * i + 1] = IpiUnits.ForceToAtomic * r.Fy[i];
            f[3 * i + 2] = IpiUnits.ForceToAtomic * r.Fz[i];
        }
        // The driver reads recv(3,3).T, so send Wᵀ: element (i,j) of the sent matrix is W[j][i].
        var w = MemoryMarshal.Cast<byte, double>(span.Slice(o, 72)); o += 72;
        var virial = r.VirialOf(0);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                w[3 * i + j] = IpiUnits.EnergyToAtomic * virial[3 * j + i];
        BinaryPrimitives.WriteInt32LittleEndian(span[o..], 0);
        Send(span);
    }

    private void ReceiveInit()
    {
        Span<byte> head = stackalloc byte[8];
        ReadExact(head, "INIT");
        BeadIndex = BinaryPrimitives.ReadInt32LittleEndian(head);
        int length = BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
        if (length < 0 || length > 1 << 24) throw new IpiException($"the driver sent an INIT string of impossible length {length}");
        var text = new byte[length];
        ReadExact(text, "INIT string");
        _log?.WriteLine($"ipi: INIT bead {BeadIndex}, {length} byte(s) of init string (ignored)");
    }

    /// <summary>Reads a header; null on a clean close before its first byte.</summary>
    private string? ReadHeader()
    {
        Span<byte> h = stackalloc byte[HeaderLength];
        int got;
        try { got = _socket.Receive(h); }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset && !_haveData)
        {
            got = 0; // a reset between messages is a close; the caller decides whether that is an error
        }
        if (got == 0) return null;
        if (got < HeaderLength) ReadExact(h[got..], "message header");
        return Encoding.ASCII.GetString(h).TrimEnd(' ', '\0');
    }

    private void ReadExact(Span<byte> target, string what)
    {
        int done = 0;
        while (done < target.Length)
        {
            int got = Receive(target[done..]);
            if (got == 0)
                throw new IpiException($"the driver disappeared: connection closed in the middle of {what} ({done}/{target.Length} bytes)");
            done += got;
        }
    }

    private int Receive(Span<byte> target)
    {
        try { return _socket.Receive(target); }
        catch (SocketException e) { throw new IpiException($"the driver disappeared: {e.Message}"); }
    }

    private void SendHeader(string header)
    {
        Span<byte> h = stackalloc byte[HeaderLength];
        WriteHeader(h, header);
        Send(h);
        _log?.WriteLine($"ipi: -> {header}");
    }

    private static void WriteHeader(Span<byte> target, string header)
    {
        target[..HeaderLength].Fill((byte)' ');
        Encoding.ASCII.GetBytes(header, target);
    }

    private void Send(ReadOnlySpan<byte> data)
    {
        try
        {
            while (!data.IsEmpty) data = data[_socket.Send(data)..];
        }
        catch (SocketException e) { throw new IpiException($"the driver disappeared: {e.Message}"); }
    }
}
