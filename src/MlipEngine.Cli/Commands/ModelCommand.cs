using System.CommandLine;
using MlipEngine.Potentials.Equivariant;

namespace MlipEngine.Cli.Commands;

/// <summary><c>mlip model init|info|repulsion</c>: make a randomly initialised equivariant model; describe a model file; give it a ZBL core.</summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var cmd = new Command("model", "Equivariant model files (.mlip): create and inspect");
        cmd.Subcommands.Add(Init());
        cmd.Subcommands.Add(Info());
        cmd.Subcommands.Add(Repulsion());
        return cmd;
    }

    private static Command Init()
    {
        var species = new Option<string>("--species") { Description = "Elements, comma-separated (e.g. Cu,Ni)", Required = true };
        var channels = new Option<int>("--channels") { Description = "Channels per irrep", DefaultValueFactory = _ => 64 };
        var lmax = new Option<int>("--lmax") { Description = "Max degree L of hidden features (0…2)", DefaultValueFactory = _ => 2 };
        var shLmax = new Option<int>("--sh-lmax") { Description = "Max degree of edge spherical harmonics and atomic basis (0…3)", DefaultValueFactory = _ => 3 };
        var corr = new Option<int>("--correlation") { Description = "Correlation order ν (1…3; body order ν+1)", DefaultValueFactory = _ => 3 };
        var layers = new Option<int>("--layers") { Description = "Interaction layers (1…3)", DefaultValueFactory = _ => 2 };
        var cutoff = new Option<double>("--cutoff") { Description = "Cutoff radius, Å", DefaultValueFactory = _ => 5.0 };
        var bessel = new Option<int>("--bessel") { Description = "Number of Bessel radial functions", DefaultValueFactory = _ => 8 };
        var envelope = new Option<int>("--envelope-p") { Description = "Polynomial cutoff envelope exponent p", DefaultValueFactory = _ => 5 };
        var radial = new Option<string>("--radial-mlp") { Description = "Hidden widths of the radial MLP, comma-separated", DefaultValueFactory = _ => "64,64,64" };
        var readout = new Option<int>("--readout-hidden") { Description = "Hidden width of the last readout MLP", DefaultValueFactory = _ => 16 };
        var avg = new Option<double>("--avg-neighbors") { Description = "Typical neighbour count (messages are divided by it)", DefaultValueFactory = _ => 40 };
        var noResidual = new Option<bool>("--no-residual") { Description = "No self-connection between layers" };
        var e0 = new Option<string?>("--e0") { Description = "Reference energies per species, eV (e.g. Cu=-3.5,Ni=-4.4); default 0" };
        var seed = new Option<int>("--seed") { Description = "Random seed (results are deterministic for a seed)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write (.mlip)", Required = true };
        var cmd = new Command("init", "Write a randomly initialised equivariant model (for tests and benchmarks)")
        {
            species, channels, lmax, shLmax, corr, layers, cutoff, bessel, envelope, radial, readout, avg, noResidual, e0, seed, output,
        };
        cmd.SetAction(r =>
        {
            var sp = r.GetValue(species)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int[] widths;
            try { widths = r.GetValue(radial)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray(); }
            catch (FormatException) { throw new UsageException($"--radial-mlp must be comma-separated integers, not '{r.GetValue(radial)}'"); }
            var hyper = new EquivariantHyperparameters
            {
                Species = sp, Channels = r.GetValue(channels), HiddenLMax = r.GetValue(lmax), ShLMax = r.GetValue(shLmax),
                Correlation = r.GetValue(corr), Layers = r.GetValue(layers), Cutoff = r.GetValue(cutoff), NumBessel = r.GetValue(bessel),
                EnvelopeExponent = r.GetValue(envelope), RadialHidden = widths, ReadoutHidden = r.GetValue(readout),
                AvgNeighbors = r.GetValue(avg), Residual = !r.GetValue(noResidual),
            };
            try { hyper.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
            var e0v = ParseE0(r.GetValue(e0), sp);
            var model = EquivariantModel.Random(hyper, r.GetValue(seed), e0v);
            string path = r.GetValue(output)!;
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir != null && !Directory.Exists(dir)) throw new UsageException($"output folder '{dir}' does not exist");
            EquivariantModelFile.Write(model, path);
            Console.Error.WriteLine($"model init: {model.ParameterCount:N0} parameters → {path}");
            return 0;
        });
        return cmd;
    }

    private static double[] ParseE0(string? text, string[] species)
    {
        var e0 = new double[species.Length];
        if (string.IsNullOrWhiteSpace(text)) return e0;
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = item.Split('=');
            int k = kv.Length == 2 ? Array.IndexOf(species, kv[0].Trim()) : -1;
            if (k < 0 || !double.TryParse(kv[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out e0[k]))
                throw new UsageException($"--e0 entries look like Cu=-3.5 with a species from --species; '{item}' is not one");
        }
        return e0;
    }

    private static Command Info()
    {
        var file = new Argument<string>("file") { Description = "Model file (.mlip)" };
        var cmd = new Command("info", "Print a model's architecture and parameter count") { file };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(file)!;
            var m = EquivariantModelFile.Read(path);
            var h = m.Hyper;
            Console.WriteLine($"model: {path}  (equivariant message passing, MACE family)");
            Console.WriteLine($"species: {string.Join(", ", h.Species.Select((s, k) => $"{s} (E0 {m.E0[k]:G6} eV)"))}");
            Console.WriteLine($"cutoff: {h.Cutoff} Å; radial basis: {h.NumBessel} Bessel × polynomial envelope p = {h.EnvelopeExponent}; radial MLP {h.NumBessel}→{string.Join("→", h.RadialHidden)}→paths×channels (SiLU)");
            Console.WriteLine($"channels: {h.Channels}; hidden irreps L ≤ {h.HiddenLMax}; harmonics L ≤ {h.ShLMax}; correlation ν = {h.Correlation} (body order {h.Correlation + 1}); layers: {h.Layers}; residual: {(h.Residual ? "yes" : "no")}; avg neighbours {h.AvgNeighbors}");
            foreach (var L in m.Layers)
                Console.WriteLine($"  layer {L.Index}: node L ≤ {L.LIn} → A L ≤ {L.LA} → out L ≤ {L.LOut}; {L.TensorProduct.Paths.Length} tensor-product paths, {L.Contraction.Paths.Length} contraction paths; readout {(L.IsLast ? $"MLP {h.Channels}→{h.ReadoutHidden}→1" : "linear")}");
            Console.WriteLine($"parameters: {m.ParameterCount:N0} ({m.Tensors.Count} tensors)");
            Console.WriteLine(m.Core is { } core
                ? $"repulsion: ZBL core, {core.Spec.Describe(h.Species)} (pure ZBL below r_in, learned model from r_out)"
                : "repulsion: none (the learned energy alone at short range: see 'mlip model repulsion')");
            return 0;
        });
        return cmd;
    }

    private static Command Repulsion()
    {
        var file = new Argument<string>("file") { Description = "Model file (.mlip)" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the model with its core (may equal the input)", Required = true };
        var data = new Option<string[]>("--data") { Description = "Training structures (extxyz, repeatable): r_out = each species pair's shortest distance in them", AllowMultipleArgumentsPerToken = true };
        var outer = new Option<double?>("--outer") { Description = "r_out, Å, for every species pair (instead of --data)" };
        var inner = new Option<double?>("--inner") { Description = "r_in, Å, for every species pair (default r_out − width)" };
        var width = new Option<double>("--width") { Description = "Switching width r_out − r_in, Å", DefaultValueFactory = _ => 0.5 };
        var none = new Option<bool>("--none") { Description = "Remove the core" };
        var fadeData = new Option<string[]>("--fade-data")
        {
            Description = "Density fade: every structure the model was trained on (extxyz, repeatable); N = each species' largest neighbour density in them. " +
                          "Without --data/--outer the model's core radii are kept",
            AllowMultipleArgumentsPerToken = true,
        };
        var fadeWidth = new Option<double>("--fade-width") { Description = "Density fade: the learned energy is gone at density N(1 + w)", DefaultValueFactory = _ => 0.2 };
        var noFade = new Option<bool>("--no-fade") { Description = "Remove the density fade (the core radii are kept unless --data/--outer say otherwise)" };
        var cmd = new Command("repulsion", "Give a model a ZBL core below its training data, and optionally a density fade beyond it (weights unchanged; the data are untouched)")
            { file, output, data, outer, inner, width, none, fadeData, fadeWidth, noFade };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(file)!;
            var m = EquivariantModelFile.Read(path);
            var h = m.Hyper;
            int ns = h.Species.Length;
            CoreRepulsionSpec? spec;
            var files = r.GetValue(data) ?? [];
            var fadeFiles = r.GetValue(fadeData) ?? [];
            bool fadeOnly = fadeFiles.Length > 0 || r.GetValue(noFade);
            if (r.GetValue(none))
            {
                if (fadeFiles.Length > 0) throw new UsageException("a density fade needs the core: drop --none or --fade-data");
                spec = null;
            }
            else if (files.Length > 0)
            {
                if (r.GetValue(outer) is not null) throw new UsageException("give either --data or --outer, not both");
                var frames = files.SelectMany(f => MlipEngine.IO.StructureFile.ReadFrames(f).Select(x => x.Structure));
                var shortest = MlipEngine.Training.Data.ShortestDistances.PerPair(frames, m.SpeciesNumbers, h.Cutoff);
                for (int a = 0; a < ns; a++)
                    for (int b = a; b < ns; b++)
                        Console.WriteLine($"{h.Species[a]}-{h.Species[b]}: shortest distance in the data {(double.IsFinite(shortest[a * ns + b]) ? $"{shortest[a * ns + b]:0.0000} Å" : "none (pair absent)")}");
                try { spec = MlipEngine.Training.Data.ShortestDistances.CoreRadii(shortest, ns, r.GetValue(width)); }
                catch (ArgumentException e) { throw new UsageException(e.Message); }
                if (r.GetValue(inner) is double ri) spec = spec with { Inner = Enumerable.Repeat(ri, ns * ns).ToArray() };
            }
            else if (r.GetValue(outer) is double ro)
                spec = CoreRepulsionSpec.Uniform(ns, r.GetValue(inner) ?? ro - r.GetValue(width), ro);
            else if (fadeOnly)
                spec = h.Repulsion ?? throw new UsageException($"{path} has no ZBL core: give its radii (--data or --outer) with the density fade");
            else throw new UsageException("say where the core ends: --data TRAINING.xyz, --outer R, or --none (or only change the density fade: --fade-data, --no-fade)");

            // the density fade: n depends on the core's radii, so new radii drop an old fade unless it is recomputed
            if (spec is not null && fadeFiles.Length > 0)
            {
                var frames = fadeFiles.SelectMany(f => MlipEngine.IO.StructureFile.ReadFrames(f).Select(x => x.Structure));
                double[] max, edge;
                try { (max, edge) = MlipEngine.Training.Data.NeighbourDensities.Densest(frames, new EquivariantModel(h with { Repulsion = spec }, m.E0, m.Parameters)); }
                catch (ArgumentException e) { throw new UsageException($"--fade-data: {e.Message}"); }
                for (int a = 0; a < ns; a++)
                    Console.WriteLine($"{h.Species[a]}: largest neighbour density in the data " +
                        (max[a] > 0 ? $"{max[a]:0.###}, learned energy of that atom {edge[a]:0.###} eV (the fade tends to it)" : "none (species absent)"));
                try { spec = MlipEngine.Training.Data.NeighbourDensities.WithFade(spec, max, r.GetValue(fadeWidth), edge); }
                catch (ArgumentException e) { throw new UsageException(e.Message); }
            }
            else if (spec is not null && r.GetValue(noFade)) spec = spec with { DensityMax = null, DensityWidth = 0, DensityEnergy = null };
            else if (spec is not null && !ReferenceEquals(spec, h.Repulsion) && h.Repulsion is { DensityMax: not null } old)
            {
                if (spec.Inner.AsSpan().SequenceEqual(old.Inner) && spec.Outer.AsSpan().SequenceEqual(old.Outer))
                {
                    spec = spec with { DensityMax = old.DensityMax, DensityWidth = old.DensityWidth, DensityEnergy = old.DensityEnergy };
                    Console.WriteLine("note: the core's radii came out as they were, so its density fade is kept");
                }
                else Console.WriteLine("note: the core's radii were set anew, so its density fade was dropped (give --fade-data to set it again)");
            }
            EquivariantModel withCore;
            try { withCore = new EquivariantModel(h with { Repulsion = spec }, m.E0, m.Parameters); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            EquivariantModelFile.Write(withCore, r.GetValue(output)!);
            Console.WriteLine(withCore.Core is { } core ? $"wrote {r.GetValue(output)}: ZBL core, {core.Spec.Describe(h.Species)}" : $"wrote {r.GetValue(output)}: no core");
            return 0;
        });
        return cmd;
    }
}
