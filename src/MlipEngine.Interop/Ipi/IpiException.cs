namespace MlipEngine.Interop.Ipi;

/// <summary>
/// The i-PI conversation failed: the driver went away, sent something we cannot use, or the
/// template does not fit. An <see cref="IOException"/> so the CLI reports it as one line.
/// </summary>
public sealed class IpiException(string message) : IOException(message);
