using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// SMS through SOLAPI: <c>POST {base}/messages/v4/send-many/detail</c> (base <c>https://api.solapi.com</c>, or a
/// gateway's URL with its path) with the
/// <c>HMAC-SHA256 apiKey=…, date=…, salt=…, signature=…</c> header (signature over date + salt with the API secret).
/// A 200 can still carry failures in <c>failedMessageList</c>. Settings <c>api_key</c>, <c>api_secret</c>, <c>from</c> (a
/// registered sender), <c>to</c> (comma list); Vigil's own URL form <c>solapi://{api_key}:{api_secret}@{from}/{to}[/{to}…]</c>.
/// </summary>
public sealed class SolapiDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public override ChannelType Type => ChannelType.SmsSolapi;

    public override IReadOnlyList<string> AppriseSchemes => ["solapi"];

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { "api_secret" };

    public override RateLimit? RateLimit => new(5, TimeSpan.FromSeconds(1));

    public override bool RecognizesNativeUrl(Uri url) => url.Host == "api.solapi.com";

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        string baseUrl;
        if (url.StartsWith("solapi://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = url["solapi://".Length..];
            var at = rest.LastIndexOf('@');
            var credentials = at < 0 ? [] : rest[..at].Split(':', 2);
            var path = at < 0 ? [] : rest[(at + 1)..].Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
            if (credentials.Length != 2 || path.Length < 2)
            {
                throw new ChannelConfigException("url", "Write it as solapi://{api_key}:{api_secret}@{from}/{to}.");
            }
            merged["api_key"] = Uri.UnescapeDataString(credentials[0]);
            merged["api_secret"] = Uri.UnescapeDataString(credentials[1]);
            merged["from"] = path[0];
            merged["to"] = string.Join(',', path[1..]);
            baseUrl = "https://api.solapi.com";
        }
        else if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            baseUrl = ApiBase(uri, "/messages/v4/");
        }
        else
        {
            throw new ChannelConfigException("url", "Use https://api.solapi.com with settings, or solapi://….");
        }
        foreach (var key in new[] { "api_key", "api_secret", "from", "to" })
        {
            if (!merged.TryGetValue(key, out var value) || value.Trim().Length == 0)
            {
                throw new ChannelConfigException("settings." + key, $"SOLAPI needs {key}.");
            }
        }
        if (merged["to"].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Concat([merged["from"]]).Any(n => !n.All(char.IsAsciiDigit) || n.Length is < 8 or > 15))
        {
            throw new ChannelConfigException("settings.to", "Numbers are digits only, without dashes (01012345678).");
        }
        return new ChannelConfig(Type, baseUrl, merged);
    }

    public override string? ToAppriseUrl(ChannelConfig config) =>
        $"solapi://{Escape(config.Setting("api_key")!)}:{Escape(config.Setting("api_secret")!)}@{config.Setting("from")}/"
        + string.Join('/', config.Setting("to")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public override string Mask(ChannelConfig config) => $"sms via SOLAPI to {config.Setting("to")}";

    // The API base holds no secret (the key and secret are settings).
    public override string MaskedTargetUrl(ChannelConfig config) => WithoutUserInfo(config.Url);

    /// <summary>The Authorization header: lower-case hex HMAC-SHA256 of date + salt, keyed with the API secret.</summary>
    public static string AuthorizationHeader(string apiKey, string apiSecret, string date, string salt)
    {
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiSecret), Encoding.UTF8.GetBytes(date + salt)));
        return $"HMAC-SHA256 apiKey={apiKey}, date={date}, salt={salt}, signature={signature}";
    }

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var text = DiscordDriver.Truncate("[Vigil] " + message.Title + (message.Text.Length > 0 ? "\n" + message.Text : ""), 2000);
        var recipients = config.Setting("to")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var body = new JsonObject
        {
            ["messages"] = new JsonArray([.. recipients.Select(to => (JsonNode)new JsonObject { ["to"] = to, ["from"] = config.Setting("from"), ["text"] = text })]),
            ["allowDuplicates"] = false,
            ["showMessageList"] = true,
        };
        var date = clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        // A new salt every request: a signature may not be reused within 15 minutes.
        var salt = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url.TrimEnd('/') + "/messages/v4/send-many/detail") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Authorization", AuthorizationHeader(config.Setting("api_key")!, config.Setting("api_secret")!, date, salt));
        using var response = await http.Http.SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(answer);
        }
        catch (JsonException)
        {
        }
        if (!response.IsSuccessStatusCode)
        {
            var code = json?["errorCode"]?.ToString();
            return SendResult.FromStatus(response.StatusCode, answer, SendResult.ReadRetryAfter(response, clock.GetUtcNow()),
                $"SOLAPI {code}: {json?["errorMessage"]?.ToString() ?? $"HTTP {(int)response.StatusCode}"}");
        }
        var failed = json?["failedMessageList"] as JsonArray ?? [];
        var groupId = json?["groupInfo"]?["groupId"]?.ToString();
        if (failed.Count == 0)
        {
            return SendResult.Sent((int)response.StatusCode, answer, groupId);
        }
        var reasons = string.Join("; ", failed.Select(f => $"{f?["to"]}: {f?["statusCode"]} {f?["statusMessage"]}"));
        if (failed.Count == recipients.Length)
        {
            return SendResult.Permanent("SOLAPI accepted no message: " + reasons, (int)response.StatusCode, answer);
        }
        // A recipient not accepted is a failed delivery, even when others got it: recorded as failed (the channel shows
        // it, its owner is told) and not retried, which would send the others a second copy. Who got it is kept: their
        // cooldown starts as after a full send.
        var partly = SendResult.Permanent($"SOLAPI accepted {recipients.Length - failed.Count} of {recipients.Length}; not accepted for " + reasons, (int)response.StatusCode, answer);
        return partly with { RemoteId = groupId, Delivered = [.. recipients.Except(failed.Select(f => f?["to"]?.ToString() ?? ""), StringComparer.Ordinal)] };
    }
}
