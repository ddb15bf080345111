using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Gotify: <c>POST {base}/message</c> with the app token in <c>X-Gotify-Key</c>, Markdown via <c>extras</c>. Apprise forms
/// <c>gotify://host[:port][/path]/{app_token}</c> and <c>gotifys://…</c>; <c>?priority=low|moderate|normal|high|emergency|0-10</c>.
/// </summary>
public sealed class GotifyDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public override ChannelType Type => ChannelType.Gotify;

    public override IReadOnlyList<string> AppriseSchemes => ["gotify", "gotifys"];

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { "token" };

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        string baseUrl;
        if (uri.Scheme is "gotify" or "gotifys")
        {
            var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0)
            {
                throw new ChannelConfigException("url", "Write it as gotify://host[:port][/path]/{app_token}.");
            }
            merged["token"] = Uri.UnescapeDataString(segments[^1]);
            var port = uri.IsDefaultPort || uri.Port <= 0 ? "" : ":" + uri.Port;
            var prefix = string.Join("", segments[..^1].Select(s => "/" + s));
            baseUrl = (uri.Scheme == "gotifys" ? "https" : "http") + "://" + uri.Host + port + prefix;
            foreach (var (k, v) in QueryOf(uri))
            {
                if (k is "priority" or "format")
                {
                    merged[k] = v;
                }
            }
        }
        else if (uri.Scheme is "http" or "https")
        {
            baseUrl = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
            if (baseUrl.EndsWith("/message", StringComparison.Ordinal))
            {
                baseUrl = baseUrl[..^"/message".Length];
            }
            if (QueryOf(uri).TryGetValue("token", out var token))
            {
                merged["token"] = token;
            }
        }
        else
        {
            throw new ChannelConfigException("url", "Use https://gotify.example or gotify(s)://host/{app_token}.");
        }
        if (!merged.TryGetValue("token", out var t) || t.Length == 0)
        {
            throw new ChannelConfigException("settings.token", "Gotify needs the application token.");
        }
        if (merged.TryGetValue("priority", out var p) && Priority(p) is null)
        {
            throw new ChannelConfigException("settings.priority", "Priority is 0-10 or low, moderate, normal, high, emergency.");
        }
        return new ChannelConfig(Type, baseUrl, merged);
    }

    static int? Priority(string value) => value.ToLowerInvariant() switch
    {
        "low" => 1,
        "moderate" => 3,
        "normal" => 5,
        "high" => 8,
        "emergency" => 10,
        _ when int.TryParse(value, out var n) && n is >= 0 and <= 10 => n,
        _ => null,
    };

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port;
        var query = string.Join('&', new[] { ("priority", config.Setting("priority")), ("format", config.Setting("format")) }.Where(p => p.Item2 is not null).Select(p => p.Item1 + "=" + Escape(p.Item2!)));
        return $"{(uri.Scheme == "https" ? "gotifys" : "gotify")}://{uri.Host}{port}{uri.AbsolutePath.TrimEnd('/')}/{Escape(config.Setting("token")!)}" + (query.Length > 0 ? "?" + query : "");
    }

    // The base URL holds no secret (the token is a setting): written back, it is the channel with its settings.
    public override string MaskedTargetUrl(ChannelConfig config) => WithoutUserInfo(config.Url);

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["title"] = message.Title,
            ["message"] = message.Markdown,
            ["priority"] = config.Setting("priority") is { } p ? Priority(p) : message.Severity switch { Severity.Critical => 8, Severity.Warning => 5, _ => 3 },
            ["extras"] = new JsonObject
            {
                ["client::display"] = new JsonObject { ["contentType"] = "text/markdown" },
            },
        };
        if (message.Link is { } link)
        {
            body["extras"]!["client::notification"] = new JsonObject { ["click"] = new JsonObject { ["url"] = link } };
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url.TrimEnd('/') + "/message") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("X-Gotify-Key", config.Setting("token"));
        using var response = await http.Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            return SendResult.Sent((int)response.StatusCode, text, ReadJson(text, "id"));
        }
        return SendResult.FromStatus(response.StatusCode, text, SendResult.ReadRetryAfter(response, clock.GetUtcNow()),
            "Gotify: " + (ReadJson(text, "errorDescription") ?? ReadJson(text, "error") ?? $"HTTP {(int)response.StatusCode}"));
    }

}
