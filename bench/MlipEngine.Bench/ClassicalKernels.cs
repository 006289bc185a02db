using BenchmarkDotNet.Attributes;
using MlipEngine.ForceFields;
using MlipEngine.Neighbors;
using MlipEngine.State;

namespace MlipEngine.Bench;

/// <summary>BenchmarkDotNet suite for the classical kernels on 32,000 atoms (repeat 20).</summary>
[MemoryDiagnoser]
public class ClassicalKernels
{
    [Params("eam", "lj")] public string Style = "eam";
    [Params(1, 2)] public int Threads = 1;
    private SystemBatch _batch = null!;
    private IForceComputer _computer = null!;
    private readonly ForceResult _result = new();
    private NeighborListBuilder _builder = null!;
    private NeighborList _list = null!;
    private double _cutoff;

    [GlobalSetup]
    public void Setup()
    {
        var (ff, s) = Systems.Create(Style, 20);
        Systems.Jitter(s);
        _batch = SystemBatch.FromStructure(s);
        _computer = ff.CreateComputer(new ComputeOptions { Backend = Backend.Cpu, Threads = Threads, Skin = 1.0 });
        _computer.Compute(_batch, ForceOutputs.EnergyAndForces, _result);
        _builder = new NeighborListBuilder(Threads);
        _list = _builder.Create(NeighborListKind.Half);
        _cutoff = ff.Cutoff + 1.0;
    }

    [Benchmark] public void ForceEvaluation() => _computer.Compute(_batch, ForceOutputs.EnergyAndForces, _result);
    [Benchmark] public void ForceEvaluationWithVirial() => _computer.Compute(_batch, ForceOutputs.All, _result);
    [Benchmark] public void NeighborListBuild() => _builder.Build(_batch, _cutoff, _list);
}
