using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Fakes;

/// <summary>
/// A receiver of Vigil's signed JSON webhooks (Standard Webhooks): verifies <c>webhook-signature</c> over
/// <c>{id}.{timestamp}.{body}</c> with the secret's decoded bytes when a secret is set (401 otherwise), records each
/// delivery and counts duplicates by <c>webhook-id</c>. Script 410/429/3xx/slow answers with <see cref="FakeServer.Enqueue"/>.
/// </summary>
public sealed class FakeWebhookReceiver : FakeServer
{
    readonly ConcurrentDictionary<string, int> _byId = new();

    /// <summary><c>whsec_…</c>; when set, unsigned or badly signed requests get 401.</summary>
    public string? Secret { get; set; }

    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Deliveries accepted, by <c>webhook-id</c>, with how many times each arrived.</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _byId;

    public int Duplicates => _byId.Values.Sum(n => n - 1);

    int _signatureFailures;

    public int SignatureFailures => _signatureFailures;

    protected override void Map(WebApplication app) => app.MapMethods("/{**path}", ["POST", "PUT", "PATCH"], async (HttpContext http) =>
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var body = Encoding.UTF8.GetString(buffer.ToArray());
        var id = http.Request.Headers["webhook-id"].ToString();
        if (Secret is not null && !Verify(id, http.Request.Headers["webhook-timestamp"].ToString(), http.Request.Headers["webhook-signature"].ToString(), body))
        {
            Interlocked.Increment(ref _signatureFailures);
            return Results.Json(new { error = "invalid signature" }, statusCode: 401);
        }
        _byId.AddOrUpdate(id.Length > 0 ? id : Guid.NewGuid().ToString(), 1, (_, n) => n + 1);
        return Results.Json(new { received = true });
    });

    bool Verify(string id, string timestamp, string signatures, string body)
    {
        if (id.Length == 0 || !long.TryParse(timestamp, out var unix))
        {
            return false;
        }
        if ((DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > Tolerance)
        {
            return false;
        }
        return signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s => Matches(s, Sign(Secret!, id, unix, body)));
    }

    static bool Matches(string candidate, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), Encoding.ASCII.GetBytes(expected));

    /// <summary>The Standard Webhooks v1 signature, for tests that check a known vector.</summary>
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }
}
