using Microsoft.AspNetCore.DataProtection;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Secrets;
using static Vigil.IntegrationTests.Notifications.Drivers.DriverHarness;

namespace Vigil.IntegrationTests.Notifications.Drivers;

/// <summary>
/// A channel's <c>apprise_url</c>, its masked parts filled in and written back, is the same channel: its Apprise form
/// where that says the channel exactly, else its target URL (written back with the type and the settings).
/// </summary>
public sealed class AppriseUrlTests
{
    readonly ChannelCodec _codec = new(new SecretProtector(new EphemeralDataProtectionProvider()),
    [
        Create<DiscordDriver>(), Create<SlackDriver>(), Create<WebhookDriver>(), Create<NtfyDriver>(), Create<GotifyDriver>(), Create<TeamsDriver>(),
        Create<TelegramDriver>(), Create<PushoverDriver>(), Create<TwilioDriver>(), Create<SolapiDriver>(), Create<EmailDriver>(),
    ]);

    const string Signing = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    /// <summary>What the user typed, what the answer should start with, and the secrets its masks hide, in order.</summary>
    public static TheoryData<ChannelType?, string, Dictionary<string, string>, string, string[]> Channels => new()
    {
        // The Apprise form says these exactly.
        { null, "discord://Vigil%20Bot@123456789012345678/secret-token?thread=42", [], "discord://", ["secret-token"] },
        { null, "discord://Bot@1234/secret-token?thread=9&avatar_url=https%3A%2F%2Fx.example%2Fa.png&tts=yes&format=markdown&overflow=split", [], "discord://", ["secret-token"] },
        { null, "tgram://123456789:AAHsecretToken/-1001234567890?silent=yes", [], "tgram://", ["AAHsecretToken"] },
        { ChannelType.Ntfy, "https://ntfy.example/alerts", new() { ["token"] = "plain-secret" }, "ntfys://", ["plain-secret"] },
        { null, "json://alice:hunter22@hooks.example/inbox?+X-Trace=trace-7f3a", [], "json://", ["hunter22", "inbox", "trace-7f3a"] },
        { null, "twilio://AC123:authsecret@+15550001111/+15550002222", [], "twilio://", ["authsecret"] },
        { null, "pover://userkey1234@apptoken5678", [], "pover://", ["userkey1234", "apptoken5678"] },
        { null, "gotifys://gotify.example/sub/AppToken123?priority=high", [], "gotifys://", ["AppToken123"] },
        { null, "mailtos://alice:mailpass1@example.com/bob@example.com?smtp=smtp.example.com", [], "mailtos://", ["mailpass1"] },
        { null, "slack://T1ABCD/B2EFGH/abcdefghijklmnopqrstuvwx", [], "slack://", ["abcdefghijklmnopqrstuvwx"] },
        { null, "ntfy://ntfy.example:8080/alerts", [], "ntfy://", [] },
        { null, "gotify://gotify.example/AppToken123", [], "gotify://", ["AppToken123"] },
        { null, "jsons://hooks.example/inbox", [], "jsons://", ["inbox"] },
        { null, "tgram://123456789:AAHsecretToken/-1001234567890/-1009876543210", [], "tgram://", ["AAHsecretToken"] },
        { null, "mailto://alice:mailpass1@example.com?to=bob@example.com&from=alerts@example.com", [], "mailto://", ["mailpass1"] },
        { null, "ntfys://alice:ntfypass@ntfy.example/alerts?priority=high&tags=warning", [], "ntfys://", ["ntfypass"] },
        { null, "pover://userkey1234@apptoken5678/phone?priority=high&sound=siren", [], "pover://", ["userkey1234", "apptoken5678"] },
        { null, "mailtos://alice:mailpass1@mail.example.com:465?to=bob@example.com&name=Vigil", [], "mailtos://", ["mailpass1"] },
        { null, "mailto://alice:mailpass1@gmail.com", [], "mailtos://", ["mailpass1"] },
        { null, "mailtos://alice:mailpass1@yahoo.com/bob@example.com", [], "mailtos://", ["mailpass1"] },
        { null, "https://prod-1.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=secretsig1",
            [], "workflows://", ["secretsig1"] },
        // Their Apprise form would change them: a native webhook is signed, json:// is not...
        { ChannelType.Webhook, "https://hooks.example/secret-path", new() { ["secret"] = Signing, ["method"] = "PUT" }, "https://hooks.example/••••••", ["secret-path"] },
        // ...discord://, tgram://, slack://, pover:// and solapi:// name the public service, not a self-hosted or proxy host...
        { ChannelType.Discord, "https://discord-proxy.example/api/v10/webhooks/123456789012345678/secret-token", new() { ["username"] = "Vigil" },
            "https://discord-proxy.example/api/v10/webhooks/123456789012345678/••••••", ["secret-token"] },
        { ChannelType.Telegram, "https://tg.example/relay/bot123456789:AAHsecretToken", new() { ["chat_id"] = "42", ["silent"] = "yes" },
            "https://tg.example/relay/bot••••••", ["123456789:AAHsecretToken"] },
        { ChannelType.Slack, "https://slack-proxy.example/relay/services/T1ABCD/B2EFGH/abcdefghijklmnopqrstuvwx", [],
            "https://slack-proxy.example/relay/services/T1ABCD/B2EFGH/••••••", ["abcdefghijklmnopqrstuvwx"] },
        { ChannelType.Pushover, "https://pushover-proxy.example", new() { ["token"] = "apptoken5678", ["user"] = "userkey1234" }, "https://pushover-proxy.example", [] },
        { ChannelType.SmsSolapi, "https://solapi-proxy.example", new() { ["api_key"] = "KEY1", ["api_secret"] = "solapi-secret", ["from"] = "0101234567", ["to"] = "01098765432" },
            "https://solapi-proxy.example", [] },
        // ...nor a gateway under a path (given as its base or as the endpoint itself)...
        { ChannelType.Pushover, "https://gw.example/po2/1/messages.json", new() { ["token"] = "apptoken5678", ["user"] = "userkey1234" }, "https://gw.example/po2", [] },
        { ChannelType.SmsTwilio, "https://gw.example/tw2/2010-04-01/Accounts/AC123/Messages.json", new() { ["account_sid"] = "AC123", ["auth_token"] = "authsecret", ["from"] = "+15550001111", ["to"] = "+15550002222" },
            "https://gw.example/tw2", [] },
        { ChannelType.SmsSolapi, "https://gw.example/so2", new() { ["api_key"] = "KEY1", ["api_secret"] = "solapi-secret", ["from"] = "0101234567", ["to"] = "01098765432" },
            "https://gw.example/so2", [] },
        // ...and Apprise's twilio:// has no place for a messaging service.
        { ChannelType.SmsTwilio, "https://api.twilio.com", new() { ["account_sid"] = "AC123", ["auth_token"] = "authsecret", ["from"] = "+15550001111", ["messaging_service_sid"] = "MG1", ["to"] = "+15550002222" },
            "https://api.twilio.com", [] },
    };

