using System.Collections.Frozen;
using System.Text.Json;

namespace Vigil.Server.Platform.Api;

/// <summary>
/// Enums as clients write them, in JSON and in query strings: one member's snake_case name (<c>drop_low</c>) or its
/// C# name, in any case; never a number, nor names joined by commas (which the framework reads as combined flags).
/// </summary>
public static class EnumText
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum =>
        Names<T>.ByName.TryGetValue(text ?? "", out value);

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static string Allowed<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Name));

    /// <summary>Every spelling of each member that is accepted, built once per enum.</summary>
    static class Names<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<string, T> ByName = Enum.GetValues<T>()
            .SelectMany(v => new[] { (Name: Name(v), Value: v), (Name: v.ToString(), Value: v) })
            .DistinctBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
    }
}
