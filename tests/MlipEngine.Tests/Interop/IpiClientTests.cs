using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MlipEngine.Interop.Ipi;
using Xunit;
using static MlipEngine.Tests.Interop.InteropTestSupport;

namespace MlipEngine.Tests.Interop;

public class IpiClientTests
{
    /// <summary>
    /// The real driver: ASE 3.22's SocketIOCalculator runs NVE MD, a UnitCellFilter+FIRE relaxation
    /// (the cell changes every step) and then a second calculator with 4 atoms (a new system size,
    /// served after a reconnect) and sends EXIT. Every value ASE received over the socket equals
    /// `mlip eval` on the same frames. Tolerance 1e-10: the only differences are the Bohr/Hartree
    /// round trips (a few ulp) and summation order (neighbor list with/without skin), ~1e-13 eV here.
    /// With --device opencl (PoCL in CI) the served values come from the OpenCL kernels, fp64.
    /// </summary>
    [Theory]
    [InlineData("cpu")]
    [InlineData("opencl")]
    public void AseSocketDriver_MdRelaxAndNewSystem_MatchEval(string device)
    {
        RequireFile(Python, "install Debian's python3-ase (.ci/run does this)");
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string dir = TempDir();
        string name = "mlipt" + Environment.ProcessId + "_" + Guid.NewGuid().ToString("N")[..6];
        using var driver = Start(Python, [Path.Combine(TestDataDir, "ipi_ase_driver.py"), name, dir], dir);
        var driverOut = driver.StandardOutput.ReadToEndAsync();
        var driverErr = driver.StandardError.ReadToEndAsync();
        // The driver writes the template before it listens; wait for it.
        string template = Path.Combine(dir, "template.xyz");
        for (int k = 0; k < 300 && !File.Exists($"/tmp/ipi_{name}"); k++) Thread.Sleep(50);
        if (!File.Exists(template)) { driver.Kill(true); Assert.Fail($"driver did not start: {driverErr.Result}"); }
        int code;
        try { code = Serve("-p", CuNiSpec, "--ipi", "unix:" + name, "--structure", template, "--on-close", "reconnect", "--connect-timeout", "30", "--device", device); }
        catch (IpiException e)
        {
            driver.WaitForExit(10_000);
            throw new Xunit.Sdk.XunitException($"serve failed: {e.Message}\nASE driver said:\n{driverErr.Result}\n{driverOut.Result}");
        }
        if (!driver.WaitForExit(60_000)) { driver.Kill(true); Assert.Fail("ASE driver did not finish"); }
        if (driver.ExitCode != 0) Assert.Fail($"ASE driver failed:\n{driverErr.Result}\n{driverOut.Result}");
        Assert.Equal(0, code);
        Assert.Equal(9, AssertLabelsEqualEval(Path.Combine(dir, "md.xyz"), CuNiSpec, 1e-10));
        Assert.True(AssertLabelsEqualEval(Path.Combine(dir, "relax.xyz"), CuNiSpec, 1e-10) >= 5);
        Assert.Equal(2, AssertLabelsEqualEval(Path.Combine(dir, "small.xyz"), CuNiSpec, 1e-10));
    }

