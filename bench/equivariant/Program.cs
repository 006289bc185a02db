// Benchmark of the equivariant potential's fused CPU kernels (E + F + σ) on FCC Cu at 300 K.
// Run: dotnet run -c Release --project bench/equivariant [-- --atoms-per-side 10 --seconds 10]
// Wider SIMD: DOTNET_MaxVectorTBitWidth=512 dotnet run -c Release --project bench/equivariant
using System.Diagnostics;
using System.Numerics;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.State;

int side = 10; double seconds = 8; double ghz = 0; int flopsPerCycleDp = 32;
for (int k = 0; k < args.Length - 1; k++)
{
    if (args[k] == "--atoms-per-side") side = int.Parse(args[k + 1]);
    if (args[k] == "--seconds") seconds = double.Parse(args[k + 1]);
    if (args[k] == "--ghz") ghz = double.Parse(args[k + 1]);
    if (args[k] == "--dp-flops-per-cycle") flopsPerCycleDp = int.Parse(args[k + 1]);
}
if (ghz == 0)
    foreach (var line in File.ReadLines("/proc/cpuinfo"))
        if (line.StartsWith("cpu MHz")) { ghz = double.Parse(line.Split(':')[1]) / 1000; break; }
int cores = Environment.ProcessorCount;

var hyper = new EquivariantHyperparameters { Species = ["Cu"], Channels = 64, HiddenLMax = 2, ShLMax = 3, Correlation = 3, Layers = 2, Cutoff = 5.0 };
var model = EquivariantModel.Random(hyper, 1);

// 4,000-atom FCC Cu (a = 3.615 Å), thermal jitter: Gaussian σ = √(kT/(m ω²)) ≈ 0.085 Å per axis at 300 K (Debye-model estimate)
const double a = 3.615, sigma = 0.085;
var rng = new Random(300);
var basis = new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5) };
var pos = new List<Vec3>();
double G() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
for (int i = 0; i < side; i++) for (int j = 0; j < side; j++) for (int k = 0; k < side; k++)
    foreach (var b in basis) pos.Add(a * (new Vec3(i, j, k) + b) + sigma * new Vec3(G(), G(), G()));
var structure = new AtomicStructure(Enumerable.Repeat(29, pos.Count).ToArray(), pos.ToArray(), new Cell(Mat3.Diagonal(a * side, a * side, a * side)));
var batch = SystemBatch.FromStructure(structure);
int n = batch.AtomCount;

// edges within the cutoff
long edges = 0;
{
    using var probe = model.CreateComputer(new ComputeOptions { Backend = Backend.Cpu });
    var r0 = new ForceResult();
    probe.Compute(batch, ForceOutputs.Energy, r0);
    double c2 = hyper.Cutoff * hyper.Cutoff;
    // count by brute force over the 27 images of a cubic cell (cell edge 36 Å > 2 r_c)
    double L = a * side;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double dx = batch.X[j] - batch.X[i], dy = batch.Y[j] - batch.Y[i], dz = batch.Z[j] - batch.Z[i];
            dx -= L * Math.Round(dx / L); dy -= L * Math.Round(dy / L); dz -= L * Math.Round(dz / L);
            double r2 = dx * dx + dy * dy + dz * dz;
            if (r2 > 0 && r2 < c2) edges++;
        }
}
double epa = (double)edges / n;

// FLOP count per evaluation (E + F + σ), counted from the stage tables (an FMA = 2 FLOPs).
double C = hyper.Channels;
double flopMlp = 0, flopTp = 0, flopNode = 0;
foreach (var L in model.Layers)
{
    double macs = 0;
    for (int k = 0; k < L.Radial.Widths.Length - 1; k++) macs += L.Radial.Widths[k] * L.Radial.Widths[k + 1];
    flopMlp += edges * 2 * macs * 3;                        // forward, recompute in backward, adjoint GEMM
    double fwd = 0, bwd = 0;
    foreach (var p in L.TensorProduct.Paths)
    {
        var t = p.Table;
        int groups = Enumerable.Range(0, t.Count).Select(k => (t.M1[k], t.M3[k])).Distinct().Count();
        fwd += (2 * p.L1 + 1) * C + groups * 2 * C;                                   // R⊙h̃, then one AXPY per (m1, m3)
        bwd += (2 * p.L1 + 1 + 2 * p.L3 + 1) * C + groups * (3 * C + 2 * C + 2 * C);  // ∂R, ∂Y (dot), reversed-edge ∂h̃
    }
    flopTp += edges * (fwd + bwd);
    // per atom: channel mixing (W_up, W_mix, W_out, skip; forward + adjoint) and the contraction (forward + adjoint ≈ 3×)
    double lin = (Math.Pow(L.LIn + 1, 2) + Math.Pow(L.LA + 1, 2) + Math.Pow(L.LOut + 1, 2) + (L.HasSkip ? Math.Pow(Math.Min(L.LIn, L.LOut) + 1, 2) : 0)) * 2 * C * C * 2;
    double sc = 0;
    var pairs = new HashSet<(int, int, int)>();
    foreach (var p in L.Contraction.Paths)
    {
        sc += (2 * p.L + 1) * 2 * C;
        if (p.Nu >= 2) pairs.Add((p.L1, p.L2, p.Nu == 2 ? p.L : p.L12));
        if (p.Nu == 3) sc += p.Second!.Count * 3 * C;
    }
    foreach (var (l1, l2, l12) in pairs) sc += ClebschGordan.Get(l1, l2, l12).Count * 3 * C;
    flopNode += n * (lin + 3 * sc);
}
double flops = flopMlp + flopTp + flopNode;

