namespace MlipEngine.Discovery.Optimization;

/// <summary>A quantity to optimise, by name (a column of <c>history.csv</c>).</summary>
public sealed record Objective(string Name, bool Maximize = false);

/// <summary>
/// One finished evaluation: the design (value columns of the <see cref="DesignSpace"/>) and what the objective
/// returned — one value per objective, or <c>null</c> when the evaluation failed (non-zero exit, timeout,
/// unreadable or non-finite output, an infeasible design); failures are kept in the history and modelled.
/// </summary>
public sealed record Evaluation(int Index, int Batch, double[] Design, double[]? Values, double Seconds, string? Message = null)
{
    public bool Succeeded => Values != null;
}

/// <summary>Evaluates a batch of designs (in parallel where it can); one result per design, in order.</summary>
public interface IDesignEvaluator
{
    IReadOnlyList<(double[]? Values, double Seconds, string? Message)> Evaluate(IReadOnlyList<double[]> designs, CancellationToken cancel);
}
