using MlipEngine.Dynamics.Integrators;

namespace MlipEngine.Dynamics.Md;

/// <summary>
/// The checks every device-resident stepper makes before taking a run (replicas and unsupported
/// integrators integrate on the host), with the reason the run log prints when it does not.
/// </summary>
public static class ResidentEligibility
{
    /// <summary>
    /// Null when <paramref name="system"/> (whose computer is on <paramref name="backend"/>) can run
    /// <paramref name="integrator"/> on the device, which supports the integrators <paramref name="supported"/>
    /// names (<see cref="IIntegrator.Name"/>); otherwise why it integrates on the host.
    /// </summary>
    public static string? WhyOnHost(MdSystem system, IIntegrator integrator, string backend, params string[] supported)
    {
        if (!system.OwnsForces) return $"{backend} forces with host-side integration: replicas in one batch integrate on the host";
        if (Array.IndexOf(supported, integrator.Name) < 0)
            return $"{backend} forces with host-side integration: device-resident MD supports {string.Join(" and ", supported)}, this run uses {integrator.Name} (positions go up and forces come back every step)";
        return null;
    }

    /// <summary>
    /// The stepper <paramref name="create"/> makes when the system's computer is a <typeparamref name="TComputer"/> and
    /// <see cref="WhyOnHost"/> finds nothing against it; otherwise null with the reason for the log.
    /// </summary>
    public static IResidentDynamics? TryCreate<TComputer>(MdSystem system, IIntegrator integrator, string backend, string[] supported,
        Func<TComputer, IResidentDynamics> create, out string reason) where TComputer : class
    {
        if (system.Computer is not TComputer computer) { reason = $"forces on {system.Computer.Options.Backend}, integration on the host"; return null; }
        var why = WhyOnHost(system, integrator, backend, supported);
        if (why != null) { reason = why; return null; }
        reason = "";
        return create(computer);
    }
}
