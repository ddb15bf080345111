using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>
/// Discord's webhook endpoint: <c>POST /api/webhooks/{id}/{token}[?wait=true]</c>. Validates the body against
/// Discord's limits (400 50035 / 50006 / 50109), answers 404 10015 for deleted webhooks, and enforces its own
/// bucket of 5 requests per 2 s per webhook with 429 + <c>retry_after</c> and the X-RateLimit-* headers.
/// </summary>
public sealed class FakeDiscord : FakeServer
{
    readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _buckets = new();
    readonly ConcurrentDictionary<string, bool> _deleted = new();
    readonly ConcurrentQueue<JsonObject> _messages = new();
    long _nextId = 1_200_000_000_000_000_000;

    public bool EnforceRateLimit { get; set; } = true;

    public int BucketSize { get; set; } = 5;

    public TimeSpan BucketWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages Discord accepted, as sent.</summary>
    public IReadOnlyCollection<JsonObject> Messages => _messages;

    int _rateLimited;

    /// <summary>How many requests got a 429.</summary>
    public int RateLimitedCount => _rateLimited;

    public void DeleteWebhook(string id) => _deleted[id] = true;

    public Uri WebhookUrl(string id = "123456789012345678", string token = "tok-EN_abc123") => new(BaseAddress, $"/api/webhooks/{id}/{token}");

    protected override void Map(WebApplication app)
    {
        app.MapPost("/api/webhooks/{id}/{token}", Handle);
        app.MapPost("/api/v{version:int}/webhooks/{id}/{token}", (HttpContext http, string id, string token) => Handle(http, id, token));
    }

    async Task<IResult> Handle(HttpContext http, string id, string token)
    {
        if (_deleted.ContainsKey(id))
        {
            return Error(404, 10015, "Unknown Webhook");
        }
        if (EnforceRateLimit && !TakeToken(id, out var retryAfter, out var remaining))
        {
            Interlocked.Increment(ref _rateLimited);
            http.Response.Headers["Retry-After"] = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            SetRateHeaders(http, 0, retryAfter);
            http.Response.Headers["X-RateLimit-Scope"] = "shared";
            return Results.Json(new { message = "You are being rated limited.", retry_after = Math.Round(retryAfter.TotalSeconds, 3), global = false }, statusCode: 429);
        }
        JsonObject? body;
        try
        {
            body = (await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted)) as JsonObject;
        }
        catch (JsonException)
        {
            return Error(400, 50109, "The request body contains invalid JSON.");
        }
        if (body is null)
        {
            return Error(400, 50109, "The request body contains invalid JSON.");
        }
        var content = body["content"]?.GetValue<string>() ?? "";
        var embeds = body["embeds"] as JsonArray ?? [];
        if (content.Length == 0 && embeds.Count == 0)
        {
            return Error(400, 50006, "Cannot send an empty message");
        }
        if (Validate(content, embeds) is { } invalid)
        {
            return Results.Json(new { message = "Invalid Form Body", code = 50035, errors = new { detail = invalid } }, statusCode: 400);
        }
        _messages.Enqueue(body);
        SetRateHeaders(http, Math.Max(0, BucketSize - CountIn(id)), BucketWindow);
        if (http.Request.Query["wait"] == "true")
        {
            var messageId = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
            return Results.Json(new
            {
                id = messageId,
                type = 0,
                channel_id = "987654321098765432",
                webhook_id = id,
                content,
                embeds,
                timestamp = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            });
        }
        return Results.NoContent();
    }

    static string? Validate(string content, JsonArray embeds)
    {
        if (content.Length > 2000)
        {
            return "content: Must be 2000 or fewer in length.";
        }
        if (embeds.Count > 10)
        {
            return "embeds: Must be 10 or fewer in length.";
        }
        var total = 0;
        foreach (var embed in embeds.OfType<JsonObject>())
        {
            var title = embed["title"]?.GetValue<string>() ?? "";
            var description = embed["description"]?.GetValue<string>() ?? "";
            var footer = embed["footer"]?["text"]?.GetValue<string>() ?? "";
            if (title.Length > 256 || description.Length > 4096 || footer.Length > 2048)
            {
                return "embeds: a field is too long.";
            }
            total += title.Length + description.Length + footer.Length;
            var fields = embed["fields"] as JsonArray ?? [];
            if (fields.Count > 25)
            {
                return "embeds.fields: Must be 25 or fewer in length.";
            }
            foreach (var field in fields.OfType<JsonObject>())
            {
                var name = field["name"]?.GetValue<string>() ?? "";
                var value = field["value"]?.GetValue<string>() ?? "";
                if (name.Length is 0 or > 256 || value.Length is 0 or > 1024)
                {
                    return "embeds.fields: name or value has a bad length.";
                }
                total += name.Length + value.Length;
            }
        }
        return total > 6000 ? "embeds: Embed size exceeds maximum size of 6000" : null;
    }

    bool TakeToken(string id, out TimeSpan retryAfter, out int remaining)
    {
        var bucket = _buckets.GetOrAdd(id, _ => new Queue<DateTimeOffset>());
        lock (bucket)
        {
            var now = DateTimeOffset.UtcNow;
            while (bucket.TryPeek(out var first) && now - first >= BucketWindow)
            {
                bucket.Dequeue();
            }
            if (bucket.Count >= BucketSize)
            {
                retryAfter = BucketWindow - (now - bucket.Peek());
                remaining = 0;
                return false;
            }
            bucket.Enqueue(now);
            retryAfter = TimeSpan.Zero;
            remaining = BucketSize - bucket.Count;
            return true;
        }
    }

    int CountIn(string id)
    {
        var bucket = _buckets.GetOrAdd(id, _ => new Queue<DateTimeOffset>());
        lock (bucket)
        {
            return bucket.Count;
        }
    }

    void SetRateHeaders(HttpContext http, int remaining, TimeSpan resetAfter)
    {
        http.Response.Headers["X-RateLimit-Limit"] = BucketSize.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Reset-After"] = resetAfter.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Reset"] = (DateTimeOffset.UtcNow + resetAfter).ToUnixTimeMilliseconds() / 1000.0 is var r ? r.ToString("0.000", CultureInfo.InvariantCulture) : "";
        http.Response.Headers["X-RateLimit-Bucket"] = "abcd1234";
    }

    static IResult Error(int status, int code, string message) => Results.Json(new { message, code }, statusCode: status);
}
