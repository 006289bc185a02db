namespace MlipEngine.ForceFields;

/// <summary>
/// Factories for backends that live in assemblies a potential cannot reference. The dependency
/// direction is Core ← Potentials ← Backends.OpenCl, so <c>LennardJonesPotential.CreateComputer</c>
/// cannot construct an OpenCL computer itself; instead the OpenCL assembly registers one factory per
/// force-field type at start-up (<c>OpenClBackend.Register()</c>) and the potential asks this registry.
/// </summary>
/// <remarks>
/// Keyed by (backend, concrete force-field type): exact type match, no inheritance search, so the
/// lookup is one dictionary probe at bind time (never in a hot loop). Registration is idempotent and
/// thread-safe; a later registration for the same key replaces the earlier one.
/// </remarks>
public static class BackendRegistry
{
    private static readonly Dictionary<(Backend, Type), Func<IForceField, ComputeOptions, IForceComputer>> Factories = new();
    private static readonly object Gate = new();

    /// <summary>Registers the factory that binds force fields of type <typeparamref name="TForceField"/> to <paramref name="backend"/>.</summary>
    public static void Register<TForceField>(Backend backend, Func<TForceField, ComputeOptions, IForceComputer> factory)
        where TForceField : IForceField
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate) Factories[(backend, typeof(TForceField))] = (ff, o) => factory((TForceField)ff, o);
    }

    /// <summary>True when a factory for this force field's type and backend has been registered.</summary>
    public static bool IsRegistered(Backend backend, Type forceFieldType)
    {
        lock (Gate) return Factories.ContainsKey((backend, forceFieldType));
    }

    /// <summary>
    /// Binds <paramref name="forceField"/> to <c>options.Backend</c> through a registered factory.
    /// Throws <see cref="NotSupportedException"/> naming the missing registration otherwise.
    /// </summary>
    public static IForceComputer Create(IForceField forceField, ComputeOptions options)
    {
        Func<IForceField, ComputeOptions, IForceComputer>? factory;
        lock (Gate) Factories.TryGetValue((options.Backend, forceField.GetType()), out factory);
        if (factory == null)
            throw new NotSupportedException(options.Backend == Backend.OpenCl
                ? $"{forceField.Style} has no OpenCL backend registered (call MlipEngine.Backends.OpenCl.OpenClBackend.Register() at start-up)"
                : $"{forceField.Style} has no {options.Backend} backend");
        return factory(forceField, options);
    }

    /// <summary>The built-in backends plus any registered for this force-field type.</summary>
    public static IReadOnlyList<Backend> WithRegistered(Type forceFieldType, params Backend[] builtIn)
    {
        var all = new List<Backend>(builtIn);
        lock (Gate)
            foreach (var (b, t) in Factories.Keys)
                if (t == forceFieldType && !all.Contains(b)) all.Add(b);
        return all;
    }
}
