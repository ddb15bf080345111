using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>
/// Slack incoming webhooks: <c>POST /services/{T}/{B}/{secret}</c> with JSON <c>text</c>/<c>blocks</c>. Answers
/// <c>200 ok</c> (plain text) or Slack's plain-text errors: <c>400 invalid_payload</c>, <c>400 no_text</c>,
/// <c>404 no_service</c> (revoked), <c>410 channel_is_archived</c>.
/// </summary>
public sealed class FakeSlack : FakeServer
{
    readonly ConcurrentDictionary<string, int> _revoked = new();
    readonly ConcurrentQueue<JsonObject> _messages = new();

    public IReadOnlyCollection<JsonObject> Messages => _messages;

    public Uri WebhookUrl(string secret = "abcdefghijklmnopqrstuvwx") => new(BaseAddress, $"/services/T0001/B0001/{secret}");

    /// <summary>Makes a webhook answer as revoked (404 no_service) or archived (410).</summary>
    public void Revoke(string secret, bool archived = false) => _revoked[secret] = archived ? 410 : 404;

    protected override void Map(WebApplication app) => app.MapPost("/services/{team}/{bot}/{secret}", async (HttpContext http, string secret) =>
    {
        if (_revoked.TryGetValue(secret, out var gone))
        {
            return Results.Text(gone == 410 ? "channel_is_archived" : "no_service", "text/plain", statusCode: gone);
        }
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return Results.Text("invalid_payload", "text/plain", statusCode: 400);
        }
        if (body is null)
        {
            return Results.Text("invalid_payload", "text/plain", statusCode: 400);
        }
        if (string.IsNullOrEmpty(body["text"]?.GetValue<string>()) && body["blocks"] is null)
        {
            return Results.Text("no_text", "text/plain", statusCode: 400);
        }
        _messages.Enqueue(body);
        return Results.Text("ok", "text/plain");
    });
}
