using System.Globalization;

namespace MlipEngine.Potentials.Parsing;

/// <summary>
/// Reads whitespace-separated numbers across lines, as LAMMPS' potential readers do, remembering the
/// line of each token for error messages.
/// </summary>
internal sealed class TokenStream
{
    private readonly string[] _lines;
    private readonly string _file;
    private int _line;          // 0-based index of the current line
    private string[] _tokens = [];
    private int _next;

    public TokenStream(string file)
    {
        _file = file;
        try { _lines = System.IO.File.ReadAllLines(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PotentialFileException(file, 0, $"cannot read potential file ({e.Message})");
        }
        _line = -1;
    }

    public string File => _file;
    /// <summary>1-based number of the line the last token came from.</summary>
    public int Line => _line + 1;

    /// <summary>Returns the next whole line (skipping nothing), advancing past any partially read line.</summary>
    public string NextLine()
    {
        _line++;
        if (_line >= _lines.Length) throw Error("unexpected end of file");
        _tokens = [];
        _next = 0;
        return _lines[_line];
    }

    /// <summary>Splits the next line into tokens and returns them.</summary>
    public string[] NextLineTokens() => Split(NextLine());

    public string NextToken()
    {
        while (_next >= _tokens.Length)
        {
            _line++;
            if (_line >= _lines.Length) throw Error("unexpected end of file while reading tabulated values");
            _tokens = Split(_lines[_line]);
            _next = 0;
        }
        return _tokens[_next++];
    }

    public double NextDouble() => ParseDouble(NextToken());

    public void ReadDoubles(double[] dest, string what)
    {
        for (int i = 0; i < dest.Length; i++)
        {
            string tok;
            try { tok = NextToken(); }
            catch (PotentialFileException) { throw Error($"file ends after {i} of {dest.Length} values of {what}"); }
            dest[i] = ParseDouble(tok, what);
        }
    }

    public double ParseDouble(string token, string what = "number")
    {
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            // Fortran-style exponents (1.0D-3)
            if (!double.TryParse(token.Replace('D', 'E').Replace('d', 'e'), NumberStyles.Float, CultureInfo.InvariantCulture, out v))
                throw Error($"expected a {what}, found '{token}'");
        }
        if (!double.IsFinite(v)) throw Error($"{what} is not finite ('{token}')");
        return v;
    }

    public int ParseInt(string token, string what)
    {
        if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw Error($"expected an integer {what}, found '{token}'");
        return v;
    }

    public PotentialFileException Error(string problem) => PotentialFileException.At(_file, Math.Max(1, Line), problem);

    private static string[] Split(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
