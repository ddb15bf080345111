using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Slack incoming webhooks: <c>POST https://hooks.slack.com/services/{A}/{B}/{C}</c> with <c>text</c> (the notification
/// fallback) and <c>blocks</c> in mrkdwn. Apprise form <c>slack://[botname@]{A}/{B}/{C}</c>. Errors are plain text;
/// <c>no_service</c>/<c>channel_is_archived</c> mean the webhook is gone.
/// </summary>
public sealed class SlackDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public const int SectionLimit = 3000;

    public override ChannelType Type => ChannelType.Slack;

    public override IReadOnlyList<string> AppriseSchemes => ["slack"];

    public override RateLimit? RateLimit => new(1, TimeSpan.FromSeconds(1));

    public override bool RecognizesNativeUrl(Uri url) => url.Host == "hooks.slack.com" && url.AbsolutePath.StartsWith("/services/", StringComparison.Ordinal);

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        if (uri.Scheme == "slack")
        {
            var tokens = new[] { uri.Host }.Concat(uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)).Where(t => !t.StartsWith('#')).ToArray();
            if (uri.Host.StartsWith("xox", StringComparison.OrdinalIgnoreCase))
            {
                throw new ChannelConfigException("url", "Slack bot tokens (xoxb-…) need Slack's Web API, which Vigil does not use; create an incoming webhook instead.");
            }
            if (tokens.Length != 3)
            {
                throw new ChannelConfigException("url", "Write it as slack://{TokenA}/{TokenB}/{TokenC}.");
            }
            if (uri.UserInfo.Length > 0)
            {
                merged["username"] = Uri.UnescapeDataString(uri.UserInfo);
            }
            return new ChannelConfig(Type, $"https://hooks.slack.com/services/{tokens[0].ToUpperInvariant()}/{tokens[1].ToUpperInvariant()}/{tokens[2]}", merged);
        }
        if (uri.Scheme is "http" or "https")
        {
            if (!uri.AbsolutePath.StartsWith("/services/", StringComparison.Ordinal) && !uri.AbsolutePath.Contains("/services/", StringComparison.Ordinal))
            {
                throw new ChannelConfigException("url", "A Slack webhook URL looks like https://hooks.slack.com/services/T…/B…/….");
            }
            return new ChannelConfig(Type, uri.GetLeftPart(UriPartial.Path), merged);
        }
        throw new ChannelConfigException("url", "Use https://hooks.slack.com/services/… or slack://….");
    }

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var parts = new Uri(config.Url).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = config.Setting("username") is { } u ? Escape(u) + "@" : "";
        return $"slack://{name}{string.Join('/', parts.Skip(parts.Length - 3))}";
    }

    public override string Mask(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        var path = uri.AbsolutePath.TrimEnd('/');
        // Everything but the secret last part, as entered (a proxy's path too).
        return path.Split('/', StringSplitOptions.RemoveEmptyEntries).Length >= 3 ? $"{uri.Scheme}://{uri.Authority}{path[..(path.LastIndexOf('/') + 1)]}••••••" : base.Mask(config);
    }

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = JsonContent.Create(BuildPayload(message)) };
        using var response = await http.Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            return SendResult.Sent((int)response.StatusCode, body);
        }
        var error = body.Trim();
        if (response.StatusCode is HttpStatusCode.Gone || error is "no_service" or "channel_is_archived" or "channel_not_found" or "invalid_token")
        {
            return new SendResult(DeliveryOutcome.Gone, (int)response.StatusCode, Error: "Slack: " + error, Response: SendResult.Excerpt(body));
        }
        return SendResult.FromStatus(response.StatusCode, body, SendResult.ReadRetryAfter(response, clock.GetUtcNow()), "Slack: " + (error.Length > 0 ? error : $"HTTP {(int)response.StatusCode}"));
    }

    public static JsonObject BuildPayload(OutgoingMessage message)
    {
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = DiscordDriver.Truncate(message.Title, 150) } },
        };
        var items = message.Items.Count > 0 ? message.Items : [new MessageItem(message.Title, message.Text, message.Fields, message.Link, message.OccurredAt)];
        foreach (var item in items.Take(45))
        {
            var text = new StringBuilder();
            // A grouped message or a digest (even of one event) names each event; its header is the whole message's.
            if (message.Items.Count > 0)
            {
                text.Append('*').Append(Mrkdwn(item.Title)).Append("*\n");
            }
            text.Append(Mrkdwn(item.Text));
            foreach (var field in item.Fields)
            {
                text.Append("\n*").Append(Mrkdwn(field.Name)).Append(":* ").Append(Mrkdwn(field.Value));
            }
            if (item.Link is { } link)
            {
                text.Append("\n<").Append(link).Append("|Open>");
            }
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = DiscordDriver.Truncate(text.ToString(), SectionLimit) } });
        }
        // The fallback is mrkdwn too: escaped like the blocks, so data cannot ping (<!channel>) or disguise a link. Cut
        // before escaping, so no escape is cut in half (at most 15 000 characters, well under Slack's 40 000).
        return new JsonObject { ["text"] = Mrkdwn(DiscordDriver.Truncate(message.Title + " — " + message.Text, 3000)), ["blocks"] = blocks };
    }

    /// <summary>Slack's three escapes; everything else is literal.</summary>
    public static string Mrkdwn(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
