namespace MlipEngine.Dynamics.Md;

/// <summary>
/// MD whose state lives on an accelerator for the whole run: positions, velocities, forces, masses,
/// the neighbor list and the integrator's per-atom state stay in device memory, and the device
/// advances many steps without the host. The run loop (<c>mlip md</c>) calls <see cref="Advance"/>
/// between output steps and <see cref="Synchronize"/> when it needs numbers on the host.
/// </summary>
/// <remarks>
/// Contract with <see cref="MdSystem"/>: <see cref="Upload"/> takes the host state (positions,
/// velocities, masses, frozen atoms, the forces of the last host force call and the integrator's
/// bath state); after that the host copies are stale until <see cref="Synchronize"/>. Every sync fills
/// <see cref="MdSystem.Forces"/> with the energy and virial (and the stress) of the current step,
/// <see cref="KineticTensor"/>, and the integrator's extended-energy state; with <c>state: true</c> also
/// positions, velocities and forces, and the host copy of the neighbor-list reference positions.
/// </remarks>
public interface IResidentDynamics : IDisposable
{
    /// <summary>One line for the log: which device and which integrator run resident.</summary>
    string Description { get; }

    /// <summary>Copies the host state to the device (start of a run, after a restart).</summary>
    void Upload();

    /// <summary>Copies host velocities to the device (after the host changed them, e.g. drift removal).</summary>
    void UploadVelocities();

    /// <summary>
    /// Advances up to <paramref name="steps"/> time steps; <paramref name="step"/> is the step counter
    /// before the first of them (it keys counter-based noise, so a restarted run draws the same numbers).
    /// Returns the steps done: fewer when a position became non-finite (the host then syncs and reports)
    /// or when <paramref name="interrupted"/> returned true (polled once per step).
    /// </summary>
    int Advance(long step, int steps, Func<bool>? interrupted = null);

    /// <summary>Reduces energy, virial, kinetic tensor and bath heat on the device and reads them; with <paramref name="state"/> also positions, velocities and forces.</summary>
    void Synchronize(bool state);

    /// <summary>Kinetic tensor Σ m vₐ v_b at the last sync, eV, 9 entries row-major (trace = 2K).</summary>
    ReadOnlySpan<double> KineticTensor { get; }

    /// <summary>Positions (Å) and cell of the last neighbor-list build, as of the last state sync (for checkpoints).</summary>
    void CopyNeighborReference(NeighborReference reference);
}

/// <summary>
/// A capability of a force computer whose backend can keep a whole MD run on its device. An MD driver
/// asks the computer (<c>computer is IResidentDynamicsSource</c>), never a backend type by name.
/// </summary>
public interface IResidentDynamicsSource
{
    /// <summary>
    /// The device-resident stepper for <paramref name="system"/> (whose computer is this one) and
    /// <paramref name="integrator"/>, or null with the reason (for the log) when this combination
    /// integrates on the host.
    /// </summary>
    IResidentDynamics? TryCreateResident(MdSystem system, Integrators.IIntegrator integrator, out string reason);
}
