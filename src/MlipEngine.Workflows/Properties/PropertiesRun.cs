using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlipEngine.Chemistry;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.State;
using MlipEngine.Workflows.ForceFields;

namespace MlipEngine.Workflows.Properties;

/// <summary>What <c>mlip properties</c> computes, and for which crystal.</summary>
public sealed record PropertiesOptions
{
    /// <summary>Potential argument (spec file, inline spec or .mlip model), unless <see cref="ForceField"/> is set.</summary>
    public string? Potential { get; init; }
    public IForceField? ForceField { get; init; }
    /// <summary>Structure file (first frame), or null with <see cref="Lattice"/>.</summary>
    public string? Structure { get; init; }
    /// <summary>fcc, bcc, diamond, hcp or sc, with <see cref="A"/> (Å) and <see cref="Element"/>.</summary>
    public string? Lattice { get; init; }
    public double? A { get; init; }
    /// <summary>Element of a <see cref="Lattice"/> crystal; default the potential's only species.</summary>
    public string? Element { get; init; }
    public string Device { get; init; } = "cpu";
    public int Threads { get; init; } = Environment.ProcessorCount;
    public string? Json { get; init; }
    public string? SvgDir { get; init; }
    /// <summary>Subset of <see cref="PropertiesRun.Parts"/>; null = all.</summary>
    public IReadOnlyCollection<string>? Only { get; init; }
    /// <summary>Volume points of E(V) and their half-range (0.06: V from 0.94 to 1.06 V₀).</summary>
    public int EosPoints { get; init; } = 11;
    public double EosRange { get; init; } = 0.06;
    /// <summary>Strain amplitude δ of the elastic constants.</summary>
    public double Strain { get; init; } = 0.005;
    /// <summary>Vacancy supercell n (n×n×n cells); null = smallest with ≥ 100 atoms.</summary>
    public int? Supercell { get; init; }
    /// <summary>Phonon supercell n; null = smallest whose faces are ≥ 2 cutoffs apart (≤ 512 atoms).</summary>
    public int? PhononSupercell { get; init; }
    public double PhononDisplacement { get; init; } = 0.01;
    /// <summary>"LABEL f1 f2 f3, ..." in fractions of the phonon cell's reciprocal vectors; null = the lattice's standard path.</summary>
    public string? PhononPath { get; init; }
    /// <summary>DOS q mesh per axis; null = 20 for a one-atom cell, fewer for larger cells.</summary>
    public int? DosMesh { get; init; }
    public double DosSmearing { get; init; } = 0.1;
}

/// <summary>Everything computed, in the units the JSON states (eV, Å, GPa, THz).</summary>
public sealed class PropertiesReport
{
    public required string Potential { get; init; }
    public required string Style { get; init; }
    public string? Lattice { get; init; }
    public required CrystalState Relaxed { get; init; }
    /// <summary>Conventional cubic lattice constant of the relaxed crystal, Å (null unless cubic).</summary>
    public double? CubicA { get; init; }
    public double[]? EosVolumes { get; set; }
    public double[]? EosEnergies { get; set; }
    public BirchMurnaghan? Eos { get; set; }
    /// <summary>a₀ at the fitted V₀ (cubic cells), Å.</summary>
    public double? EosA0 { get; set; }
    public ElasticConstants? Elastic { get; set; }
    /// <summary>Clamped-ion constants (ions moved only with the cell), computed when the cell has more than one atom per cell; equal to <see cref="Elastic"/> when no internal relaxation is possible.</summary>
    public ElasticConstants? ElasticClampedIon { get; set; }
    public bool IsCubic { get; init; }
    public VacancyFormation? Vacancy { get; set; }
    public IReadOnlyList<PhaseEnergy>? Phases { get; set; }
    public string? PhasesSkipped { get; set; }
    public Phonons? Phonons { get; set; }
    public PhononBands? Bands { get; set; }
    public PhononDos? Dos { get; set; }
    public double[]? GammaFrequencies { get; set; }
    public List<string> Files { get; } = [];
    public long ForceCalls { get; set; }
    public double Seconds { get; set; }
}

/// <summary>
/// <c>mlip properties</c> as a library call: relaxes a crystal (ions + cell), then computes its E(V)
/// with a Birch–Murnaghan fit, relaxed-ion elastic constants, relaxed vacancy formation energy, the
/// energies of competing phases of its element and its phonons (dispersion and DOS), and writes JSON
/// and SVG plots. A thin consumer of the force-field API: everything goes through one bound
/// <see cref="IForceComputer"/> (<see cref="CrystalEvaluator"/>).
/// </summary>
public static class PropertiesRun
{
    public static readonly string[] Parts = ["eos", "elastic", "vacancy", "phases", "phonons"];

