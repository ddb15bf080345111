using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>Builds request bodies from the server's own OpenAPI document, so new routes are covered without new test code.</summary>
public sealed class OpenApiBodies(JsonElement document)
{
    public static async Task<OpenApiBodies> LoadAsync(HttpClient client, CancellationToken ct) =>
        new(JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", ct)).RootElement.Clone());

    public JsonElement Document => document;

    /// <summary>The JSON body schema of an operation, or null when it takes none.</summary>
    public JsonElement? BodySchema(string method, string pattern)
    {
        var path = OpenApiPath(pattern);
        if (!document.GetProperty("paths").TryGetProperty(path, out var item)
            || !item.TryGetProperty(method.ToLowerInvariant(), out var operation)
            || !operation.TryGetProperty("requestBody", out var body)
            || !body.GetProperty("content").TryGetProperty("application/json", out var json))
        {
            return null;
        }
        return Resolve(json.GetProperty("schema"));
    }

    /// <summary>"/api/v1/workspaces/{id:guid}" → "/api/v1/workspaces/{id}", as OpenAPI names it.</summary>
    public static string OpenApiPath(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", "{$1}");

    JsonElement Resolve(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return Resolve(document.GetProperty("components").GetProperty("schemas").GetProperty(name));
        }
        if (schema.TryGetProperty("oneOf", out var oneOf) || schema.TryGetProperty("anyOf", out oneOf))
        {
            foreach (var option in oneOf.EnumerateArray())
            {
                if (!(option.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"))
                {
                    return Resolve(option);
                }
            }
        }
        return schema;
    }

    static string? TypeOf(JsonElement schema)
    {
        if (schema.TryGetProperty("enum", out _))
        {
            return "enum";
        }
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? "object" : null;
        }
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
            : type.GetString();
    }

    public IEnumerable<(string Name, JsonElement Schema)> Properties(JsonElement schema) =>
        schema.TryGetProperty("properties", out var props)
            ? props.EnumerateObject().Select(p => (p.Name, Resolve(p.Value)))
            : [];

    /// <summary>A body whose every property has a value of the wrong JSON type.</summary>
    public JsonObject WrongTypes(JsonElement schema)
    {
        var body = new JsonObject();
        foreach (var (name, prop) in Properties(schema))
        {
            body[name] = TypeOf(prop) switch
            {
                "string" or "enum" => JsonValue.Create(12345),
                "integer" or "number" => JsonValue.Create("not a number"),
                "boolean" => JsonValue.Create("not a boolean"),
                "array" => new JsonObject { ["not"] = "an array" },
                _ => JsonValue.Create("wrong"),
            };
        }
        return body;
    }

    /// <summary>A body whose every string property is absurdly long.</summary>
    public JsonObject HugeStrings(JsonElement schema, int length)
    {
        var body = new JsonObject();
        foreach (var (name, prop) in Properties(schema))
        {
            if (TypeOf(prop) == "string")
            {
                body[name] = new string('a', length);
            }
            else if (TypeOf(prop) == "array")
            {
                body[name] = new JsonArray(new string('a', length));
            }
        }
        return body;
    }

    /// <summary>A plausible, valid-looking body (used to reach the handler, e.g. for 404 checks).</summary>
    public JsonObject Plausible(JsonElement schema)
    {
        var body = new JsonObject();
        foreach (var (name, prop) in Properties(schema))
        {
            body[name] = Value(name, prop);
        }
        return body;
    }

    JsonNode? Value(string name, JsonElement prop)
    {
        switch (TypeOf(prop))
        {
            case "enum":
                return JsonValue.Create(prop.GetProperty("enum").EnumerateArray().First(e => e.ValueKind == JsonValueKind.String).GetString());
            case "string":
                var format = prop.TryGetProperty("format", out var f) ? f.GetString() : null;
                return format switch
                {
                    "uuid" => JsonValue.Create(Guid.NewGuid().ToString()),
                    "date-time" => JsonValue.Create("2026-01-01T00:00:00Z"),
                    "email" => JsonValue.Create("someone@example.com"),
                    _ when name.Contains("email", StringComparison.Ordinal) => JsonValue.Create("someone@example.com"),
                    _ when name.Contains("url", StringComparison.Ordinal) => JsonValue.Create("https://example.com/hook"),
                    _ => JsonValue.Create("valid-name-1"),
                };
            case "integer":
            case "number":
                return JsonValue.Create(1);
            case "boolean":
                return JsonValue.Create(false);
            case "array":
                return new JsonArray();
            default:
                return null;
        }
    }
}
