using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Generic JSON webhooks. Native (<c>type: webhook</c> with an https URL): Vigil's event envelope signed after Standard
/// Webhooks (<c>webhook-id</c> = the idempotency key, <c>webhook-timestamp</c>, <c>webhook-signature: v1,…</c> with the
/// <c>whsec_</c> secret). Apprise <c>json://</c>/<c>jsons://</c>: Apprise's body, so existing receivers keep working,
/// with <c>+Header=value</c>, <c>-param=value</c>, <c>:key=new</c> and <c>?method=</c>. Either form's
/// <c>user:pass@</c> is sent as Basic auth and kept as the <c>user</c> and <c>password</c> settings, not in the URL.
/// </summary>
public sealed class WebhookDriver(NotifyHttp http, TimeProvider clock) : ChannelDriver
{
    public const string SecretSetting = "secret";

    public override ChannelType Type => ChannelType.Webhook;

    public override IReadOnlyList<string> AppriseSchemes => ["json", "jsons"];

    /// <summary>
    /// None by default: a receiver of our own envelope publishes no limit (as with Standard Webhooks senders, the
    /// channel's <c>rate_limit</c> setting paces it when it needs that, and its 429 Retry-After is honoured).
    /// </summary>
    public override RateLimit? RateLimit => null;

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { SecretSetting, "password" };

    /// <summary>Custom header values (<c>+Authorization=…</c>) are secrets too: they are where receivers take their tokens.</summary>
    public override bool IsSecret(string setting) => base.IsSecret(setting) || setting.StartsWith(HeaderPrefix, StringComparison.Ordinal);

