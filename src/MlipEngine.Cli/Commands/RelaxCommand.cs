using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Optimizers;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Units;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip relax</c>: relax many candidate structures (positions and cell) with in-flight batching.</summary>
public static class RelaxCommand
{
    public static Command Create()
    {
        var potential = new Option<string>("--potential", "-p") { Description = "Potential spec file (YAML) or inline spec '{style: ..., ...}'", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Candidates: multi-frame extxyz, a POSCAR/CONTCAR/extxyz file, or a directory of them", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Relaxed structures (extxyz, input order) with energy, forces, stress and convergence info", Required = true };
        var summary = new Option<string>("--summary", "-s") { Description = "CSV summary, one row per candidate", Required = true };
        var fmax = new Option<double>("--fmax") { Description = "Force criterion: max atomic force norm, eV/Å", DefaultValueFactory = _ => 0.02 };
        var smax = new Option<double>("--smax") { Description = "Stress criterion: max |σ + p·I| component, eV/Å³", DefaultValueFactory = _ => 0.001 };
        var cell = new Option<string>("--cell") { Description = "frechet (full cell), fixed, hydrostatic (uniform scaling) or constant-volume", DefaultValueFactory = _ => "frechet" };
        var pressure = new Option<double>("--pressure") { Description = "Target pressure, GPa", DefaultValueFactory = _ => 0.0 };
        var optimizer = new Option<string>("--optimizer") { Description = "fire, lbfgs or bfgs (ASE 3.22 defaults)", DefaultValueFactory = _ => "fire" };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps before a candidate is reported as not converged", DefaultValueFactory = _ => 1000 };
        var trajectory = new Option<string?>("--trajectory") { Description = "Folder for one extxyz trajectory per candidate" };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batchAtoms = new Option<int>("--batch-atoms") { Description = "Atom budget of one batch (0 = auto: 1, i.e. one candidate at a time per worker, on the CPU; 4096 on OpenCL)", DefaultValueFactory = _ => 0 };
        var backend = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX] (devices: mlip info)", DefaultValueFactory = _ => "cpu" };
        var workers = new Option<int>("--workers") { Description = "Independent relaxers, one per thread, each with a 1-thread force call (0 = auto: --threads on the CPU when there are at least that many candidates and no --trajectory; 1 = one relaxer whose force calls use --threads)", DefaultValueFactory = _ => 0 };
        var skin = new Option<double>("--skin") { Description = "Verlet skin, Å (the list survives moves and cell deformations within it)", DefaultValueFactory = _ => 0.8 };
        var cmd = new Command("relax", "Relax candidate structures (positions and cell), many at once")
        {
            potential, input, output, summary, fmax, smax, cell, pressure, optimizer, maxSteps, trajectory, threads, batchAtoms, workers, backend, skin,
        };
        cmd.SetAction(r => Run(new RelaxRunOptions
        {
            Potential = r.GetValue(potential)!, Input = r.GetValue(input)!, Output = r.GetValue(output)!, Summary = r.GetValue(summary)!,
            Fmax = r.GetValue(fmax), Smax = r.GetValue(smax), Cell = r.GetValue(cell)!, PressureGPa = r.GetValue(pressure),
            Optimizer = r.GetValue(optimizer)!, MaxSteps = r.GetValue(maxSteps), Trajectory = r.GetValue(trajectory),
            Threads = r.GetValue(threads), BatchAtoms = r.GetValue(batchAtoms), Workers = r.GetValue(workers), Backend = r.GetValue(backend)!, Skin = r.GetValue(skin),
        }));
        return cmd;
    }

    public static int Run(RelaxRunOptions a) { RunDetailed(a); return 0; }

    /// <summary>Runs and reports counts (for tests and callers that want them).</summary>
    public static RelaxReport RunDetailed(RelaxRunOptions a) => RelaxRun.Run(a, CliParsing.Catalog, RelaxProgress.Run, Console.Error);
}
