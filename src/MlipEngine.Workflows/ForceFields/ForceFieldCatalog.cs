using System.Reflection;
using MlipEngine.ForceFields;
using MlipEngine.Potentials.Spec;

namespace MlipEngine.Workflows.ForceFields;

/// <summary>
/// The one place that turns what a user names into a force computer: potential styles (spec →
/// <see cref="IForceField"/>) and compute backends (<see cref="IComputeBackend"/> by name). The CLI, the
/// C ABI / Python / LAMMPS coupling, the workflows and the tests all go through an instance of it.
/// </summary>
/// <example>
/// <code>
/// var catalog = ForceFieldCatalog.CreateDefault();
/// IForceField ff = catalog.Load("potentials/cu-mlearn.mlip");          // or a spec file, or "{style: lj/cut, ...}"
/// using var computer = catalog.Bind(ff, new ComputeOptions { Backend = Backend.OpenCl, Precision = Precision.Float32 });
/// </code>
/// </example>
/// <remarks>
/// Instances are independent (no global state): <see cref="CreateDefault"/> registers the built-in
/// styles, the Reference and Cpu backends, and every backend announced by a
/// <see cref="ComputeBackendAttribute"/> in an assembly named <c>MlipEngine.Backends.*.dll</c> beside the
/// application (OpenCL today). Adding a backend is therefore a new assembly: Core, the CLI and Interop
/// do not change. Registration is meant for start-up; lookups are not synchronised against it.
/// </remarks>
public sealed class ForceFieldCatalog
{
    private readonly Dictionary<string, Func<PotentialSpec, IForceField>> _styles = new(StringComparer.Ordinal);
    private readonly List<IComputeBackend> _backends = [];

    /// <summary>Style names, sorted.</summary>
    public IReadOnlyList<string> Styles => _styles.Keys.Order(StringComparer.Ordinal).ToArray();
    /// <summary>Registered backends in registration order (reference, cpu, then discovered ones).</summary>
    public IReadOnlyList<IComputeBackend> Backends => _backends;

    /// <summary>Built-in styles, Reference and Cpu, and the backends found beside the application.</summary>
    public static ForceFieldCatalog CreateDefault()
    {
        var c = new ForceFieldCatalog();
        foreach (var (style, build) in PotentialFactory.BuiltIn) c.AddStyle(style, build);
        // members of a committee may be spec files (YAML, read here) and any style this catalogue knows
        c.AddStyle("committee", s => PotentialFactory.BuildCommittee(s, c.Create, PotentialSpecLoader.FromFile));
        c.AddBackend(NativeComputeBackend.Reference);
        c.AddBackend(NativeComputeBackend.Cpu);
        foreach (var b in DiscoverBackends()) c.AddBackend(b);
        return c;
    }

