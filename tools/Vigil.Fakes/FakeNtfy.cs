using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>
/// An ntfy server: JSON publishing to the root URL, optional access tokens (<c>Authorization: Bearer tk_…</c>),
/// ntfy's JSON errors (<c>{"code":40101,"http":401,"error":"unauthorized"}</c>) and a <c>42901</c> rate limit when scripted.
/// </summary>
public sealed class FakeNtfy : FakeServer
{
    readonly ConcurrentQueue<JsonObject> _messages = new();
    long _id;

    /// <summary>When set, publishing needs <c>Bearer {token}</c>.</summary>
    public string? RequiredToken { get; set; }

    public IReadOnlyCollection<JsonObject> Messages => _messages;

    public static ScriptedResponse RateLimited => new(429, "{\"code\":42901,\"http\":429,\"error\":\"limit reached: too many requests\",\"link\":\"https://ntfy.sh/docs/publish/#limitations\"}");

    protected override void Map(WebApplication app) => app.MapPost("/", async (HttpContext http) =>
    {
        if (RequiredToken is not null && http.Request.Headers.Authorization.ToString() != "Bearer " + RequiredToken)
        {
            return Results.Json(new { code = 40101, http = 401, error = "unauthorized", link = "https://ntfy.sh/docs/publish/#authentication" }, statusCode: 401);
        }
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body?["topic"]?.GetValue<string>() is not { Length: > 0 } topic)
        {
            return Results.Json(new { code = 40011, http = 400, error = "invalid request: topic invalid" }, statusCode: 400);
        }
        _messages.Enqueue(body);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Results.Json(new
        {
            id = "m" + Interlocked.Increment(ref _id).ToString(CultureInfo.InvariantCulture),
            time = now,
            expires = now + 43200,
            @event = "message",
            topic,
            message = body["message"]?.ToString(),
            title = body["title"]?.ToString(),
            priority = body["priority"]?.GetValue<int>(),
        });
    });
}