    public static PropertiesReport Run(PropertiesOptions o, ForceFieldCatalog catalog, ProgressFactory? progress = null, TextWriter? log = null)
    {
        var clock = Stopwatch.StartNew();
        var only = Validate(o);
        var ff = o.ForceField ?? catalog.Load(o.Potential!);
        var crystal = BuildCrystal(o, ff, out string? lattice, out string element);
        foreach (int z in crystal.Numbers)
            if (!ff.Species.Contains(z)) throw new UsageException($"element {MlipEngine.Chemistry.Element.Symbol(z)} is not described by the potential (it has {string.Join(", ", ff.Species.Select(MlipEngine.Chemistry.Element.Symbol))})");
        if (o.SvgDir is { } svgDir) Directory.CreateDirectory(svgDir);

        var (backend, device) = ParseDevice(catalog, o.Device);
        using var computer = catalog.Bind(ff, new ComputeOptions { Backend = backend, Threads = o.Threads, DeviceIndex = device });
        var ev = new CrystalEvaluator(computer);

        // 1. Relax ions and cell.
        var t = Stopwatch.StartNew();
        var relaxed = ev.RelaxCell(crystal);
        double? cubicA = CubicLength(relaxed.Structure, lattice);
        log?.WriteLine($"relaxed {relaxed.Structure.Formula}: {relaxed.EnergyPerAtom:F6} eV/atom, {relaxed.VolumePerAtom:F4} Å³/atom{(cubicA is double ca ? $", a = {ca:F5} Å" : "")}, {relaxed.Steps} steps{(relaxed.Converged ? "" : " (not converged)")}, {t.Elapsed.TotalSeconds:F1} s");
        var report = new PropertiesReport
        {
            Potential = o.Potential ?? ff.Style, Style = ff.Style, Lattice = lattice, Relaxed = relaxed, CubicA = cubicA,
            IsCubic = cubicA is not null,
        };
        var xtal = relaxed.Structure;

        if (only.Contains("eos"))
        {
            t.Restart();
            int n = o.EosPoints;
            var vs = new double[n]; var es = new double[n];
            using (var p = progress?.Invoke("eos", "volumes"))
                for (int i = 0; i < n; i++)
                {
                    double s = 1 - o.EosRange + 2 * o.EosRange * i / (n - 1);
                    double lin = Math.Cbrt(s);
                    var scaled = ElasticConstants.Strained(xtal, [lin - 1, lin - 1, lin - 1, 0, 0, 0]);
                    var st = scaled.AtomCount > 1 ? ev.RelaxIons(scaled) : new CrystalState(scaled, ev.Evaluate(scaled).Energy, Mat3.Zero, true, 0, 0);
                    vs[i] = scaled.Cell.Volume / scaled.AtomCount; es[i] = st.EnergyPerAtom;
                    p?.Report(i + 1, n);
                }
            report.EosVolumes = vs; report.EosEnergies = es;
            report.Eos = BirchMurnaghan.Fit(vs, es);
            if (cubicA is double a) report.EosA0 = a * Math.Cbrt(report.Eos.V0 / relaxed.VolumePerAtom);
            log?.WriteLine($"eos: {n} volumes, B = {report.Eos.BulkModulusGPa:F2} GPa, {t.Elapsed.TotalSeconds:F1} s");
        }
        if (only.Contains("elastic"))
        {
            t.Restart();
            using (var p = progress?.Invoke("elastic", "strains"))
                report.Elastic = ElasticConstants.Compute(ev, xtal, o.Strain, relaxIons: true, p);
            if (xtal.AtomCount > 1) report.ElasticClampedIon = ElasticConstants.Compute(ev, xtal, o.Strain, relaxIons: false);
            log?.WriteLine($"elastic: 12 strained cells (±{o.Strain:P2}), {t.Elapsed.TotalSeconds:F1} s");
        }
        if (only.Contains("vacancy"))
        {
            t.Restart();
            int n = o.Supercell ?? VacancyFormation.DefaultSupercell(xtal.AtomCount);
            report.Vacancy = VacancyFormation.Compute(ev, xtal, n);
            log?.WriteLine($"vacancy: {report.Vacancy.Atoms}-atom supercell, {report.Vacancy.Steps} relaxation steps{(report.Vacancy.Converged ? "" : " (not converged)")}, {t.Elapsed.TotalSeconds:F1} s");
        }
        if (only.Contains("phases"))
        {
            t.Restart();
            if (xtal.Numbers.Distinct().Count() != 1) report.PhasesSkipped = "the crystal has more than one element";
            else
            {
                using var p = progress?.Invoke("phases", "phases");
                report.Phases = PhaseEnergies.Compute(ev, element, relaxed.VolumePerAtom, p);
                log?.WriteLine($"phases: {PhaseEnergies.Phases.Length} phases, {t.Elapsed.TotalSeconds:F1} s");
            }
        }
        if (only.Contains("phonons"))
        {
            t.Restart();
            AtomicStructure unit = xtal;
            (string, Vec3)[] path;
            if (lattice is not null)
            {
                var m = xtal.Cell.Matrix;
                double a = m.Row(0).Norm, c = m.Row(2).Norm;
                unit = Lattices.Primitive(lattice, element, a, lattice == "hcp" ? c : null);
                path = o.PhononPath is { } pp ? Lattices.FractionalPath(unit, Lattices.ParsePath(pp)) : Lattices.SpecialPath(lattice, a, unit);
            }
            else path = Lattices.FractionalPath(unit, o.PhononPath is { } pp ? Lattices.ParsePath(pp) : Lattices.GenericPath);
            int maxN = Math.Max(1, (int)Math.Floor(Math.Cbrt(512.0 / unit.AtomCount)));
            int nsc = o.PhononSupercell ?? Math.Min(maxN, Phonons.DefaultSupercell(unit, 2 * ff.Cutoff));
            using (var p = progress?.Invoke("phonons", "displacements"))
                report.Phonons = Phonons.Compute(ev, unit, nsc, o.PhononDisplacement, p);
            report.Bands = report.Phonons.Bands(path);
            int mesh = o.DosMesh ?? Math.Max(6, (int)Math.Round(20 / Math.Cbrt(unit.AtomCount)));
            report.Dos = report.Phonons.Dos(mesh, o.DosSmearing);
            report.GammaFrequencies = report.Phonons.Frequencies(Vec3.Zero);
            log?.WriteLine($"phonons: {unit.AtomCount}-atom cell in a {nsc}×{nsc}×{nsc} supercell ({unit.AtomCount * nsc * nsc * nsc} atoms), {6 * unit.AtomCount} force calls, DOS on {mesh}³ q, {t.Elapsed.TotalSeconds:F1} s");
        }
        report.ForceCalls = ev.ForceCalls;
        report.Seconds = clock.Elapsed.TotalSeconds;

        if (o.SvgDir is { } dir)
        {
            string name = relaxed.Structure.Formula;
            if (report.Eos is { } eos) WriteText(Path.Combine(dir, "eos.svg"), PropertyPlots.EquationOfState(report.EosVolumes!, report.EosEnergies!, eos, $"E(V) of {name}, Birch–Murnaghan fit"), report);
            if (report.Bands is { } bands) WriteText(Path.Combine(dir, "phonon_dispersion.svg"), PropertyPlots.Dispersion(bands, $"Phonon dispersion of {name}"), report);
            if (report.Dos is { } dos) WriteText(Path.Combine(dir, "phonon_dos.svg"), PropertyPlots.Dos(dos, $"Phonon DOS of {name}"), report);
        }
        if (o.Json is { } json) WriteText(json, ToJson(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", report);
        return report;
    }

    private static void WriteText(string path, string text, PropertiesReport report)
    {
        using var w = new AtomicFileWriter(path);
        w.Writer.Write(text);
        w.Commit();
        report.Files.Add(path);
    }

    private static HashSet<string> Validate(PropertiesOptions o)
    {
        if (o.Potential is null && o.ForceField is null) throw new UsageException("--potential is required");
        if ((o.Structure is null) == (o.Lattice is null)) throw new UsageException("give either --structure FILE or --lattice NAME --a A");
        if (o.Lattice is { } l)
        {
            if (!Lattices.Names.Contains(l)) throw new UsageException($"unknown lattice '{l}' (fcc, bcc, diamond, hcp, sc)");
            if (!(o.A is double a && a > 0)) throw new UsageException("--lattice needs --a, the lattice constant in Å (> 0)");
        }
        if (o.Structure is { } s && !File.Exists(s)) throw new UsageException($"structure file '{s}' does not exist");
        if (o.Threads < 1) throw new UsageException("--threads must be at least 1");
        if (o.EosPoints < 5) throw new UsageException("the E(V) fit needs at least 5 volumes");
        if (!(o.EosRange > 0 && o.EosRange < 0.5)) throw new UsageException("the E(V) volume range must be in (0, 0.5)");
        if (!(o.Strain > 0 && o.Strain < 0.1)) throw new UsageException($"--strain must be in (0, 0.1), found {o.Strain}");
        if (o.Supercell is < 1) throw new UsageException("--supercell must be at least 1");
        if (o.PhononSupercell is < 1) throw new UsageException("--phonon-supercell must be at least 1");
        if (o.DosMesh is < 1) throw new UsageException("--dos-mesh must be at least 1");
        if (o.Json is { } j)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(j))!;
            if (!Directory.Exists(dir)) throw new UsageException($"output folder '{dir}' does not exist (--json {j})");
        }
        var only = new HashSet<string>(o.Only ?? Parts);
        foreach (var p in only)
            if (!Parts.Contains(p)) throw new UsageException($"unknown property '{p}' in --only (known: {string.Join(", ", Parts)})");
        if (o.PhononPath is { } pp) Lattices.ParsePath(pp);
        return only;
    }

