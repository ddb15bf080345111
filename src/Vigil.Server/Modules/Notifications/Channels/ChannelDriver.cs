using System.Net;
using Vigil.Server.Platform.Secrets;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>The kinds of channel Vigil delivers to. JSON names: <c>discord</c>, <c>slack</c>, …, <c>sms_twilio</c>, <c>sms_solapi</c>.</summary>
public enum ChannelType
{
    Discord,
    Slack,
    Teams,
    Telegram,
    Ntfy,
    Gotify,
    Pushover,
    Webhook,
    Email,
    SmsTwilio,
    SmsSolapi,
}

/// <summary>
/// A channel's decrypted configuration: the target URL the driver talks to (a Discord webhook URL, an SMTP URL,
/// an API base…) and driver-specific settings (chat id, recipients, signing secret…). Stored encrypted as a whole.
/// </summary>
public sealed record ChannelConfig(ChannelType Type, string Url, IReadOnlyDictionary<string, string> Settings)
{
    public string? Setting(string key) => Settings.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    public ChannelConfig With(string key, string? value)
    {
        var copy = new Dictionary<string, string>(Settings, StringComparer.Ordinal);
        if (value is null)
        {
            copy.Remove(key);
        }
        else
        {
            copy[key] = value;
        }
        return this with { Settings = copy };
    }
}

/// <summary>A channel definition the user typed that cannot work; the message names what is wrong.</summary>
public sealed class ChannelConfigException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

public enum Severity
{
    Info,
    Warning,
    Critical,
}

public sealed record MessageField(string Name, string Value, bool Inline = true);

/// <summary>One event inside a message (a grouped message carries several).</summary>
public sealed record MessageItem(string Title, string Text, IReadOnlyList<MessageField> Fields, string? Link, DateTime OccurredAt);

/// <summary>A rendered message, ready for any channel: each driver picks the rendering it can show.</summary>
public sealed record OutgoingMessage(
    string IdempotencyKey,
    string Kind,
    Severity Severity,
    string Title,
    string Text,
    string Markdown,
    string Html,
    IReadOnlyList<MessageField> Fields,
    string? Link,
    DateTime OccurredAt,
    IReadOnlyList<MessageItem> Items)
{
    /// <summary>Recipients that already accepted this message on an earlier attempt: a driver with several skips them.</summary>
    public IReadOnlySet<string> AlreadyDelivered { get; init; } = Nobody;

    /// <summary>No recipient: what a first try has reached (one set for every message).</summary>
    public static readonly IReadOnlySet<string> Nobody = System.Collections.Frozen.FrozenSet<string>.Empty;
}

public enum DeliveryOutcome
{
    /// <summary>The destination accepted the message.</summary>
    Sent,

    /// <summary>A transient failure: try again later (after <see cref="SendResult.RetryAfter"/> when given).</summary>
    Retry,

    /// <summary>A permanent failure of this message: do not retry it.</summary>
    Failed,

    /// <summary>The destination no longer exists (deleted webhook, archived channel): stop using the channel.</summary>
    Gone,
}

