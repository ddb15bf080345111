using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// SMS through Twilio's Messages API (no SDK): form POST to <c>{base}/2010-04-01/Accounts/{sid}/Messages.json</c> with
/// Basic auth, one request per recipient. Url: the API base (<c>https://api.twilio.com</c>, or a gateway's URL with its
/// path) with settings
/// <c>account_sid</c>, <c>auth_token</c>, <c>from</c> (or <c>messaging_service_sid</c>), <c>to</c> (comma list of E.164
/// numbers); Apprise form <c>twilio://{AccountSID}:{AuthToken}@{FromPhoneNo}/{PhoneNo}[/{PhoneNo}…]</c>.
/// </summary>
public sealed partial class TwilioDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public const int BodyLimit = 1600;

    public override ChannelType Type => ChannelType.SmsTwilio;

    public override IReadOnlyList<string> AppriseSchemes => ["twilio"];

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { "auth_token" };

    public override RateLimit? RateLimit => new(1, TimeSpan.FromSeconds(1));

    public override bool RecognizesNativeUrl(Uri url) => url.Host == "api.twilio.com";

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        string baseUrl;
        if (url.StartsWith("twilio://", StringComparison.OrdinalIgnoreCase))
        {
            // twilio://{sid}:{token}@{from}/{to}…: the "from" number is where a host would be.
            var rest = url["twilio://".Length..];
            var at = rest.LastIndexOf('@');
            if (at < 0)
            {
                throw new ChannelConfigException("url", "Write it as twilio://{AccountSID}:{AuthToken}@{FromPhoneNo}/{PhoneNo}.");
            }
            var credentials = rest[..at].Split(':', 2);
            var path = rest[(at + 1)..].Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
            if (credentials.Length != 2 || path.Length < 2)
            {
                throw new ChannelConfigException("url", "Write it as twilio://{AccountSID}:{AuthToken}@{FromPhoneNo}/{PhoneNo}.");
            }
            merged["account_sid"] = Uri.UnescapeDataString(credentials[0]);
            merged["auth_token"] = Uri.UnescapeDataString(credentials[1]);
            merged["from"] = path[0];
            merged["to"] = string.Join(',', path[1..]);
            baseUrl = "https://api.twilio.com";
        }
        else if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            baseUrl = ApiBase(uri, "/2010-04-01/");
            // An endpoint URL names the account: it is the setting, and may not contradict it.
            if (AccountInPath().Match(uri.AbsolutePath) is { Success: true } account)
            {
                var named = Uri.UnescapeDataString(account.Groups[1].Value);
                if (merged.TryGetValue("account_sid", out var given) && given != named)
                {
                    throw new ChannelConfigException("url", $"The URL names account {named}, the settings {given}.");
                }
                merged["account_sid"] = named;
            }
        }
        else
        {
            throw new ChannelConfigException("url", "Use https://api.twilio.com with settings, or twilio://….");
        }
        if (!merged.TryGetValue("account_sid", out var sid) || !sid.StartsWith("AC", StringComparison.Ordinal))
        {
            throw new ChannelConfigException("settings.account_sid", "The account SID starts with AC.");
        }
        if (!merged.ContainsKey("auth_token"))
        {
            throw new ChannelConfigException("settings.auth_token", "The auth token is required.");
        }
        if (!merged.ContainsKey("from") && !merged.ContainsKey("messaging_service_sid"))
        {
            throw new ChannelConfigException("settings.from", "Give a from number or a messaging_service_sid.");
        }
        if (!merged.TryGetValue("to", out var to) || to.Split(',', StringSplitOptions.RemoveEmptyEntries).Any(n => !IsE164(n.Trim())) || to.Trim().Length == 0)
        {
            throw new ChannelConfigException("settings.to", "Recipients are E.164 numbers (+821012345678), comma-separated.");
        }
        return new ChannelConfig(Type, baseUrl, merged);
    }

    [GeneratedRegex("/2010-04-01/Accounts/([^/]+)")]
    private static partial Regex AccountInPath();

    static bool IsE164(string number) => number.Length is >= 8 and <= 16 && number[0] == '+' && number[1..].All(char.IsAsciiDigit);

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        // Apprise's form names a sender number and has no place for a messaging service.
        if (config.Setting("messaging_service_sid") is not null || config.Setting("from") is not { } from)
        {
            return null;
        }
        return $"twilio://{Escape(config.Setting("account_sid")!)}:{Escape(config.Setting("auth_token")!)}@{Escape(from)}/"
            + string.Join('/', config.Setting("to")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Escape));
    }

    public override string Mask(ChannelConfig config) => $"sms via Twilio to {config.Setting("to")}";

    // The API base holds no secret (the SID and token are settings).
    public override string MaskedTargetUrl(ChannelConfig config) => WithoutUserInfo(config.Url);

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var sid = config.Setting("account_sid")!;
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(sid + ":" + config.Setting("auth_token")));
        var text = DiscordDriver.Truncate(message.Title + (message.Text.Length > 0 ? ": " + message.Text : ""), BodyLimit);
        SendResult last = SendResult.Sent(201);
        var failures = new List<string>();
        var accepted = new List<string>();
        var recipients = config.Setting("to")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // A retry skips the numbers an earlier attempt reached: nobody pays for, or reads, the same SMS twice.
        foreach (var to in recipients.Where(r => !message.AlreadyDelivered.Contains(r)))
        {
            var form = new List<KeyValuePair<string, string>> { new("To", to), new("Body", text) };
            form.Add(config.Setting("messaging_service_sid") is { } service ? new("MessagingServiceSid", service) : new("From", config.Setting("from")!));
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{config.Url.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(sid)}/Messages.json")
            {
                Content = new FormUrlEncodedContent(form),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", auth);
            using var response = await http.Http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                last = SendResult.Sent((int)response.StatusCode, body, ReadJson(body, "sid"));
                accepted.Add(to);
                continue;
            }
            var code = ReadJson(body, "code");
            var error = $"Twilio {code}: {ReadJson(body, "message") ?? $"HTTP {(int)response.StatusCode}"}";
            // Bad or opted-out numbers fail for that recipient only; the rest still get the message.
            if (code is "21211" or "21610" or "21612" or "21614")
            {
                failures.Add(to + ": " + error);
                continue;
            }
            return SendResult.FromStatus(response.StatusCode, body, SendResult.ReadRetryAfter(response, clock.GetUtcNow()), error) with { Delivered = accepted };
        }
        // A recipient refused is a failed delivery, even when others got it: recorded as failed (the channel shows it,
        // its owner is told) and not retried, which would send the others a second copy. Who got it is kept: their
        // cooldown starts as after a full send.
        return failures.Count == 0 ? last
            : failures.Count < recipients.Length
                ? SendResult.Permanent($"Twilio sent {recipients.Length - failures.Count} of {recipients.Length}; not sent to " + string.Join("; ", failures), 400) with { RemoteId = last.RemoteId, Delivered = accepted }
                : SendResult.Permanent(string.Join("; ", failures), 400);
    }

}
