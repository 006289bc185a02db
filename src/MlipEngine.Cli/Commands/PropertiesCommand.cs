using System.CommandLine;
using System.Globalization;
using MlipEngine.Workflows.Properties;

namespace MlipEngine.Cli.Commands;

/// <summary>
/// <c>mlip properties</c>: E(V) + Birch–Murnaghan, elastic constants, vacancy formation energy, competing
/// phases and phonons of a relaxed crystal (<see cref="PropertiesRun"/>); this verb parses and prints.
/// </summary>
public static class PropertiesCommand
{
    public static Command Create()
    {
        var potential = new Option<string>("--potential", "-p") { Description = "Potential spec file (YAML), inline spec '{style: ..., ...}' or model file (.mlip)", Required = true };
        var structure = new Option<string?>("--structure", "-s") { Description = "Crystal: extxyz/POSCAR/LAMMPS data file (first frame), periodic along all axes" };
        var lattice = new Option<string?>("--lattice") { Description = "Build the crystal instead: fcc, bcc, diamond, hcp (ideal c/a) or sc" };
        var a = new Option<double?>("--a") { Description = "Lattice constant for --lattice, Å (conventional cell; hcp: basal a)" };
        var element = new Option<string?>("--element") { Description = "Element for --lattice (default: the potential's only element)" };
        var device = new Option<string>("--device", "--backend") { Description = "cpu, reference, opencl[:INDEX] or ilgpu[:INDEX]", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads", "-t") { Description = "Threads of the force calls", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<string?>("--json") { Description = "Write every number (and the phonon bands and DOS) as JSON" };
        var svgDir = new Option<string?>("--svg-dir") { Description = "Folder for eos.svg, phonon_dispersion.svg, phonon_dos.svg (created)" };
        var only = new Option<string?>("--only") { Description = "Comma-separated subset of eos,elastic,vacancy,phases,phonons (default all)" };
        var strain = new Option<double>("--strain") { Description = "Strain amplitude of the elastic constants (central differences)", DefaultValueFactory = _ => 0.005 };
        var supercell = new Option<int?>("--supercell") { Description = "Vacancy supercell n (n×n×n cells; default: smallest with ≥ 100 atoms)" };
        var phononSupercell = new Option<int?>("--phonon-supercell") { Description = "Phonon supercell n of the primitive cell (default: faces ≥ 2 cutoffs apart)" };
        var phononPath = new Option<string?>("--phonon-path") { Description = "Phonon path 'G 0 0 0, X 0.5 0 0.5, ...' in fractions of the phonon cell's reciprocal vectors (default: the lattice's standard path)" };
        var dosMesh = new Option<int?>("--dos-mesh") { Description = "Phonon DOS q mesh per axis (default 20 for one atom per cell)" };
        var cmd = new Command("properties", "Materials properties of a crystal: E(V) and bulk modulus, elastic constants, vacancy energy, competing phases, phonons")
        {
            potential, structure, lattice, a, element, device, threads, json, svgDir, only, strain, supercell, phononSupercell, phononPath, dosMesh,
        };
        cmd.SetAction(r => Run(new PropertiesOptions
        {
            Potential = r.GetValue(potential), Structure = r.GetValue(structure), Lattice = r.GetValue(lattice)?.ToLowerInvariant(),
            A = r.GetValue(a), Element = r.GetValue(element), Device = r.GetValue(device)!, Threads = r.GetValue(threads),
            Json = r.GetValue(json), SvgDir = r.GetValue(svgDir),
            Only = r.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToArray(),
            Strain = r.GetValue(strain), Supercell = r.GetValue(supercell), PhononSupercell = r.GetValue(phononSupercell),
            PhononPath = r.GetValue(phononPath), DosMesh = r.GetValue(dosMesh),
        }, Console.Out));
        return cmd;
    }

    public static int Run(PropertiesOptions options, TextWriter output)
    {
        var report = PropertiesRun.Run(options, CliParsing.Catalog, (label, unit) => new ProgressReporter(label, unit), Console.Error);
        Print(report, output);
        return 0;
    }

    /// <summary>The printed table: one line per number, units in the label.</summary>
    public static void Print(PropertiesReport r, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        void Row(string name, string value) => w.WriteLine(string.Format(ci, "  {0,-34} {1}", name, value));
        string F(double v, string fmt) => double.IsFinite(v) ? v.ToString(fmt, ci) : "—";
        var x = r.Relaxed;
        w.WriteLine($"{x.Structure.Formula} ({x.Structure.AtomCount} atoms/cell{(r.Lattice is { } l ? ", " + l : "")}), {r.Style} potential {r.Potential}");
        w.WriteLine("relaxed crystal");
        Row("energy (eV/atom)", F(x.EnergyPerAtom, "F6"));
        Row("volume (Å³/atom)", F(x.VolumePerAtom, "F4"));
        if (r.CubicA is double ca) Row("a (Å)", F(ca, "F5"));
        if (r.Eos is { } eos)
        {
            w.WriteLine($"equation of state (Birch–Murnaghan, {r.EosVolumes!.Length} volumes {r.EosVolumes.Min():F3}–{r.EosVolumes.Max():F3} Å³/atom)");
            Row("E0 (eV/atom)", F(eos.E0, "F6"));
            Row("V0 (Å³/atom)", F(eos.V0, "F4"));
            if (r.EosA0 is double a0) Row("a0 (Å)", F(a0, "F5"));
            Row("B (GPa)", F(eos.BulkModulusGPa, "F2"));
            Row("B'", F(eos.BPrime, "F3"));
            Row("rms residual (meV/atom)", F(1000 * eos.RmsResidual, "F4"));
        }
        if (r.Elastic is { } el)
        {
            w.WriteLine($"elastic constants (GPa; relaxed ions, ±{el.Strain * 100:G3} % strain, Voigt xx yy zz yz xz xy)");
            for (int i = 0; i < 6; i++)
            {
                var sb = new System.Text.StringBuilder("  ");
                for (int j = 0; j < 6; j++) sb.Append(string.Format(ci, "{0,10:F2}", Math.Abs(el.Cij[i, j]) < 0.005 ? 0.0 : el.Cij[i, j]));
                w.WriteLine(sb.ToString());
            }
            if (r.IsCubic)
            {
                Row("C11, C12, C44", $"{F(el.C11, "F2")}, {F(el.C12, "F2")}, {F(el.C44, "F2")}");
                Row("B = (C11+2C12)/3", F(el.BulkModulus, "F2"));
                Row("C' = (C11-C12)/2", F(el.TetragonalShear, "F2"));
                if (r.ElasticClampedIon is { } cl && Math.Abs(cl.C44 - el.C44) > 0.005)
                    Row("clamped-ion C11, C12, C44", $"{F(cl.C11, "F2")}, {F(cl.C12, "F2")}, {F(cl.C44, "F2")}");
            }
            else Row("B (Voigt)", F(el.VoigtBulkModulus, "F2"));
        }
        if (r.Vacancy is { } v)
        {
            w.WriteLine($"vacancy ({v.Atoms}-atom supercell, ions relaxed at fixed cell)");
            Row("formation energy (eV)", F(v.FormationEnergy, "F4") + (v.Converged ? "" : "  (relaxation not converged)"));
        }
        if (r.Phases is { } ph)
        {
            w.WriteLine("competing phases (hydrostatic relaxation)          E (eV/atom)   ΔE (meV/atom)   V (Å³/atom)");
            foreach (var p in ph.OrderBy(p => double.IsNaN(p.Relative) ? double.MaxValue : p.Relative))
                w.WriteLine(p.Failure is null
                    ? string.Format(ci, "  {0,-46} {1,12:F5} {2,15:F1} {3,13:F3}", p.Phase + (p.Converged ? "" : " (not converged)"), p.EnergyPerAtom, 1000 * p.Relative, p.VolumePerAtom)
                    : $"  {p.Phase,-46} failed: {p.Failure}");
        }
        else if (r.PhasesSkipped is { } why) w.WriteLine($"competing phases: skipped ({why})");
        if (r.Phonons is { } phon)
        {
            var b = r.Bands!;
            w.WriteLine($"phonons ({phon.UnitCell.AtomCount}-atom cell, {phon.Supercell}×{phon.Supercell}×{phon.Supercell} supercell, ±{phon.Displacement} Å)");
            foreach (var (label, pos) in b.Ticks.DistinctBy(t => t.Label))
            {
                int i = Array.FindIndex(b.Distance, d => Math.Abs(d - pos) < 1e-9);
                if (i >= 0) Row($"{label} (THz)", string.Join(" ", b.Frequencies[i].Select(f => F(Math.Abs(f) < 5e-4 ? 0 : f, "F3"))));
            }
            Row("max frequency (THz)", F(b.Frequencies.Max(f => f[^1]), "F3"));
        }
        w.WriteLine(string.Format(ci, "{0} force calls, {1:F1} s{2}", r.ForceCalls, r.Seconds, r.Files.Count > 0 ? "; wrote " + string.Join(", ", r.Files) : ""));
    }
}
