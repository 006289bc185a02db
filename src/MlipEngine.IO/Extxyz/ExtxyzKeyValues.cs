using System.Text;
using MlipEngine.IO.Text;

namespace MlipEngine.IO.Extxyz;

/// <summary>
/// The extxyz comment line as ASE 3.22 reads and writes it (ase/io/extxyz.py,
/// <c>key_val_str_to_dict</c> and <c>key_val_dict_to_str</c>).
/// </summary>
/// <remarks>
/// Parsing is ASE's character-by-character state machine: whitespace separates pairs, <c>=</c> separates
/// key and value, <c>"…"</c>, <c>'…'</c>, <c>{…}</c> and <c>[…]</c> delimit values (and keys) containing
/// spaces, a backslash adds the next character verbatim, and a bare key means True. Values are then
/// converted as ASE does: split on whitespace and commas, all integers → long (or long[]), else all
/// floats → double (or double[]), else all T/F → bool (or bool[]); otherwise the string is kept. We
/// also accept True/False as booleans. Duplicate keys keep the first position and the last value
/// (a Python dict). Keys named <c>uid</c> are never converted, as in ASE.
/// </remarks>
public static class ExtxyzKeyValues
{
    /// <summary>Splits a comment line into ordered raw (key, value) pairs; a bare key has value null.</summary>
    public static List<KeyValuePair<string, string?>> SplitRaw(string line)
    {
        var pairs = new List<List<StringBuilder>>();
        var cur = new List<StringBuilder> { new() };
        char closing = '\0';
        bool escaped = false;
        var s = line.AsSpan().Trim();
        foreach (char ch in s)
        {
            if (escaped) { cur[^1].Append(ch); escaped = false; }
            else if (ch == '\\') escaped = true;
            else if (closing != '\0')
            {
                if (ch == closing) closing = '\0';
                else cur[^1].Append(ch);
            }
            else if (ch is '"' or '\'' or '{' or '[')
                closing = ch switch { '{' => '}', '[' => ']', _ => ch };
            else if (char.IsWhiteSpace(ch))
            {
                if (cur.Count == 1 && cur[0].Length == 0) continue;
                if (cur[^1].Length == 0 && cur.Count > 1) continue; // "key= value": ASE skips the blank
                pairs.Add(cur);
                cur = new List<StringBuilder> { new() };
            }
            else if (ch == '=')
            {
                // "key =value": the blank closed the pair early; ASE reopens it.
                if (cur.Count == 1 && cur[0].Length == 0 && pairs.Count > 0) { cur = pairs[^1]; pairs.RemoveAt(pairs.Count - 1); }
                cur.Add(new StringBuilder());
            }
            else cur[^1].Append(ch);
        }
        if (!(cur.Count == 1 && cur[0].Length == 0)) pairs.Add(cur);

        var result = new List<KeyValuePair<string, string?>>(pairs.Count);
        foreach (var p in pairs)
        {
            string key = p[0].ToString();
            string? value = p.Count == 1 ? null : string.Join("=", p.Skip(1).Select(b => b.ToString()));
            int existing = result.FindIndex(kv => kv.Key == key);
            if (existing >= 0) result[existing] = new(key, value);
            else result.Add(new(key, value));
        }
        return result;
    }

    /// <summary>Converts a raw value to long, double, bool, long[], double[], bool[] or string, as ASE does.</summary>
    public static object ConvertValue(string key, string? raw)
    {
        if (raw == null) return true;
        if (key.Equals("uid", StringComparison.OrdinalIgnoreCase)) return raw;
        var parts = SplitValue(raw);
        if (parts.Count == 0) return raw;

        var longs = new long[parts.Count];
        bool allLong = true;
        for (int i = 0; i < parts.Count && allLong; i++) allLong = Tokens.TryParseLong(parts[i], out longs[i]);
        if (allLong) return parts.Count == 1 ? longs[0] : longs;

        var doubles = new double[parts.Count];
        bool allDouble = true;
        for (int i = 0; i < parts.Count && allDouble; i++) allDouble = Tokens.TryParseDouble(parts[i], out doubles[i]);
        if (allDouble) return parts.Count == 1 ? doubles[0] : doubles;

        var bools = new bool[parts.Count];
        bool allBool = true;
        for (int i = 0; i < parts.Count && allBool; i++) allBool = Tokens.TryParseBool(parts[i], out bools[i]);
        if (allBool) return parts.Count == 1 ? bools[0] : bools;

        return raw;
    }

    private static List<string> SplitValue(string raw)
    {
        var parts = new List<string>();
        int i = 0;
        while (i < raw.Length)
        {
            while (i < raw.Length && (char.IsWhiteSpace(raw[i]) || raw[i] == ',')) i++;
            int start = i;
            while (i < raw.Length && !(char.IsWhiteSpace(raw[i]) || raw[i] == ',')) i++;
            if (i > start) parts.Add(raw[start..i]);
        }
        return parts;
    }

    /// <summary>Reads a numeric value (scalar or array) as doubles; false when it is not numeric.</summary>
    public static bool TryGetDoubles(object value, out double[] result)
    {
        switch (value)
        {
            case double d: result = [d]; return true;
            case long l: result = [l]; return true;
            case double[] da: result = da; return true;
            case long[] la:
                result = new double[la.Length];
                for (int i = 0; i < la.Length; i++) result[i] = la[i];
                return true;
            default: result = []; return false;
        }
    }

    /// <summary>
    /// Formats an info value for the comment line: doubles in round-trip form (always with a '.', an
    /// exponent or a NaN/Infinity word so they read back as floats), bools as T/F, arrays space-separated
    /// and quoted, strings quoted and escaped when they contain spaces, quotes, brackets, braces, '=' or
    /// backslashes.
    /// </summary>
    public static string FormatValue(object value) => value switch
    {
        bool b => b ? "T" : "F",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        double d => Tokens.FormatFloatValue(d),
        float f => Tokens.FormatFloatValue(f),
        string s => Quote(s),
        double[] a => Quote(string.Join(' ', a.Select(Tokens.FormatFloatValue))),
        long[] a => Quote(string.Join(' ', a.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
        int[] a => Quote(string.Join(' ', a.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
        bool[] a => Quote(string.Join(' ', a.Select(x => x ? "T" : "F"))),
        _ => Quote(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
    };

    /// <summary>Quotes a key or value when needed (ASE's <c>escape</c>, plus backslashes and '=' quoted).</summary>
    public static string Quote(string s)
    {
        if (s.IndexOfAny(['\n', '\r']) >= 0)
            throw new ArgumentException($"extxyz comment-line text cannot contain a line break: '{Tokens.Truncate(s)}'");
        bool needs = s.Length == 0;
        foreach (char c in s)
            if (char.IsWhiteSpace(c) || c is '"' or '\'' or '{' or '}' or '[' or ']' or '\\' or '=') { needs = true; break; }
        if (!needs) return s;
        return "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
