using System.Numerics;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using MlipEngine.Potentials.Eam;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Potentials.Pair;
using MlipEngine.Potentials.StillingerWeber;
using MlipEngine.Potentials.Tersoff;

[assembly: ComputeBackend(typeof(MlipEngine.Backends.Ilgpu.IlgpuBackend))]

namespace MlipEngine.Backends.Ilgpu;

/// <summary>
/// The ILGPU backend as an <see cref="IComputeBackend"/> (<c>--device ilgpu[:INDEX]</c>): lj/cut, morse,
/// the EAM family, sw and the equivariant model in fp64 and fp32, tersoff in fp64, kernels written in C# over the same formulas as the CPU backend
/// (<see cref="LennardJonesFormula"/>, <see cref="MorseFormula"/>, <see cref="EamFormula"/>). ILGPU compiles
/// them to PTX for CUDA on NVIDIA GPUs, to OpenCL C for its OpenCL devices, and runs them on its CPU
/// accelerator where there is no GPU (CI). Constructing it touches no device; binding opens one.
/// </summary>
public sealed class IlgpuBackend : IComputeBackend
{
    /// <summary>The name users write: <c>--device ilgpu</c>.</summary>
    public const string Name = "ilgpu";

    public Backend Id => new(Name);

    public IReadOnlyCollection<string> Styles { get; } = ["lj/cut", "morse", "eam", "eam/alloy", "eam/fs", "sw", "tersoff", "equivariant"];

    public bool Supports(IForceField forceField) => forceField is LennardJonesPotential or MorsePotential or EamPotential or StillingerWeberPotential or TersoffPotential or EquivariantModel;

    public IForceComputer Bind(IForceField forceField, ComputeOptions options)
    {
        options = options with { Backend = Id };
        bool fp64 = options.Precision == Precision.Float64;
        return forceField switch
        {
            LennardJonesPotential lj when fp64 => new IlgpuPairComputer<double, F64, LennardJonesDevice<double, F64>>(lj, options, lj.PackedCoefficients),
            LennardJonesPotential lj => new IlgpuPairComputer<float, F32, LennardJonesDevice<float, F32>>(lj, options, lj.PackedCoefficients),
            MorsePotential morse when fp64 => new IlgpuPairComputer<double, F64, MorseDevice<double, F64>>(morse, options, morse.PackedCoefficients()),
            MorsePotential morse => new IlgpuPairComputer<float, F32, MorseDevice<float, F32>>(morse, options, morse.PackedCoefficients()),
            EamPotential eam when fp64 => new IlgpuEamComputer<double, F64>(eam, options),
            EamPotential eam => new IlgpuEamComputer<float, F32>(eam, options),
            StillingerWeberPotential sw when fp64 => new IlgpuStillingerWeberComputer<double, F64>(sw, options),
            StillingerWeberPotential sw => new IlgpuStillingerWeberComputer<float, F32>(sw, options),
            TersoffPotential tersoff when fp64 => new IlgpuTersoffComputer<double, F64>(tersoff, options),
            TersoffPotential tersoff => new IlgpuTersoffComputer<float, F32>(tersoff, options),
            EquivariantModel model when fp64 => new IlgpuEquivariantComputer<double, F64>(model, options),
            EquivariantModel model => new IlgpuEquivariantComputer<float, F32>(model, options),
            _ => throw new NotSupportedException($"{forceField.Style} has no ILGPU backend (ILGPU runs {string.Join(", ", Styles)})"),
        };
    }

    /// <summary>Every ILGPU accelerator with the index <c>--device ilgpu:INDEX</c> takes (GPUs first).</summary>
    public IReadOnlyList<string> DescribeDevices() => IlgpuDevices.Describe();

    /// <summary>Host values rounded to the kernels' precision.</summary>
    internal static T[] ToReal<T, R>(ReadOnlySpan<double> values) where T : unmanaged, IFloatingPointIeee754<T> where R : struct, IReal<T>
    {
        var real = new T[values.Length];
        for (int k = 0; k < values.Length; k++) real[k] = R.From(values[k]);
        return real;
    }
}
