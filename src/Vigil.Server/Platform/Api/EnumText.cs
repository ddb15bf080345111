using System.Text.Json;

namespace Vigil.Server.Platform.Api;

/// <summary>Enums as clients write them in query strings: snake_case (<c>drop_low</c>), case-insensitive.</summary>
public static class EnumText
{
    /// <summary>One member's name, nothing else: not a number, not names joined by commas (read as combined flags).</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        var key = text?.Replace("_", "", StringComparison.Ordinal);
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(candidate.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static string Allowed<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Name));
}
