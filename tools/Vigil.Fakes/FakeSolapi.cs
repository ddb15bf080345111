using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vigil.Fakes;

/// <summary>
/// SOLAPI's <c>send-many/detail</c>: recomputes the HMAC and answers 403 <c>InvalidAPIKey</c>, <c>SignatureDoesNotMatch</c>,
/// <c>RequestTimeTooSkewed</c> (±15 min) or <c>DuplicatedSignature</c>; 400 <c>ValidationError</c> for missing fields;
/// unregistered senders go to <c>failedMessageList</c> with 1062 under HTTP 200.
/// </summary>
public sealed partial class FakeSolapi : FakeServer
{
    readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new();
    readonly ConcurrentQueue<JsonObject> _messages = new();

    public string ApiKey { get; set; } = "NCSTESTKEY0000001";

    public string ApiSecret { get; set; } = "vigil-test-secret";

    public HashSet<string> RegisteredSenders { get; } = ["0212345678"];

    public IReadOnlyCollection<JsonObject> Messages => _messages;

    [GeneratedRegex(@"^HMAC-SHA256 apiKey=([^,]+), date=([^,]+), salt=([^,]+), signature=([0-9a-f]+)$")]
    private static partial Regex Header();

    protected override void Map(WebApplication app) => app.MapPost("/messages/v4/send-many/detail", async (HttpContext http) =>
    {
        var m = Header().Match(http.Request.Headers.Authorization.ToString());
        if (!m.Success || m.Groups[1].Value != ApiKey)
        {
            return Error(403, "InvalidAPIKey", "Invalid API Key");
        }
        var (date, salt, signature) = (m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ApiSecret), Encoding.UTF8.GetBytes(date + salt)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return Error(403, "SignatureDoesNotMatch", "Signature does not match");
        }
        if (!DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) || (DateTimeOffset.UtcNow - at).Duration() > TimeSpan.FromMinutes(15))
        {
            return Error(403, "RequestTimeTooSkewed", "Request time too skewed");
        }
        if (!_seen.TryAdd(date + salt + signature, DateTimeOffset.UtcNow))
        {
            return Error(403, "DuplicatedSignature", "Duplicated signature");
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
        if (body?["messages"] is not JsonArray messages || messages.Count == 0)
        {
            return Error(400, "ValidationError", "messages is required");
        }
        var accepted = new JsonArray();
        var failed = new JsonArray();
        foreach (var message in messages.OfType<JsonObject>())
        {
            var to = message["to"]?.ToString();
            var from = message["from"]?.ToString();
            if (string.IsNullOrEmpty(to) || string.IsNullOrEmpty(from))
            {
                return Error(400, "ValidationError", "to and from are required");
            }
            var id = "M4V" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            if (!RegisteredSenders.Contains(from))
            {
                failed.Add(new JsonObject { ["to"] = to, ["from"] = from, ["type"] = "SMS", ["country"] = "82", ["messageId"] = id, ["statusCode"] = "1062", ["statusMessage"] = "발신번호 미등록" });
                continue;
            }
            _messages.Enqueue((JsonObject)message.DeepClone());
            accepted.Add(new JsonObject { ["messageId"] = id, ["statusCode"] = "2000", ["statusMessage"] = "정상 접수(이통사로 접수 예정)" });
        }
        var result = new JsonObject
        {
            ["groupInfo"] = new JsonObject
            {
                ["groupId"] = "G4V" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)),
                ["status"] = "SENDING",
                ["count"] = new JsonObject { ["total"] = messages.Count, ["registeredSuccess"] = accepted.Count, ["registeredFailed"] = failed.Count },
            },
            ["failedMessageList"] = failed,
        };
        if (body["showMessageList"]?.GetValue<bool>() == true)
        {
            result["messageList"] = accepted;
        }
        return Results.Json(result);
    });

    static IResult Error(int status, string code, string message) => Results.Json(new { errorCode = code, errorMessage = message }, statusCode: status);
}
