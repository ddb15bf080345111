namespace Vigil.Server.Platform.Data;

/// <summary>LIKE patterns from user text: its own <c>%</c>, <c>_</c> and <c>\</c> match themselves.</summary>
public static class SqlLike
{
    /// <summary>The escape character the patterns use (pass it to <c>EF.Functions.Like</c>).</summary>
    public const string Escape = "\\";

    /// <summary>A pattern matching any text that contains <paramref name="text"/>.</summary>
    public static string Containing(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
