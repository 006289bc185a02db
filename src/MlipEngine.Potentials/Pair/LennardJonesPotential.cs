using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.Kernels;

namespace MlipEngine.Potentials.Pair;

/// <summary>Parameters of one Lennard-Jones pair: ε (eV), σ (Å), cutoff (Å).</summary>
public readonly record struct LennardJonesPair(double Epsilon, double Sigma, double Cutoff);

/// <summary>
/// LAMMPS <c>lj/cut</c>: φ(r) = 4ε[(σ/r)¹² − (σ/r)⁶] for r &lt; r_c, optionally shifted by φ(r_c) so it
/// is zero at the cutoff (LAMMPS <c>pair_modify shift yes</c>). −φ′(r)/r = 24ε[2(σ/r)¹² − (σ/r)⁶]/r².
/// </summary>
public sealed class LennardJonesPotential : IForceField
{
    private readonly LjFunction _function;

    public LennardJonesPotential(IReadOnlyList<int> species, PairParameterTable<LennardJonesPair> pairs, bool shift)
    {
        Species = species.ToArray();
        Shift = shift;
        int n = species.Count;
        Pairs = pairs;
        var packed = new double[4 * n * n];
        double maxCut = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                if (!pairs.TryGet(a, b, out var p))
                    throw new ArgumentException($"lj/cut: no parameters for pair {Element.Symbol(species[a])}-{Element.Symbol(species[b])}");
                if (!(p.Epsilon >= 0) || !(p.Sigma > 0) || !(p.Cutoff > 0))
                    throw new ArgumentException($"lj/cut: pair {Element.Symbol(species[a])}-{Element.Symbol(species[b])} needs epsilon ≥ 0, sigma > 0, cutoff > 0");
                int t = a * n + b;
                double s6 = Math.Pow(p.Sigma, 6);
                packed[4 * t] = p.Cutoff * p.Cutoff;
                packed[4 * t + 1] = 4 * p.Epsilon * s6 * s6;
                packed[4 * t + 2] = 4 * p.Epsilon * s6;
                if (shift)
                {
                    double ratio6 = Math.Pow(p.Sigma / p.Cutoff, 6);
                    packed[4 * t + 3] = 4 * p.Epsilon * (ratio6 * ratio6 - ratio6);
                }
                maxCut = Math.Max(maxCut, p.Cutoff);
            }
        Cutoff = maxCut;
        _packed = packed;
        _function = new LjFunction(packed, maxCut * maxCut, n == 1);
    }

    private readonly double[] _packed;

    /// <summary>
    /// The coefficients every backend evaluates, four per type pair t = tᵢ·n + tⱼ:
    /// r_c² (Å²), 4εσ¹² (eV·Å¹²), 4εσ⁶ (eV·Å⁶), shift φ(r_c) (eV; 0 without <c>shift</c>).
    /// </summary>
    public ReadOnlySpan<double> PackedCoefficients => _packed;

    public string Style => "lj/cut";
    public double Cutoff { get; }
    public bool Shift { get; }
    public PairParameterTable<LennardJonesPair> Pairs { get; }
    public IReadOnlyList<int> Species { get; }
    public IReadOnlyList<Backend> Backends { get; } = [Backend.Reference, Backend.Cpu];

    public IForceComputer CreateComputer(ComputeOptions options) => options.Backend.Name switch
    {
        Backend.ReferenceName => new PairReferenceComputer<LjFunction>(this, options, _function),
        Backend.CpuName when options.Precision == Precision.Float64 => new PairCpuComputer<LjFunction>(this, options, _function),
        _ => throw new NotSupportedException($"lj/cut has no {options.Backend} backend in {options.Precision}"),
    };

    /// <summary>Per type pair t, four packed doubles: r_c², 4εσ¹², 4εσ⁶, shift.</summary>
    internal readonly struct LjFunction : IPairFunction
    {
        private readonly double[] _packed;
        private readonly double _maxCut2;
        private readonly bool _single;   // one type pair: the vector form broadcasts instead of gathering

        public LjFunction(double[] packed, double maxCut2, bool single)
        {
            _packed = packed;
            _maxCut2 = maxCut2;
            _single = single;
        }

        public double MaxCutoffSquared => _maxCut2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Evaluate(int t, double r2, out double energy, out double fOverR)
        {
            // t is a valid type-pair index by construction (types come from the potential's own species map)
            ref double p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_packed), 4 * t);
            return LennardJonesFormula.Evaluate<double, F64>(r2, p, Unsafe.Add(ref p, 1), Unsafe.Add(ref p, 2), Unsafe.Add(ref p, 3), out energy, out fOverR);
        }

        public bool IsVectorized => true;

        /// <summary>
        /// The same arithmetic as <see cref="Evaluate"/> in the same order per lane (so each pair's φ and
        /// −φ′/r are bitwise those of the scalar form); lanes at or beyond r_c are masked to 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<double> EvaluateVector(Vector128<int> t, Vector256<double> r2, out Vector256<double> fOverR)
        {
            ref double p0 = ref MemoryMarshal.GetArrayDataReference(_packed);
            Vector256<double> cut2, c12, c6, shift;
            if (_single)
            {
                cut2 = Vector256.Create(p0); c12 = Vector256.Create(Unsafe.Add(ref p0, 1));
                c6 = Vector256.Create(Unsafe.Add(ref p0, 2)); shift = Vector256.Create(Unsafe.Add(ref p0, 3));
            }
            else
            {
                ref double a0 = ref Unsafe.Add(ref p0, 4 * t.GetElement(0)), a1 = ref Unsafe.Add(ref p0, 4 * t.GetElement(1));
                ref double a2 = ref Unsafe.Add(ref p0, 4 * t.GetElement(2)), a3 = ref Unsafe.Add(ref p0, 4 * t.GetElement(3));
                cut2 = Vector256.Create(a0, a1, a2, a3);
                c12 = Vector256.Create(Unsafe.Add(ref a0, 1), Unsafe.Add(ref a1, 1), Unsafe.Add(ref a2, 1), Unsafe.Add(ref a3, 1));
                c6 = Vector256.Create(Unsafe.Add(ref a0, 2), Unsafe.Add(ref a1, 2), Unsafe.Add(ref a2, 2), Unsafe.Add(ref a3, 2));
                shift = Vector256.Create(Unsafe.Add(ref a0, 3), Unsafe.Add(ref a1, 3), Unsafe.Add(ref a2, 3), Unsafe.Add(ref a3, 3));
            }
            var inside = Vector256.LessThan(r2, cut2);
            var inv2 = Vector256<double>.One / r2;
            var inv6 = inv2 * inv2 * inv2;
            var a = c12 * inv6 * inv6;
            var b = c6 * inv6;
            fOverR = ((Vector256.Create(12.0) * a - Vector256.Create(6.0) * b) * inv2) & inside;
            return (a - b - shift) & inside;
        }
    }
}
