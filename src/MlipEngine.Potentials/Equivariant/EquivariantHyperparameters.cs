namespace MlipEngine.Potentials.Equivariant;

/// <summary>Architecture of an equivariant model (every knob is stored in the model file).</summary>
public sealed record EquivariantHyperparameters
{
    /// <summary>Element symbols in type order.</summary>
    public required string[] Species { get; init; }
    /// <summary>Cutoff r_c, Å.</summary>
    public double Cutoff { get; init; } = 5.0;
    /// <summary>Number N of Bessel functions.</summary>
    public int NumBessel { get; init; } = 8;
    /// <summary>Envelope exponent p of the polynomial cutoff.</summary>
    public int EnvelopeExponent { get; init; } = 5;
    /// <summary>Hidden widths of the radial MLP (SiLU, no biases so R(0) = 0).</summary>
    public int[] RadialHidden { get; init; } = [64, 64, 64];
    /// <summary>Channels per irrep.</summary>
    public int Channels { get; init; } = 64;
    /// <summary>Max degree of the hidden node features (≤ 2); the last layer keeps only scalars.</summary>
    public int HiddenLMax { get; init; } = 2;
    /// <summary>Max degree of the edge spherical harmonics and of the atomic basis A (≤ 3).</summary>
    public int ShLMax { get; init; } = 3;
    /// <summary>Correlation order ν of the symmetric contraction (1…3; body order ν + 1).</summary>
    public int Correlation { get; init; } = 3;
    /// <summary>Interaction layers (1…3).</summary>
    public int Layers { get; init; } = 2;
    /// <summary>Hidden width of the last layer's nonlinear readout (SiLU).</summary>
    public int ReadoutHidden { get; init; } = 16;
    /// <summary>Messages are summed and divided by this (typical neighbour count).</summary>
    public double AvgNeighbors { get; init; } = 40;
    /// <summary>Species-dependent linear self-connection from layer t's input to its output (MACE's residual).</summary>
    public bool Residual { get; init; } = true;
    /// <summary>Short-range core (ZBL below the learned model, <see cref="CoreRepulsion"/>); null: none.</summary>
    public CoreRepulsionSpec? Repulsion { get; init; }

    public void Validate()
    {
        if (Species.Length == 0) throw new ArgumentException("a model needs at least one species");
        if (!(Cutoff > 0 && double.IsFinite(Cutoff))) throw new ArgumentException($"cutoff must be positive, not {Cutoff}");
        if (NumBessel < 1 || NumBessel > 64) throw new ArgumentException($"num_bessel must be 1…64, not {NumBessel}");
        if (EnvelopeExponent < 2 || EnvelopeExponent > 16) throw new ArgumentException($"envelope exponent p must be 2…16, not {EnvelopeExponent}");
        if (RadialHidden.Length == 0 || RadialHidden.Any(h => h < 1 || h > 4096)) throw new ArgumentException("radial MLP needs 1+ hidden layers of width 1…4096");
        if (Channels < 1 || Channels > 4096) throw new ArgumentException($"channels must be 1…4096, not {Channels}");
        if (HiddenLMax < 0 || HiddenLMax > 2) throw new ArgumentException($"hidden max L must be 0…2, not {HiddenLMax}");
        if (ShLMax < 0 || ShLMax > 3) throw new ArgumentException($"spherical-harmonics max L must be 0…3, not {ShLMax}");
        if (HiddenLMax > ShLMax) throw new ArgumentException($"hidden max L ({HiddenLMax}) cannot exceed the harmonics' max L ({ShLMax})");
        if (Correlation < 1 || Correlation > 3) throw new ArgumentException($"correlation order must be 1…3, not {Correlation}");
        if (Layers < 1 || Layers > 3) throw new ArgumentException($"layers must be 1…3, not {Layers}");
        if (ReadoutHidden < 1 || ReadoutHidden > 4096) throw new ArgumentException($"readout hidden width must be 1…4096, not {ReadoutHidden}");
        if (!(AvgNeighbors > 0)) throw new ArgumentException("avg_neighbors must be positive");
        if (Repulsion is not null)
        {
            Repulsion.Validate(Species.Length);
            if (Repulsion.Outer.Max() >= Cutoff) throw new ArgumentException($"repulsion: outer radius {Repulsion.Outer.Max()} Å must lie inside the cutoff {Cutoff} Å");
        }
    }
}
