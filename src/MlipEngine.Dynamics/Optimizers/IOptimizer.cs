namespace MlipEngine.Dynamics.Optimizers;

/// <summary>
/// A minimiser with its own state (velocities, curvature history), bound to one system. ASE's
/// loop is kept: evaluate, test convergence, <see cref="Step"/> (which moves the system), repeat.
/// </summary>
public interface IOptimizer
{
    /// <summary>Takes one step from the current coordinates using the last evaluation's forces.</summary>
    void Step(IOptimizable target);
    /// <summary>Forgets all history (as a freshly constructed ASE optimizer).</summary>
    void Reset();
}

/// <summary>Which minimiser (<see cref="OptimizerKind.LbfgsLineSearch"/>: L-BFGS with a backtracking line search, not in ASE).</summary>
public enum OptimizerKind { Fire, Lbfgs, Bfgs, LbfgsLineSearch }

/// <summary>
/// Parameters of the minimisers with ASE 3.22's names and defaults. Lengths in Å (per coordinate
/// row), time in ASE's FIRE units (the step is Δx = dt·v with v += dt·f, masses ignored).
/// </summary>
public sealed record OptimizerSettings
{
    public OptimizerKind Kind { get; init; } = OptimizerKind.Fire;
    /// <summary>Largest step (Å). FIRE limits the norm of the whole step; (L-)BFGS the longest row.</summary>
    public double MaxStep { get; init; } = 0.2;
    // FIRE (Bitzek et al., PRL 97, 170201 (2006)) as ase.optimize.FIRE
    public double Dt { get; init; } = 0.1;
    public double DtMax { get; init; } = 1.0;
    public int NMin { get; init; } = 5;
    public double FInc { get; init; } = 1.1;
    public double FDec { get; init; } = 0.5;
    public double AStart { get; init; } = 0.1;
    public double FA { get; init; } = 0.99;
    // L-BFGS and BFGS as ase.optimize.LBFGS / BFGS
    /// <summary>L-BFGS history length.</summary>
    public int Memory { get; init; } = 100;
    /// <summary>L-BFGS step multiplier.</summary>
    public double Damping { get; init; } = 1.0;
    /// <summary>Initial Hessian guess α (eV/Å²): H₀ = α·I (BFGS), H₀⁻¹ = I/α (L-BFGS).</summary>
    public double Alpha { get; init; } = 70.0;

    public IOptimizer Create() => Kind switch
    {
        OptimizerKind.Fire => new Fire(this),
        OptimizerKind.Lbfgs => new Lbfgs(this),
        OptimizerKind.Bfgs => new Bfgs(this),
        OptimizerKind.LbfgsLineSearch => new LbfgsLineSearch(this),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };
}
