using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;
using System.Runtime.Intrinsics;

namespace MlipEngine.Potentials.Pair;

/// <summary>Parameters of one Morse pair: D₀ (eV), α (1/Å), r₀ (Å), cutoff (Å).</summary>
public readonly record struct MorsePair(double D0, double Alpha, double R0, double Cutoff);

/// <summary>
/// LAMMPS <c>morse</c>: φ(r) = D₀[e^{−2α(r−r₀)} − 2e^{−α(r−r₀)}] for r &lt; r_c, optionally shifted by
/// φ(r_c). With u = e^{−α(r−r₀)}, −φ′(r) = 2αD₀(u² − u), so −φ′/r = 2αD₀(u² − u)/r.
/// </summary>
public sealed class MorsePotential : IForceField
{
    private readonly MorseFunction _function;

    public MorsePotential(IReadOnlyList<int> species, PairParameterTable<MorsePair> pairs, bool shift)
    {
        Species = species.ToArray();
        Pairs = pairs;
        Shift = shift;
        int n = species.Count;
        var d0 = new double[n * n]; var alpha = new double[n * n]; var r0 = new double[n * n]; var cut2 = new double[n * n]; var offset = new double[n * n];
        double maxCut = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                if (!pairs.TryGet(a, b, out var p))
                    throw new ArgumentException($"morse: no parameters for pair {Element.Symbol(species[a])}-{Element.Symbol(species[b])} (morse has no mixing rule)");
                if (!(p.Cutoff > 0) || !(p.Alpha > 0)) throw new ArgumentException($"morse: pair {Element.Symbol(species[a])}-{Element.Symbol(species[b])} needs alpha > 0 and cutoff > 0");
                int t = a * n + b;
                d0[t] = p.D0; alpha[t] = p.Alpha; r0[t] = p.R0; cut2[t] = p.Cutoff * p.Cutoff;
                if (shift) offset[t] = MorseFormula.Energy(p.Cutoff, p.D0, p.Alpha, p.R0);
                maxCut = Math.Max(maxCut, p.Cutoff);
            }
        Cutoff = maxCut;
        _offset = offset;
        _function = new MorseFunction(d0, alpha, r0, cut2, offset, maxCut * maxCut);
    }

    private readonly double[] _offset;

    /// <summary>
    /// The coefficients device kernels read, eight per type pair t = tᵢ·n + tⱼ (a 64-byte row):
    /// r_c² (Å²), D₀ (eV), α (1/Å), r₀ (Å), shift φ(r_c) (eV), and three zero pads.
    /// </summary>
    public double[] PackedCoefficients()
    {
        int n = Species.Count;
        var p = new double[8 * n * n];
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                var q = Pairs.Get(a, b);
                int t = a * n + b;
                p[8 * t] = q.Cutoff * q.Cutoff; p[8 * t + 1] = q.D0; p[8 * t + 2] = q.Alpha; p[8 * t + 3] = q.R0;
                p[8 * t + 4] = _offset[t];
            }
        return p;
    }

    /// <summary>Energy shift φ(r_c) per type pair t = tᵢ·n + tⱼ (eV; 0 without <c>shift</c>), as every backend subtracts it.</summary>
    public ReadOnlySpan<double> ShiftOffsets => _offset;

    public string Style => "morse";
    public double Cutoff { get; }
    public bool Shift { get; }
    public PairParameterTable<MorsePair> Pairs { get; }
    public IReadOnlyList<int> Species { get; }
    public IReadOnlyList<Backend> Backends { get; } = [Backend.Reference, Backend.Cpu];

    public IForceComputer CreateComputer(ComputeOptions options) => options.Backend.Name switch
    {
        Backend.ReferenceName => new PairReferenceComputer<MorseFunction>(this, options, _function),
        Backend.CpuName when options.Precision == Precision.Float64 => new PairCpuComputer<MorseFunction>(this, options, _function),
        _ => throw new NotSupportedException($"morse has no {options.Backend} backend in {options.Precision}"),
    };

    internal readonly struct MorseFunction(double[] d0, double[] alpha, double[] r0, double[] cut2, double[] offset, double maxCut2) : IPairFunction
    {
        public double MaxCutoffSquared => maxCut2;

        public bool Evaluate(int t, double r2, out double energy, out double fOverR) =>
            MorseFormula.Evaluate<double, F64>(r2, cut2[t], d0[t], alpha[t], r0[t], offset[t], out energy, out fOverR);

        public bool IsVectorized => false;

        /// <summary>Lane by lane through <see cref="Evaluate"/> (exp has no SIMD form here; the kernel keeps Morse scalar).</summary>
        public Vector256<double> EvaluateVector(Vector128<int> t,
            Vector256<double> r2, out Vector256<double> fOverR)
        {
            Evaluate(t.GetElement(0), r2.GetElement(0), out double e0, out double f0);
            Evaluate(t.GetElement(1), r2.GetElement(1), out double e1, out double f1);
            Evaluate(t.GetElement(2), r2.GetElement(2), out double e2, out double f2);
            Evaluate(t.GetElement(3), r2.GetElement(3), out double e3, out double f3);
            fOverR = Vector256.Create(f0, f1, f2, f3);
            return Vector256.Create(e0, e1, e2, e3);
        }
    }
}
