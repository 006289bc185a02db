using MlipEngine.Chemistry;

using MlipEngine.Potentials.Parsing;

namespace MlipEngine.Potentials.Eam;

/// <summary>Which EAM file flavour (LAMMPS pair style).</summary>
public enum EamFlavor
{
    /// <summary><c>eam</c>: DYNAMO funcfl, one file per element, Z(r) effective charges.</summary>
    Funcfl,
    /// <summary><c>eam/alloy</c>: DYNAMO setfl, one file, density depends on the source element only.</summary>
    Setfl,
    /// <summary><c>eam/fs</c>: Finnis–Sinclair setfl, density depends on source and receiving element.</summary>
    FinnisSinclair,
}

/// <summary>
/// EAM functions tabulated on LAMMPS' common grids, after LAMMPS' <c>file2array</c>: embedding F_a(ρ)
/// on ρ = (m−1)·Δρ, densities ρ_{b→a}(r) contributed by an atom of type b to one of type a, and
/// z2r_ab(r) = r·φ_ab(r), on r = (m−1)·Δr (m = 1…N). Indices here are 0-based type indices.
/// </summary>
public sealed class EamTabulation
{
    public required int[] Species { get; init; }
    public required double[] Masses { get; init; }
    public required int NRho { get; init; }
    public required double DRho { get; init; }
    public required int NR { get; init; }
    public required double DR { get; init; }
    /// <summary>Cutoff, Å.</summary>
    public required double Cutoff { get; init; }
    /// <summary>F[a] has NRho values, eV.</summary>
    public required double[][] Embedding { get; init; }
    /// <summary>Density[b][a]: density at an atom of type a due to a neighbor of type b (NR values).</summary>
    public required double[][][] Density { get; init; }
    /// <summary>Z2R[a][b] = r·φ_ab(r) (eV·Å), symmetric (NR values).</summary>
    public required double[][][] Z2R { get; init; }

    /// <summary>
    /// Reads a DYNAMO setfl (<c>eam/alloy</c>) or Finnis–Sinclair (<c>eam/fs</c>) file and maps the
    /// requested elements (in the caller's type order) to the file's elements by name.
    /// </summary>
    public static EamTabulation ReadSetfl(string path, IReadOnlyList<string> elements, bool finnisSinclair)
    {
        var ts = new TokenStream(path);
        string style = finnisSinclair ? "eam/fs" : "eam/alloy";
        ts.NextLine(); ts.NextLine(); ts.NextLine();           // three comment lines
        var head = ts.NextLineTokens();
        if (head.Length < 1) throw ts.Error("expected the element count and names");
        int ne = ts.ParseInt(head[0], "element count");
        if (ne < 1 || head.Length < ne + 1) throw ts.Error($"line says {ne} elements but names {head.Length - 1}");
        var fileElements = head.Skip(1).Take(ne).ToArray();
        var grid = ts.NextLineTokens();
        if (grid.Length < 5) throw ts.Error("expected 'Nrho drho Nr dr cutoff'");
        int nrho = ts.ParseInt(grid[0], "Nrho"), nr = ts.ParseInt(grid[2], "Nr");
        double drho = ts.ParseDouble(grid[1], "drho"), dr = ts.ParseDouble(grid[3], "dr"), cut = ts.ParseDouble(grid[4], "cutoff");
        if (nrho < 5 || nr < 5 || !(drho > 0) || !(dr > 0) || !(cut > 0)) throw ts.Error("grid sizes must be ≥ 5 and spacings and cutoff positive");

        var frho = new double[ne][]; var mass = new double[ne];
        var rho = new double[ne][][]; // rho[file elem i][j]
        for (int i = 0; i < ne; i++)
        {
            var el = ts.NextLineTokens();
            if (el.Length < 2) throw ts.Error($"expected 'atomic-number mass ...' for element {fileElements[i]}");
            mass[i] = ts.ParseDouble(el[1], "mass");
            frho[i] = new double[nrho];
            ts.ReadDoubles(frho[i], $"F(rho) of {fileElements[i]}");
            int nrhoFuncs = finnisSinclair ? ne : 1;
            rho[i] = new double[nrhoFuncs][];
            for (int j = 0; j < nrhoFuncs; j++)
            {
                rho[i][j] = new double[nr];
                ts.ReadDoubles(rho[i][j], $"rho(r) of {fileElements[i]}");
            }
        }
        var z2r = new double[ne][][];
        for (int i = 0; i < ne; i++)
        {
            z2r[i] = new double[ne][];
            for (int j = 0; j <= i; j++)
            {
                z2r[i][j] = new double[nr];
                ts.ReadDoubles(z2r[i][j], $"r*phi(r) of {fileElements[i]}-{fileElements[j]}");
            }
        }

        int nt = elements.Count;
        var map = new int[nt];
        for (int t = 0; t < nt; t++)
        {
            map[t] = Array.IndexOf(fileElements, elements[t]);
            if (map[t] < 0) throw new PotentialFileException(path, 0, $"{style} file has elements [{string.Join(", ", fileElements)}], not '{elements[t]}'");
        }
        var species = elements.Select(Element.AtomicNumber).ToArray();
        return new EamTabulation
        {
            Species = species,
            Masses = map.Select(m => mass[m]).ToArray(),
            NRho = nrho, DRho = drho, NR = nr, DR = dr, Cutoff = cut,
            Embedding = map.Select(m => frho[m]).ToArray(),
            // LAMMPS: density at i due to j uses rhor[type2rhor[jtype][itype]]; setfl: map[jtype], fs: map[jtype]*ne + map[itype]
            Density = map.Select(mb => map.Select(ma => finnisSinclair ? rho[mb][ma] : rho[mb][0]).ToArray()).ToArray(),
            Z2R = map.Select(ma => map.Select(mb => ma >= mb ? z2r[ma][mb] : z2r[mb][ma]).ToArray()).ToArray(),
        };
    }

