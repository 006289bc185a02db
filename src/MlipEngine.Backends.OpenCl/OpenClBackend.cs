using MlipEngine.ForceFields;
using MlipEngine.Potentials.Eam;
using MlipEngine.Potentials.Equivariant;
using MlipEngine.Potentials.Pair;

[assembly: ComputeBackend(typeof(MlipEngine.Backends.OpenCl.OpenClBackend))]

namespace MlipEngine.Backends.OpenCl;

/// <summary>
/// The OpenCL backend as an <see cref="IComputeBackend"/>: lj/cut, morse, the EAM family and the
/// equivariant model, in fp64 and fp32. Announced by the assembly attribute above, so a catalogue's
/// default composition finds it. Constructing it does not touch the OpenCL runtime: a machine without
/// one fails only when a computer is bound, with <see cref="OpenClRuntime.NoRuntimeMessage"/>.
/// </summary>
public sealed class OpenClBackend : IComputeBackend
{
    public Backend Id => Backend.OpenCl;

    public IReadOnlyCollection<string> Styles { get; } = ["lj/cut", "morse", "eam", "eam/alloy", "eam/fs", "equivariant"];

    public bool Supports(IForceField forceField) => forceField is LennardJonesPotential or MorsePotential or EamPotential or EquivariantModel;

    public IForceComputer Bind(IForceField forceField, ComputeOptions options)
    {
        options = options with { Backend = Backend.OpenCl };
        return forceField switch
        {
            LennardJonesPotential lj => OpenClPairComputer.Create(lj, options),
            MorsePotential morse => OpenClPairComputer.Create(morse, options),
            EamPotential eam => new OpenClEamComputer(eam, options),
            EquivariantModel model => new OpenClEquivariantComputer(model, options),
            _ => throw new NotSupportedException($"{forceField.Style} has no OpenCL backend (OpenCL runs lj/cut, morse, eam, eam/alloy, eam/fs and equivariant)"),
        };
    }

    /// <summary>Every OpenCL device with the index <c>--device opencl:INDEX</c> takes, grouped by platform; or why there is none.</summary>
    public IReadOnlyList<string> DescribeDevices()
    {
        IReadOnlyList<OpenClDeviceInfo> devices;
        try { devices = OpenClRuntime.Devices(); }
        catch (OpenClException e) { return [$"opencl: {e.Message}"]; }
        catch (NotSupportedException e) { return [$"opencl: {e.Message}"]; }
        var lines = new List<string> { $"opencl devices ({devices.Count}; select with --device opencl:INDEX):" };
        foreach (var platform in devices.GroupBy(d => (d.PlatformName, d.PlatformVersion)))
        {
            lines.Add($"  platform: {platform.Key.PlatformName} ({platform.Key.PlatformVersion})");
            foreach (var d in platform)
                lines.Add($"    [{d.Index}] {d.Name} — {d.Type}, {d.ComputeUnits} compute units, " +
                    $"{d.GlobalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB global memory, {d.LocalMemoryBytes / 1024} KiB local, " +
                    $"fp64 {(d.SupportsFp64 ? "yes" : "no")}, driver {d.DriverVersion}");
        }
        return lines;
    }
}
