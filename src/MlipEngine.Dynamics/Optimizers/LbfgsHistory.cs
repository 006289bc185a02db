namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// The curvature memory of L-BFGS (<see cref="Lbfgs"/>, <see cref="LbfgsLineSearch"/>): a ring of at most
/// <c>memory</c> pairs s_k = x_{k+1} − x_k, y_k = g_{k+1} − g_k with ρ_k = 1/(y_k·s_k), and the two-loop
/// recursion that applies the inverse-Hessian estimate H to a vector:
/// <code>
///   q = v;  for k newest→oldest: a_k = ρ_k s_k·q;  q −= a_k y_k
///   q ×= h₀; for k oldest→newest: b = ρ_k y_k·q;   q += s_k (a_k − b)
/// </code>
/// </summary>
internal sealed class LbfgsHistory
{
    private double[][] _s = [], _y = [];
    private double[] _rho = [], _a = [];
    private int _memory;

    public int Count { get; private set; }
    private int _newest = -1;

    public void Allocate(int memory)
    {
        _memory = memory;
        _s = new double[memory][]; _y = new double[memory][];
        _rho = new double[memory]; _a = new double[memory];
        Clear();
    }

    public void Clear() { Count = 0; _newest = -1; }

    /// <summary>The arrays (length n) of the slot the next pair goes to; it joins the history only at <see cref="Commit"/>.</summary>
    public (double[] S, double[] Y) NextSlot(int n)
    {
        int slot = (_newest + 1) % _memory;
        return (_s[slot] ??= new double[n], _y[slot] ??= new double[n]);
    }

    /// <summary>Adds the pair written into <see cref="NextSlot"/> with ρ = 1/(y·s); the oldest drops out beyond the memory.</summary>
    public void Commit(double rho)
    {
        int slot = (_newest + 1) % _memory;
        _rho[slot] = rho;
        _newest = slot;
        if (Count < _memory) Count++;
    }

    /// <summary>(s·y)/(y·y) of the newest pair: the usual scaling of H₀ (Nocedal &amp; Wright, eq. 7.20).</summary>
    public double NewestScale() => 1.0 / (_rho[_newest] * Fire.Dot(_y[_newest], _y[_newest]));

    /// <summary>q ← H q by the two-loop recursion with H₀ = h0·I.</summary>
    public void Apply(Span<double> q, double h0)
    {
        int m = _memory;
        for (int k = 0; k < Count; k++)
        {
            int slot = ((_newest - k) % m + m) % m;
            _a[slot] = _rho[slot] * Fire.Dot(_s[slot], q);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_y[slot], -_a[slot], q, q);
        }
        for (int i = 0; i < q.Length; i++) q[i] *= h0;
        for (int k = Count - 1; k >= 0; k--)
        {
            int slot = ((_newest - k) % m + m) % m;
            double b = _rho[slot] * Fire.Dot(_y[slot], q);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_s[slot], _a[slot] - b, q, q);
        }
    }
}
