using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlipEngine.Chemistry;
using MlipEngine.ForceFields;

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
        _function = new LjFunction(packed, maxCut * maxCut);
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
    public IReadOnlyList<Backend> Backends => BackendRegistry.WithRegistered(typeof(LennardJonesPotential), Backend.Reference, Backend.Cpu);

    public IForceComputer CreateComputer(ComputeOptions options) => options.Backend switch
    {
        Backend.Reference => new PairReferenceComputer<LjFunction>(this, options, _function),
        Backend.Cpu when options.Precision == Precision.Float64 => new PairCpuComputer<LjFunction>(this, options, _function),
        Backend.OpenCl => BackendRegistry.Create(this, options),
        _ => throw new NotSupportedException($"lj/cut has no {options.Backend} backend in {options.Precision}"),
    };

    /// <summary>Per type pair t, four packed doubles: r_c², 4εσ¹², 4εσ⁶, shift.</summary>
    internal readonly struct LjFunction : IPairFunction
    {
        private readonly double[] _packed;
        private readonly double _maxCut2;

        public LjFunction(double[] packed, double maxCut2)
        {
            _packed = packed;
            _maxCut2 = maxCut2;
        }

        public double MaxCutoffSquared => _maxCut2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Evaluate(int t, double r2, out double energy, out double fOverR)
        {
            // t is a valid type-pair index by construction (types come from the potential's own species map)
            ref double p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_packed), 4 * t);
            if (r2 >= p) { energy = 0; fOverR = 0; return false; }
            double inv2 = 1.0 / r2;
            double inv6 = inv2 * inv2 * inv2;
            double a = Unsafe.Add(ref p, 1) * inv6 * inv6, b = Unsafe.Add(ref p, 2) * inv6;
            energy = a - b - Unsafe.Add(ref p, 3);
            // −φ′/r = (12 c12 r⁻¹² − 6 c6 r⁻⁶) / r²
            fOverR = (12 * a - 6 * b) * inv2;
            return true;
        }
    }
}
