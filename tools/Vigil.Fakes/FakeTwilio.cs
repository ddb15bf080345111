using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Fakes;

/// <summary>
/// Twilio's Messages API: Basic auth (401 + code 20003 otherwise), PascalCase form, <c>201</c> with the message resource
/// (<c>sid</c> = <c>SM</c> + 32 hex), Twilio error JSON for configured bad numbers (<see cref="BadNumbers"/>), and a
/// scriptable 429 (<see cref="TooManyRequests"/>).
/// </summary>
public sealed class FakeTwilio : FakeServer
{
    readonly ConcurrentQueue<Dictionary<string, string>> _messages = new();

    public string AccountSid { get; set; } = "AC00000000000000000000000000000001";

    public string AuthToken { get; set; } = "twilio-auth-token-0123456789abcd";

    /// <summary>Number → Twilio error code (21211 invalid, 21610 unsubscribed, …).</summary>
    public Dictionary<string, int> BadNumbers { get; } = [];

    public IReadOnlyCollection<Dictionary<string, string>> Messages => _messages;

    public static ScriptedResponse TooManyRequests => new(429,
        "{\"code\":20429,\"message\":\"Too Many Requests\",\"more_info\":\"https://www.twilio.com/docs/errors/20429\",\"status\":429}",
        Headers: new Dictionary<string, string> { ["Retry-After"] = "3" });

    protected override void Map(WebApplication app) => app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", async (HttpContext http, string sid) =>
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(AccountSid + ":" + AuthToken));
        if (sid != AccountSid || http.Request.Headers.Authorization.ToString() != expected)
        {
            return Results.Json(new { code = 20003, message = "Authenticate", more_info = "https://www.twilio.com/docs/errors/20003", status = 401 }, statusCode: 401);
        }
        var form = (await http.Request.ReadFormAsync(http.RequestAborted)).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var to = form.GetValueOrDefault("To") ?? "";
        if (BadNumbers.TryGetValue(to, out var code))
        {
            return Results.Json(new { code, message = $"The 'To' number {to} is not valid.", more_info = $"https://www.twilio.com/docs/errors/{code}", status = 400 }, statusCode: 400);
        }
        if (string.IsNullOrEmpty(form.GetValueOrDefault("Body")) || (form.GetValueOrDefault("From") is null && form.GetValueOrDefault("MessagingServiceSid") is null))
        {
            return Results.Json(new { code = 21602, message = "Message body is required.", status = 400 }, statusCode: 400);
        }
        _messages.Enqueue(form);
        var messageSid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new
        {
            sid = messageSid,
            account_sid = AccountSid,
            to,
            from = form.GetValueOrDefault("From"),
            body = form["Body"],
            status = "queued",
            num_segments = "1",
            num_media = "0",
            direction = "outbound-api",
            api_version = "2010-04-01",
            date_created = now,
            date_updated = now,
            uri = $"/2010-04-01/Accounts/{AccountSid}/Messages/{messageSid}.json",
        }, statusCode: 201);
    });
}