    /// <summary>Adds (or replaces) a potential style.</summary>
    public ForceFieldCatalog AddStyle(string style, Func<PotentialSpec, IForceField> build)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(style);
        ArgumentNullException.ThrowIfNull(build);
        _styles[style] = build;
        return this;
    }

    /// <summary>Adds a backend; one with the same name is replaced.</summary>
    public ForceFieldCatalog AddBackend(IComputeBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backends.RemoveAll(b => b.Id == backend.Id);
        _backends.Add(backend);
        return this;
    }

    public bool HasBackend(Backend id) => _backends.Any(b => b.Id == id);

    /// <summary>The backend registered under <paramref name="id"/>; <see cref="NotSupportedException"/> naming the known ones otherwise.</summary>
    public IComputeBackend Backend(Backend id) => _backends.FirstOrDefault(b => b.Id == id)
        ?? throw new NotSupportedException($"no backend '{id.Name}' (known: {string.Join(", ", _backends.Select(b => b.Id.Name))})");

    /// <summary>The backends that implement <paramref name="forceField"/>'s style.</summary>
    public IReadOnlyList<Backend> BackendsFor(IForceField forceField) =>
        _backends.Where(b => b.Supports(forceField)).Select(b => b.Id).ToArray();

    /// <summary>Binds <paramref name="forceField"/> to <c>options.Backend</c>.</summary>
    public IForceComputer Bind(IForceField forceField, ComputeOptions options)
    {
        var backend = Backend(options.Backend);
        if (!backend.Supports(forceField))
            throw new NotSupportedException($"{forceField.Style} has no {options.Backend.Name} backend (it runs on: {string.Join(", ", BackendsFor(forceField).Select(b => b.Name))})");
        return backend.Bind(forceField, options);
    }

    /// <summary>Builds a force field from a parsed spec.</summary>
    public IForceField Create(PotentialSpec spec) => PotentialFactory.Create(spec, _styles);

    /// <summary>
    /// What a user passes as a potential: a spec file (YAML), an inline spec starting with '{', or a model
    /// file (<c>*.mlip</c>) alone, which means <c>{style: equivariant, file: PATH}</c>.
    /// </summary>
    public IForceField Load(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.TrimEnd().EndsWith(".mlip", StringComparison.OrdinalIgnoreCase) && !argument.TrimStart().StartsWith('{'))
        {
            string full = Path.GetFullPath(argument.Trim());
            var fields = new Dictionary<string, object?> { ["style"] = "equivariant", ["file"] = full };
            return Create(new PotentialSpec(fields, Path.GetFileName(full), Path.GetDirectoryName(full)!));
        }
        return Create(PotentialSpecLoader.Resolve(argument));
    }

    /// <summary>Loads <paramref name="argument"/> (as <see cref="Load"/>) and binds it.</summary>
    public IForceComputer LoadAndBind(string argument, ComputeOptions options) => Bind(Load(argument), options);

    /// <summary>
    /// <c>NAME</c> or <c>NAME:INDEX</c> (device index, e.g. <c>opencl:1</c>); <c>ref</c> is short for
    /// <c>reference</c>. Throws <see cref="FormatException"/> naming the registered backends for anything else.
    /// </summary>
    public (Backend Backend, int DeviceIndex) ParseDevice(string text)
    {
        string lower = text.Trim().ToLowerInvariant();
        if (lower == "ref") lower = MlipEngine.ForceFields.Backend.ReferenceName;
        string name = lower; int index = 0;
        int colon = lower.IndexOf(':');
        if (colon >= 0)
        {
            name = lower[..colon];
            if (!int.TryParse(lower.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
                throw new FormatException($"bad device '{text}': expected {name}:INDEX with INDEX a device number from 'mlip info'");
        }
        var known = _backends.Select(b => b.Id.Name).ToArray();
        if (name.Length == 0 || !known.Contains(name))
            throw new FormatException($"unknown device '{text}' ({string.Join(", ", known)}, NAME:INDEX)");
        return (new Backend(name), index);
    }

    /// <summary>
    /// Backends announced by <see cref="ComputeBackendAttribute"/> in <c>MlipEngine.Backends.*.dll</c>
    /// beside the application (loaded if they are not yet). A file that fails to load is skipped: the
    /// backend is then missing from the catalogue, and naming it gives the "no backend" message.
    /// </summary>
    public static IReadOnlyList<IComputeBackend> DiscoverBackends()
    {
        var found = new List<IComputeBackend>();
        var assemblies = new List<Assembly>();
        // The load context this library lives in: the default one in an application, an isolated one
        // when a native host (the C ABI's hostfxr) loaded it. Backends load beside it, in the same context.
        var self = typeof(ForceFieldCatalog).Assembly;
        var context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(self) ?? System.Runtime.Loader.AssemblyLoadContext.Default;
        foreach (var a in context.Assemblies)
            if (a.GetName().Name?.StartsWith("MlipEngine.Backends.", StringComparison.Ordinal) == true) assemblies.Add(a);
        var folders = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(self.Location) }
            .Where(d => !string.IsNullOrEmpty(d) && Directory.Exists(d)).Select(d => Path.GetFullPath(d!)).Distinct();
        // Loads backend assembly `name` into the context (by name; from `file` when the name does not resolve), unless it is there.
        void Load(string name, string? file)
        {
            if (assemblies.Any(a => a.GetName().Name == name)) return;
            try
            {
                Assembly loaded;
                try { loaded = context.LoadFromAssemblyName(new AssemblyName(name)); }
                catch (FileNotFoundException) when (file is not null) { loaded = context.LoadFromAssemblyPath(file); }
                assemblies.Add(loaded);
            }
            catch (Exception e) when (e is IOException or BadImageFormatException) { }
        }
        foreach (string folder in folders)
            foreach (string file in Directory.EnumerateFiles(folder, "MlipEngine.Backends.*.dll").Order(StringComparer.Ordinal))
                Load(Path.GetFileNameWithoutExtension(file), file);
        // A single-file application bundles its assemblies: no backend dll lies in a folder, and one is loaded only when code touches
        // it. The entry assembly's references name the backends it was built with; load those by name.
        foreach (var reference in Assembly.GetEntryAssembly()?.GetReferencedAssemblies() ?? [])
            if (reference.Name?.StartsWith("MlipEngine.Backends.", StringComparison.Ordinal) == true) Load(reference.Name, null);
        foreach (var a in assemblies.OrderBy(a => a.GetName().Name, StringComparer.Ordinal))
            foreach (var attr in a.GetCustomAttributes<ComputeBackendAttribute>())
                if (Activator.CreateInstance(attr.BackendType) is IComputeBackend b && !found.Any(f => f.Id == b.Id)) found.Add(b);
        return found;
    }
}
