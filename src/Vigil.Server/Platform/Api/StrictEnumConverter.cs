using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Vigil.Server.Platform.Api;

/// <summary>
/// Enums as JSON strings: one member's snake_case name (any case), nothing else. The framework's string converter also
/// reads comma-joined names as combined flags (<c>"info,critical"</c> became <c>critical</c>, <c>"warning,critical"</c>
/// a value no member has, stored and then unreadable); a number or an unknown name is refused as well, as a 400
/// naming the field.
/// </summary>
public sealed class StrictEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(StrictEnumConverter<>).MakeGenericType(typeToConvert))!;

    /// <summary>OpenAPI: an enum is a string, one of its members' wire names (null too where the value may be absent).</summary>
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type) is { IsEnum: true };
        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        if (enumType.IsEnum)
        {
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Enum = [.. Enum.GetValues(enumType).Cast<Enum>().Select(v => (JsonNode)JsonValue.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()))!)];
            if (nullable)
            {
                schema.Enum.Add(null!);
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>One enum's JSON form; names are matched by <see cref="EnumText"/>, as query strings are.</summary>
sealed class StrictEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    static readonly FrozenDictionary<T, JsonEncodedText> Names = Enum.GetValues<T>().Distinct()
        .ToFrozenDictionary(v => v, v => JsonEncodedText.Encode(EnumText.Name(v)));

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? Parse(reader.GetString()) : throw new JsonException($"Expected one of {EnumText.Allowed<T>()}.");

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(reader.GetString());

    static T Parse(string? text) => EnumText.TryParse<T>(text, out var value) ? value : throw new JsonException($"Expected one of {EnumText.Allowed<T>()}.");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (Names.TryGetValue(value, out var name))
        {
            writer.WriteStringValue(name);
        }
        else
        {
            // Not a member (it cannot come in through the API any more): written as what it is rather than failing the answer.
            writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WritePropertyName(Names.TryGetValue(value, out var name) ? name.Value : value.ToString());
}