    private static (Backend, int) ParseDevice(ForceFieldCatalog catalog, string device)
    {
        try { return catalog.ParseDevice(device); }
        catch (FormatException e) { throw new UsageException(e.Message); }
    }

    private static AtomicStructure BuildCrystal(PropertiesOptions o, IForceField ff, out string? lattice, out string element)
    {
        if (o.Lattice is { } l)
        {
            lattice = l;
            if (o.Element is { } el)
            {
                if (!MlipEngine.Chemistry.Element.TryAtomicNumber(el, out _)) throw new UsageException($"unknown element '{el}'");
                element = el;
            }
            else if (ff.Species.Count == 1) element = MlipEngine.Chemistry.Element.Symbol(ff.Species[0]);
            else throw new UsageException($"the potential describes {ff.Species.Count} elements: name one with --element");
            return Lattices.Conventional(l, element, o.A!.Value);
        }
        lattice = null;
        AtomicStructure s;
        try { s = StructureFile.ReadFirst(o.Structure!).Structure; }
        catch (StructureFormatException e) { throw new UsageException(e.Message); }
        if (!s.Cell.FullyPeriodic) throw new UsageException($"{o.Structure}: properties need a crystal, periodic along all three axes");
        element = MlipEngine.Chemistry.Element.Symbol(s.Numbers[0]);
        return s;
    }