    [Fact]
    public void Units_EqualAseValues()
    {
        RequireFile(Python, "install Debian's python3-ase (.ci/run does this)");
        string output = Run(Python, ["-c", "import ase.units as u; print(repr(u.Bohr)); print(repr(u.Hartree))"], Path.GetTempPath());
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(IpiUnits.Bohr, double.Parse(lines[0], CultureInfo.InvariantCulture));
        Assert.Equal(IpiUnits.Hartree, double.Parse(lines[1], CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("192.0.2.7:31415")]
    [InlineData("example.invalid:31415")]
    [InlineData("localhost")]
    [InlineData("unix:")]
    [InlineData("unix:a/b")]
    public void Endpoint_RefusesNonLoopbackOrMalformedAddresses(string address)
    {
        var e = Assert.Throws<ArgumentException>(() => IpiEndpoint.Parse(address));
        Assert.Contains("--ipi", e.Message);
    }

    [Fact]
    public void Endpoint_AcceptsLoopbackAndUnixNames()
    {
        Assert.Equal("127.0.0.1:31415", IpiEndpoint.Parse("127.0.0.1:31415").Display);
        Assert.Equal("/tmp/ipi_cu", IpiEndpoint.Parse("unix:cu").Display);
        Assert.False(IpiEndpoint.Parse("localhost:4000").IsUnix);
    }

    /// <summary>A scripted driver that sends positions and then vanishes: serve fails with a clear one-line reason.</summary>
    [Fact]
    public void DriverDisappearingAfterPositions_IsAnError()
    {
        var (code, _) = WithScriptedDriver(s =>
        {
            Send(s, "STATUS"); Expect(s, "READY");
            SendPositions(s, 4, 3.6);
            s.Close();
        });
        Assert.Equal(-1, code); // the IpiException escaped Serve (Program turns it into "error: ..." and exit 3)
    }

    /// <summary>
    /// A driver that fetched its forces and then closes without EXIT (ASE's SocketIOCalculator.close())
    /// ended a normal session: exit 0. With --on-close error the same close is status 3.
    /// </summary>
    [Theory]
    [InlineData(null, 0)]
    [InlineData("error", ServeCommand_ClosedWithoutExit)]
    public void DriverClosingWithoutExit_AfterFetchingForces_EndsAsOnCloseSays(string? onClose, int expected)
    {
        var (code, forces) = WithScriptedDriver(s =>
        {
            Send(s, "STATUS"); Expect(s, "READY");
            SendPositions(s, 4, 3.6);
            Send(s, "STATUS"); Expect(s, "HAVEDATA");
            Send(s, "GETFORCE"); Expect(s, "FORCEREADY");
            var f = ReadForces(s, 4);
            s.Close();
            return f;
        }, onClose == null ? [] : ["--on-close", onClose]);
        Assert.Equal(expected, code);
        // A perfect fcc lattice: forces vanish by symmetry; energy is finite and negative.
        Assert.True(forces.Energy < 0);
        foreach (double f in forces.Forces) Assert.True(Math.Abs(f) < 1e-12);
    }

    /// <summary>
    /// Issue 19 item 9: the documented use — ASE's SocketIOCalculator in a <c>with</c> block, which
    /// closes the socket without EXIT — ends `mlip serve` (the built CLI, default options) with exit 0
    /// and no <c>error:</c> line.
    /// </summary>
    [Fact]
    public void AseCalculatorClosing_EndsServeWithExit0AndNoError()
    {
        RequireFile(Python, "install Debian's python3-ase (.ci/run does this)");
        RequireFile("/usr/share/lammps/potentials/CuNi.eam.alloy", "install Debian's lammps-data");
        string dir = TempDir();
        string name = "mlipc" + Environment.ProcessId + "_" + Guid.NewGuid().ToString("N")[..6];
        string script = """
            import sys
            from ase.build import bulk
            from ase.calculators.socketio import SocketIOCalculator
            atoms = bulk('Cu', 'fcc', a=3.6, cubic=True)
            with SocketIOCalculator(unixsocket=sys.argv[1], timeout=60) as calc:
                atoms.calc = calc
                e0 = atoms.get_potential_energy()
                atoms.positions[0] += 0.05
                e1 = atoms.get_potential_energy()
            print(e0, e1)
            """;
        File.WriteAllText(Path.Combine(dir, "close.py"), script);
        using var driver = Start(Python, [Path.Combine(dir, "close.py"), name], dir);
        var driverOut = driver.StandardOutput.ReadToEndAsync();
        var driverErr = driver.StandardError.ReadToEndAsync();
        var (code, _, stderr) = MlipEngine.Tests.Cli.EvalCommandTests.RunMlip("serve", "-p", CuNiSpec, "--ipi", "unix:" + name, "--species", "Cu", "--connect-timeout", "30");
        if (!driver.WaitForExit(60_000)) { driver.Kill(true); Assert.Fail("ASE driver did not finish"); }
        Assert.True(driver.ExitCode == 0, $"ASE driver failed:\n{driverErr.Result}");
        Assert.True(code == 0, $"serve exited {code}:\n{stderr}");
        Assert.DoesNotContain("error:", stderr);
        Assert.Contains("2 force call(s)", stderr);
        Assert.Equal(2, driverOut.Result.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void InitAndCellChange_AreServed()
    {
        var (code, results) = WithScriptedDriver(s =>
        {
            Send(s, "INIT"); s.Send(Int32(0)); s.Send(Int32(1)); s.Send(new byte[1]);
            var list = new List<(double Energy, double[] Forces, double[] Virial)>();
            foreach (double a in (double[])[3.60, 3.66])
            {
                Send(s, "STATUS"); Expect(s, "READY");
                SendPositions(s, 4, a);
                Send(s, "GETFORCE"); Expect(s, "FORCEREADY");
                list.Add(ReadForces(s, 4));
            }
            Send(s, "EXIT");
            return list;
        });
        Assert.Equal(0, code);
        Assert.NotEqual(results[0].Energy, results[1].Energy);
        Assert.NotEqual(results[0].Virial[0], results[1].Virial[0]);
    }

    private const int ServeCommand_ClosedWithoutExit = MlipEngine.Cli.Commands.ServeCommand.ClosedWithoutExit;

    /// <summary>Runs serve in this process against a scripted driver listening on a Unix socket; -1 when serve threw.</summary>
    private static (int Code, T Result) WithScriptedDriver<T>(Func<Socket, T> script, string[]? serveOptions = null)
    {
        string name = "mlipu" + Guid.NewGuid().ToString("N")[..10];
        string path = "/tmp/ipi_" + name;
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            listener.Listen(1);
            var serve = Task.Run(() =>
            {
                try { return Serve(["-p", CuNiSpec, "--ipi", "unix:" + name, "--species", "Cu", "--connect-timeout", "5", .. serveOptions ?? []]); }
                catch (IpiException) { return -1; }
            });
            // serve connects within its connect timeout or gives up: never wait on Accept (or a reply) without a bound
            if (!listener.Poll(TimeSpan.FromSeconds(60), SelectMode.SelectRead))
                Assert.Fail("serve did not connect within 60 s" + (serve.IsCompleted ? $" (it returned {serve.Result})" : ""));
            T result;
            using (var s = listener.Accept())
            {
                s.ReceiveTimeout = 60_000;
                result = script(s);
            }
            Assert.True(serve.Wait(30_000), "serve did not stop");
            return (serve.Result, result);
        }
        finally { File.Delete(path); }
    }

    private static (int, bool) WithScriptedDriver(Action<Socket> script) => WithScriptedDriver(s => { script(s); return true; });

    private static void Send(Socket s, string header) => s.Send(Encoding.ASCII.GetBytes(header.PadRight(12)));

    private static void Expect(Socket s, string header) => Assert.Equal(header, Encoding.ASCII.GetString(Receive(s, 12)).TrimEnd());

    private static byte[] Int32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); return b; }

    private static byte[] Receive(Socket s, int n)
    {
        var b = new byte[n]; int got = 0;
        while (got < n) { int k = s.Receive(b, got, n - got, SocketFlags.None); if (k == 0) throw new IOException("closed"); got += k; }
        return b;
    }

    /// <summary>POSDATA for a 4-atom fcc Cu cube of edge a (Å), in Bohr, cell sent as hᵀ like ASE.</summary>
    private static void SendPositions(Socket s, int n, double a)
    {
        Send(s, "POSDATA");
        double L = a / IpiUnits.Bohr;
        var data = new List<byte>();
        void D(double v) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); data.AddRange(b); }
        foreach (double v in (double[])[L, 0, 0, 0, L, 0, 0, 0, L]) D(v);
        foreach (double v in (double[])[1 / L, 0, 0, 0, 1 / L, 0, 0, 0, 1 / L]) D(v);
        data.AddRange(Int32(n));
        foreach (double v in (double[])[0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0]) D(v * L);
        s.Send(data.ToArray());
    }

    private static (double Energy, double[] Forces, double[] Virial) ReadForces(Socket s, int n)
    {
        double energy = BinaryPrimitives.ReadDoubleLittleEndian(Receive(s, 8)) * IpiUnits.Hartree;
        Assert.Equal(n, BinaryPrimitives.ReadInt32LittleEndian(Receive(s, 4)));
        var fb = Receive(s, 24 * n); var f = new double[3 * n];
        for (int i = 0; i < f.Length; i++) f[i] = BinaryPrimitives.ReadDoubleLittleEndian(fb.AsSpan(8 * i));
        var vb = Receive(s, 72); var w = new double[9];
        for (int i = 0; i < 9; i++) w[i] = BinaryPrimitives.ReadDoubleLittleEndian(vb.AsSpan(8 * i));
        int extra = BinaryPrimitives.ReadInt32LittleEndian(Receive(s, 4));
        if (extra > 0) Receive(s, extra);
        return (energy, f, w);
    }
}