    [Theory]
    [MemberData(nameof(Channels))]
    public void The_apprise_url_filled_in_and_written_back_is_the_same_channel(ChannelType? type, string typed, Dictionary<string, string> settings, string shownStart, string[] secrets)
    {
        var config = _codec.Interpret(type, typed, settings);
        var shown = _codec.MaskedAppriseUrl(config).ShouldNotBeNull();
        shown.ShouldStartWith(shownStart);
        foreach (var secret in secrets.Concat(settings.Where(s => _codec.Driver(config.Type).IsSecret(s.Key)).Select(s => s.Value)))
        {
            shown.ShouldNotContain(secret);
        }

        var filled = secrets.Aggregate(shown, (url, secret) => ReplaceFirst(url, "••••••", secret));
        // An Apprise URL says everything itself; a target URL goes back with the type and the (real) settings.
        var native = filled.StartsWith("http", StringComparison.Ordinal);
        var back = _codec.Interpret(native ? config.Type : null, filled, native ? settings : null);
        (back.Type, back.Url).ShouldBe((config.Type, config.Url));
        // The same settings, in whatever order the URL gave them.
        back.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).ShouldBe(config.Settings.OrderBy(s => s.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("mailto://alice:pw@gmail.com", "smtp://smtp.gmail.com:587", "starttls", "alice@gmail.com")]
    [InlineData("mailtos://alice:pw@GMAIL.com/bob@example.com", "smtp://smtp.gmail.com:587", "starttls", "alice@gmail.com")]
    [InlineData("mailto://alice:pw@gmail.com:465", "smtp://smtp.gmail.com:465", "ssl", "alice@gmail.com")]
    [InlineData("mailto://alice%40yahoo.com:pw@yahoo.com", "smtp://smtp.mail.yahoo.com:465", "ssl", "alice@yahoo.com")]
    [InlineData("mailtos://alice:pw@fastmail.com?mode=starttls", "smtp://smtp.fastmail.com:587", "starttls", "alice@fastmail.com")]
    [InlineData("mailtos://alice:pw@gmail.com?smtp=relay.example.com", "smtp://relay.example.com:587", "starttls", "alice")]
    [InlineData("mailtos://alice:pw@example.com", "smtp://example.com:587", "starttls", "alice")]
    public void A_mail_service_known_by_its_domain_is_reached_at_its_own_server(string typed, string server, string mode, string login)
    {
        var config = _codec.Interpret(null, typed, null);
        config.Url.ShouldBe(server);
        config.Settings["mode"].ShouldBe(mode);
        config.Settings["user"].ShouldBe(login);
    }

    [Theory]
    [InlineData("low", "-2")]
    [InlineData("moderate", "-1")]
    [InlineData("Normal", "0")]
    [InlineData("high", "1")]
    [InlineData("emergency", "2")]
    [InlineData("-2", "-2")]
    [InlineData("2", "2")]
    public void Pushover_priority_is_its_number_or_its_apprise_name(string given, string stored)
    {
        _codec.Interpret(null, "pover://userkey1234@apptoken5678?priority=" + given, null).Settings["priority"].ShouldBe(stored);
        PushoverForm(given).Settings["priority"].ShouldBe(stored);
    }

    [Theory]
    [InlineData("urgent")]
    [InlineData("3")]
    [InlineData("")]
    public void Another_pushover_priority_is_refused_naming_where_it_came_from(string given)
    {
        Should.Throw<ChannelConfigException>(() => _codec.Interpret(null, "pover://userkey1234@apptoken5678?priority=" + given, null)).Field.ShouldBe("url");
        Should.Throw<ChannelConfigException>(() => PushoverForm(given)).Field.ShouldBe("settings.priority");
    }

    /// <summary>A Pushover channel entered as a form, with <paramref name="priority"/> among its settings.</summary>
    ChannelConfig PushoverForm(string priority) =>
        _codec.Interpret(ChannelType.Pushover, "https://api.pushover.net", new Dictionary<string, string> { ["token"] = "t", ["user"] = "u", ["priority"] = priority });

    static string ReplaceFirst(string text, string mark, string value)
    {
        var at = text.IndexOf(mark, StringComparison.Ordinal);
        return at < 0 ? text : text[..at] + value + text[(at + mark.Length)..];
    }
}
