using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Telegram Bot API <c>sendMessage</c> to one or more chats, in HTML parse mode (<c>?format=markdown</c>: Telegram
/// Markdown; <c>?format=text</c>: no markup). Url: the bot's API base
/// (<c>https://api.telegram.org/bot{token}</c>) with setting <c>chat_id</c> (comma-separated for several); Apprise form
/// <c>tgram://{bot_token}/{chat_id}[/{chat_id}…]</c> with <c>?silent=yes</c>, <c>?preview=yes</c>, <c>?topic=</c>/<c>?thread=</c>.
/// A chat may name its own forum topic as Apprise writes it, <c>{chat_id}:{topic}</c>, which wins over <c>?topic=</c>.
/// Honours 429 <c>parameters.retry_after</c>, resends as plain text when the HTML cannot be parsed, and follows a
/// group's migration to a supergroup once.
/// </summary>
public sealed partial class TelegramDriver(NotifyHttp http) : ChannelDriver
{
    public const int TextLimit = 4096;

    public override ChannelType Type => ChannelType.Telegram;

    public override IReadOnlyList<string> AppriseSchemes => ["tgram"];

    public override RateLimit? RateLimit => new(1, TimeSpan.FromSeconds(1));

    public override bool RecognizesNativeUrl(Uri url) => url.Host == "api.telegram.org";

    [GeneratedRegex(@"^tgram://(?:bot)?(\d+):([\w-]+)/?([^?]*)(?:\?(.*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex AppriseForm();

    [GeneratedRegex(@"/bot(\d+:[\w-]+)/?")]
    private static partial Regex TokenInPath();

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        string baseUrl;
        if (url.StartsWith("tgram://", StringComparison.OrdinalIgnoreCase))
        {
            var m = AppriseForm().Match(url);
            if (!m.Success)
            {
                throw new ChannelConfigException("url", "Write it as tgram://{bot_token}/{chat_id}.");
            }
            baseUrl = $"https://api.telegram.org/bot{m.Groups[1].Value}:{m.Groups[2].Value}";
            var chats = m.Groups[3].Value.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
            if (chats.Count > 0)
            {
                merged["chat_id"] = string.Join(',', chats);
            }
            foreach (var pair in m.Groups[4].Value.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = kv[0].ToLowerInvariant();
                var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
                switch (key)
                {
                    case "silent" or "preview" or "format":
                        merged[key] = value;
                        break;
                    case "topic" or "thread":
                        merged["thread_id"] = value;
                        break;
                }
            }
        }
        else if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && TokenInPath().Match(uri.AbsolutePath) is { Success: true } token)
        {
            baseUrl = uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath[..(token.Index + token.Length)].TrimEnd('/');
        }
        else
        {
            throw new ChannelConfigException("url", "Use https://api.telegram.org/bot{token} with a chat_id setting, or tgram://{token}/{chat_id}.");
        }
        if (merged.TryGetValue("format", out var format) && format is not ("text" or "markdown" or "html"))
        {
            throw new ChannelConfigException(settings.ContainsKey("format") ? "settings.format" : "url", "format is text, markdown or html.");
        }
        if (!merged.TryGetValue("chat_id", out var ids) || ids.Split(',', StringSplitOptions.RemoveEmptyEntries).Length == 0)
        {
            throw new ChannelConfigException("settings.chat_id", "Name the chat: a numeric id (groups are negative) or @channelname.");
        }
        if (ids.Split(',').Select(i => i.Trim()).FirstOrDefault(i => !IsChat(i)) is { } bad)
        {
            throw new ChannelConfigException("settings.chat_id", $"'{bad}' is neither a numeric chat id nor @channelname (either may end in :topic, a forum topic's number).");
        }
        return new ChannelConfig(Type, baseUrl, merged);
    }

    /// <summary>A numeric chat id or @channelname, optionally with <c>:{topic}</c>, a forum topic's (positive) number.</summary>
    static bool IsChat(string entry)
    {
        var (chat, topic) = Split(entry);
        return (long.TryParse(chat, out _) || (chat.StartsWith('@') && chat.Length > 1)) && (topic is null || topic > 0);
    }

    /// <summary>A chat entry's chat and its own topic, if it names one (<c>-100123:7</c>); an unreadable topic is 0.</summary>
    static (string Chat, int? Topic) Split(string entry) =>
        entry.LastIndexOf(':') is var colon and > 0
            ? (entry[..colon], int.TryParse(entry[(colon + 1)..], out var topic) ? topic : 0)
            : (entry, null);

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var token = TokenInPath().Match(new Uri(config.Url).AbsolutePath).Groups[1].Value;
        var chats = string.Join('/', (config.Setting("chat_id") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Escape));
        var query = new List<string>();
        foreach (var key in new[] { "silent", "preview", "format" })
        {
            if (config.Setting(key) is { } v)
            {
                query.Add(key + "=" + Escape(v));
            }
        }
        if (config.Setting("thread_id") is { } thread)
        {
            query.Add("thread=" + Escape(thread));
        }
        return $"tgram://{token}/{chats}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    public override string Mask(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        // A self-hosted Bot API server may sit under a path of its own: keep it, so filling in the token gives the channel.
        var token = TokenInPath().Match(uri.AbsolutePath);
        return $"{uri.Scheme}://{uri.Authority}{(token.Success ? uri.AbsolutePath[..token.Index] : "")}/bot••••••";
    }

    public override string DestinationKey(ChannelConfig config) => config.Url + "#" + config.Setting("chat_id");

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var html = "<b>" + Html(message.Title) + "</b>\n" + Html(message.Text)
            + string.Concat(message.Fields.Select(f => "\n<b>" + Html(f.Name) + ":</b> " + Html(f.Value)))
            + (message.Link is { } link ? "\n<a href=\"" + Html(link) + "\">Open</a>" : "");
        var format = config.Setting("format");
        // format=text: no markup at all; markdown: the message text is taken as Telegram Markdown (a template may
        // write *bold* or [links](…)), with the title, field values and link escaped; html (the default): all escaped.
        var (text, parseMode) = format switch
        {
            "text" => (message.Title + "\n" + message.Text, null),
            "markdown" => (Markdown(message), "Markdown"),
            _ => (html, "HTML"),
        };
        SendResult last = SendResult.Sent(200);
        var chats = (config.Setting("chat_id") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var moved = false;
        var accepted = new List<string>();
        for (var i = 0; i < chats.Length; i++)
        {
            if (message.AlreadyDelivered.Contains(chats[i]))
            {
                // An earlier attempt reached this chat: a retry goes only to the others.
                continue;
            }
            last = await SendToChatAsync(config, chats[i], DiscordDriver.Truncate(text, TextLimit), parseMode, ct);
            if (last.SettingsChanged?.GetValueOrDefault(ChatMovedTo) is { } newChat)
            {
                // The group became a supergroup: the channel keeps its new id from now on.
                chats[i] = newChat;
                moved = true;
                last = last with { SettingsChanged = null };
            }
            if (last.Outcome == DeliveryOutcome.Failed && last.Error?.Contains("can't parse entities", StringComparison.Ordinal) == true)
            {
                var plain = message.Title + "\n" + message.Text;
                last = await SendToChatAsync(config, chats[i], DiscordDriver.Truncate(plain, TextLimit), null, ct);
            }
            if (last.Outcome != DeliveryOutcome.Sent)
            {
                last = last with { Delivered = accepted };
                break;
            }
            accepted.Add(chats[i]);
        }
        return moved ? last with { SettingsChanged = new Dictionary<string, string> { ["chat_id"] = string.Join(',', chats) } } : last;
    }

    /// <summary>What a send to one chat says when Telegram moved that chat (a key of no stored setting).</summary>
    const string ChatMovedTo = "moved_to";

    /// <summary>
    /// Telegram's (legacy) Markdown, as Apprise sends it: the title in bold, the text as written, fields and link
    /// escaped. Nothing can be escaped inside an entity, so a title or field name holding markup characters goes
    /// escaped and not bold.
    /// </summary>
    static string Markdown(OutgoingMessage message) =>
        Bold(message.Title) + "\n" + message.Text
        + string.Concat(message.Fields.Select(f => "\n" + Bold(f.Name + ":") + " " + MarkdownEscape(f.Value)))
        + (message.Link is { } link ? "\n[Open](" + link.Replace(")", "%29", StringComparison.Ordinal) + ")" : "");

    static readonly System.Buffers.SearchValues<char> MarkdownMarks = System.Buffers.SearchValues.Create("_*`[");

    static string Bold(string text) => text.AsSpan().ContainsAny(MarkdownMarks) ? MarkdownEscape(text) : "*" + text + "*";

    /// <summary>Outside an entity, Telegram's Markdown reads <c>_ * ` [</c> as markup unless a backslash precedes them.</summary>
    static string MarkdownEscape(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (MarkdownMarks.Contains(c))
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>
    /// Text for Telegram's HTML mode: only what its parser reads as markup is escaped (<c>&amp; &lt; &gt; &quot;</c>).
    /// Everything else goes as itself, so accented or non-Latin text does not spend the 4,096-character limit on
    /// numeric entities as a general-purpose HTML encoder's would.
    /// </summary>
    static string Html(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    async Task<SendResult> SendToChatAsync(ChannelConfig config, string entry, string text, string? parseMode, CancellationToken ct, bool migrated = false)
    {
        var (chat, topic) = Split(entry);
        var body = new JsonObject
        {
            ["chat_id"] = long.TryParse(chat, out var numeric) ? JsonValue.Create(numeric) : JsonValue.Create(chat),
            ["text"] = text,
            ["disable_notification"] = config.Setting("silent") is "yes" or "true",
            ["link_preview_options"] = new JsonObject { ["is_disabled"] = config.Setting("preview") is not ("yes" or "true") },
        };
        if (parseMode is not null)
        {
            body["parse_mode"] = parseMode;
        }
        // The chat's own topic, else the channel's.
        topic ??= int.TryParse(config.Setting("thread_id"), out var threadId) ? threadId : null;
        if (topic is { } thread)
        {
            body["message_thread_id"] = thread;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url.TrimEnd('/') + "/sendMessage") { Content = JsonContent.Create(body) };
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
        if (response.IsSuccessStatusCode && json?["ok"]?.GetValue<bool>() == true)
        {
            return SendResult.Sent((int)response.StatusCode, answer, json["result"]?["message_id"]?.ToString());
        }
        var description = json?["description"]?.ToString() ?? $"HTTP {(int)response.StatusCode}";
        if (json?["parameters"]?["migrate_to_chat_id"] is { } newChat && !migrated)
        {
            // The group became a supergroup: deliver there, and say so, so the owner updates the channel.
            var result = await SendToChatAsync(config, newChat.ToString(), text, parseMode, ct, migrated: true);
            return result with
            {
                Error = $"Chat {chat} moved to {newChat}; the channel now sends there.",
                SettingsChanged = new Dictionary<string, string> { [ChatMovedTo] = newChat.ToString() },
            };
        }
        var retryAfter = json?["parameters"]?["retry_after"] is { } seconds ? TimeSpan.FromSeconds(seconds.GetValue<double>()) : (TimeSpan?)null;
        return SendResult.FromStatus(response.StatusCode, answer, retryAfter, "Telegram: " + description);
    }
}
