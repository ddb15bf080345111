using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Microsoft Teams through a Workflows (Power Automate) webhook: an Adaptive Card in a <c>message</c> envelope; success is
/// 200 or 202. Apprise form <c>workflows://{host}[:{port}]/{workflow_id}/{signature}</c> (also <c>workflow://</c>), with
/// <c>?pa=yes</c> for the Power Automate path and <c>?ver=</c> for the api-version. The <c>sig</c> query is the secret.
/// </summary>
public sealed class TeamsDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    const string LogicAppsVersion = "2016-06-01";
    const string PowerAutomateVersion = "2022-03-01-preview";

    public override ChannelType Type => ChannelType.Teams;

    public override IReadOnlyList<string> AppriseSchemes => ["workflows", "workflow"];

    public override bool RecognizesNativeUrl(Uri url) =>
        url.AbsolutePath.Contains("/workflows/", StringComparison.Ordinal) && url.Query.Contains("sig=", StringComparison.Ordinal);

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        if (uri.Scheme is "workflows" or "workflow")
        {
            var parts = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new ChannelConfigException("url", "Write it as workflows://{host}/{workflow_id}/{signature}.");
            }
            var query = QueryOf(uri);
            var powerAutomate = query.TryGetValue("pa", out var pa) && pa is "yes" or "true" or "1";
            var version = query.GetValueOrDefault("ver") ?? (powerAutomate ? PowerAutomateVersion : LogicAppsVersion);
            var port = uri.IsDefaultPort || uri.Port is <= 0 or 443 ? "" : ":" + uri.Port;
            var prefix = powerAutomate ? "/powerautomate/automations/direct" : "";
            var target = $"https://{uri.Host}{port}{prefix}/workflows/{parts[0]}/triggers/manual/paths/invoke"
                + $"?api-version={Escape(version)}&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={Escape(Uri.UnescapeDataString(parts[1]))}";
            return new ChannelConfig(Type, target, merged);
        }
        if (uri.Scheme is "http" or "https" && RecognizesNativeUrl(uri))
        {
            return new ChannelConfig(Type, uri.ToString(), merged);
        }
        throw new ChannelConfigException("url", "Paste the workflow's \"HTTP POST URL\" (it has /workflows/ and a sig= query) or use workflows://….");
    }

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        var query = QueryOf(uri);
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var id = segments[Array.IndexOf(segments, "workflows") + 1];
        var powerAutomate = uri.AbsolutePath.StartsWith("/powerautomate/", StringComparison.Ordinal);
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port;
        var options = new List<string>();
        if (powerAutomate)
        {
            options.Add("pa=yes");
        }
        var version = query.GetValueOrDefault("api-version");
        if (version is not null && version != (powerAutomate ? PowerAutomateVersion : LogicAppsVersion))
        {
            options.Add("ver=" + Escape(version));
        }
        return $"workflows://{uri.Host}{port}/{id}/{Escape(query.GetValueOrDefault("sig") ?? "")}" + (options.Count > 0 ? "?" + string.Join('&', options) : "");
    }

    public override string Mask(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        // Only the signature is secret; the api-version and the rest are part of the address.
        var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.StartsWith("sig=", StringComparison.OrdinalIgnoreCase) ? "sig=••••••" : pair);
        return $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}?{string.Join('&', query)}";
    }

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = message.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true },
            new JsonObject { ["type"] = "TextBlock", ["text"] = message.Text, ["wrap"] = true },
        };
        if (message.Fields.Count > 0)
        {
            body.Add(new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray([.. message.Fields.Select(f => (JsonNode)new JsonObject { ["title"] = f.Name, ["value"] = f.Value })]),
            });
        }
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["msteams"] = new JsonObject { ["width"] = "full" },
            ["body"] = body,
        };
        if (message.Link is { } link)
        {
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open", ["url"] = link });
        }
        var payload = new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = JsonContent.Create(payload) };
        using var response = await http.Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode
            ? SendResult.Sent((int)response.StatusCode, text)
            : SendResult.FromStatus(response.StatusCode, text, SendResult.ReadRetryAfter(response, clock.GetUtcNow()), $"Teams workflow: HTTP {(int)response.StatusCode}");
    }
}
