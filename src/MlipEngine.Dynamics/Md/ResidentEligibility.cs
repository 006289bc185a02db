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
}
