using MlipEngine.ForceFields;

namespace MlipEngine.Potentials.Spec;

/// <summary>
/// The Reference and Cpu backends as <see cref="IComputeBackend"/>s: they bind a force field through
/// its own <see cref="IForceField.CreateComputer"/>, since the kernels of both live beside each potential
/// (Reference: plain fp64 loops, the oracle; Cpu: SIMD and threads). A catalogue registers them exactly
/// as it registers OpenCL.
/// </summary>
public sealed class NativeComputeBackend(Backend id) : IComputeBackend
{
    public static NativeComputeBackend Reference { get; } = new(Backend.Reference);
    public static NativeComputeBackend Cpu { get; } = new(Backend.Cpu);

    public Backend Id { get; } = id;

    public bool Supports(IForceField forceField) => forceField.Backends.Contains(Id);

    public IForceComputer Bind(IForceField forceField, ComputeOptions options)
    {
        if (!Supports(forceField)) throw new NotSupportedException($"{forceField.Style} has no {Id} backend");
        return forceField.CreateComputer(options with { Backend = Id });
    }

    public IReadOnlyList<string> DescribeDevices() => Id == Backend.Cpu ? [$"cpu: {Environment.ProcessorCount} logical core(s)"] : [];
}
