using System.Text.Json;
using Vigil.Server.Platform.Secrets;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Turns what users type into channel configurations (inferring the type from an Apprise scheme or a service's own
/// URL), and stores them encrypted. The only place a channel's secrets are decrypted.
/// </summary>
public sealed partial class ChannelCodec(SecretProtector secrets, IEnumerable<ChannelDriver> drivers)
{
    readonly Dictionary<ChannelType, ChannelDriver> _byType = drivers.ToDictionary(d => d.Type);

    public ChannelDriver Driver(ChannelType type) =>
        _byType.TryGetValue(type, out var driver) ? driver : throw new ChannelConfigException("type", $"Channel type {type} is not available.");

    public IEnumerable<ChannelDriver> Drivers => _byType.Values;

    /// <summary>Reads a channel definition. With no type, the URL's scheme (Apprise) or host (native) says which it is.</summary>
    public ChannelConfig Interpret(ChannelType? type, string url, IReadOnlyDictionary<string, string>? settings)
    {
        settings ??= new Dictionary<string, string>();
        url = url.Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            // Some Apprise forms (tgram://123:ABC/…) are not valid URIs; drivers parse those by scheme.
            var scheme = url.Split("://", 2)[0].ToLowerInvariant();
            var byScheme = _byType.Values.FirstOrDefault(d => d.AppriseSchemes.Contains(scheme));
            if (byScheme is not null && (type is null || type == byScheme.Type))
            {
                return byScheme.Parse(url, settings);
            }
            throw new ChannelConfigException("url", "Not a URL.");
        }
        var driver = type is { } t
            ? Driver(t)
            : _byType.Values.FirstOrDefault(d => d.AppriseSchemes.Contains(uri.Scheme.ToLowerInvariant()))
              ?? _byType.Values.FirstOrDefault(d => (uri.Scheme is "http" or "https") && d.RecognizesNativeUrl(uri))
              // Any other http(s) URL is a generic JSON webhook.
              ?? (uri.Scheme is "http" or "https" ? _byType.GetValueOrDefault(ChannelType.Webhook) : null)
              ?? throw new ChannelConfigException("url", $"Cannot tell the channel type from '{uri.Scheme}://…'; give a type or an Apprise URL (discord://, tgram://, ntfys://, mailtos://, json://, …).");
        if (type is { } expected && _byType.Values.FirstOrDefault(d => d.AppriseSchemes.Contains(uri.Scheme.ToLowerInvariant())) is { } schemeDriver && schemeDriver.Type != expected)
        {
            throw new ChannelConfigException("url", $"A {uri.Scheme}:// URL is a {schemeDriver.Type} channel, not {expected}.");
        }
        return driver.Parse(url, settings);
    }

    public string Protect(ChannelConfig config) =>
        secrets.Protect(JsonSerializer.Serialize(new Stored(config.Url, new Dictionary<string, string>(config.Settings))));

    /// <summary>The decrypted configuration, or null when it cannot be decrypted (lost keys).</summary>
    public ChannelConfig? Unprotect(ChannelType type, string cipher)
    {
        var json = secrets.Unprotect(cipher);
        if (json is null)
        {
            return null;
        }
        var stored = JsonSerializer.Deserialize<Stored>(json)!; // we wrote it
        return new ChannelConfig(type, stored.Url, stored.Settings);
    }

    /// <summary>Settings as responses may show them: secret values masked.</summary>
    public IReadOnlyDictionary<string, string> MaskedSettings(ChannelConfig config)
    {
        var driver = Driver(config.Type);
        return config.Settings.ToDictionary(kv => kv.Key, kv => driver.IsSecret(kv.Key) ? SecretProtector.Mask(kv.Value) : kv.Value);
    }

    /// <summary>
    /// The channel as one URL, secrets masked, that gives the same channel when written back: its Apprise form when that
    /// parses back to exactly this configuration, else its target URL (<see cref="ChannelDriver.MaskedTargetUrl"/>);
    /// null when it cannot be shown safely. In the Apprise form, secrets are the values of the driver's secret settings
    /// and whatever part of the target URL its masked form hides; each segment of the Apprise URL (between
    /// <c>/ ? &amp; = : @ #</c>) equal to one of them is masked.
    /// </summary>
    public string? MaskedAppriseUrl(ChannelConfig config)
    {
        var driver = Driver(config.Type);
        var secretSettings = config.Settings.Where(kv => driver.IsSecret(kv.Key) && kv.Value.Length > 0).Select(kv => kv.Value).ToList();
        if (ExactAppriseUrl(driver, config) is not { } apprise)
        {
            // The Apprise form would change the channel (json:// is unsigned, discord:// and tgram:// name the public
            // service, not a self-hosted host): the target URL, masked as responses show it, says it exactly.
            var native = driver.MaskedTargetUrl(config);
            return Reveals(native, [.. secretSettings, .. PasswordIn(config.Url)]) ? null : native;
        }
        // What either masked form shows is not secret (a Gotify base path, hidden by the target's generic mask, is not).
        var shown = Segments(driver.Mask(config)).Concat(Segments(driver.MaskedTargetUrl(config))).ToHashSet(StringComparer.Ordinal);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        if (Uri.TryCreate(config.Url, UriKind.Absolute, out var target))
        {
            secrets.UnionWith(Segments(target.UserInfo + "/" + target.PathAndQuery + target.Fragment).Where(s => !shown.Contains(s)));
        }
        secrets.UnionWith(secretSettings);
        secrets.UnionWith(secrets.Select(Uri.EscapeDataString).ToList());
        var masked = SegmentOrDelimiter().Replace(apprise, m => secrets.Contains(m.Value) || secrets.Contains(Uri.UnescapeDataString(m.Value)) ? "••••••" : m.Value);
        // A secret that is not a whole segment (part of a longer one) would still show: then show nothing.
        return Reveals(masked, secrets) ? null : masked;
    }

    /// <summary>
    /// The driver's Apprise form of the channel when parsing it back over the stored settings, as a PATCH writing it
    /// back does, gives this very configuration; null when it would change the target or any setting.
    /// </summary>
    static string? ExactAppriseUrl(ChannelDriver driver, ChannelConfig config)
    {
        try
        {
            if (driver.ToAppriseUrl(config) is not { } apprise)
            {
                return null;
            }
            var back = driver.Parse(apprise, config.Settings);
            var same = string.Equals(back.Url, config.Url, StringComparison.Ordinal) && back.Settings.Count == config.Settings.Count
                && back.Settings.All(kv => config.Settings.TryGetValue(kv.Key, out var v) && string.Equals(v, kv.Value, StringComparison.Ordinal));
            return same ? apprise : null;
        }
        catch (Exception e) when (e is ChannelConfigException or FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    static bool Reveals(string shown, IEnumerable<string> secrets) => secrets.Any(s => s.Length >= 4 && shown.Contains(s, StringComparison.Ordinal));

    static IEnumerable<string> PasswordIn(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Split(':', 2) is [_, var password] ? [Uri.UnescapeDataString(password)] : [];

    static IEnumerable<string> Segments(string text) => SegmentOrDelimiter().Matches(text).Select(m => m.Value).Where(v => v.Length > 0 && !Delimiters.Contains(v[0]));

    const string Delimiters = "/?&=:@#";

    [System.Text.RegularExpressions.GeneratedRegex(@"[^/?&=:@#]+|[/?&=:@#]")]
    private static partial System.Text.RegularExpressions.Regex SegmentOrDelimiter();

    sealed record Stored(string Url, Dictionary<string, string> Settings);
}