Console.WriteLine($"equivariant benchmark: {n} atoms FCC Cu (a = {a} Å, σ_jitter = {sigma} Å), {edges} edges ({epa:F1} per atom), r_c = {hyper.Cutoff} Å");
Console.WriteLine($"model: 2 layers, {hyper.Channels} channels, hidden L ≤ {hyper.HiddenLMax}, harmonics L ≤ {hyper.ShLMax}, ν = {hyper.Correlation}, radial MLP {string.Join("-", hyper.RadialHidden)}, {model.ParameterCount:N0} parameters");
Console.WriteLine($"FLOPs per evaluation (E+F+σ): {flops / 1e9:F2} G  = radial MLP {flopMlp / flops:P0}, tensor product {flopTp / flops:P0}, node stages {flopNode / flops:P0};  {flops / n / 1e6:F2} MFLOP per atom");
Console.WriteLine($"CPU: {cores} cores × {ghz:F2} GHz (cpuinfo nominal) × {flopsPerCycleDp} fp64 FLOP/cycle (Zen 5: 2 × 512-bit FMA) = peak {cores * ghz * flopsPerCycleDp:F0} GFLOP/s fp64, {2 * cores * ghz * flopsPerCycleDp:F0} fp32; Vector<double>.Count = {Vector<double>.Count}");
// memory of the fused backend (grow-only scratch), bytes
foreach (int size in new[] { 8, 4 })
{
    double perEdge = 4 + 32 + size * (16 + 48 + 2 * hyper.NumBessel);                 // j, (d, r) fp64, Y, ∂Y/∂r, b, db/dr in T
    double listEntry = 8;                                                              // neighbour index + image code per list entry
    int node = 9 * (int)C, aDim = 16 * (int)C;
    double perAtom = size * (4 * node + aDim + ((int)C + node) + 2 * aDim + 2 * C) + 8 * 3 * (1 + cores) + 8 * 4;   // features, adjoints, per-thread forces
    Console.WriteLine($"memory ({(size == 8 ? "fp64" : "fp32")}): {perAtom / 1024:F1} KiB per atom + {perEdge + listEntry:F0} B per edge → {(perAtom + epa * 1.3 * (perEdge + listEntry)) / 1024:F1} KiB per atom at {epa:F0} edges/atom (+30 % list entries in the skin); 100,000 atoms ≈ {1e5 * (perAtom + epa * 1.3 * (perEdge + listEntry)) / 1e9:F1} GB");
}
Console.WriteLine();
Console.WriteLine("wall: atom-steps/s, ms/step, GFLOP/s over wall time (shared machine: other jobs steal cycles).");
Console.WriteLine("cpu:  GFLOP per CPU-second of this process and % of one core's peak — the kernels' efficiency while they hold a core.");
Console.WriteLine("threads  precision  atom-steps/s  ms/step  GFLOP/s  %peak(threads) | cpu-s/step  GFLOP/cpu-s  %core-peak | managed MB");
foreach (var prec in new[] { Precision.Float64, Precision.Float32 })
    foreach (int threads in new[] { 1, 2 })
    {
        using var c = model.CreateComputer(new ComputeOptions { Backend = Backend.Cpu, Threads = threads, Precision = prec, Skin = 0.5 });
        var r = new ForceResult();
        c.Compute(batch, ForceOutputs.All, r);   // warm-up, neighbour list, JIT
        GC.Collect();
        StageProfile.Reset();
        long mem0 = GC.GetTotalMemory(true);
        int steps = 0;
        var proc = Process.GetCurrentProcess();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds || steps < 2) { c.Compute(batch, ForceOutputs.Energy | ForceOutputs.Forces | ForceOutputs.Virial, r); steps++; }
        double t = sw.Elapsed.TotalSeconds / steps;
        proc.Refresh();
        double cpuT = (proc.TotalProcessorTime - cpu0).TotalSeconds / steps;   // CPU seconds per step, all threads
        double gf = flops / t / 1e9;
        double peak = threads * ghz * flopsPerCycleDp * (prec == Precision.Float32 ? 2 : 1);
        if (StageProfile.Enabled && threads == 1)
        {
            double tm = StageProfile.Mlp / (double)Stopwatch.Frequency / steps, tt = StageProfile.TensorProduct / (double)Stopwatch.Frequency / steps;
            Console.WriteLine($"         stages: radial MLP {tm:F2} s/step ({flopMlp / tm / 1e9:F1} GFLOP/s), tensor product {tt:F2} s/step ({flopTp / tt / 1e9:F1} GFLOP/s), rest {t - tm - tt:F2} s/step ({flopNode / (t - tm - tt) / 1e9:F1} GFLOP/s)");
        }
        double corePeak = ghz * flopsPerCycleDp * (prec == Precision.Float32 ? 2 : 1);
        double gfc = flops / cpuT / 1e9;
        Console.WriteLine($"{threads,7}  {(prec == Precision.Float64 ? "fp64" : "fp32"),9}  {n / t,12:F0}  {1000 * t,7:F0}  {gf,7:F1}  {100 * gf / peak,13:F1}% | {cpuT,10:F2}  {gfc,11:F1}  {100 * gfc / corePeak,9:F1}% | {GC.GetTotalMemory(false) / 1e6,10:F0}");
    }
