using MlipEngine.Geometry;
using MlipEngine.State;

namespace MlipEngine.Discovery.Search;

/// <summary>One finished trial, as the journal stores it (one JSON line).</summary>
public sealed record TrialRecord
{
    public long Trial { get; init; }
    /// <summary>Basin-hopping chain (0 in random mode).</summary>
    public int Walker { get; init; }
    /// <summary>converged, not_converged, failed (relaxation failed: NaN, explosion, fused atoms) or unplaced (generator gave up).</summary>
    public string Status { get; init; } = "";
    public string Reason { get; init; } = "";
    /// <summary>Total energy of the relaxed structure, eV (NaN when there is none).</summary>
    public double Energy { get; init; } = double.NaN;
    public int Steps { get; init; }
    public int ForceCalls { get; init; }
    public double Fmax { get; init; } = double.NaN;
    /// <summary>Basin hopping: the displacement step of this hop, Å (0 for a walker's first, random, candidate).</summary>
    public double Step { get; init; }
    /// <summary>Basin hopping: the walker moved to this minimum.</summary>
    public bool Accepted { get; init; }
    /// <summary>Symmetric generation: the space group (1–230) the candidate was built in before relaxing; null otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    [System.Text.Json.Serialization.JsonPropertyName("generated_spacegroup")]
    public int? GeneratedSpaceGroup { get; init; }
    /// <summary>Evolution: how the candidate was made (random, heredity, strain, permutation, rattle); null in other modes.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Operator { get; init; }
    /// <summary>Evolution: the trials the candidate was bred from.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long[]? Parents { get; init; }
    public int[]? Numbers { get; init; }
    /// <summary>x, y, z per atom, Å.</summary>
    public double[]? Positions { get; init; }
    /// <summary>Cell rows a, b, c (9 numbers, Å); zeros for a cluster.</summary>
    public double[]? Cell { get; init; }
    public bool Periodic { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasStructure => Numbers != null && Positions != null;
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsMinimum => Status == "converged" && HasStructure && double.IsFinite(Energy);

    public AtomicStructure ToStructure()
    {
        var r = new Vec3[Numbers!.Length];
        for (int i = 0; i < r.Length; i++) r[i] = new Vec3(Positions![3 * i], Positions[3 * i + 1], Positions[3 * i + 2]);
        var cell = new Cell(Mat3.FromRowMajor(Cell ?? new double[9]), Periodic);
        return new AtomicStructure((int[])Numbers.Clone(), r, cell);
    }

    public static (int[] Numbers, double[] Positions, double[] Cell, bool Periodic) Pack(AtomicStructure s)
    {
        var p = new double[3 * s.AtomCount];
        for (int i = 0; i < s.AtomCount; i++) { p[3 * i] = s.Positions[i].X; p[3 * i + 1] = s.Positions[i].Y; p[3 * i + 2] = s.Positions[i].Z; }
        var c = new double[9];
        s.Cell.Matrix.CopyTo(c);
        return ((int[])s.Numbers.Clone(), p, c, s.Cell.FullyPeriodic);
    }
}
