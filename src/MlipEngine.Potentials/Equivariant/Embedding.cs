namespace MlipEngine.Potentials.Equivariant;

/// <summary>
/// Species embedding: the initial node features are scalars (l = 0 only), one learned row of the
/// [species][C] table per atom, h⁽⁰⁾_i[c] = W_emb[z_i, c]. It does not depend on positions, so it
/// has no adjoint in the force pass.
/// </summary>
public static class Embedding
{
    public static void Lookup(ReadOnlySpan<double> parameters, int tableOffset, int species, int channels, Span<double> features) =>
        parameters.Slice(tableOffset + species * channels, channels).CopyTo(features);
}