    /// <summary>One DYNAMO funcfl file as read (LAMMPS <c>read_file</c>), 1-based arrays.</summary>
    private sealed record Funcfl(int AtomicNumber, double Mass, int NRho, double DRho, int NR, double DR, double Cut, double[] F, double[] Z, double[] Rho);

    private static Funcfl ReadFuncfl(string path)
    {
        var ts = new TokenStream(path);
        ts.NextLine();
        var l2 = ts.NextLineTokens();
        if (l2.Length < 2) throw ts.Error("expected 'atomic-number mass ...'");
        int z = ts.ParseInt(l2[0], "atomic number");
        double mass = ts.ParseDouble(l2[1], "mass");
        var l3 = ts.NextLineTokens();
        if (l3.Length < 5) throw ts.Error("expected 'Nrho drho Nr dr cutoff'");
        int nrho = ts.ParseInt(l3[0], "Nrho"), nr = ts.ParseInt(l3[2], "Nr");
        double drho = ts.ParseDouble(l3[1], "drho"), dr = ts.ParseDouble(l3[3], "dr"), cut = ts.ParseDouble(l3[4], "cutoff");
        if (nrho < 5 || nr < 5 || !(drho > 0) || !(dr > 0) || !(cut > 0)) throw ts.Error("grid sizes must be ≥ 5 and spacings and cutoff positive");
        var f = new double[nrho + 1]; var zr = new double[nr + 1]; var rho = new double[nr + 1];
        var tmp = new double[nrho]; ts.ReadDoubles(tmp, "F(rho)"); Array.Copy(tmp, 0, f, 1, nrho);
        tmp = new double[nr]; ts.ReadDoubles(tmp, "Z(r)"); Array.Copy(tmp, 0, zr, 1, nr);
        tmp = new double[nr]; ts.ReadDoubles(tmp, "rho(r)"); Array.Copy(tmp, 0, rho, 1, nr);
        return new Funcfl(z, mass, nrho, drho, nr, dr, cut, f, zr, rho);
    }

