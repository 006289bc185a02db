using System.Globalization;

namespace MlipEngine.IO.Text;

/// <summary>Allocation-free whitespace tokenising and invariant-culture number parsing over spans.</summary>
internal static class Tokens
{
    /// <summary>
    /// Splits <paramref name="line"/> on whitespace into at most <paramref name="ranges"/>.Length tokens;
    /// returns the total token count (which may exceed the capacity: only the first ones are stored).
    /// </summary>
    public static int Split(ReadOnlySpan<char> line, Span<Range> ranges)
    {
        int count = 0, i = 0, n = line.Length;
        while (true)
        {
            while (i < n && char.IsWhiteSpace(line[i])) i++;
            if (i >= n) return count;
            int start = i;
            while (i < n && !char.IsWhiteSpace(line[i])) i++;
            if (count < ranges.Length) ranges[count] = new Range(start, i);
            count++;
        }
    }

    /// <summary>Counts whitespace-separated tokens.</summary>
    public static int Count(ReadOnlySpan<char> line) => Split(line, Span<Range>.Empty);

    /// <summary>Parses a float as Python's float() would for ordinary numbers (also inf, nan, Fortran 1.0D+00).</summary>
    public static bool TryParseDouble(ReadOnlySpan<char> s, out double value)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        var t = s.Trim();
        bool neg = t.Length > 0 && t[0] == '-';
        var body = t.Length > 0 && (t[0] == '-' || t[0] == '+') ? t[1..] : t;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        { value = neg ? double.NegativeInfinity : double.PositiveInfinity; return true; }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase)) { value = double.NaN; return true; }
        int d = t.IndexOfAny('d', 'D');
        if (d > 0 && t.Length <= 64)
        {
            Span<char> copy = stackalloc char[t.Length];
            t.CopyTo(copy);
            copy[d] = 'e';
            return double.TryParse(copy, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
        value = 0;
        return false;
    }

    public static bool TryParseLong(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
            CultureInfo.InvariantCulture, out value);

    public static bool TryParseInt(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
            CultureInfo.InvariantCulture, out value);

    /// <summary>T/F/True/False (as ASE's extxyz L columns accept; also lower-case true/false).</summary>
    public static bool TryParseBool(ReadOnlySpan<char> s, out bool value)
    {
        if (s is "T" or "True" or "true" or "TRUE") { value = true; return true; }
        if (s is "F" or "False" or "false" or "FALSE") { value = false; return true; }
        value = false;
        return false;
    }

    /// <summary>Shortest text that parses back to exactly <paramref name="v"/> (round-trip "R"), invariant culture.</summary>
    public static string FormatDouble(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Like <see cref="FormatDouble"/> but always recognisable as a float (Python repr style "1.0"),
    /// so an integral double in a key=value pair does not read back as an integer.
    /// </summary>
    public static string FormatFloatValue(double v)
    {
        var s = FormatDouble(v);
        foreach (char c in s) if (c is '.' or 'E' or 'e' or 'N' or 'I') return s;
        return s + ".0";
    }

    public static string Truncate(ReadOnlySpan<char> s, int max = 40) =>
        s.Length <= max ? s.ToString() : string.Concat(s[..max], "…");
}
