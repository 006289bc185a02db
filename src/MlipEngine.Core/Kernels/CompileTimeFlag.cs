namespace MlipEngine.Kernels;

/// <summary>
/// A boolean known to the JIT: generic kernels take <c>where T : struct, ICompileTimeFlag</c> and test
/// <c>T.Value</c>, which the JIT folds, so one source loop yields specialised machine code per
/// combination (with/without forces, virial, image shifts…) and no per-pair branch.
/// </summary>
public interface ICompileTimeFlag { static abstract bool Value { get; } }

public readonly struct On : ICompileTimeFlag { public static bool Value => true; }
public readonly struct Off : ICompileTimeFlag { public static bool Value => false; }
