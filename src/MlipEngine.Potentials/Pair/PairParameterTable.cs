namespace MlipEngine.Potentials.Pair;

/// <summary>
/// Parameters of a pair style per unordered type pair, stored for both orders so kernels index
/// t = tᵢ·n + tⱼ directly.
/// </summary>
public sealed class PairParameterTable<T> where T : struct
{
    private readonly T?[] _values;

    public PairParameterTable(int types) { Types = types; _values = new T?[types * types]; }

    public int Types { get; }

    public void Set(int ti, int tj, T value) { _values[ti * Types + tj] = value; _values[tj * Types + ti] = value; }
    public bool TryGet(int ti, int tj, out T value)
    {
        var v = _values[ti * Types + tj];
        value = v.GetValueOrDefault();
        return v.HasValue;
    }
    public T Get(int ti, int tj) => _values[ti * Types + tj] ?? throw new InvalidOperationException($"pair {ti}-{tj} has no parameters");
}
