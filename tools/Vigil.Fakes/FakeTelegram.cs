using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>
/// Telegram's Bot API <c>sendMessage</c>: <c>{"ok":true,"result":{…}}</c>, or <c>{"ok":false,"error_code":…,"description":…}</c>
/// for an unknown token (401), an unknown chat (400 chat not found), a group that became a supergroup
/// (<c>parameters.migrate_to_chat_id</c>), unparsable HTML (400 can't parse entities) and, scripted, 429 with
/// <c>parameters.retry_after</c>.
/// </summary>
public sealed class FakeTelegram : FakeServer
{
    readonly ConcurrentQueue<JsonObject> _messages = new();
    int _id;

    public string Token { get; set; } = "123456789:AAHfakeTokenForTests_abc";

    public HashSet<string> Chats { get; } = ["-1001234567890", "42", "@vigil_channel"];

    /// <summary>Old group id → new supergroup id.</summary>
    public Dictionary<string, long> Migrated { get; } = [];

    public IReadOnlyCollection<JsonObject> Messages => _messages;

    public static ScriptedResponse TooManyRequests(int seconds) =>
        new(429, $"{{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after {seconds}\",\"parameters\":{{\"retry_after\":{seconds}}}}}");

    protected override void Map(WebApplication app) => app.MapPost("/bot{token}/sendMessage", async (HttpContext http, string token) =>
    {
        if (token != Token)
        {
            return Error(401, "Unauthorized");
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
        var chat = body?["chat_id"]?.ToString() ?? "";
        var text = body?["text"]?.ToString() ?? "";
        if (Migrated.TryGetValue(chat, out var moved))
        {
            return Results.Json(new { ok = false, error_code = 400, description = "Bad Request: group chat was upgraded to a supergroup chat", parameters = new { migrate_to_chat_id = moved } }, statusCode: 400);
        }
        if (!Chats.Contains(chat))
        {
            return Error(400, "Bad Request: chat not found");
        }
        if (text.Length is 0 or > 4096)
        {
            return Error(400, "Bad Request: message text is empty or too long");
        }
        if (body?["parse_mode"]?.ToString() == "HTML" && text.Contains("<unclosed", StringComparison.Ordinal))
        {
            return Error(400, "Bad Request: can't parse entities: Unclosed start tag at byte offset 0");
        }
        _messages.Enqueue(body!);
        return Results.Json(new { ok = true, result = new { message_id = Interlocked.Increment(ref _id), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), chat = new { id = chat, type = "supergroup" }, text } });
    });

    static IResult Error(int code, string description) => Results.Json(new { ok = false, error_code = code, description }, statusCode: code);
}
