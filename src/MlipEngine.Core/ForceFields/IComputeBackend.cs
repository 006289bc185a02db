namespace MlipEngine.ForceFields;

/// <summary>
/// A place force fields run: binds an <see cref="IForceField"/> to hardware under <see cref="ComputeOptions"/>.
/// Reference, Cpu and OpenCL are all implementations of this one interface; a catalogue
/// (<c>MlipEngine.Workflows.ForceFieldCatalog</c>) holds them by <see cref="Id"/> and is the only place that
/// chooses between them. A new backend is a class implementing this interface in its own assembly,
/// announced with <see cref="ComputeBackendAttribute"/>: nothing in Core, the CLI or Interop changes.
/// </summary>
public interface IComputeBackend
{
    /// <summary>The name users write (<c>--device NAME[:INDEX]</c>).</summary>
    Backend Id { get; }

    /// <summary>True when this backend implements <paramref name="forceField"/>'s style (any precision).</summary>
    bool Supports(IForceField forceField);

    /// <summary>
    /// Binds <paramref name="forceField"/>. Throws <see cref="NotSupportedException"/> with a message that
    /// names the style, backend and precision when this combination is not implemented.
    /// </summary>
    IForceComputer Bind(IForceField forceField, ComputeOptions options);

    /// <summary>Style names this backend implements (for listings), or null when it runs every style that lists it in <see cref="IForceField.Backends"/>.</summary>
    IReadOnlyCollection<string>? Styles => null;

    /// <summary>Devices this backend can run on, one line each, for <c>mlip info</c> (empty when it has none to list).</summary>
    IReadOnlyList<string> DescribeDevices() => [];
}

/// <summary>
/// Announces the <see cref="IComputeBackend"/> implementations of an assembly (each needs a public
/// parameterless constructor). The catalogue's default composition loads <c>MlipEngine.Backends.*.dll</c>
/// beside the application and registers every type named here.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ComputeBackendAttribute(Type backendType) : Attribute
{
    public Type BackendType { get; } = backendType;
}

/// <summary>
/// A backend's own failure that the user can act on (a device error, a kernel that does not build, a
/// device out of memory): hosts report its message as one line, like a bad input.
/// </summary>
public class ComputeBackendException(string message) : Exception(message);
