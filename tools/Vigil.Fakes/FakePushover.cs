using System.Collections.Concurrent;

namespace Vigil.Fakes;

/// <summary>Pushover's <c>/1/messages.json</c>: form fields, <c>{"status":1,"request":…}</c>, or <c>status:0</c> errors naming the bad field.</summary>
public sealed class FakePushover : FakeServer
{
    readonly ConcurrentQueue<Dictionary<string, string>> _messages = new();

    static readonly string[] TokenInvalid = ["application token is invalid"];
    static readonly string[] UserInvalid = ["user identifier is not a valid user, group, or subscribed user key"];
    static readonly string[] MessageInvalid = ["message cannot be blank or longer than 1024 characters"];

    public string AppToken { get; set; } = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";

    public string UserKey { get; set; } = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    public IReadOnlyCollection<Dictionary<string, string>> Messages => _messages;

    protected override void Map(WebApplication app) => app.MapPost("/1/messages.json", async (HttpContext http) =>
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var request = Guid.NewGuid().ToString();
        http.Response.Headers["X-Limit-App-Limit"] = "10000";
        http.Response.Headers["X-Limit-App-Remaining"] = "9999";
        http.Response.Headers["X-Limit-App-Reset"] = DateTimeOffset.UtcNow.AddDays(20).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (fields.GetValueOrDefault("token") != AppToken)
        {
            return Results.Json(new { token = "invalid", errors = TokenInvalid, status = 0, request }, statusCode: 400);
        }
        if (fields.GetValueOrDefault("user") != UserKey)
        {
            return Results.Json(new { user = "invalid", errors = UserInvalid, status = 0, request }, statusCode: 400);
        }
        if (string.IsNullOrEmpty(fields.GetValueOrDefault("message")) || fields["message"].Length > 1024)
        {
            return Results.Json(new { message = "invalid", errors = MessageInvalid, status = 0, request }, statusCode: 400);
        }
        _messages.Enqueue(fields);
        return Results.Json(new { status = 1, request });
    });
}