    /// <summary>How a custom header's setting is named: <c>header:{name}</c>.</summary>
    public const string HeaderPrefix = "header:";

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        if (uri.Scheme is "json" or "jsons")
        {
            if (uri.Host.Length == 0)
            {
                throw new ChannelConfigException("url", "Name the receiver: json://host[:port]/path (or jsons:// for https).");
            }
            merged["format"] = "apprise";
            var query = new List<string>();
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(kv[0]);
                var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
                switch (key[0])
                {
                    case '+':
                        merged[HeaderPrefix + key[1..]] = value;
                        break;
                    case '-':
                        query.Add(Escape(key[1..]) + "=" + Escape(value));
                        break;
                    case ':':
                        merged["rename:" + key[1..]] = value;
                        break;
                    default:
                        if (key.Equals("method", StringComparison.OrdinalIgnoreCase))
                        {
                            merged["method"] = value.ToUpperInvariant();
                        }
                        break;
                }
            }
            ReadCredentials(uri, merged);
            if (merged.TryGetValue("method", out var appriseMethod) && appriseMethod is not ("POST" or "PUT" or "PATCH"))
            {
                throw new ChannelConfigException("url", "The method is POST, PUT or PATCH.");
            }
            var scheme = uri.Scheme == "jsons" ? "https" : "http";
            var port = uri.IsDefaultPort || uri.Port <= 0 ? "" : ":" + uri.Port;
            var target = $"{scheme}://{uri.Host}{port}{uri.AbsolutePath}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
            return new ChannelConfig(Type, target, merged);
        }
        if (uri.Scheme is not ("http" or "https"))
        {
            throw new ChannelConfigException("url", "A webhook URL is http(s)://… (or json:// / jsons:// in Apprise form).");
        }
        if (merged.TryGetValue("method", out var method) && method is not ("POST" or "PUT" or "PATCH"))
        {
            throw new ChannelConfigException("settings.method", "The method is POST, PUT or PATCH.");
        }
        if (merged.TryGetValue(SecretSetting, out var secret) && secret.Length > 0 && !IsValidSecret(secret))
        {
            throw new ChannelConfigException("settings.secret", "The signing secret is whsec_ followed by base64 of 24 to 64 bytes.");
        }
        if (uri.UserInfo.Length == 0)
        {
            return new ChannelConfig(Type, uri.ToString(), merged);
        }
        // http://user:pass@host/… means Basic auth, as json:// does. The credentials become settings (the password a
        // masked secret) so the stored target, the requests' URL and their logs never carry them.
        ReadCredentials(uri, merged);
        return new ChannelConfig(Type, WithoutUserInfo(uri.ToString()), merged);
    }

    /// <summary>The URL's user info as the <c>user</c> and <c>password</c> settings, percent-decoded.</summary>
    static void ReadCredentials(Uri uri, Dictionary<string, string> settings)
    {
        if (uri.UserInfo.Length == 0)
        {
            return;
        }
        var parts = uri.UserInfo.Split(':', 2);
        settings["user"] = Uri.UnescapeDataString(parts[0]);
        if (parts.Length == 2)
        {
            settings["password"] = Uri.UnescapeDataString(parts[1]);
        }
    }

    /// <summary>A fresh signing secret for a new native webhook channel.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    static bool IsValidSecret(string secret)
    {
        if (!secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return false;
        }
        try
        {
            return Convert.FromBase64String(secret[6..]).Length is >= 24 and <= 64;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        if (config.Setting("format") != "apprise")
        {
            // json:// means Apprise's unsigned body: a native channel's signed envelope has no Apprise form.
            return null;
        }
        var uri = new Uri(config.Url);
        var scheme = uri.Scheme == "https" ? "jsons" : "json";
        var user = config.Setting("user") is { } u ? Escape(u) + (config.Setting("password") is { } p ? ":" + Escape(p) : "") + "@" : "";
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port;
        var query = new List<string>();
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Add("-" + pair);
        }
        foreach (var (k, v) in config.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (k.StartsWith(HeaderPrefix, StringComparison.Ordinal))
            {
                query.Add("+" + Escape(k[7..]) + "=" + Escape(v));
            }
            else if (k.StartsWith("rename:", StringComparison.Ordinal))
            {
                query.Add(":" + Escape(k[7..]) + "=" + Escape(v));
            }
            else if (k == "method")
            {
                query.Add("method=" + Escape(v));
            }
        }
        return $"{scheme}://{user}{uri.Host}{port}{uri.AbsolutePath}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var apprise = config.Setting("format") == "apprise";
        var body = apprise ? JsonSerializer.SerializeToUtf8Bytes(AppriseBody(config, message)) : Envelope(message);
        var method = new HttpMethod(config.Setting("method") ?? "POST");
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json", "utf-8");
        var target = new Uri(config.Url);
        // Channels saved before credentials in a native URL became settings still hold them in the URL.
        var (user, password) = config.Setting("user") is { } named ? (named, config.Setting("password")) : Credentials(target);
        using var request = new HttpRequestMessage(method, target.UserInfo.Length > 0 ? new Uri(WithoutUserInfo(config.Url)) : target) { Content = content };
        request.Headers.TryAddWithoutValidation("webhook-id", message.IdempotencyKey);
        if (!apprise)
        {
            var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            if (config.Setting(SecretSetting) is { } secret)
            {
                request.Headers.TryAddWithoutValidation("webhook-signature", Sign(secret, message.IdempotencyKey, timestamp, body));
            }
        }
        foreach (var (k, v) in config.Settings.Where(kv => kv.Key.StartsWith(HeaderPrefix, StringComparison.Ordinal)))
        {
            request.Headers.TryAddWithoutValidation(k[7..], v);
        }
        if (user is not null)
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (password ?? "")));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
        using var response = await http.Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return SendResult.Sent(status, text);
        }
        if (status is >= 300 and < 400)
        {
            // Standard Webhooks: a redirect is a failure; we never follow it with the signed body.
            return SendResult.Permanent($"The receiver redirected (HTTP {status}); update the URL.", status, text);
        }
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            return new SendResult(DeliveryOutcome.Gone, status, Error: "The receiver answered 410 Gone.", Response: SendResult.Excerpt(text));
        }
        return SendResult.FromStatus(response.StatusCode, text, SendResult.ReadRetryAfter(response, clock.GetUtcNow()));
    }

    static (string? User, string? Password) Credentials(Uri uri)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        ReadCredentials(uri, settings);
        return settings.TryGetValue("user", out var user) && user.Length > 0 ? (user, settings.GetValueOrDefault("password")) : (null, null);
    }

    /// <summary><c>v1,</c> + base64(HMAC-SHA256(decoded secret, "{id}.{timestamp}.{body}")).</summary>
    public static string Sign(string secret, string id, long timestamp, string body) => Sign(secret, id, timestamp, Encoding.UTF8.GetBytes(body));

    /// <inheritdoc cref="Sign(string, string, long, string)"/>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}."));
        var signed = ArrayPool<byte>.Shared.Rent(prefix.Length + body.Length);
        try
        {
            prefix.CopyTo(signed, 0);
            body.CopyTo(signed.AsSpan(prefix.Length));
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(key, signed.AsSpan(0, prefix.Length + body.Length), hash);
            return "v1," + Convert.ToBase64String(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signed);
        }
    }

    /// <summary>
    /// Vigil's envelope as UTF-8 JSON: <c>{type, timestamp, data: {title, message, severity, url, fields, items}}</c>.
    /// A field name given twice appears once, where it first came, with its last value.
    /// </summary>
    public static byte[] Envelope(OutgoingMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", message.Kind);
            json.WriteString("timestamp", Rfc3339(message.OccurredAt));
            json.WriteStartObject("data");
            json.WriteString("title", message.Title);
            json.WriteString("message", message.Text);
            json.WriteString("severity", SeverityName(message.Severity));
            json.WriteString("url", message.Link);
            WriteFields(json, message.Fields);
            json.WriteStartArray("items");
            foreach (var item in message.Items)
            {
                json.WriteStartObject();
                json.WriteString("title", item.Title);
                json.WriteString("message", item.Text);
                json.WriteString("url", item.Link);
                WriteFields(json, item.Fields);
                json.WriteString("timestamp", Rfc3339(item.OccurredAt));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    static void WriteFields(Utf8JsonWriter json, IReadOnlyList<MessageField> fields)
    {
        json.WriteStartObject("fields");
        for (var i = 0; i < fields.Count; i++)
        {
            var name = fields[i].Name;
            if (!FirstOf(fields, i))
            {
                continue;
            }
            var value = fields[i].Value;
            for (var j = i + 1; j < fields.Count; j++)
            {
                if (fields[j].Name == name)
                {
                    value = fields[j].Value;
                }
            }
            json.WriteString(name, value);
        }
        json.WriteEndObject();
    }

    static bool FirstOf(IReadOnlyList<MessageField> fields, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (fields[i].Name == fields[index].Name)
            {
                return false;
            }
        }
        return true;
    }

    static string SeverityName(Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Warning => "warning",
        Severity.Critical => "critical",
        _ => severity.ToString().ToLowerInvariant(),
    };

    static JsonObject AppriseBody(ChannelConfig config, OutgoingMessage message)
    {
        var body = new JsonObject
        {
            ["version"] = "1.0",
            ["title"] = message.Title,
            ["message"] = message.Text,
            ["attachments"] = new JsonArray(),
            ["type"] = message.Severity switch { Severity.Critical => "failure", Severity.Warning => "warning", _ => "info" },
        };
        foreach (var (k, v) in config.Settings.Where(kv => kv.Key.StartsWith("rename:", StringComparison.Ordinal)))
        {
            var from = k[7..];
            if (body[from] is { } node)
            {
                body.Remove(from);
                if (v.Length > 0)
                {
                    body[v] = node;
                }
            }
        }
        return body;
    }

    static string Rfc3339(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