    /// <summary>
    /// Reads one DYNAMO funcfl file per element (LAMMPS <c>eam</c>) and puts them on a common grid
    /// exactly as LAMMPS' <c>file2array</c> does: the largest spacings and ranges of all files, each
    /// function resampled with 4-point Lagrange interpolation, and pair terms from effective charges,
    /// r·φ_ab(r) = 27.2·0.529·Z_a(r)·Z_b(r) (Hartree·Bohr in eV·Å).
    /// </summary>
    public static EamTabulation ReadFuncfl(IReadOnlyList<string> files, IReadOnlyList<string> elements)
    {
        if (files.Count != elements.Count) throw new ArgumentException("eam: one funcfl file per element");
        var ff = files.Select(ReadFuncfl).ToArray();
        for (int t = 0; t < ff.Length; t++)
        {
            int z = Element.AtomicNumber(elements[t]);
            if (ff[t].AtomicNumber != z)
                throw new PotentialFileException(files[t], 0, $"funcfl file is for atomic number {ff[t].AtomicNumber} ({SafeSymbol(ff[t].AtomicNumber)}), not {elements[t]}");
        }
        double dr = 0, drho = 0, rmax = 0, rhomax = 0;
        foreach (var f in ff)
        {
            dr = Math.Max(dr, f.DR); drho = Math.Max(drho, f.DRho);
            rmax = Math.Max(rmax, (f.NR - 1) * f.DR); rhomax = Math.Max(rhomax, (f.NRho - 1) * f.DRho);
        }
        int nr = (int)(rmax / dr + 0.5), nrho = (int)(rhomax / drho + 0.5);
        double cut = ff.Max(f => f.Cut);
        int n = ff.Length;
        var frho = new double[n][]; var rhor = new double[n][]; var zr = new double[n][];
        for (int i = 0; i < n; i++)
        {
            frho[i] = Resample(ff[i].F, ff[i].NRho, ff[i].DRho, nrho, drho);
            rhor[i] = Resample(ff[i].Rho, ff[i].NR, ff[i].DR, nr, dr);
            zr[i] = Resample(ff[i].Z, ff[i].NR, ff[i].DR, nr, dr);
        }
        var z2r = new double[n][][];
        for (int a = 0; a < n; a++)
        {
            z2r[a] = new double[n][];
            for (int b = 0; b < n; b++)
            {
                var v = new double[nr];
                for (int m = 0; m < nr; m++) v[m] = 27.2 * 0.529 * zr[a][m] * zr[b][m];
                z2r[a][b] = v;
            }
        }
        // LAMMPS: z2r of the pair (i ≥ j) is zri·zrj with i the later file; multiplication commutes, but
        // keep the product order of LAMMPS (larger file index first) for bit-identical tables.
        for (int a = 0; a < n; a++)
            for (int b = 0; b < a; b++)
                z2r[b][a] = z2r[a][b];
        return new EamTabulation
        {
            Species = elements.Select(Element.AtomicNumber).ToArray(),
            Masses = ff.Select(f => f.Mass).ToArray(),
            NRho = nrho, DRho = drho, NR = nr, DR = dr, Cutoff = cut,
            Embedding = frho,
            Density = Enumerable.Range(0, n).Select(b => Enumerable.Range(0, n).Select(_ => rhor[b]).ToArray()).ToArray(),
            Z2R = z2r,
        };
    }

    private static string SafeSymbol(int z) => z >= 1 && z <= Element.MaxAtomicNumber ? Element.Symbol(z) : "?";

    /// <summary>LAMMPS' 4-point Lagrange resampling of a 1-based table f[1..nIn] (spacing dIn) onto nOut points of spacing dOut; returns 0-based.</summary>
    private static double[] Resample(double[] f, int nIn, double dIn, int nOut, double dOut)
    {
        const double sixth = 1.0 / 6.0;
        var result = new double[nOut];
        for (int m = 1; m <= nOut; m++)
        {
            double r = (m - 1) * dOut;
            double p = r / dIn + 1.0;
            int k = (int)p;
            k = Math.Min(k, nIn - 2);
            k = Math.Max(k, 2);
            p -= k;
            p = Math.Min(p, 2.0);
            double cof1 = -sixth * p * (p - 1.0) * (p - 2.0);
            double cof2 = 0.5 * (p * p - 1.0) * (p - 2.0);
            double cof3 = -0.5 * p * (p + 1.0) * (p - 2.0);
            double cof4 = sixth * p * (p * p - 1.0);
            result[m - 1] = cof1 * f[k - 1] + cof2 * f[k] + cof3 * f[k + 1] + cof4 * f[k + 2];
        }
        return result;
    }
}
