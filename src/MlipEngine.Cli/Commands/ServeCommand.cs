using System.CommandLine;
using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.Interop;
using MlipEngine.Interop.Ipi;

namespace MlipEngine.Cli.Commands;

/// <summary>
/// <c>mlip serve</c>: acts as the force provider of an i-PI driver (i-PI, ASE's SocketIOCalculator,
/// LAMMPS' fix ipi in server mode …) over a Unix or loopback TCP socket.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var potential = new Option<string>("--potential", "-p") { Description = "Potential spec file (YAML) or inline spec '{style: ..., ...}'", Required = true };
        var ipi = new Option<string>("--ipi") { Description = "Driver address: unix:NAME (socket /tmp/ipi_NAME) or HOST:PORT on a loopback address", Required = true };
        var structure = new Option<string?>("--structure", "-s") { Description = "Template structure(s) giving the species of the driver's atoms, in its order (one frame per system size)" };
        var species = new Option<string?>("--species") { Description = "Instead of --structure: every atom is this element (e.g. Cu), any atom count" };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads (one client per i-PI bead is the usual layout, hence 1)", DefaultValueFactory = _ => 1 };
        var backend = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX] (devices: mlip info)", DefaultValueFactory = _ => "cpu" };
        var precision = new Option<string>("--precision") { Description = "float64 or float32 (float32: OpenCL and ILGPU; accumulation stays fp64)", DefaultValueFactory = _ => "float64" };
        var skin = new Option<double>("--skin") { Description = "Verlet skin of the neighbor list, Å", DefaultValueFactory = _ => 0.5 };
        var onClose = new Option<string>("--on-close") { Description = "When the driver closes between messages without EXIT (ASE's SocketIOCalculator.close() does): 'exit' (a normal end, status 0), 'error' (status 3) or 'reconnect' (wait --connect-timeout for a new driver, e.g. a new ASE SocketIOCalculator)", DefaultValueFactory = _ => "exit" };
        var timeout = new Option<double>("--connect-timeout") { Description = "Seconds to keep trying to connect to the driver", DefaultValueFactory = _ => 60 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every protocol message to stderr" };
        var cmd = new Command("serve", "Serve forces to an i-PI driver (i-PI, ASE SocketIOCalculator) over a socket")
        {
            potential, ipi, structure, species, threads, backend, precision, skin, onClose, timeout, verbose,
        };
        cmd.SetAction(r => Run(new Settings(r.GetValue(potential)!, r.GetValue(ipi)!, r.GetValue(structure), r.GetValue(species),
            r.GetValue(threads), r.GetValue(backend)!, r.GetValue(skin), r.GetValue(onClose)!, r.GetValue(timeout), r.GetValue(verbose), r.GetValue(precision)!)));
        return cmd;
    }

    private sealed record Settings(string Potential, string Ipi, string? Structure, string? Species, int Threads, string Backend,
        double Skin, string OnClose, double ConnectTimeout, bool Verbose, string Precision = "float64");

    /// <summary>Exit code when the driver closed the connection between messages without EXIT and --on-close is 'error'.</summary>
    public const int ClosedWithoutExit = 3;

    private static int Run(Settings s)
    {
        if (s.Threads < 1) throw new UsageException("--threads must be at least 1");
        if (!(s.Skin >= 0)) throw new UsageException("--skin must be ≥ 0");
        if (!(s.ConnectTimeout >= 0)) throw new UsageException("--connect-timeout must be ≥ 0");
        if (s.OnClose is not ("exit" or "error" or "reconnect"))
            throw new UsageException($"--on-close must be 'exit', 'error' or 'reconnect', not '{s.OnClose}'");
        var template = LoadTemplate(s);
        var endpoint = IpiEndpoint.Parse(s.Ipi);
        var ff = PotentialLoader.Load(s.Potential);
        var (backend, deviceIndex) = CliParsing.ParseDevice(s.Backend);
        var precision = CliParsing.ParsePrecision(s.Precision);
        using var calculator = new EmbeddedCalculator(CliParsing.Catalog.Bind(ff, new ComputeOptions
            { Backend = backend, Threads = s.Threads, Skin = s.Skin, DeviceIndex = deviceIndex, Precision = precision }));
        var log = s.Verbose ? Console.Error : null;
        var timeout = TimeSpan.FromSeconds(s.ConnectTimeout);
        long calls = 0; TimeSpan compute = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int connections = 0;
        DateTime? previousServer = null;
        while (true)
        {
            using var socket = endpoint.Connect(timeout, previousServer);
            if (socket == null)
            {
                if (connections > 0) // reconnect mode and nobody came back: a normal end
                {
                    Summary();
                    Console.Error.WriteLine($"serve: no driver at {endpoint.Display} within {s.ConnectTimeout:G} s; stopping");
                    return 0;
                }
                throw new IpiException($"no i-PI driver is listening at {endpoint.Display} (tried for {s.ConnectTimeout:G} s); start the driver first or raise --connect-timeout");
            }
            connections++;
            Console.Error.WriteLine($"serve: connected to {endpoint.Display} ({ff.Style}, {backend} × {s.Threads} thread(s), species from {template.Source})");
            var client = new IpiClient(socket, calculator, template, log);
            IpiEnd end;
            try { end = client.Run(); }
            finally { calls += client.ForceCalls; compute += client.ComputeTime; }
            if (end == IpiEnd.Exit)
            {
                Summary();
                Console.Error.WriteLine("serve: driver sent EXIT");
                return 0;
            }
            if (s.OnClose == "exit")
            {
                // Every position the driver sent was answered (IpiClient throws otherwise): a normal end.
                Summary();
                Console.Error.WriteLine("serve: driver closed the connection");
                return 0;
            }
            if (s.OnClose == "error")
            {
                Summary();
                Console.Error.WriteLine($"error: the i-PI driver at {endpoint.Display} closed the connection without EXIT " +
                    "(--on-close error; --on-close exit treats this as the end, --on-close reconnect waits for the next driver)");
                return ClosedWithoutExit;
            }
            previousServer = endpoint.ServerStamp;
            Console.Error.WriteLine($"serve: driver closed the connection; waiting up to {s.ConnectTimeout:G} s for the next one");
        }

        void Summary()
        {
            double wall = clock.Elapsed.TotalSeconds;
            string per = calls > 0 ? $", {compute.TotalMicroseconds / calls:F1} µs force evaluation per call" : "";
            Console.Error.WriteLine($"serve: {calls} force call(s) over {connections} connection(s) in {wall:F2} s{per}");
        }
    }

    private static SpeciesTemplate LoadTemplate(Settings s)
    {
        if ((s.Structure == null) == (s.Species == null))
            throw new UsageException("give exactly one of --structure FILE (template with the driver's atoms in order) or --species ELEMENT");
        if (s.Species != null)
        {
            if (!Element.TryAtomicNumber(s.Species.Trim(), out int z)) throw new UsageException($"--species: unknown element '{s.Species}'");
            return SpeciesTemplate.ForElement(z);
        }
        var frames = InputFrames.Read(s.Structure!).Select(f => f.Structure);
        return SpeciesTemplate.FromStructures(frames, s.Structure!);
    }
}
