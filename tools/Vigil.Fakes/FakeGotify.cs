using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>A Gotify server: <c>POST /message</c> with an application token in <c>X-Gotify-Key</c>; Gotify's 401 JSON otherwise.</summary>
public sealed class FakeGotify : FakeServer
{
    readonly ConcurrentQueue<JsonObject> _messages = new();
    int _id;

    public string AppToken { get; set; } = "AqkX0Nm1aB2c3D4";

    public IReadOnlyCollection<JsonObject> Messages => _messages;

    protected override void Map(WebApplication app) => app.MapPost("/message", async (HttpContext http) =>
    {
        var token = http.Request.Headers["X-Gotify-Key"].ToString();
        if (token.Length == 0)
        {
            token = http.Request.Query["token"].ToString();
        }
        if (token != AppToken)
        {
            return Results.Json(new { error = "Unauthorized", errorCode = 401, errorDescription = "you need to provide a valid access token or user credentials to access this api" }, statusCode: 401);
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
        if (body?["message"] is null)
        {
            return Results.Json(new { error = "Bad Request", errorCode = 400, errorDescription = "Field 'message' is required" }, statusCode: 400);
        }
        _messages.Enqueue(body);
        return Results.Json(new { id = Interlocked.Increment(ref _id), appid = 5, message = body["message"]?.ToString(), title = body["title"]?.ToString(), priority = body["priority"]?.GetValue<int>(), date = DateTimeOffset.UtcNow });
    });
}