/// <summary>
/// What one delivery attempt achieved, for the delivery record and the retry decision. <see cref="Pause"/>: how long
/// the destination asks to get nothing more, whatever this attempt's outcome (a Discord bucket left empty until it
/// resets); the next send to it waits that long. <c>SettingsChanged</c>: settings the destination said have changed (a
/// Telegram group that became a supergroup has a new chat id), which the dispatcher stores on the channel.
/// <c>Delivered</c>: the recipients that accepted the message in this attempt, when a channel has several and not all
/// did; a retry skips them.
/// </summary>
public sealed record SendResult(
    DeliveryOutcome Outcome,
    int? StatusCode = null,
    TimeSpan? RetryAfter = null,
    string? Error = null,
    string? Response = null,
    string? RemoteId = null,
    IReadOnlyDictionary<string, string>? SettingsChanged = null,
    TimeSpan? Pause = null,
    IReadOnlyList<string>? Delivered = null)
{
    public const int ExcerptLength = 500;

    public static SendResult Sent(int? status, string? response = null, string? remoteId = null) =>
        new(DeliveryOutcome.Sent, status, Response: Excerpt(response), RemoteId: remoteId);

    /// <summary>The common rules: 408, 429 and 5xx are retried (honouring Retry-After), other 4xx are permanent.</summary>
    public static SendResult FromStatus(HttpStatusCode status, string? body, TimeSpan? retryAfter, string? error = null)
    {
        var code = (int)status;
        var outcome = code is 408 or 429 or >= 500 ? DeliveryOutcome.Retry : DeliveryOutcome.Failed;
        return new SendResult(outcome, code, retryAfter, error ?? $"HTTP {code}", Excerpt(body));
    }

    public static SendResult Transient(string error, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Retry, RetryAfter: retryAfter, Error: error);

    public static SendResult Permanent(string error, int? status = null, string? body = null) => new(DeliveryOutcome.Failed, status, Error: error, Response: Excerpt(body));

    public static string? Excerpt(string? body) => body is null ? null : body.Length <= ExcerptLength ? body : body[..ExcerptLength] + "…";

    /// <summary>Retry-After as seconds or an HTTP date, relative to <paramref name="now"/>.</summary>
    public static TimeSpan? ReadRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}

/// <summary>A send rate a destination tolerates: <see cref="Count"/> messages per <see cref="Per"/>.</summary>
public sealed record RateLimit(int Count, TimeSpan Per)
{
    /// <summary>Most messages per second a <c>rate_limit</c> setting may ask for.</summary>
    public const double MaxPerSecond = 1000;

    /// <summary>
    /// Reads a <c>rate_limit</c> setting: messages per second, from 0 (no pacing) to <see cref="MaxPerSecond"/>;
    /// fractions pace slower than one a second (0.5 is one every 2 s). Whole rates allow that many in any second, as
    /// the services' own limits do.
    /// </summary>
    public static bool TryParsePerSecond(string text, out RateLimit? limit)
    {
        limit = null;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var perSecond)
            || !double.IsFinite(perSecond) || perSecond < 0 || perSecond > MaxPerSecond)
        {
            return false;
        }
        if (perSecond > 0)
        {
            var count = Math.Max(1, (int)Math.Floor(perSecond));
            limit = new RateLimit(count, TimeSpan.FromSeconds(count / perSecond));
        }
        return true;
    }
}

/// <summary>
/// Everything Vigil knows about one kind of channel: how users write it (form or Apprise URL), how it is shown
/// masked, how fast it may be sent to, and how a message is delivered to it over the real wire format.
/// </summary>
public abstract class ChannelDriver
{
    public abstract ChannelType Type { get; }

    /// <summary>Apprise URL schemes this driver reads (e.g. <c>discord</c>).</summary>
    public abstract IReadOnlyList<string> AppriseSchemes { get; }

    /// <summary>Whether a plain https URL is this service's own (e.g. <c>discord.com/api/webhooks/…</c>), so the type can be inferred.</summary>
    public virtual bool RecognizesNativeUrl(Uri url) => false;

