namespace MlipEngine.Dynamics.Thermostats;

/// <summary>
/// A thermostat that acts by scaling all velocities by one factor: given the kinetic energy K (eV)
/// it advances its own state over a time span (fs) and returns the factor. Its state enters the
/// conserved quantity as <see cref="ConservedEnergy"/> (eV).
/// </summary>
public interface IVelocityScalingThermostat
{
    double Propagate(double kinetic, double span);
    double ConservedEnergy { get; }
    void Save(BinaryWriter w);
    void Load(BinaryReader r);
}
