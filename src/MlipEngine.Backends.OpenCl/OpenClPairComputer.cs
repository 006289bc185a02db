using MlipEngine.ForceFields;
using MlipEngine.Potentials.Pair;

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// lj/cut and morse on OpenCL (kernels/pair.cl): one gather kernel, parameters per ordered type pair
/// in constant memory, packed as the kernel documents.
/// </summary>
public sealed class OpenClPairComputer : OpenClForceComputer
{
    private readonly OpenClKernel _kernel;
    private readonly FloatingBuffer _params;
    private readonly int _types;

    private OpenClPairComputer(IForceField ff, ComputeOptions options, int style, double[] packed)
        : base(ff, options, ["pair.cl"], new Dictionary<string, string> { ["PAIR_STYLE"] = style.ToString(System.Globalization.CultureInfo.InvariantCulture) })
    {
        _types = ff.Species.Count;
        if (packed.Length * (RealIsDouble ? 8 : 4) > Context.Device.MaxConstantBufferBytes && Context.Device.MaxConstantBufferBytes > 0)
            throw new NotSupportedException($"{ff.Style}: {_types} types need more constant memory than {Context.Device.Name} has");
        _kernel = Program.CreateKernel("pair_forces");
        _params = new FloatingBuffer(Context, RealIsDouble, packed.Length);
        _params.Write(Queue, packed);
    }

    /// <summary>Per type pair: r_c², 4εσ¹², 4εσ⁶, shift — the potential's own packed coefficients.</summary>
    public static OpenClPairComputer Create(LennardJonesPotential lj, ComputeOptions options) =>
        new(lj, options, 1, lj.PackedCoefficients.ToArray());

    /// <summary>Per type pair: r_c², D₀, α, r₀, shift (and three pad slots): <see cref="MorsePotential.PackedCoefficients"/>.</summary>
    public static OpenClPairComputer Create(MorsePotential morse, ComputeOptions options) =>
        new(morse, options, 2, morse.PackedCoefficients());

    protected override void Evaluate(int n)
    {
        _kernel.Value(0, n).Value(1, _types);
        uint next = GeometryArgs(_kernel, 2);
        _kernel.Arg(next, _params);
        OutputArgs(_kernel, next + 1);
        _kernel.Launch(Queue, n, 64);
    }

    public override void Dispose()
    {
        _kernel.Dispose();
        _params.Dispose();
        base.Dispose();
    }
}
