using System.Numerics;

namespace MlipEngine.Potentials.Equivariant;

/// <summary>One coupling entry out[m₃] += Coef · x[m₁] · y[m₂] with flat lm indices (l² + m + l).</summary>
internal readonly record struct CouplingEntry<T>(int M1, int M2, int M3, T Coef);

/// <summary>
/// The interaction tensor product flattened for the fused kernel. Entries of a path are grouped by
/// (m₁, m₃), so per edge K_q = Σ_{m₂} C Y_{m₂} is a scalar and the channel work is one AXPY per group:
/// A_i[m₃] += K_q (R_p ⊙ h̃_j[m₁]).
/// </summary>
internal sealed class CpuTensorProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public CpuTensorProduct(TensorProduct tp)
    {
        Paths = tp.Paths.Length;
        L1 = new int[Paths]; L3 = new int[Paths]; Sign = new T[Paths]; GroupStart = new int[Paths + 1];
        var gm1 = new List<int>(); var gm3 = new List<int>(); var es = new List<int> { 0 }; var em2 = new List<int>(); var ec = new List<T>();
        for (int p = 0; p < Paths; p++)
        {
            var t = tp.Paths[p].Table;
            L1[p] = t.L1; L3[p] = t.L3; Sign[p] = (t.L2 & 1) == 0 ? T.One : -T.One;
            GroupStart[p] = gm1.Count;
            var keys = new SortedDictionary<(int, int), List<int>>();
            for (int k = 0; k < t.Count; k++)
            {
                var key = (t.M1[k], t.M3[k]);
                if (!keys.TryGetValue(key, out var l)) keys[key] = l = new List<int>();
                l.Add(k);
            }
            foreach (var (key, ks) in keys)
            {
                var (m1, m3) = key;
                gm1.Add(m1); gm3.Add(Irreps.Offset(t.L3) + m3);
                foreach (int k in ks) { em2.Add(Irreps.Offset(t.L2) + t.M2[k]); ec.Add(T.CreateTruncating(t.Coef[k])); }
                es.Add(em2.Count);
            }
        }
        GroupStart[Paths] = gm1.Count;
        GroupM1 = gm1.ToArray(); GroupM3 = gm3.ToArray(); EntryStart = es.ToArray(); EntryM2 = em2.ToArray(); EntryCoef = ec.ToArray();
    }

    public int Paths { get; }
    public int[] L1 { get; }
    public int[] L3 { get; }
    /// <summary>(−1)^{l₂}: Y_{l₂}(−r̂) = (−1)^{l₂} Y_{l₂}(r̂), used for the reversed edge.</summary>
    public T[] Sign { get; }
    public int[] GroupStart { get; }
    /// <summary>m₁ index within l₁ (0…2l₁), and flat lm of the output.</summary>
    public int[] GroupM1 { get; }
    public int[] GroupM3 { get; }
    public int[] EntryStart { get; }
    public int[] EntryM2 { get; }
    public T[] EntryCoef { get; }
    public int Groups => GroupM1.Length;
}

/// <summary>
/// The symmetric contraction flattened: distinct pair products P = (A_{l₁} ⊗ A_{l₂})_{l₁₂} computed once
/// per atom and shared by the ν = 2 terms (l₁₂ = L) and ν = 3 terms ((P ⊗ A_{l₃})_L).
/// </summary>
internal sealed class CpuContraction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public CpuContraction(SymmetricContraction sc)
    {
        var pairs = new List<(int, int, int)>();
        int PairOf(int l1, int l2, int l12)
        {
            int k = pairs.IndexOf((l1, l2, l12));
            if (k < 0) { pairs.Add((l1, l2, l12)); k = pairs.Count - 1; }
            return k;
        }
        Nu = new int[sc.Paths.Length]; Pair = new int[sc.Paths.Length]; L = new int[sc.Paths.Length]; Second = new CouplingEntry<T>[sc.Paths.Length][];
        for (int e = 0; e < sc.Paths.Length; e++)
        {
            var p = sc.Paths[e];
            Nu[e] = p.Nu; L[e] = p.L; Second[e] = [];
            if (p.Nu == 2) Pair[e] = PairOf(p.L1, p.L2, p.L);
            if (p.Nu == 3)
            {
                Pair[e] = PairOf(p.L1, p.L2, p.L12);
                var t = p.Second!;
                Second[e] = Enumerable.Range(0, t.Count).Select(k => new CouplingEntry<T>(t.M1[k], Irreps.Offset(t.L2) + t.M2[k], t.M3[k], T.CreateTruncating(t.Coef[k]))).ToArray();
            }
        }
        PairL = pairs.Select(x => x.Item3).ToArray();
        PairOffset = new int[pairs.Count + 1];
        PairEntries = new CouplingEntry<T>[pairs.Count][];
        for (int k = 0; k < pairs.Count; k++)
        {
            var (l1, l2, l12) = pairs[k];
            var t = ClebschGordan.Get(l1, l2, l12);
            PairEntries[k] = Enumerable.Range(0, t.Count).Select(q => new CouplingEntry<T>(Irreps.Offset(l1) + t.M1[q], Irreps.Offset(l2) + t.M2[q], t.M3[q], T.CreateTruncating(t.Coef[q]))).ToArray();
            PairOffset[k + 1] = PairOffset[k] + Irreps.Dim(l12);
        }
    }

    public int[] Nu { get; }
    public int[] Pair { get; }
    public int[] L { get; }
    /// <summary>ν = 3: entries (m₁₂ within l₁₂, flat lm of A_{l₃}, m within L, coef).</summary>
    public CouplingEntry<T>[][] Second { get; }
    public int[] PairL { get; }
    /// <summary>Row offset of each pair product (rows of C channels).</summary>
    public int[] PairOffset { get; }
    /// <summary>Entries (flat lm of A_{l₁}, flat lm of A_{l₂}, m₁₂ within l₁₂, coef).</summary>
    public CouplingEntry<T>[][] PairEntries { get; }
    public int PairRows => PairOffset[^1];
}