    /// <summary>The cubic lattice constant: the conventional a for a cubic <paramref name="lattice"/>, or the edge of a cell with three equal orthogonal edges.</summary>
    private static double? CubicLength(AtomicStructure s, string? lattice)
    {
        var m = s.Cell.Matrix;
        Vec3 a = m.Row(0), b = m.Row(1), c = m.Row(2);
        if (lattice is "hcp") return null;
        double la = a.Norm, lb = b.Norm, lc = c.Norm, tol = 1e-5 * la;
        bool cubic = Math.Abs(la - lb) < tol && Math.Abs(la - lc) < tol
            && Math.Abs(Vec3.Dot(a, b)) < tol * la && Math.Abs(Vec3.Dot(a, c)) < tol * la && Math.Abs(Vec3.Dot(b, c)) < tol * la;
        if (lattice is not null) return Math.Cbrt(s.Cell.Volume);   // conventional cubic cell (relaxation keeps it cubic)
        return cubic ? Math.Cbrt(s.Cell.Volume) : null;
    }

    private static JsonNode? N(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
    private static JsonArray Arr(IEnumerable<double> v) => new(v.Select(N).ToArray());

    /// <summary>The JSON document <c>mlip properties --json</c> writes (units in the key names).</summary>
    public static JsonObject ToJson(PropertiesReport r)
    {
        var x = r.Relaxed.Structure;
        var root = new JsonObject
        {
            ["potential"] = r.Potential, ["style"] = r.Style, ["lattice"] = r.Lattice,
            ["relaxed"] = new JsonObject
            {
                ["formula"] = x.Formula, ["atoms"] = x.AtomCount,
                ["energy_per_atom_eV"] = N(r.Relaxed.EnergyPerAtom), ["volume_per_atom_A3"] = N(r.Relaxed.VolumePerAtom),
                ["a_A"] = r.CubicA is double a ? N(a) : null,
                ["cell_A"] = new JsonArray(Enumerable.Range(0, 3).Select(i => (JsonNode)Arr([x.Cell.Matrix.Row(i).X, x.Cell.Matrix.Row(i).Y, x.Cell.Matrix.Row(i).Z])).ToArray()),
                ["converged"] = r.Relaxed.Converged, ["steps"] = r.Relaxed.Steps,
            },
        };
        if (r.Eos is { } eos)
            root["eos"] = new JsonObject
            {
                ["form"] = "birch-murnaghan-3", ["volumes_A3_per_atom"] = Arr(r.EosVolumes!), ["energies_eV_per_atom"] = Arr(r.EosEnergies!),
                ["E0_eV_per_atom"] = N(eos.E0), ["V0_A3_per_atom"] = N(eos.V0), ["a0_A"] = r.EosA0 is double a0 ? N(a0) : null,
                ["B_GPa"] = N(eos.BulkModulusGPa), ["B_prime"] = N(eos.BPrime), ["rms_residual_eV_per_atom"] = N(eos.RmsResidual),
            };
        if (r.Elastic is { } el)
        {
            var e = new JsonObject
            {
                ["convention"] = "Voigt order xx yy zz yz xz xy; engineering shear strain (LAMMPS ELASTIC); relaxed ions; central differences of the stress",
                ["strain"] = el.Strain,
                ["C_GPa"] = new JsonArray(Enumerable.Range(0, 6).Select(i => (JsonNode)Arr(Enumerable.Range(0, 6).Select(j => el.Cij[i, j]))).ToArray()),
                ["B_voigt_GPa"] = N(el.VoigtBulkModulus),
            };
            if (r.IsCubic)
            {
                e["C11_GPa"] = N(el.C11); e["C12_GPa"] = N(el.C12); e["C44_GPa"] = N(el.C44);
                e["B_GPa"] = N(el.BulkModulus); e["C_prime_GPa"] = N(el.TetragonalShear);
            }
            if (r.ElasticClampedIon is { } cl)
            {
                e["C_clamped_ion_GPa"] = new JsonArray(Enumerable.Range(0, 6).Select(i => (JsonNode)Arr(Enumerable.Range(0, 6).Select(j => cl.Cij[i, j]))).ToArray());
                if (r.IsCubic) { e["C11_clamped_ion_GPa"] = N(cl.C11); e["C12_clamped_ion_GPa"] = N(cl.C12); e["C44_clamped_ion_GPa"] = N(cl.C44); }
            }
            root["elastic"] = e;
        }
        if (r.Vacancy is { } v)
            root["vacancy"] = new JsonObject
            {
                ["supercell"] = v.Supercell, ["atoms"] = v.Atoms, ["E_perfect_eV"] = N(v.PerfectEnergy), ["E_vacancy_eV"] = N(v.VacancyEnergy),
                ["formation_energy_eV"] = N(v.FormationEnergy), ["converged"] = v.Converged,
            };
        if (r.Phases is { } ph)
            root["phases"] = new JsonArray(ph.Select(p => (JsonNode)new JsonObject
            {
                ["phase"] = p.Phase, ["energy_per_atom_eV"] = N(p.EnergyPerAtom), ["relative_eV_per_atom"] = N(p.Relative),
                ["volume_per_atom_A3"] = N(p.VolumePerAtom), ["a_A"] = N(p.A), ["converged"] = p.Converged, ["failure"] = p.Failure,
            }).ToArray());
        else if (r.PhasesSkipped is { } why) root["phases"] = new JsonObject { ["skipped"] = why };
        if (r.Phonons is { } phon)
        {
            var b = r.Bands!; var d = r.Dos!;
            root["phonons"] = new JsonObject
            {
                ["unit_cell_atoms"] = phon.UnitCell.AtomCount, ["supercell"] = phon.Supercell, ["displacement_A"] = phon.Displacement,
                ["gamma_THz"] = Arr(r.GammaFrequencies!),
                ["max_THz"] = N(b.Frequencies.Max(f => f[^1])),
                ["path"] = new JsonObject
                {
                    ["labels"] = new JsonArray(b.Ticks.Select(t => (JsonNode?)JsonValue.Create(t.Label)).ToArray()),
                    ["label_positions_inv_A"] = Arr(b.Ticks.Select(t => t.X)),
                    ["distance_inv_A"] = Arr(b.Distance),
                    ["frequencies_THz"] = new JsonArray(b.Frequencies.Select(f => (JsonNode)Arr(f.Select(Round))).ToArray()),
                },
                ["dos"] = new JsonObject
                {
                    ["mesh"] = d.Mesh, ["smearing_THz"] = d.Smearing,
                    ["frequency_THz"] = Arr(d.Frequency.Select(Round)), ["states_per_THz_per_cell"] = Arr(d.Density.Select(Round)),
                },
            };
        }
        root["force_calls"] = r.ForceCalls;
        root["seconds"] = Math.Round(r.Seconds, 2);
        return root;
    }

    private static double Round(double v) => Math.Round(v, 6);
}
