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

    /// <summary>Per type pair: r_c², 4εσ¹², 4εσ⁶, shift — computed exactly as <see cref="LennardJonesPotential"/> does.</summary>
    public static OpenClPairComputer Create(LennardJonesPotential lj, ComputeOptions options)
    {
        int n = lj.Species.Count;
        var p = new double[4 * n * n];
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                var q = lj.Pairs.Get(a, b);
                int t = a * n + b;
                double s6 = Math.Pow(q.Sigma, 6);
                p[4 * t] = q.Cutoff * q.Cutoff;
                p[4 * t + 1] = 4 * q.Epsilon * s6 * s6;
                p[4 * t + 2] = 4 * q.Epsilon * s6;
                if (lj.Shift)
                {
                    double ratio6 = Math.Pow(q.Sigma / q.Cutoff, 6);
                    p[4 * t + 3] = 4 * q.Epsilon * (ratio6 * ratio6 - ratio6);
                }
            }
        return new OpenClPairComputer(lj, options, 1, p);
    }

    /// <summary>Per type pair: r_c², D₀, α, r₀, shift (and three pad slots), as <see cref="MorsePotential"/>.</summary>
    public static OpenClPairComputer Create(MorsePotential morse, ComputeOptions options)
    {
        int n = morse.Species.Count;
        var p = new double[8 * n * n];
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                var q = morse.Pairs.Get(a, b);
                int t = a * n + b;
                p[8 * t] = q.Cutoff * q.Cutoff; p[8 * t + 1] = q.D0; p[8 * t + 2] = q.Alpha; p[8 * t + 3] = q.R0;
                if (morse.Shift)
                {
                    double u = Math.Exp(-q.Alpha * (q.Cutoff - q.R0));
                    p[8 * t + 4] = q.D0 * (u * u - 2 * u);
                }
            }
        return new OpenClPairComputer(morse, options, 2, p);
    }

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
