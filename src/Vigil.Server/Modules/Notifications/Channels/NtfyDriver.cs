using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// ntfy: JSON published to the server's root URL (<c>{"topic","title","message","priority","tags","click"}</c>), which
/// carries UTF-8 titles that headers cannot. Apprise forms <c>ntfy://{topic}</c> (ntfy.sh), <c>ntfy[s]://[user:pass@]host[:port]/{topic}</c>
/// and <c>ntfys://{tk_token}@host/{topic}</c>; <c>?priority=</c>, <c>?tags=</c>, <c>?click=</c>, <c>?token=</c>.
/// </summary>
public sealed class NtfyDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public override ChannelType Type => ChannelType.Ntfy;

    public override IReadOnlyList<string> AppriseSchemes => ["ntfy", "ntfys"];

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { "token", "password" };

    public override RateLimit? RateLimit => new(1, TimeSpan.FromSeconds(1));

    public override bool RecognizesNativeUrl(Uri url) => url.Host == "ntfy.sh";

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        string baseUrl;
        string topic;
        var path = uri.AbsolutePath.Trim('/');
        if (uri.Scheme is "ntfy" or "ntfys")
        {
            if (path.Length == 0)
            {
                // ntfy://{topic}: the public server.
                baseUrl = "https://ntfy.sh";
                topic = HostAsWritten(uri); // topics are case-sensitive
            }
            else
            {
                var port = uri.IsDefaultPort || uri.Port <= 0 ? "" : ":" + uri.Port;
                baseUrl = (uri.Scheme == "ntfys" ? "https" : "http") + "://" + uri.Host + port;
                if (path.Contains('/', StringComparison.Ordinal))
                {
                    // Apprise would publish to each; a channel here is one destination, with its own health.
                    throw new ChannelConfigException("url", "One topic per channel: add a channel for each topic.");
                }
                topic = path;
            }
            if (uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                var user = Uri.UnescapeDataString(parts[0]);
                if (parts.Length == 1 && user.StartsWith("tk_", StringComparison.Ordinal))
                {
                    merged["token"] = user;
                }
                else
                {
                    merged["user"] = user;
                    if (parts.Length == 2)
                    {
                        merged["password"] = Uri.UnescapeDataString(parts[1]);
                    }
                }
            }
            foreach (var (k, v) in QueryOf(uri))
            {
                if (k is "priority" or "tags" or "click" or "token")
                {
                    merged[k] = v;
                }
            }
        }
        else if (uri.Scheme is "http" or "https")
        {
            if (path.Length == 0 && !merged.ContainsKey("topic"))
            {
                throw new ChannelConfigException("url", "Give the topic: https://ntfy.sh/{topic}.");
            }
            baseUrl = uri.GetLeftPart(UriPartial.Authority);
            topic = path.Length > 0 ? path.Split('/')[^1] : merged["topic"];
        }
        else
        {
            throw new ChannelConfigException("url", "Use https://ntfy.sh/{topic}, ntfy://{topic} or ntfys://host/{topic}.");
        }
        if (topic.Length == 0 || topic.Length > 64 || !topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ChannelConfigException("url", "An ntfy topic is 1-64 letters, digits, '-' or '_'.");
        }
        merged["topic"] = topic;
        if (merged.TryGetValue("priority", out var p) && Priority(p) is null)
        {
            throw new ChannelConfigException("settings.priority", "Priority is 1-5 or min, low, default, high, max, urgent.");
        }
        return new ChannelConfig(Type, baseUrl + "/" + topic, merged);
    }

    static int? Priority(string value) => value.ToLowerInvariant() switch
    {
        "1" or "min" => 1,
        "2" or "low" => 2,
        "3" or "default" => 3,
        "4" or "high" => 4,
        "5" or "max" or "urgent" => 5,
        _ => null,
    };

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        var scheme = uri.Scheme == "https" ? "ntfys" : "ntfy";
        var auth = "";
        var query = QuerySettings.Where(k => config.Setting(k) is not null).Select(k => k + "=" + Escape(config.Setting(k)!)).ToList();
        if (config.Setting("token") is { } token)
        {
            // Apprise reads a lone user part as a token only when it starts tk_; any other token goes in ?token=.
            if (token.StartsWith("tk_", StringComparison.Ordinal))
            {
                auth = Escape(token) + "@";
            }
            else
            {
                query.Add("token=" + Escape(token));
            }
        }
        else if (config.Setting("user") is { } user)
        {
            auth = Escape(user) + (config.Setting("password") is { } pw ? ":" + Escape(pw) : "") + "@";
        }
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port;
        return $"{scheme}://{auth}{uri.Host}{port}/{config.Setting("topic")}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    static readonly string[] QuerySettings = ["priority", "tags", "click"];

    // A topic is its own address; credentials live in settings, which are masked separately.
    public override string Mask(ChannelConfig config) => config.Url;

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var root = new Uri(config.Url).GetLeftPart(UriPartial.Authority) + "/";
        var body = new JsonObject
        {
            ["topic"] = config.Setting("topic"),
            ["title"] = message.Title,
            ["message"] = Truncate(message.Text, 4096),
            ["priority"] = config.Setting("priority") is { } p ? Priority(p) : message.Severity switch { Severity.Critical => 5, Severity.Warning => 4, _ => 3 },
            ["tags"] = new JsonArray([.. (config.Setting("tags") ?? Tag(message.Severity)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => JsonValue.Create(t))]),
        };
        if ((config.Setting("click") ?? message.Link) is { } click)
        {
            body["click"] = click;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, root) { Content = JsonContent.Create(body) };
        if (config.Setting("token") is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (config.Setting("user") is { } user)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + config.Setting("password"))));
        }
        using var response = await http.Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            return SendResult.Sent((int)response.StatusCode, text, ReadJson(text, "id"));
        }
        var error = ReadJson(text, "error") ?? $"HTTP {(int)response.StatusCode}";
        return SendResult.FromStatus(response.StatusCode, text, SendResult.ReadRetryAfter(response, clock.GetUtcNow()), "ntfy: " + error);
    }

    static string Tag(Severity severity) => severity switch { Severity.Critical => "rotating_light", Severity.Warning => "warning", _ => "information_source" };

    static string Truncate(string text, int bytes)
    {
        // ntfy turns messages over 4096 bytes into attachments; keep it a message.
        if (Encoding.UTF8.GetByteCount(text) <= bytes)
        {
            return text;
        }
        var cut = text;
        while (Encoding.UTF8.GetByteCount(cut) > bytes - 3)
        {
            cut = cut[..(cut.Length * 9 / 10)];
        }
        return cut + "…";
    }

}
