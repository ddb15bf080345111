using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Pushover: form POST to <c>{base}/1/messages.json</c> (base <c>https://api.pushover.net</c>, or a gateway's URL with
/// its path) with the app <c>token</c>
/// and the <c>user</c> key. Apprise form <c>pover://{user_key}@{app_token}[/{device}…]</c> with <c>?priority=</c> (-2 to 2, or Apprise's low, moderate, normal, high, emergency),
/// <c>?sound=</c>, <c>?url=</c>, <c>?url_title=</c>, <c>?retry=</c>, <c>?expire=</c>. A 429 means the app's monthly
/// quota is spent: retried after the reset it reports.
/// </summary>
public sealed class PushoverDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public override ChannelType Type => ChannelType.Pushover;

    public override IReadOnlyList<string> AppriseSchemes => ["pover"];

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { "token", "user" };

    public override RateLimit? RateLimit => new(2, TimeSpan.FromSeconds(1));

    public override bool RecognizesNativeUrl(Uri url) => url.Host == "api.pushover.net";

    static readonly string[] Options = ["priority", "sound", "url", "url_title", "retry", "expire"];

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        string baseUrl;
        if (uri.Scheme == "pover")
        {
            if (uri.UserInfo.Length == 0 || uri.Host.Length == 0)
            {
                throw new ChannelConfigException("url", "Write it as pover://{user_key}@{app_token}.");
            }
            merged["user"] = Uri.UnescapeDataString(uri.UserInfo);
            merged["token"] = HostAsWritten(uri); // tokens are case-sensitive
            var devices = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (devices.Length > 0)
            {
                merged["device"] = string.Join(',', devices);
            }
            foreach (var (k, v) in QueryOf(uri))
            {
                if (Options.Contains(k))
                {
                    merged[k] = v;
                }
            }
            baseUrl = "https://api.pushover.net";
        }
        else if (uri.Scheme is "http" or "https")
        {
            baseUrl = ApiBase(uri, "/1/messages.json");
        }
        else
        {
            throw new ChannelConfigException("url", "Use pover://{user_key}@{app_token} or https://api.pushover.net with token and user settings.");
        }
        if (!merged.ContainsKey("token") || !merged.ContainsKey("user"))
        {
            throw new ChannelConfigException("settings.token", "Pushover needs the application token and the user (or group) key.");
        }
        if (merged.TryGetValue("priority", out var p))
        {
            // Stored as Pushover's number, whether given as one or by Apprise's name for it.
            merged["priority"] = Priority(p)?.ToString(CultureInfo.InvariantCulture)
                ?? throw new ChannelConfigException(settings.ContainsKey("priority") ? "settings.priority" : "url",
                    "Priority is -2 to 2, or low, moderate, normal, high, emergency.");
        }
        // Emergency priority's repeats: Pushover refuses a message asking more often than every 30 s or for over 3 hours.
        if (merged.TryGetValue("retry", out var r) && !(int.TryParse(r, out var retry) && retry >= 30))
        {
            throw new ChannelConfigException(settings.ContainsKey("retry") ? "settings.retry" : "url", "retry is whole seconds, at least 30.");
        }
        if (merged.TryGetValue("expire", out var e) && !(int.TryParse(e, out var expire) && expire is > 0 and <= 10800))
        {
            throw new ChannelConfigException(settings.ContainsKey("expire") ? "settings.expire" : "url", "expire is whole seconds, at most 10800 (3 hours).");
        }
        return new ChannelConfig(Type, baseUrl, merged);
    }

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var devices = config.Setting("device") is { } d ? "/" + string.Join('/', d.Split(',').Select(Escape)) : "";
        var query = string.Join('&', Options.Where(o => config.Setting(o) is not null).Select(o => o + "=" + Escape(config.Setting(o)!)));
        return $"pover://{Escape(config.Setting("user")!)}@{config.Setting("token")}{devices}" + (query.Length > 0 ? "?" + query : "");
    }

    public override string Mask(ChannelConfig config) => config.Url + " (user ••••••)";

    /// <summary>Pushover's priority (-2 to 2) from its number or from Apprise's name for it; null when it is neither.</summary>
    static int? Priority(string value) => value.Trim().ToLowerInvariant() switch
    {
        "low" => -2,
        "moderate" => -1,
        "normal" => 0,
        "high" => 1,
        "emergency" => 2,
        var n when int.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number is >= -2 and <= 2 => number,
        _ => null,
    };

    // The API base holds no secret (token and user key are settings).
    public override string MaskedTargetUrl(ChannelConfig config) => WithoutUserInfo(config.Url);

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var priority = config.Setting("priority") ?? (message.Severity == Severity.Critical ? "1" : "0");
        var form = new List<KeyValuePair<string, string>>
        {
            new("token", config.Setting("token")!),
            new("user", config.Setting("user")!),
            new("title", DiscordDriver.Truncate(message.Title, 250)),
            new("message", DiscordDriver.Truncate(message.Html.Length <= 1024 ? message.Html : message.Text, 1024)),
            new("html", message.Html.Length <= 1024 ? "1" : "0"),
            new("priority", priority),
            new("timestamp", new DateTimeOffset(message.OccurredAt, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        };
        if ((config.Setting("url") ?? message.Link) is { } link)
        {
            form.Add(new("url", DiscordDriver.Truncate(link, 512)));
            form.Add(new("url_title", DiscordDriver.Truncate(config.Setting("url_title") ?? "Open", 100)));
        }
        foreach (var key in new[] { "sound", "device" })
        {
            if (config.Setting(key) is { } value)
            {
                form.Add(new(key, value));
            }
        }
        if (priority == "2")
        {
            // Emergency priority needs retry (>= 30 s) and expire (<= 10800 s).
            form.Add(new("retry", config.Setting("retry") ?? "60"));
            form.Add(new("expire", config.Setting("expire") ?? "3600"));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url.TrimEnd('/') + "/1/messages.json") { Content = new FormUrlEncodedContent(form) };
        using var response = await http.Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
        }
        if (response.IsSuccessStatusCode && json?["status"]?.GetValue<int>() == 1)
        {
            return SendResult.Sent((int)response.StatusCode, text, json["request"]?.ToString());
        }
        var errors = json?["errors"] is JsonArray list ? string.Join("; ", list.Select(e => e?.ToString())) : $"HTTP {(int)response.StatusCode}";
        TimeSpan? wait = null;
        if ((int)response.StatusCode == 429 && response.Headers.TryGetValues("X-Limit-App-Reset", out var reset)
            && long.TryParse(reset.First(), out var epoch))
        {
            wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - clock.GetUtcNow();
        }
        else if ((int)response.StatusCode >= 500)
        {
            wait = TimeSpan.FromSeconds(5); // Pushover asks for at least 5 s before retrying server errors
        }
        return SendResult.FromStatus(response.StatusCode, text, wait ?? SendResult.ReadRetryAfter(response, clock.GetUtcNow()), "Pushover: " + errors);
    }
}
