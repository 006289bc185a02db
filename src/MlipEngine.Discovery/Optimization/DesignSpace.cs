using System.Globalization;

namespace MlipEngine.Discovery.Optimization;

/// <summary>
/// One dimension of a design space. Each maps a block of unit-cube coordinates u (what the sampler and the
/// surrogate see) to value columns (what the objective receives and <c>history.csv</c> records), and back.
/// </summary>
public abstract record DesignParameter(string Name)
{
    /// <summary>Unit-cube coordinates this parameter takes.</summary>
    public abstract int Width { get; }
    /// <summary>Value columns (a simplex has one per component).</summary>
    public virtual IReadOnlyList<string> ColumnNames => [Name];
    public abstract void Decode(ReadOnlySpan<double> u, Span<double> values);
    public abstract void Encode(ReadOnlySpan<double> values, Span<double> u);
    public virtual string Format(int column, double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A real number in [Lower, Upper]; with <c>Log</c> u is uniform in log x (Lower &gt; 0): x = Lower·(Upper/Lower)^u.</summary>
public sealed record ContinuousParameter(string Name, double Lower, double Upper, bool Log = false) : DesignParameter(Name)
{
    public override int Width => 1;
    public override void Decode(ReadOnlySpan<double> u, Span<double> values) =>
        values[0] = Log ? Lower * Math.Pow(Upper / Lower, Math.Clamp(u[0], 0, 1)) : Lower + Math.Clamp(u[0], 0, 1) * (Upper - Lower);
    public override void Encode(ReadOnlySpan<double> values, Span<double> u) =>
        u[0] = Log ? Math.Log(values[0] / Lower) / Math.Log(Upper / Lower) : (values[0] - Lower) / (Upper - Lower);
}

/// <summary>An integer in [Lower, Upper]: u ∈ [0, 1] splits into Upper − Lower + 1 equal bins; canonical u is the bin's centre.</summary>
public sealed record IntegerParameter(string Name, long Lower, long Upper) : DesignParameter(Name)
{
    public override int Width => 1;
    private long Count => Upper - Lower + 1;
    public override void Decode(ReadOnlySpan<double> u, Span<double> values) =>
        values[0] = Lower + Math.Min(Count - 1, (long)Math.Floor(Math.Clamp(u[0], 0, 1) * Count));
    public override void Encode(ReadOnlySpan<double> values, Span<double> u) => u[0] = (values[0] - Lower + 0.5) / Count;
    public override string Format(int column, double value) => ((long)value).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One of a set of choices (e.g. the element on a site), one-hot: one cube coordinate per choice, the largest
/// wins; canonical u is the choice's unit vector, so the kernel sees every pair of choices equally far apart.
/// The value column holds the choice's index; it is written as the choice itself.
/// </summary>
public sealed record CategoricalParameter(string Name, IReadOnlyList<string> Choices) : DesignParameter(Name)
{
    public override int Width => Choices.Count;
    public override void Decode(ReadOnlySpan<double> u, Span<double> values)
    {
        int best = 0;
        for (int c = 1; c < Choices.Count; c++) if (u[c] > u[best]) best = c;
        values[0] = best;
    }
    public override void Encode(ReadOnlySpan<double> values, Span<double> u)
    {
        for (int c = 0; c < Choices.Count; c++) u[c] = c == (int)values[0] ? 1 : 0;
    }
    public override string Format(int column, double value) => Choices[(int)value];
    public int IndexOf(string choice) => Choices.ToList().IndexOf(choice);
}

/// <summary>
/// Fractions x₁ … x_k ≥ 0 with Σ x = 1 (a composition), reached from k − 1 cube coordinates by stick breaking,
/// so every u is a point of the simplex and sampling or optimising never leaves it (no rejection):
/// <code>
///   v_i = 1 − (1 − u_i)^(1/(k−1−i)),  x_i = v_i·(1 − Σ_{j&lt;i} x_j),  x_k = 1 − Σ_{j&lt;k} x_j    (i = 1 … k−1)
/// </code>
/// v_i is the inverse CDF of Beta(1, k − i) at u_i, the law of the i-th stick of a flat Dirichlet(1, …, 1),
/// so uniform u (or a Sobol design) gives uniformly spread compositions. Inverse: u_i = 1 − (1 − v_i)^(k−1−i)
/// with v_i = x_i / (remaining stick).
/// </summary>
public sealed record SimplexParameter(string Name, IReadOnlyList<string> Components) : DesignParameter(Name)
{
    public override int Width => Components.Count - 1;
    public override IReadOnlyList<string> ColumnNames => Components.Select(c => Name + "." + c).ToArray();
    public override void Decode(ReadOnlySpan<double> u, Span<double> values)
    {
        int k = Components.Count;
        double remaining = 1;
        for (int i = 0; i < k - 1; i++)
        {
            double v = 1 - Math.Pow(1 - Math.Clamp(u[i], 0, 1), 1.0 / (k - 1 - i));
            values[i] = v * remaining;
            remaining -= values[i];
        }
        values[k - 1] = Math.Max(0, remaining);
    }
    public override void Encode(ReadOnlySpan<double> values, Span<double> u)
    {
        int k = Components.Count;
        double remaining = 1;
        for (int i = 0; i < k - 1; i++)
        {
            double v = remaining > 1e-300 ? Math.Clamp(values[i] / remaining, 0, 1) : 0;
            u[i] = 1 - Math.Pow(1 - v, k - 1 - i);
            remaining -= values[i];
        }
    }
}

/// <summary>Σ_c a_c·value_c ≤ b over value columns (a simplex's components included), e.g. x.Cu + 2 a ≤ 5.</summary>
public sealed record LinearConstraint(IReadOnlyDictionary<int, double> Coefficients, double Bound, string Text)
{
    public bool IsSatisfied(ReadOnlySpan<double> values)
    {
        double s = 0;
        foreach (var (c, a) in Coefficients) s += a * values[c];
        return s <= Bound + 1e-12 * Math.Max(1, Math.Abs(Bound));
    }
}

/// <summary>
/// The product of its parameters: unit cube of dimension Σ Width for the sampler and the surrogate, value
/// columns for objectives and the journal. <see cref="Canonical"/> snaps a cube point to the representative of
/// the design it decodes to (integer bin centre, one-hot choice, re-encoded simplex point): the surrogate is
/// trained on canonical points, so two cube points meaning the same design are the same input.
/// </summary>
public sealed class DesignSpace
{
    private readonly int[] _cubeOffset, _columnOffset;

    public DesignSpace(IReadOnlyList<DesignParameter> parameters, IReadOnlyList<LinearConstraint>? constraints = null)
    {
        if (parameters.Count == 0) throw new ArgumentException("a design space needs at least one parameter");
        Parameters = parameters;
        Constraints = constraints ?? [];
        _cubeOffset = new int[parameters.Count];
        _columnOffset = new int[parameters.Count];
        int cube = 0, col = 0;
        var names = new List<string>();
        for (int p = 0; p < parameters.Count; p++)
        {
            _cubeOffset[p] = cube; _columnOffset[p] = col;
            cube += parameters[p].Width; col += parameters[p].ColumnNames.Count;
            names.AddRange(parameters[p].ColumnNames);
        }
        CubeDimension = cube;
        ColumnNames = names;
    }

    public IReadOnlyList<DesignParameter> Parameters { get; }
    public IReadOnlyList<LinearConstraint> Constraints { get; }
    public int CubeDimension { get; }
    public IReadOnlyList<string> ColumnNames { get; }

    public double[] Decode(ReadOnlySpan<double> u)
    {
        var values = new double[ColumnNames.Count];
        for (int p = 0; p < Parameters.Count; p++)
            Parameters[p].Decode(u.Slice(_cubeOffset[p], Parameters[p].Width), values.AsSpan(_columnOffset[p], Parameters[p].ColumnNames.Count));
        return values;
    }

    public double[] Encode(ReadOnlySpan<double> values)
    {
        var u = new double[CubeDimension];
        for (int p = 0; p < Parameters.Count; p++)
            Parameters[p].Encode(values.Slice(_columnOffset[p], Parameters[p].ColumnNames.Count), u.AsSpan(_cubeOffset[p], Parameters[p].Width));
        return u;
    }

    public double[] Canonical(ReadOnlySpan<double> u) => Encode(Decode(u));

    public bool IsFeasible(ReadOnlySpan<double> values)
    {
        foreach (var c in Constraints) if (!c.IsSatisfied(values)) return false;
        return true;
    }

    /// <summary>Column <paramref name="column"/>'s value as text (a choice's name, an integer, a real in round-trip form).</summary>
    public string Format(int column, double value)
    {
        int p = Array.FindLastIndex(_columnOffset, o => o <= column);
        return Parameters[p].Format(column - _columnOffset[p], value);
    }

    /// <summary>Parses a column's text back (the inverse of <see cref="Format"/>); false when it is not a value of the column.</summary>
    public bool TryParse(int column, string text, out double value)
    {
        int p = Array.FindLastIndex(_columnOffset, o => o <= column);
        if (Parameters[p] is CategoricalParameter cat)
        {
            value = cat.IndexOf(text);
            return value >= 0;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
