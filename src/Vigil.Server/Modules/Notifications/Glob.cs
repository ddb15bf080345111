namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Subscription patterns: <c>*</c> matches any run of characters, <c>?</c> one character, everything else itself,
/// ignoring case. Linear in practice, with no regular expression to build or cache per pattern.
/// </summary>
public static class Glob
{
    public static bool Matches(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || SameLetter(pattern[p], value[v])))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                // Remember the star; first try it as empty, and on a mismatch let it take one more character.
                star = p++;
                resume = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>The pattern up to its first wildcard, lower-cased; every matching value starts with it (ignoring case).</summary>
    public static string LiteralPrefix(string pattern)
    {
        var end = pattern.AsSpan().IndexOfAny('*', '?');
        return (end < 0 ? pattern : pattern[..end]).ToLowerInvariant();
    }

    static bool SameLetter(char a, char b) => a == b || char.ToLowerInvariant(a) == char.ToLowerInvariant(b);
}
