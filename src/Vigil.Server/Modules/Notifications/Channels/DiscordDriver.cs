using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Discord webhooks: <c>POST https://discord.com/api/webhooks/{id}/{token}?wait=true</c> with embeds. Apprise form
/// <c>discord://[botname@]{id}/{token}</c>. Honours the 2000/6000-character limits by truncating, 429's
/// <c>retry_after</c> (float seconds, in the body), and an answer saying the webhook's bucket is empty
/// (<c>X-RateLimit-Remaining: 0</c>): the next send waits until it resets.
/// </summary>
public sealed partial class DiscordDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public const int ContentLimit = 2000;
    public const int TotalEmbedLimit = 6000;

    public override ChannelType Type => ChannelType.Discord;

    public override IReadOnlyList<string> AppriseSchemes => ["discord"];

    // A Discord engineer's description of webhook limits: 5 requests per 2 s per webhook.
    public override RateLimit? RateLimit => new(5, TimeSpan.FromSeconds(2));

    public override bool RecognizesNativeUrl(Uri url) => NativePath().IsMatch(url.AbsolutePath) && IsDiscordHost(url.Host);

    static bool IsDiscordHost(string host) => host is "discord.com" or "discordapp.com" or "ptb.discord.com" or "canary.discord.com";

    [GeneratedRegex(@"^/api(/v\d+)?/webhooks/(\d+)/([\w-]+)/?$")]
    private static partial Regex NativePath();

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        if (uri.Scheme == "discord")
        {
            var parts = uri.AbsolutePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            // discord://{id}/{token}: the id is the "host"; discord://{botname}@{id}/{token} puts a name in user info.
            if (parts.Length != 1 || uri.Host.Length == 0 || !uri.Host.All(char.IsAsciiDigit))
            {
                throw new ChannelConfigException("url", "Write it as discord://{webhook_id}/{webhook_token}.");
            }
            if (uri.UserInfo.Length > 0)
            {
                merged["username"] = Uri.UnescapeDataString(uri.UserInfo);
            }
            foreach (var (k, v) in QueryOf(uri))
            {
                merged[k switch { "thread" => "thread_id", _ => k }] = v;
            }
            return new ChannelConfig(Type, $"https://discord.com/api/webhooks/{uri.Host}/{parts[0]}", merged);
        }
        if (uri.Scheme is "http" or "https")
        {
            // Any host: proxies and self-hosted gateways speak the same API; the path must be a webhook path.
            if (!NativePath().IsMatch(uri.AbsolutePath))
            {
                throw new ChannelConfigException("url", "A Discord webhook URL looks like https://discord.com/api/webhooks/{id}/{token}.");
            }
            foreach (var (k, v) in QueryOf(uri))
            {
                if (k == "thread_id")
                {
                    merged["thread_id"] = v;
                }
            }
            return new ChannelConfig(Type, uri.GetLeftPart(UriPartial.Path), merged);
        }
        throw new ChannelConfigException("url", "Use https://discord.com/api/webhooks/… or discord://….");
    }

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var m = NativePath().Match(new Uri(config.Url).AbsolutePath);
        var name = config.Setting("username") is { } u ? Escape(u) + "@" : "";
        var query = new List<string>();
        if (config.Setting("thread_id") is { } thread)
        {
            query.Add("thread=" + Escape(thread));
        }
        if (config.Setting("avatar_url") is { } avatar)
        {
            query.Add("avatar_url=" + Escape(avatar));
        }
        // Apprise's own options, kept as written so the URL reads back as the same channel.
        foreach (var option in (string[])["tts", "format", "overflow"])
        {
            if (config.Setting(option) is { } value)
            {
                query.Add(option + "=" + Escape(value));
            }
        }
        return $"discord://{name}{m.Groups[2].Value}/{m.Groups[3].Value}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    /// <summary>Apprise's way of saying yes: yes, true, 1 or on, in any case.</summary>
    static bool IsYes(string value) => value.Trim().ToLowerInvariant() is "yes" or "true" or "1" or "on" or "y";

    public override string Mask(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        var m = NativePath().Match(uri.AbsolutePath);
        // Everything but the token, as entered (a proxy's host, /api/v10/), so the masked URL is the channel once the
        // token is filled in.
        return m.Success ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath[..m.Groups[3].Index]}••••••" : base.Mask(config);
    }

    public override string DestinationKey(ChannelConfig config) => config.Url;

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var target = config.Url + "?wait=true" + (config.Setting("thread_id") is { } thread ? "&thread_id=" + Escape(thread) : "");
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = JsonContent.Create(BuildPayload(config, message)) };
        using var response = await http.Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return Answer(response, body) with { Pause = EmptyBucketWait(response, clock.GetUtcNow()) };
    }

    SendResult Answer(HttpResponseMessage response, string body)
    {
        if (response.IsSuccessStatusCode)
        {
            return SendResult.Sent((int)response.StatusCode, body, ReadJson(body, "id"));
        }
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            // The body's retry_after (float seconds) is more precise than the header.
            var wait = ReadJson(body, "retry_after") is { } s && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : SendResult.ReadRetryAfter(response, clock.GetUtcNow());
            return SendResult.FromStatus(response.StatusCode, body, wait, "Discord rate limit");
        }
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized && ReadJson(body, "code") is "10015" or "50027")
        {
            return new SendResult(DeliveryOutcome.Gone, (int)response.StatusCode, Error: "The webhook no longer exists (Discord " + ReadJson(body, "code") + ")", Response: SendResult.Excerpt(body));
        }
        return SendResult.FromStatus(response.StatusCode, body, SendResult.ReadRetryAfter(response, clock.GetUtcNow()), "Discord: " + (ReadJson(body, "message") ?? $"HTTP {(int)response.StatusCode}"));
    }

    /// <summary>The longest wait a bucket's reset is taken for: Discord's reset in seconds; a wild header silences no webhook for long.</summary>
    public static readonly TimeSpan MaxBucketWait = TimeSpan.FromHours(1);

    /// <summary>
    /// How long until the webhook's bucket resets when the answer says it is empty (<c>X-RateLimit-Remaining: 0</c>):
    /// <c>X-RateLimit-Reset-After</c> (fractional seconds), else <c>X-RateLimit-Reset</c> (epoch seconds); null while
    /// requests remain.
    /// </summary>
    public static TimeSpan? EmptyBucketWait(HttpResponseMessage response, DateTimeOffset now)
    {
        if (Header(response, "X-RateLimit-Remaining") != "0")
        {
            return null;
        }
        double seconds;
        if (double.TryParse(Header(response, "X-RateLimit-Reset-After"), NumberStyles.Float, CultureInfo.InvariantCulture, out var after))
        {
            seconds = after;
        }
        else if (double.TryParse(Header(response, "X-RateLimit-Reset"), NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch))
        {
            seconds = epoch - now.ToUnixTimeMilliseconds() / 1000.0;
        }
        else
        {
            return null;
        }
        return !double.IsFinite(seconds) || seconds <= 0 ? null
            : seconds >= MaxBucketWait.TotalSeconds ? MaxBucketWait
            : TimeSpan.FromSeconds(seconds);
    }

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    /// <summary>
    /// The JSON body within Discord's limits: one embed per event for up to 10 events; more than that become one embed
    /// listing them all (one message listing 20 datacenters, not 20 messages).
    /// </summary>
    public static JsonObject BuildPayload(ChannelConfig config, OutgoingMessage message)
    {
        var budget = TotalEmbedLimit;
        var embeds = new JsonArray();
        var items = message.Items.Count > 0 ? message.Items : [new MessageItem(message.Title, message.Text, message.Fields, message.Link, message.OccurredAt)];
        if (items.Count > 10)
        {
            var lines = string.Join("\n", items.Select(i => "• " + i.Title + (i.Text.Length > 0 ? " — " + i.Text : "")));
            embeds.Add(Embed(ref budget, message.Title, lines, [], message.Link, message.OccurredAt, message.Severity));
        }
        else
        {
            foreach (var item in items)
            {
                embeds.Add(Embed(ref budget, item.Title, item.Text, item.Fields, item.Link, item.OccurredAt, message.Severity));
                if (budget <= 0)
                {
                    break;
                }
            }
        }
        var payload = new JsonObject
        {
            ["username"] = config.Setting("username") ?? "Vigil",
            ["content"] = Truncate(message.Title, ContentLimit),
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
            ["embeds"] = embeds,
        };
        if (config.Setting("avatar_url") is { } avatar)
        {
            payload["avatar_url"] = avatar;
        }
        if (config.Setting("tts") is { } tts && IsYes(tts))
        {
            payload["tts"] = true;
        }
        return payload;
    }

    static JsonObject Embed(ref int budget, string titleText, string text, IReadOnlyList<MessageField> fields, string? link, DateTime at, Severity severity)
    {
        var embed = new JsonObject
        {
            ["title"] = Take(ref budget, titleText, 256),
            ["description"] = Take(ref budget, text, 4096),
            ["color"] = Color(severity),
            ["timestamp"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (link is not null && Uri.TryCreate(link, UriKind.Absolute, out _))
        {
            embed["url"] = link;
        }
        var fieldArray = new JsonArray();
        foreach (var field in fields.Take(25))
        {
            var name = Take(ref budget, field.Name, 256);
            var value = Take(ref budget, field.Value, 1024);
            if (name.Length == 0 || value.Length == 0)
            {
                break;
            }
            fieldArray.Add(new JsonObject { ["name"] = name, ["value"] = value, ["inline"] = field.Inline });
        }
        if (fieldArray.Count > 0)
        {
            embed["fields"] = fieldArray;
        }
        var footer = Take(ref budget, "Vigil", 2048);
        if (footer.Length > 0)
        {
            embed["footer"] = new JsonObject { ["text"] = footer };
        }
        return embed;
    }

    static int Color(Severity severity) => severity switch
    {
        Severity.Critical => 0xE74C3C,
        Severity.Warning => 0xF39C12,
        _ => 0x2ECC71,
    };

    /// <summary>Truncates to the field limit and to what is left of the 6000-character budget.</summary>
    static string Take(ref int budget, string text, int limit)
    {
        var cut = Truncate(text, Math.Min(limit, Math.Max(budget, 0)));
        budget -= cut.Length;
        return cut;
    }

    public static string Truncate(string text, int limit) =>
        text.Length <= limit ? text : limit <= 1 ? text[..Math.Max(limit, 0)] : text[..(limit - 1)] + "…";

}
