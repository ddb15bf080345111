using System.Text.Json;

namespace Vigil.Server.Platform.Api;

/// <summary>Enums as clients write them in query strings: snake_case (<c>drop_low</c>), case-insensitive.</summary>
public static class EnumText
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        return text is { Length: > 0 } && !text.All(char.IsAsciiDigit)
            && Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out value);
    }

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static string Allowed<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Name));
}
