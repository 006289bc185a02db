// Overhead of the embeddings for a 64-atom EAM Cu system (Cu_u3.eam, 1 thread, skin 0.5 Å,
// positions unchanged between calls so the neighbor list is reused and only the force
// evaluation remains): (1) IForceComputer.Compute alone, (2) one i-PI force call over a Unix
// socket with an in-process driver thread speaking the protocol as ASE does (STATUS, POSDATA,
// STATUS, GETFORCE + FORCEREADY). Also writes the C test's input file so run.sh can time the C ABI.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Interop;
using MlipEngine.Interop.Ipi;
using MlipEngine.IO.Yaml;
using MlipEngine.Workflows.ForceFields;
using MlipEngine.Potentials.Spec;
using MlipEngine.State;

string spec = args.Length > 0 ? args[0] : "{style: eam, file: /usr/share/lammps/potentials/Cu_u3.eam, elements: [Cu]}";
string cInput = args.Length > 1 ? args[1] : "cu64.txt";
int repeat = args.Length > 2 ? int.Parse(args[2]) : 20000;

// 64 Cu atoms: 4×2×2 conventional fcc cells (a = 3.615 Å), rattled by ±0.05 Å.
var rng = new Random(7);
var pos = new List<Vec3>();
double a = 3.615;
Vec3[] basis = [new(0, 0, 0), new(0, 0.5, 0.5), new(0.5, 0, 0.5), new(0.5, 0.5, 0)];
for (int i = 0; i < 4; i++) for (int j = 0; j < 2; j++) for (int k = 0; k < 2; k++)
    foreach (var b in basis)
        pos.Add(new Vec3((i + b.X) * a + 0.1 * (rng.NextDouble() - 0.5), (j + b.Y) * a + 0.1 * (rng.NextDouble() - 0.5), (k + b.Z) * a + 0.1 * (rng.NextDouble() - 0.5)));
var cell = Cell.Orthorhombic(4 * a, 2 * a, 2 * a);
var structure = new AtomicStructure(Enumerable.Repeat(29, 64).ToArray(), pos.ToArray(), cell);
WriteCInput(cInput, structure);

var catalog = ForceFieldCatalog.CreateDefault();
var ff = catalog.Load(spec);
var options = new ComputeOptions { Backend = Backend.Cpu, Threads = 1, Skin = 0.5 };
var outputs = ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial;

// (1) Force evaluation alone.
using (var computer = catalog.Bind(ff, options))
{
    var batch = SystemBatch.FromStructure(structure);
    var result = new ForceResult();
    for (int k = 0; k < 2000; k++) computer.Compute(batch, outputs, result);
    double best = BestOf5(() => { for (int k = 0; k < repeat; k++) computer.Compute(batch, outputs, result); }) / repeat;
    Console.WriteLine($"force evaluation alone : {best,8:F2} µs per call (64 atoms, energy {result.Energy[0]:F6} eV)");
}

// (2) i-PI force call: driver thread here, client (the real IpiClient) on another thread.
{
    string name = "mlipbench" + Environment.ProcessId;
    string path = "/tmp/ipi_" + name;
    File.Delete(path);
    using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    listener.Bind(new UnixDomainSocketEndPoint(path));
    listener.Listen(1);
    var client = new Thread(() =>
    {
        using var calc = new EmbeddedCalculator(catalog.Bind(ff, options));
        using var socket = IpiEndpoint.Parse("unix:" + name).Connect(TimeSpan.FromSeconds(10))!;
        new IpiClient(socket, calc, SpeciesTemplate.ForElement(29)).Run();
    });
    client.Start();
    using var s = listener.Accept();
    var posdata = PosData(structure);
    var header = new byte[12];
    var reply = new byte[8 + 4 + 24 * 64 + 72 + 4];
    void Step()
    {
        Send(s, "STATUS"); Receive(s, header);
        s.Send(posdata);
        Send(s, "STATUS"); Receive(s, header);
        Send(s, "GETFORCE"); Receive(s, header); Receive(s, reply);
    }
    for (int k = 0; k < 2000; k++) Step();
    double best = BestOf5(() => { for (int k = 0; k < repeat; k++) Step(); }) / repeat;
    double e = BinaryPrimitives.ReadDoubleLittleEndian(reply) * IpiUnits.Hartree;
    Console.WriteLine($"i-PI force call (unix) : {best,8:F2} µs per call (driver round trip incl. evaluation; energy {e:F6} eV)");
    Send(s, "EXIT");
    client.Join();
    File.Delete(path);
}

// Best of 5 rounds in µs: the machine is shared, the minimum is the cost without interference.
static double BestOf5(Action round)
{
    double best = double.MaxValue;
    for (int r = 0; r < 5; r++)
    {
        var sw = Stopwatch.StartNew();
        round();
        best = Math.Min(best, sw.Elapsed.TotalMicroseconds);
    }
    return best;
}

static void Send(Socket s, string h) => s.Send(Encoding.ASCII.GetBytes(h.PadRight(12)));

static void Receive(Socket s, byte[] b)
{
    int got = 0;
    while (got < b.Length) got += s.Receive(b, got, b.Length - got, SocketFlags.None);
}

static byte[] PosData(AtomicStructure st)
{
    var list = new List<byte>(Encoding.ASCII.GetBytes("POSDATA".PadRight(12)));
    void D(double v) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); list.AddRange(b); }
    var h = st.Cell.Matrix.Transpose(); var hi = st.Cell.Matrix.Inverse();
    for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) D(h[i, j] / IpiUnits.Bohr);
    for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) D(hi[i, j] * IpiUnits.Bohr);
    var n = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(n, st.AtomCount); list.AddRange(n);
    foreach (var r in st.Positions) { D(r.X / IpiUnits.Bohr); D(r.Y / IpiUnits.Bohr); D(r.Z / IpiUnits.Bohr); }
    return list.ToArray();
}

static void WriteCInput(string path, AtomicStructure st)
{
    var inv = CultureInfo.InvariantCulture;
    var sb = new StringBuilder($"1\n{st.AtomCount}\n");
    var m = st.Cell.Matrix;
    sb.AppendLine(string.Join(' ', new[] { m.XX, m.XY, m.XZ, m.YX, m.YY, m.YZ, m.ZX, m.ZY, m.ZZ }.Select(v => v.ToString("R", inv))));
    sb.AppendLine("1 1 1");
    for (int i = 0; i < st.AtomCount; i++)
        sb.AppendLine($"{st.Numbers[i]} {st.Positions[i].X.ToString("R", inv)} {st.Positions[i].Y.ToString("R", inv)} {st.Positions[i].Z.ToString("R", inv)}");
    File.WriteAllText(path, sb.ToString());
}
