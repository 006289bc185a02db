using System.CommandLine;
using System.Diagnostics;
using MlipEngine.ForceFields;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip eval</c>: energy, forces, stress and per-atom energies of every frame of a file.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var potential = new Option<string>("--potential", "-p") { Description = "Potential spec file (YAML) or inline spec '{style: ..., ...}'", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Structures: extxyz (multi-frame), POSCAR/CONTCAR, LAMMPS data, or a directory of them", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output extended XYZ with energy, forces, stress, per-atom energies", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var backend = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX] (devices: mlip info)", DefaultValueFactory = _ => "cpu" };
        var precision = new Option<string>("--precision") { Description = "float64 or float32 (float32: OpenCL and ILGPU; accumulation stays fp64)", DefaultValueFactory = _ => "float64" };
        var cmd = new Command("eval", "Evaluate a potential on every frame and write results as extended XYZ")
        {
            potential, input, output, threads, backend, precision,
        };
        cmd.SetAction(r => Run(r.GetValue(potential)!, r.GetValue(input)!, r.GetValue(output)!, r.GetValue(threads), r.GetValue(backend)!, r.GetValue(precision)!));
        return cmd;
    }

    public static int Run(string potentialArg, string inputPath, string outputPath, int threads, string backendName, string precisionName = "float64")
    {
        var ff = PotentialLoader.Load(potentialArg);
        var (backend, deviceIndex) = CliParsing.ParseDevice(backendName);
        var precision = CliParsing.ParsePrecision(precisionName);
        if (threads < 1) throw new UsageException("--threads must be at least 1");
        using var computer = CliParsing.Catalog.Bind(ff, new ComputeOptions { Backend = backend, Threads = threads, DeviceIndex = deviceIndex, Precision = precision });
        var evaluator = new FrameEvaluator(computer);
        var sw = Stopwatch.StartNew();
        int frames = 0; long atoms = 0;
        using (var sink = new AtomicFileWriter(outputPath))
        {
            using (var writer = new ExtxyzWriter(sink.Writer))
            using (var progress = new ProgressReporter("eval", unit: "frames"))
            {
                foreach (var f in evaluator.Evaluate(InputFrames.Read(inputPath)))
                {
                    writer.Write(f);
                    frames++; atoms += f.Structure.AtomCount;
                    progress.Report(frames, null);
                }
                writer.Flush();
            }
            if (frames == 0) throw StructureFormatException.NoFrames(inputPath);
            sink.Commit();
        }
        Console.Error.WriteLine($"eval: {frames} frame(s), {atoms} atoms, {ff.Style}, {(backend == Backend.Cpu || backend == Backend.Reference ? $"{backend} × {threads} thread(s)" : $"{backend} device {deviceIndex} ({precision})")}, {sw.Elapsed.TotalSeconds:F2} s → {outputPath}");
        return 0;
    }
}
