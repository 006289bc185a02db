using System.Globalization;
using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Tests.Support;

/// <summary>Locations of committed golden data and of Debian's LAMMPS potential files.</summary>
public static class GoldenFiles
{
    public const string LammpsPotentials = "/usr/share/lammps/potentials";

    public static string LammpsPotential(string name)
    {
        string p = Path.Combine(LammpsPotentials, name);
        if (!File.Exists(p)) throw new FileNotFoundException($"{p} is missing: install Debian's lammps-data (apt-get install lammps-data); .ci/run does this", p);
        return p;
    }

    public static string GoldenRoot => Path.Combine(AppContext.BaseDirectory, "Golden");
}
