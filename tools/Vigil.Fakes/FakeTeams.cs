using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>A Teams Workflows trigger: accepts an Adaptive Card message with the right <c>sig</c> and answers 202.</summary>
public sealed class FakeTeams : FakeServer
{
    readonly ConcurrentQueue<JsonObject> _cards = new();

    public string Signature { get; set; } = "s1gn4tur3";

    public IReadOnlyCollection<JsonObject> Cards => _cards;

    public Uri TriggerUrl(string workflow = "abc123") =>
        new(BaseAddress, $"/workflows/{workflow}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={Signature}");

    protected override void Map(WebApplication app) => app.MapPost("/{**path}", async (HttpContext http) =>
    {
        if (http.Request.Query["sig"] != Signature)
        {
            return Results.Json(new { error = new { code = "DirectApiAuthorizationRequired", message = "The request must be authenticated." } }, statusCode: 401);
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
        if (body?["attachments"]?[0]?["content"]?["type"]?.ToString() != "AdaptiveCard")
        {
            return Results.Json(new { error = new { code = "InvalidRequestContent", message = "The request content is not valid." } }, statusCode: 400);
        }
        _cards.Enqueue(body);
        return Results.StatusCode(202);
    });
}