    /// <summary>
    /// Reads what the user typed: an Apprise URL of <see cref="AppriseSchemes"/>, or the target URL plus settings.
    /// Throws <see cref="ChannelConfigException"/> naming the field at fault.
    /// </summary>
    public abstract ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings);

    /// <summary>
    /// The same channel written as an Apprise URL (it parses back to an equal configuration), or null when the Apprise
    /// form has no place for a setting this channel uses. A target Apprise's scheme cannot name (a self-hosted or proxy
    /// host) needs no check here: <see cref="ChannelCodec"/> parses the form back and refuses it when anything changed.
    /// </summary>
    public abstract string? ToAppriseUrl(ChannelConfig config);

    /// <summary>What responses may show: recognisable, never usable.</summary>
    public virtual string Mask(ChannelConfig config) => SecretProtector.Mask(config.Url);

    /// <summary>
    /// The target URL, secrets masked, as it is written back when the Apprise form cannot say the channel exactly: with
    /// this type (and, for a new channel, the channel's settings) it parses to the same configuration once the masked
    /// parts are filled in. <see cref="Mask"/> where that is such a URL; drivers whose mask adds words (recipients, a
    /// masked key) and whose target URL holds no secret give the URL itself.
    /// </summary>
    public virtual string MaskedTargetUrl(ChannelConfig config) => Mask(config);

    /// <summary>The key per-destination rate limits are counted under.</summary>
    public virtual string DestinationKey(ChannelConfig config) => config.Url;

    /// <summary>
    /// How fast the service takes messages at one destination, or null when it publishes no limit (its 429s and their
    /// Retry-After still pace it).
    /// </summary>
    public virtual RateLimit? RateLimit => new(5, TimeSpan.FromSeconds(1));

    /// <summary>The setting that overrides <see cref="RateLimit"/> for one channel: messages per second, 0 for no pacing.</summary>
    public const string RateLimitSetting = "rate_limit";

    /// <summary>The pace of one channel: its <see cref="RateLimitSetting"/> when it has a valid one, else the service's.</summary>
    public RateLimit? PaceFor(ChannelConfig config) =>
        config.Setting(RateLimitSetting) is { } setting && Notifications.Channels.RateLimit.TryParsePerSecond(setting, out var pace) ? pace : RateLimit;

    /// <summary>Settings whose values are secrets and are never shown (tokens, passwords, signing keys).</summary>
    public virtual IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether a setting's value is a secret, never shown: one of <see cref="SecretSettings"/> by default.</summary>
    public virtual bool IsSecret(string setting) => SecretSettings.Contains(setting);

    public abstract Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct);

    /// <summary>Settings from an Apprise query string, percent-decoded, as lower-case keys.</summary>
    protected static Dictionary<string, string> QueryOf(Uri uri)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            result[Uri.UnescapeDataString(kv[0]).ToLowerInvariant()] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
        }
        return result;
    }

    protected static string Escape(string value) => Uri.EscapeDataString(value);

    /// <summary>The URL without its user info (credentials a driver reads from settings, or never sends, stay unshown).</summary>
    protected static string WithoutUserInfo(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.SafeUnescaped)
            : url;

    /// <summary>
    /// The API base of a service whose requests go to fixed paths under it (Pushover, Twilio, SOLAPI): scheme, host and
    /// any path before <paramref name="apiPath"/>, which a proxy or gateway mounted under a prefix needs. The URL may name
    /// an endpoint itself (<c>…/gw/1/messages.json</c>); the service's own host gives its bare base.
    /// </summary>
    protected static string ApiBase(Uri uri, string apiPath)
    {
        var path = uri.AbsolutePath;
        var at = path.IndexOf(apiPath, StringComparison.Ordinal);
        return uri.GetLeftPart(UriPartial.Authority) + (at >= 0 ? path[..at] : path).TrimEnd('/');
    }

    /// <summary>
    /// The host part as it was written. <see cref="Uri.Host"/> lower-cases it, and Apprise forms put case-sensitive
    /// values there (a Pushover app token, an ntfy topic). Falls back to <see cref="Uri.Host"/> when the written form
    /// is not the same name in another case (escapes, international names).
    /// </summary>
    protected static string HostAsWritten(Uri uri)
    {
        var text = uri.OriginalString;
        var start = text.IndexOf("://", StringComparison.Ordinal);
        if (start < 0)
        {
            return uri.Host;
        }
        start += 3;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? text[start..] : text[start..end];
        var host = authority[(authority.LastIndexOf('@') + 1)..];
        if (!host.StartsWith('[') && host.LastIndexOf(':') is var colon and >= 0)
        {
            host = host[..colon];
        }
        return string.Equals(host, uri.Host, StringComparison.OrdinalIgnoreCase) ? host : uri.Host;
    }

    /// <summary>A top-level property of a JSON answer as text, or null when the answer is not JSON or lacks it.</summary>
    protected static string? ReadJson(string body, string property)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(body)?[property]?.ToString();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
