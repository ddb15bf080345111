using System.Text.Json.Nodes;
using Vigil.Fakes;
using Vigil.Server.Modules.Notifications.Channels;
using static Vigil.IntegrationTests.Notifications.Drivers.DriverHarness;

namespace Vigil.IntegrationTests.Notifications.Drivers;

public sealed class DiscordDriverTests : IAsyncLifetime
{
    readonly FakeDiscord _fake = new();
    readonly DiscordDriver _driver = Create<DiscordDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    ChannelConfig Config(string id = "123456789012345678") => _driver.Parse(_fake.WebhookUrl(id, "tok").ToString(), new Dictionary<string, string>());

    [Fact]
    public async Task Sends_embeds_with_wait_true_and_reads_the_message_id()
    {
        var result = await _driver.SendAsync(Config(), Message(), Ct);

        result.Outcome.ShouldBe(DeliveryOutcome.Sent);
        result.RemoteId.ShouldNotBeNullOrEmpty();
        var request = _fake.Requests.Last();
        request.Query.ShouldContain("wait=true");
        request.Header("Content-Type")!.ShouldStartWith("application/json");
        var body = JsonNode.Parse(request.BodyText)!;
        body["embeds"]![0]!["title"]!.ToString().ShouldBe("VPS-1 back in stock");
        body["embeds"]![0]!["fields"]![0]!["name"]!.ToString().ShouldBe("Datacenter");
        body["allowed_mentions"]!["parse"]!.AsArray().Count.ShouldBe(0);
        body["tts"].ShouldBeNull();
    }

    [Fact]
    public async Task Text_to_speech_is_asked_for_when_the_channel_says_tts()
    {
        var config = _driver.Parse(_fake.WebhookUrl("123456789012345678", "tok").ToString(), new Dictionary<string, string> { ["tts"] = "Yes" });
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        JsonNode.Parse(_fake.Requests.Last().BodyText)!["tts"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Huge_messages_are_truncated_within_discords_limits()
    {
        var items = Enumerable.Range(0, 8).Select(i => new MessageItem(new string('t', 400), new string('d', 5000), [new MessageField(new string('n', 300), new string('v', 2000))], null, DateTime.UtcNow)).ToList();
        var result = await _driver.SendAsync(Config(), Message(new string('x', 3000), new string('y', 9000), items: items), Ct);
        result.Outcome.ShouldBe(DeliveryOutcome.Sent, result.Response);
    }

    [Fact]
    public async Task Rate_limits_are_retried_after_the_bodys_retry_after()
    {
        _fake.Enqueue(new ScriptedResponse(429, "{\"message\":\"You are being rate limited.\",\"retry_after\":1.5,\"global\":false}", Headers: new Dictionary<string, string> { ["Retry-After"] = "2" }));
        var result = await _driver.SendAsync(Config(), Message(), Ct);
        result.Outcome.ShouldBe(DeliveryOutcome.Retry);
        result.RetryAfter.ShouldBe(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task An_empty_bucket_asks_the_next_send_to_wait_until_it_resets()
    {
        static ScriptedResponse Answer(string remaining, string? resetAfter, string? reset = null)
        {
            var headers = new Dictionary<string, string> { ["X-RateLimit-Limit"] = "5", ["X-RateLimit-Remaining"] = remaining, ["X-RateLimit-Bucket"] = "abc" };
            if (resetAfter is not null)
            {
                headers["X-RateLimit-Reset-After"] = resetAfter;
            }
            if (reset is not null)
            {
                headers["X-RateLimit-Reset"] = reset;
            }
            return new ScriptedResponse(200, "{\"id\":\"1\"}", Headers: headers);
        }
        var inAMinute = (DateTimeOffset.UtcNow.AddSeconds(60).ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
        _fake.Enqueue(Answer("0", "20.000"), Answer("3", "20.000"), Answer("0", null, inAMinute), Answer("0", "99999999"), Answer("0", "NaN"));

        var empty = await _driver.SendAsync(Config(), Message(), Ct);
        empty.Outcome.ShouldBe(DeliveryOutcome.Sent);
        empty.Pause.ShouldBe(TimeSpan.FromSeconds(20));
        (await _driver.SendAsync(Config(), Message(), Ct)).Pause.ShouldBeNull("requests remain");
        (await _driver.SendAsync(Config(), Message(), Ct)).Pause!.Value.TotalSeconds.ShouldBeInRange(55, 60, "the reset time, without Reset-After");
        (await _driver.SendAsync(Config(), Message(), Ct)).Pause.ShouldBe(DiscordDriver.MaxBucketWait);
        (await _driver.SendAsync(Config(), Message(), Ct)).Pause.ShouldBeNull();
    }

    [Fact]
    public async Task Server_errors_retry_bad_requests_fail_and_deleted_webhooks_are_gone()
    {
        _fake.Enqueue(new ScriptedResponse(502, "bad gateway", "text/plain"), new ScriptedResponse(400, "{\"message\":\"Invalid Form Body\",\"code\":50035}"));
        (await _driver.SendAsync(Config(), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Retry);
        (await _driver.SendAsync(Config(), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
        _fake.DeleteWebhook("999999999999999999");
        (await _driver.SendAsync(Config("999999999999999999"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Gone);
    }

    [Fact]
    public void Apprise_and_native_forms_round_trip_and_masks_hide_the_token()
    {
        var config = _driver.Parse("discord://Vigil%20Bot@123456789012345678/secret-token?thread=42", new Dictionary<string, string>());
        config.Url.ShouldBe("https://discord.com/api/webhooks/123456789012345678/secret-token");
        config.Setting("username").ShouldBe("Vigil Bot");
        config.Setting("thread_id").ShouldBe("42");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.Mask(config).ShouldNotContain("secret-token");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("discord://not-a-number/x", new Dictionary<string, string>()));
        Should.Throw<ChannelConfigException>(() => _driver.Parse("https://discord.com/api/nothing", new Dictionary<string, string>()));
    }
}

public sealed class SlackDriverTests : IAsyncLifetime
{
    readonly FakeSlack _fake = new();
    readonly SlackDriver _driver = Create<SlackDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Sends_text_and_blocks_in_mrkdwn_and_knows_a_revoked_webhook()
    {
        var config = _driver.Parse(_fake.WebhookUrl("abcdefghijklmnopqrstuvwx").ToString(), new Dictionary<string, string>());
        var result = await _driver.SendAsync(config, Message("A <b> & C"), Ct);
        result.Outcome.ShouldBe(DeliveryOutcome.Sent);
        var body = JsonNode.Parse(_fake.Requests.Last().BodyText)!;
        body["text"]!.ToString().ShouldStartWith("A &lt;b&gt; &amp; C");
        body["blocks"]!.AsArray().Count.ShouldBeGreaterThan(1);

        _fake.Revoke("revokedrevokedrevokedrev");
        var gone = await _driver.SendAsync(_driver.Parse(_fake.WebhookUrl("revokedrevokedrevokedrev").ToString(), new Dictionary<string, string>()), Message(), Ct);
        gone.Outcome.ShouldBe(DeliveryOutcome.Gone);
        _fake.Enqueue(new ScriptedResponse(429, "rate_limited", "text/plain", new Dictionary<string, string> { ["Retry-After"] = "30" }));
        var limited = await _driver.SendAsync(config, Message(), Ct);
        limited.Outcome.ShouldBe(DeliveryOutcome.Retry);
        limited.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_fallback_text_is_escaped_so_event_data_cannot_mention_or_link()
    {
        var config = _driver.Parse(_fake.WebhookUrl("abcdefghijklmnopqrstuvwx").ToString(), new Dictionary<string, string>());
        var message = Message("<!channel> Fish & <Chips>", "See <https://evil.example|click>");
        (await _driver.SendAsync(config, message, Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var body = JsonNode.Parse(_fake.Requests.Last().BodyText)!;
        body["text"]!.ToString().ShouldBe("&lt;!channel&gt; Fish &amp; &lt;Chips&gt; — See &lt;https://evil.example|click&gt;");
        // Cut to length before escaping: no escape is left half written at the end.
        var longText = SlackDriver.BuildPayload(Message("t", new string('x', 2990) + "&&&&&&&&&&"))["text"]!.ToString();
        longText.ShouldEndWith("&amp;…");
    }

    [Fact]
    public void Apprise_urls_round_trip_and_bot_tokens_are_refused()
    {
        var config = _driver.Parse("slack://T1ABCD/B2EFGH/abcdefghijklmnopqrstuvwx", new Dictionary<string, string>());
        config.Url.ShouldBe("https://hooks.slack.com/services/T1ABCD/B2EFGH/abcdefghijklmnopqrstuvwx");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.Mask(config).ShouldNotContain("abcdefghijklmnopqrstuvwx");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("slack://xoxb-123-456/#general", new Dictionary<string, string>()));
    }
}

public sealed class WebhookDriverTests : IAsyncLifetime
{
    readonly FakeWebhookReceiver _fake = new();
    readonly WebhookDriver _driver = Create<WebhookDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public void The_signature_matches_the_standard_webhooks_vector()
    {
        const string body = "{\"type\":\"restock.available\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"title\":\"VPS-1 back in stock\",\"message\":\"GRA is available\"}}";
        WebhookDriver.Sign("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "evt_01HZX3K9Q7", 1767225600, body)
            .ShouldBe("v1,cgGvbHxBw0hx+ar1oaZveYL/zHFvDK8zHh7LgGFnMGY=");
    }

    [Fact]
    public void The_envelope_has_every_part_once_and_reads_back_as_written()
    {
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var message = Message(severity: Severity.Critical, items: [new MessageItem("GRA", "back", [new MessageField("city", "Gravelines")], null, at)]) with
        {
            Link = null,
            Fields = [new MessageField("plan", "VPS-1"), new MessageField("dc", "GRA"), new MessageField("plan", "VPS-2 é \"q\" <b> 🚀")],
        };
        var body = WebhookDriver.Envelope(message);
        var envelope = JsonNode.Parse(body)!;

        envelope["type"]!.ToString().ShouldBe("restock.back_in_stock");
        envelope["timestamp"]!.ToString().ShouldBe("2026-01-01T00:00:00Z");
        var data = envelope["data"]!;
        data["severity"]!.ToString().ShouldBe("critical");
        data.AsObject().ContainsKey("url").ShouldBeTrue();
        data["url"].ShouldBeNull();
        // A field given twice appears once, where it first came, with its last value.
        data["fields"]!.AsObject().Select(f => (f.Key, f.Value!.ToString())).ShouldBe([("plan", "VPS-2 é \"q\" <b> 🚀"), ("dc", "GRA")]);
        var item = data["items"]![0]!;
        (item["title"]!.ToString(), item["message"]!.ToString(), item["url"], item["fields"]!["city"]!.ToString(), item["timestamp"]!.ToString())
            .ShouldBe(("GRA", "back", null, "Gravelines", "2026-01-02T03:04:05Z"));
        // The bytes signed are the bytes sent.
        WebhookDriver.Sign("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "evt_1", 1767225600, body)
            .ShouldBe(WebhookDriver.Sign("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "evt_1", 1767225600, System.Text.Encoding.UTF8.GetString(body)));
    }

    [Fact]
    public async Task Signed_deliveries_verify_at_the_receiver_and_carry_the_idempotency_key()
    {
        var secret = WebhookDriver.NewSecret();
        _fake.Secret = secret;
        var config = _driver.Parse(new Uri(_fake.BaseAddress, "/hook").ToString(), new Dictionary<string, string> { ["secret"] = secret });
        var message = Message();

        (await _driver.SendAsync(config, message, Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);

        _fake.SignatureFailures.ShouldBe(0);
        _fake.Deliveries.Keys.ShouldContain(message.IdempotencyKey);
        _fake.Requests.Last().Header("User-Agent").ShouldBe(NotifyHttp.UserAgent);
        _fake.Requests.Last().Header("Content-Type").ShouldBe("application/json; charset=utf-8");
        _fake.Requests.Last().Header("Accept-Encoding").ShouldBeNull(); // acknowledgements are short: nothing to decode
        var envelope = JsonNode.Parse(_fake.Requests.Last().BodyText)!;
        envelope["type"]!.ToString().ShouldBe("restock.back_in_stock");
        envelope["data"]!["title"]!.ToString().ShouldBe("VPS-1 back in stock");
    }

    [Fact]
    public async Task Gone_redirects_and_throttles_are_told_apart()
    {
        var config = _driver.Parse(new Uri(_fake.BaseAddress, "/hook").ToString(), new Dictionary<string, string>());
        _fake.Enqueue(new ScriptedResponse(410), new ScriptedResponse(301, Headers: new Dictionary<string, string> { ["Location"] = "http://127.0.0.1:1/elsewhere" }),
            new ScriptedResponse(503, Headers: new Dictionary<string, string> { ["Retry-After"] = "7" }));
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Gone);
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
        var throttled = await _driver.SendAsync(config, Message(), Ct);
        throttled.Outcome.ShouldBe(DeliveryOutcome.Retry);
        throttled.RetryAfter.ShouldBe(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Credentials_in_a_native_url_become_settings_and_are_sent_as_basic_auth()
    {
        var config = _driver.Parse($"http://ops%40example:p%3Ass@{_fake.BaseAddress.Authority}/basic", new Dictionary<string, string>());
        config.Url.ShouldBe(new Uri(_fake.BaseAddress, "/basic").ToString());
        config.Setting("user").ShouldBe("ops@example");
        config.Setting("password").ShouldBe("p:ss");
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("ops@example:p:ss"));
        _fake.Requests.Last().Header("Authorization").ShouldBe(basic);

        // A channel saved before this, with the credentials still in its stored URL, sends them the same way.
        var stored = new ChannelConfig(ChannelType.Webhook, $"http://ops%40example:p%3Ass@{_fake.BaseAddress.Authority}/legacy", new Dictionary<string, string>());
        (await _driver.SendAsync(stored, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Requests.Last().Path.ShouldBe("/legacy");
        _fake.Requests.Last().Header("Authorization").ShouldBe(basic);
    }

    [Fact]
    public async Task Apprise_json_urls_send_apprises_body_with_extra_headers()
    {
        var config = _driver.Parse($"json://{_fake.BaseAddress.Authority}/apprise?+X-Custom=yes&:message=text", new Dictionary<string, string>());
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var request = _fake.Requests.Last();
        request.Header("X-Custom").ShouldBe("yes");
        var body = JsonNode.Parse(request.BodyText)!;
        body["version"]!.ToString().ShouldBe("1.0");
        body["text"]!.ToString().ShouldBe("GRA is available");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
    }
}

public sealed class NtfyDriverTests : IAsyncLifetime
{
    readonly FakeNtfy _fake = new() { RequiredToken = "tk_abc123" };
    readonly NtfyDriver _driver = Create<NtfyDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Publishes_json_to_the_root_with_a_bearer_token_and_maps_severity_to_priority()
    {
        var config = _driver.Parse($"ntfy://tk_abc123@{_fake.BaseAddress.Authority}/vigil-alerts", new Dictionary<string, string>());
        (await _driver.SendAsync(config, Message("Überhitzt", severity: Severity.Critical), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var request = _fake.Requests.Last();
        request.Path.ShouldBe("/");
        request.Header("Authorization").ShouldBe("Bearer tk_abc123");
        var body = JsonNode.Parse(request.BodyText)!;
        body["topic"]!.ToString().ShouldBe("vigil-alerts");
        body["title"]!.ToString().ShouldBe("Überhitzt");
        body["priority"]!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public async Task Errors_are_read_from_ntfys_json_and_rate_limits_retry()
    {
        var wrong = _driver.Parse($"ntfy://tk_wrong@{_fake.BaseAddress.Authority}/vigil-alerts", new Dictionary<string, string>());
        (await _driver.SendAsync(wrong, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
        var right = _driver.Parse($"ntfy://tk_abc123@{_fake.BaseAddress.Authority}/vigil-alerts", new Dictionary<string, string>());
        _fake.Enqueue(FakeNtfy.RateLimited);
        var limited = await _driver.SendAsync(right, Message(), Ct);
        limited.Outcome.ShouldBe(DeliveryOutcome.Retry);
        limited.Error!.ShouldContain("limit reached");
    }

    [Fact]
    public void Apprise_forms_parse_and_round_trip()
    {
        _driver.Parse("ntfy://vigil-alerts", new Dictionary<string, string>()).Url.ShouldBe("https://ntfy.sh/vigil-alerts");
        // Topics are case-sensitive, also where the Apprise form puts them in the host's place.
        _driver.Parse("ntfy://VigilAlerts", new Dictionary<string, string>()).Url.ShouldBe("https://ntfy.sh/VigilAlerts");
        var config = _driver.Parse("ntfys://bob:pw@ntfy.example.com/ops?priority=high&tags=warning,disk", new Dictionary<string, string>());
        config.Url.ShouldBe("https://ntfy.example.com/ops");
        config.Setting("password").ShouldBe("pw");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        Should.Throw<ChannelConfigException>(() => _driver.Parse("ntfy://bad topic!", new Dictionary<string, string>()));
    }
}

public sealed class GotifyDriverTests : IAsyncLifetime
{
    readonly FakeGotify _fake = new();
    readonly GotifyDriver _driver = Create<GotifyDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Posts_markdown_with_the_app_token_header_and_a_bad_token_fails_permanently()
    {
        var config = _driver.Parse($"gotify://{_fake.BaseAddress.Authority}/{_fake.AppToken}?priority=high", new Dictionary<string, string>());
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var request = _fake.Requests.Last();
        request.Path.ShouldBe("/message");
        request.Header("X-Gotify-Key").ShouldBe(_fake.AppToken);
        var body = JsonNode.Parse(request.BodyText)!;
        body["priority"]!.GetValue<int>().ShouldBe(8);
        body["extras"]!["client::display"]!["contentType"]!.ToString().ShouldBe("text/markdown");

        var wrong = _driver.Parse($"gotify://{_fake.BaseAddress.Authority}/nope", new Dictionary<string, string>());
        var failed = await _driver.SendAsync(wrong, Message(), Ct);
        failed.Outcome.ShouldBe(DeliveryOutcome.Failed);
        failed.Error!.ShouldContain("valid access token");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.SecretSettings.ShouldContain("token");
    }
}

public sealed class TeamsDriverTests : IAsyncLifetime
{
    readonly FakeTeams _fake = new();
    readonly TeamsDriver _driver = Create<TeamsDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Posts_an_adaptive_card_and_a_bad_signature_fails()
    {
        var config = _driver.Parse(_fake.TriggerUrl().ToString(), new Dictionary<string, string>());
        var sent = await _driver.SendAsync(config, Message(), Ct);
        sent.Outcome.ShouldBe(DeliveryOutcome.Sent);
        sent.StatusCode.ShouldBe(202);
        var card = _fake.Cards.Last()["attachments"]![0]!["content"]!;
        card["version"]!.ToString().ShouldBe("1.4");
        card["body"]![0]!["text"]!.ToString().ShouldBe("VPS-1 back in stock");
        card["body"]![2]!["facts"]![0]!["title"]!.ToString().ShouldBe("Datacenter");
        card["actions"]![0]!["url"]!.ToString().ShouldBe("https://www.ovhcloud.com/fr/vps/");
        _driver.Mask(config).ShouldNotContain(_fake.Signature);

        var wrong = _driver.Parse(_fake.TriggerUrl().ToString().Replace(_fake.Signature, "forged", StringComparison.Ordinal), new Dictionary<string, string>());
        (await _driver.SendAsync(wrong, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
    }

    [Fact]
    public void Apprise_workflow_urls_expand_and_round_trip()
    {
        var config = _driver.Parse("workflows://prod-161.westeurope.logic.azure.com:443/wf123/SIG456", new Dictionary<string, string>());
        config.Url.ShouldBe("https://prod-161.westeurope.logic.azure.com/workflows/wf123/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIG456");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        var pa = _driver.Parse("workflows://host.example/wf9/S?pa=yes", new Dictionary<string, string>());
        pa.Url.ShouldContain("/powerautomate/automations/direct/workflows/wf9/");
        pa.Url.ShouldContain("api-version=2022-03-01-preview");
        _driver.Parse(AppriseOf(_driver, pa), new Dictionary<string, string>()).ShouldBeEquivalentTo(pa);
        Should.Throw<ChannelConfigException>(() => _driver.Parse("https://example.com/not-a-workflow", new Dictionary<string, string>()));
    }
}

public sealed class TelegramDriverTests : IAsyncLifetime
{
    readonly FakeTelegram _fake = new();
    readonly TelegramDriver _driver = Create<TelegramDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    ChannelConfig Config(string chats) =>
        _driver.Parse(new Uri(_fake.BaseAddress, "/bot" + _fake.Token).ToString(), new Dictionary<string, string> { ["chat_id"] = chats });

    [Fact]
    public async Task Format_text_sends_no_markup_and_an_unknown_format_is_refused()
    {
        var url = new Uri(_fake.BaseAddress, "/bot" + _fake.Token).ToString();
        var text = _driver.Parse(url, new Dictionary<string, string> { ["chat_id"] = "42", ["format"] = "text" });
        (await _driver.SendAsync(text, Message("A & B"), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var sent = _fake.Messages.Last();
        sent.AsObject().ContainsKey("parse_mode").ShouldBeFalse();
        sent["text"]!.ToString().ShouldStartWith("A & B\n");
        Should.Throw<ChannelConfigException>(() => _driver.Parse(url, new Dictionary<string, string> { ["chat_id"] = "42", ["format"] = "bogus" }))
            .Field.ShouldBe("settings.format");
        _driver.Parse("tgram://123456789:AAHabcdefghijklmnopqrstuvwxyz012345/42?format=markdown", new Dictionary<string, string>()).Setting("format").ShouldBe("markdown");
        // markdown: Telegram's Markdown, the text as the template wrote it, the title bold, data escaped.
        var markdown = _driver.Parse(url, new Dictionary<string, string> { ["chat_id"] = "42", ["format"] = "markdown" });
        var withFields = Message("Plan back", "Now *in stock*") with { Fields = [new MessageField("plan", "24ska01_fr")], Link = "https://example.com/order" };
        (await _driver.SendAsync(markdown, withFields, Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Messages.Last()["parse_mode"]!.ToString().ShouldBe("Markdown");
        _fake.Messages.Last()["text"]!.ToString().ShouldBe("*Plan back*\nNow *in stock*\n*plan:* 24ska01\\_fr\n[Open](https://example.com/order)");
        (await _driver.SendAsync(markdown, Message("snake_case title"), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Messages.Last()["text"]!.ToString().ShouldStartWith("snake\\_case title\n");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("tgram://123456789:AAHabcdefghijklmnopqrstuvwxyz012345/42?format=bogus", new Dictionary<string, string>()))
            .Field.ShouldBe("url");
    }

    [Fact]
    public async Task Sends_html_to_every_chat_with_a_numeric_id()
    {
        var result = await _driver.SendAsync(Config("-1001234567890,@vigil_channel"), Message("A & B, café <Привет>"), Ct);
        result.Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Messages.Count.ShouldBe(2);
        var first = _fake.Messages.First();
        first["chat_id"]!.GetValue<long>().ShouldBe(-1001234567890);
        first["parse_mode"]!.ToString().ShouldBe("HTML");
        // Only what Telegram's parser reads as markup is escaped; accents and other scripts go as themselves.
        first["text"]!.ToString().ShouldStartWith("<b>A &amp; B, café &lt;Привет&gt;</b>");
        _fake.Requests.Last().Path.ShouldBe("/bot" + _fake.Token + "/sendMessage");
    }

    [Fact]
    public async Task Honours_retry_after_falls_back_to_plain_text_and_follows_a_migration()
    {
        _fake.Enqueue(FakeTelegram.TooManyRequests(35));
        var limited = await _driver.SendAsync(Config("42"), Message(), Ct);
        limited.Outcome.ShouldBe(DeliveryOutcome.Retry);
        limited.RetryAfter.ShouldBe(TimeSpan.FromSeconds(35));

        _fake.Enqueue(new ScriptedResponse(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: can't parse entities: Unsupported start tag\"}"));
        (await _driver.SendAsync(Config("42"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Messages.Last()["parse_mode"].ShouldBeNull();

        _fake.Migrated["-100777"] = 42;
        var migrated = await _driver.SendAsync(Config("-100777"), Message(), Ct);
        migrated.Outcome.ShouldBe(DeliveryOutcome.Sent);
        migrated.Error!.ShouldContain("moved to 42");
        migrated.SettingsChanged.ShouldNotBeNull()["chat_id"].ShouldBe("42");

        (await _driver.SendAsync(Config("999"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
    }

    [Fact]
    public async Task A_chat_may_name_its_own_forum_topic_as_apprise_writes_it()
    {
        var url = new Uri(_fake.BaseAddress, "/bot" + _fake.Token).ToString();
        var config = _driver.Parse(url, new Dictionary<string, string> { ["chat_id"] = "-1001234567890:12,@vigil_channel,42:3", ["thread_id"] = "7" });
        (await _driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var sent = _fake.Messages.TakeLast(3).ToList();
        sent.Select(m => m["chat_id"]!.ToJsonString()).ShouldBe(["-1001234567890", "\"@vigil_channel\"", "42"]);
        // Its own topic, else the channel's.
        sent.Select(m => (int)m["message_thread_id"]!).ShouldBe([12, 7, 3]);

        var apprise = _driver.Parse("tgram://123456789:AAHfake_Token-x/-1001234567890:12/@vigil_channel", new Dictionary<string, string>());
        apprise.Setting("chat_id").ShouldBe("-1001234567890:12,@vigil_channel");
        _driver.Parse(AppriseOf(_driver, apprise), new Dictionary<string, string>()).ShouldBeEquivalentTo(apprise);
        foreach (var bad in new[] { "-100123:0", "-100123:x", "-100123:", ":5" })
        {
            Should.Throw<ChannelConfigException>(() => _driver.Parse(url, new Dictionary<string, string> { ["chat_id"] = bad })).Field.ShouldBe("settings.chat_id");
        }
    }

    [Fact]
    public void The_apprise_form_with_a_colon_in_the_token_parses_and_round_trips()
    {
        var config = _driver.Parse("tgram://123456789:AAHfake_Token-x/-1001234567890/@vigil_channel?silent=yes&topic=7", new Dictionary<string, string>());
        config.Url.ShouldBe("https://api.telegram.org/bot123456789:AAHfake_Token-x");
        config.Setting("chat_id").ShouldBe("-1001234567890,@vigil_channel");
        config.Setting("thread_id").ShouldBe("7");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.Mask(config).ShouldNotContain("AAHfake");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("tgram://nope/1", new Dictionary<string, string>()));
        Should.Throw<ChannelConfigException>(() => _driver.Parse("tgram://123456789:AAH/not a chat", new Dictionary<string, string>()));
    }
}

public sealed class PushoverDriverTests : IAsyncLifetime
{
    readonly FakePushover _fake = new();
    readonly PushoverDriver _driver = Create<PushoverDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    ChannelConfig Config(string? user = null) => _driver.Parse(_fake.BaseAddress.ToString(), new Dictionary<string, string> { ["token"] = _fake.AppToken, ["user"] = user ?? _fake.UserKey });

    [Fact]
    public async Task Sends_the_form_and_reads_status_zero_errors_as_permanent()
    {
        (await _driver.SendAsync(Config(), Message(severity: Severity.Critical), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        var sent = _fake.Messages.Last();
        sent["title"].ShouldBe("VPS-1 back in stock");
        sent["priority"].ShouldBe("1");
        sent["html"].ShouldBe("1");
        sent["url"].ShouldBe("https://www.ovhcloud.com/fr/vps/");

        var bad = await _driver.SendAsync(Config("nobody"), Message(), Ct);
        bad.Outcome.ShouldBe(DeliveryOutcome.Failed);
        bad.Error!.ShouldContain("user identifier");
        _fake.Enqueue(new ScriptedResponse(500, "oops", "text/plain"));
        var down = await _driver.SendAsync(Config(), Message(), Ct);
        down.Outcome.ShouldBe(DeliveryOutcome.Retry);
        down.RetryAfter.ShouldBe(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Apprise_form_round_trips_and_hides_keys()
    {
        var config = _driver.Parse("pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi/phone?priority=1&sound=siren", new Dictionary<string, string>());
        config.Setting("device").ShouldBe("phone");
        config.Setting("token").ShouldBe("azGDORePK8gMaC0QOYAMyEEuzJnyUi", "the app token keeps its case, though written where a host goes");
        config.Setting("user").ShouldBe("uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.Mask(config).ShouldNotContain("uQiRzpo4");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("pover://u@t?priority=9", new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("retry", "10", "settings.retry")]
    [InlineData("retry", "soon", "settings.retry")]
    [InlineData("expire", "99999", "settings.expire")]
    [InlineData("expire", "0", "settings.expire")]
    public void Emergency_repeats_pushover_refuses_are_refused_at_save(string setting, string value, string field)
    {
        var settings = new Dictionary<string, string> { ["token"] = "T5", ["user"] = "U5", ["priority"] = "2", [setting] = value };
        Should.Throw<ChannelConfigException>(() => _driver.Parse("https://api.pushover.net", settings)).Field.ShouldBe(field);
        Should.Throw<ChannelConfigException>(() => _driver.Parse($"pover://U5@T5?priority=2&{setting}={value}", new Dictionary<string, string>())).Field.ShouldBe("url");
        var bounds = _driver.Parse("pover://U5@T5?priority=2&retry=30&expire=10800", new Dictionary<string, string>());
        (bounds.Setting("retry"), bounds.Setting("expire")).ShouldBe(("30", "10800"));
    }
}

public sealed class TwilioDriverTests : IAsyncLifetime
{
    readonly FakeTwilio _fake = new();
    readonly TwilioDriver _driver = Create<TwilioDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    ChannelConfig Config(string to, string? token = null) => _driver.Parse(_fake.BaseAddress.ToString(), new Dictionary<string, string>
    {
        ["account_sid"] = _fake.AccountSid,
        ["auth_token"] = token ?? _fake.AuthToken,
        ["from"] = "+15005550006",
        ["to"] = to,
    });

    [Fact]
    public async Task Sends_one_form_per_recipient_with_basic_auth_and_reads_the_sid()
    {
        var result = await _driver.SendAsync(Config("+821012345678,+821098765432"), Message(), Ct);
        result.Outcome.ShouldBe(DeliveryOutcome.Sent);
        result.RemoteId!.ShouldStartWith("SM");
        _fake.Messages.Count.ShouldBe(2);
        _fake.Messages.First()["Body"].ShouldBe("VPS-1 back in stock: GRA is available");
        _fake.Messages.First()["From"].ShouldBe("+15005550006");
        _fake.Requests.Last().Header("Content-Type")!.ShouldStartWith("application/x-www-form-urlencoded");
    }

    [Fact]
    public async Task Bad_credentials_fail_bad_numbers_fail_alone_and_throttling_retries()
    {
        (await _driver.SendAsync(Config("+821012345678", "wrong-token"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
        _fake.BadNumbers["+821000000000"] = 21211;
        var mixed = await _driver.SendAsync(Config("+821000000000,+821012345678"), Message(), Ct);
        // The good number still gets it; the bad one is a failed delivery, named, and nothing is retried.
        mixed.Outcome.ShouldBe(DeliveryOutcome.Failed);
        mixed.Error.ShouldBe("Twilio sent 1 of 2; not sent to +821000000000: Twilio 21211: The 'To' number +821000000000 is not valid.");
        mixed.RemoteId!.ShouldStartWith("SM");
        mixed.Delivered.ShouldBe(["+821012345678"], "who got it, for the cooldown");
        _fake.Messages.Last()["To"].ShouldBe("+821012345678");
        (await _driver.SendAsync(Config("+821000000000"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
        _fake.Enqueue(FakeTwilio.TooManyRequests);
        var limited = await _driver.SendAsync(Config("+821012345678"), Message(), Ct);
        limited.Outcome.ShouldBe(DeliveryOutcome.Retry);
        limited.RetryAfter.ShouldBe(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_retry_skips_the_numbers_already_reached_and_says_which_it_reached()
    {
        _fake.Enqueue(new ScriptedResponse(201, "{\"sid\":\"SM1\",\"status\":\"queued\"}"), FakeTwilio.TooManyRequests);
        var first = await _driver.SendAsync(Config("+821011111111,+821022222222,+821033333333"), Message(), Ct);
        first.Outcome.ShouldBe(DeliveryOutcome.Retry);
        first.Delivered.ShouldBe(["+821011111111"]);

        var before = _fake.Requests.Count;
        var retry = await _driver.SendAsync(Config("+821011111111,+821022222222,+821033333333"), Message() with { AlreadyDelivered = new HashSet<string> { "+821011111111" } }, Ct);
        retry.Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Messages.Select(m => m["To"]).ShouldBe(["+821022222222", "+821033333333"]);
        (_fake.Requests.Count - before).ShouldBe(2);
    }

    [Fact]
    public void The_apprise_form_round_trips_and_numbers_are_checked()
    {
        var config = _driver.Parse("twilio://AC0123:tok3n@+15005550006/+821012345678/+821098765432", new Dictionary<string, string>());
        config.Setting("to").ShouldBe("+821012345678,+821098765432");
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.Mask(config).ShouldNotContain("tok3n");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("twilio://AC0123:t@+15005550006/01012345678", new Dictionary<string, string>()));
    }
}

public sealed class SolapiDriverTests : IAsyncLifetime
{
    readonly FakeSolapi _fake = new();
    readonly SolapiDriver _driver = Create<SolapiDriver>();

    public async ValueTask InitializeAsync() => await _fake.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    ChannelConfig Config(string to, string? from = null, string? secret = null) => _driver.Parse(_fake.BaseAddress.ToString(), new Dictionary<string, string>
    {
        ["api_key"] = _fake.ApiKey,
        ["api_secret"] = secret ?? _fake.ApiSecret,
        ["from"] = from ?? "0212345678",
        ["to"] = to,
    });

    [Fact]
    public void The_signature_matches_the_documented_vector()
    {
        SolapiDriver.AuthorizationHeader("KEY", "vigil-test-secret", "2026-01-01T00:00:00Z", "k3N9xQ2mP7vL4tR8")
            .ShouldEndWith("signature=d749b0806725ed6ae80d7253780691db94f11e4adeb0498819359ef04b5369c8");
    }

    [Fact]
    public async Task Sends_signed_batches_and_treats_failed_lists_under_200_as_failures()
    {
        var ok = await _driver.SendAsync(Config("01012345678,01098765432"), Message("서버 만료"), Ct);
        ok.Outcome.ShouldBe(DeliveryOutcome.Sent);
        _fake.Messages.Count.ShouldBe(2);
        _fake.Messages.First()["text"]!.ToString().ShouldStartWith("[Vigil] 서버 만료");

        var unregistered = await _driver.SendAsync(Config("01012345678", from: "0299999999"), Message(), Ct);
        unregistered.Outcome.ShouldBe(DeliveryOutcome.Failed);
        unregistered.Error!.ShouldContain("1062");

        var badSecret = await _driver.SendAsync(Config("01012345678", secret: "wrong"), Message(), Ct);
        badSecret.Outcome.ShouldBe(DeliveryOutcome.Failed);
        badSecret.Error!.ShouldContain("SignatureDoesNotMatch");
        _fake.Enqueue(new ScriptedResponse(500, "{\"errorCode\":\"InternalError\",\"errorMessage\":\"oops\"}"));
        (await _driver.SendAsync(Config("01012345678"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Retry);
    }

    [Fact]
    public async Task A_recipient_in_the_failed_list_under_200_fails_the_delivery_without_a_retry()
    {
        _fake.Enqueue(new ScriptedResponse(200, """
            {"groupInfo":{"groupId":"G1","count":{"total":2,"registeredSuccess":1,"registeredFailed":1}},
             "failedMessageList":[{"to":"01022222222","from":"0212345678","statusCode":"1062","statusMessage":"sender not registered"}],
             "messageList":[{"messageId":"M1","statusCode":"2000"}]}
            """));
        var partial = await _driver.SendAsync(Config("01011111111,01022222222"), Message(), Ct);
        partial.Outcome.ShouldBe(DeliveryOutcome.Failed, "retrying would send 01011111111 a second copy");
        partial.Error.ShouldBe("SOLAPI accepted 1 of 2; not accepted for 01022222222: 1062 sender not registered");
        partial.RemoteId.ShouldBe("G1");
        partial.Delivered.ShouldBe(["01011111111"], "who got it, for the cooldown");
    }

    [Fact]
    public void The_url_form_round_trips_and_hides_the_secret()
    {
        var config = _driver.Parse("solapi://NCSKEY:s3cr3t@0212345678/01012345678/01098765432", new Dictionary<string, string>());
        _driver.Parse(AppriseOf(_driver, config), new Dictionary<string, string>()).ShouldBeEquivalentTo(config);
        _driver.Mask(config).ShouldNotContain("s3cr3t");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("solapi://k:s@02-1234/010-1234-5678", new Dictionary<string, string>()));
    }
}

/// <summary>
/// Pushover, Twilio and SOLAPI behind a gateway mounted under a path: requests keep the path the URL gives, whether it
/// names the API base or the endpoint itself; the services' own hosts still get the official paths.
/// </summary>
public sealed class GatewayPrefixTests : IAsyncLifetime
{
    readonly FakePushover _pushover = new() { PathPrefix = "/po2" };
    readonly FakeTwilio _twilio = new() { PathPrefix = "/tw2" };
    readonly FakeSolapi _solapi = new() { PathPrefix = "/so2" };

    public async ValueTask InitializeAsync()
    {
        await _pushover.StartAsync();
        await _twilio.StartAsync();
        await _solapi.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _pushover.DisposeAsync();
        await _twilio.DisposeAsync();
        await _solapi.DisposeAsync();
    }

    [Fact]
    public async Task Pushover_keeps_the_gateways_path()
    {
        var driver = Create<PushoverDriver>();
        var settings = new Dictionary<string, string> { ["token"] = _pushover.AppToken, ["user"] = _pushover.UserKey };
        foreach (var url in new[] { new Uri(_pushover.BaseAddress, "/po2").ToString(), new Uri(_pushover.BaseAddress, "/po2/1/messages.json").ToString() })
        {
            var config = driver.Parse(url, settings);
            config.Url.ShouldBe(new Uri(_pushover.BaseAddress, "/po2").ToString());
            (await driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
            _pushover.Requests.Last().Path.ShouldBe("/po2/1/messages.json");
        }
        driver.Parse("https://api.pushover.net", settings).Url.ShouldBe("https://api.pushover.net");
        driver.Parse("https://api.pushover.net/1/messages.json", settings).Url.ShouldBe("https://api.pushover.net");
    }

    [Fact]
    public async Task Twilio_keeps_the_gateways_path_and_reads_the_account_an_endpoint_url_names()
    {
        var driver = Create<TwilioDriver>();
        var settings = new Dictionary<string, string> { ["auth_token"] = _twilio.AuthToken, ["from"] = "+15005550006", ["to"] = "+821012345678" };
        var endpoint = new Uri(_twilio.BaseAddress, $"/tw2/2010-04-01/Accounts/{_twilio.AccountSid}/Messages.json").ToString();
        var config = driver.Parse(endpoint, settings);
        config.Url.ShouldBe(new Uri(_twilio.BaseAddress, "/tw2").ToString());
        config.Setting("account_sid").ShouldBe(_twilio.AccountSid);
        (await driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _twilio.Requests.Last().Path.ShouldBe($"/tw2/2010-04-01/Accounts/{_twilio.AccountSid}/Messages.json");
        Should.Throw<ChannelConfigException>(() => driver.Parse(endpoint, new Dictionary<string, string>(settings) { ["account_sid"] = "AC999" })).Field.ShouldBe("url");
        driver.Parse("https://api.twilio.com", new Dictionary<string, string>(settings) { ["account_sid"] = "AC1" }).Url.ShouldBe("https://api.twilio.com");
    }

    [Fact]
    public async Task Solapi_keeps_the_gateways_path()
    {
        var driver = Create<SolapiDriver>();
        var settings = new Dictionary<string, string> { ["api_key"] = _solapi.ApiKey, ["api_secret"] = _solapi.ApiSecret, ["from"] = "0212345678", ["to"] = "01012345678" };
        var config = driver.Parse(new Uri(_solapi.BaseAddress, "/so2/messages/v4/send-many/detail").ToString(), settings);
        config.Url.ShouldBe(new Uri(_solapi.BaseAddress, "/so2").ToString());
        (await driver.SendAsync(config, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _solapi.Requests.Last().Path.ShouldBe("/so2/messages/v4/send-many/detail");
        driver.Parse("https://api.solapi.com/", settings).Url.ShouldBe("https://api.solapi.com");
    }
}

public sealed class EmailDriverTests : IAsyncLifetime
{
    readonly FakeSmtpServer _smtp = new();
    readonly FakeSmtpServer _smtps = new() { ImplicitTls = true };
    readonly EmailDriver _driver = Create<EmailDriver>();

    public async ValueTask InitializeAsync()
    {
        await _smtp.StartAsync();
        await _smtps.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _smtps.DisposeAsync();
    }

    ChannelConfig Config(FakeSmtpServer server, string scheme = "smtp", string? password = null) => _driver.Parse(
        $"{scheme}://{server.User}:{Uri.EscapeDataString(password ?? server.Password)}@127.0.0.1:{server.Port}?verify=no",
        new Dictionary<string, string> { ["to"] = "ops@example.com, lead@example.com", ["from"] = "vigil@example.com" });

    [Fact]
    public async Task Sends_multipart_mail_over_starttls_with_auth_and_a_message_id_from_the_idempotency_key()
    {
        var message = Message("Serveur «cust-42» expire", "dans 3 jours");
        var result = await _driver.SendAsync(Config(_smtp), message, Ct);

        result.Outcome.ShouldBe(DeliveryOutcome.Sent, result.Error);
        var mail = _smtp.Messages.ShouldHaveSingleItem();
        mail.Subject.ShouldBe("Serveur «cust-42» expire");
        mail.MessageId.ShouldBe(message.IdempotencyKey + "@vigil");
        mail.Headers["Auto-Submitted"].ShouldBe("auto-generated");
        mail.To.Mailboxes.Select(m => m.Address).ShouldBe(["ops@example.com", "lead@example.com"]);
        mail.TextBody!.ShouldContain("dans 3 jours");
        mail.HtmlBody!.ShouldContain("<b>");
    }

    [Fact]
    public async Task The_text_part_shows_the_title_fields_and_link_the_html_part_shows()
    {
        var message = Message("Title", "Line1") with
        {
            Fields = [new MessageField("Plan", "vps-le-2-2"), new MessageField("Ort", "Gräfelfing")],
            Link = "https://example.com/x",
        };
        (await _driver.SendAsync(Config(_smtp), message, Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _smtp.Messages.Last().TextBody!.ReplaceLineEndings("\n").TrimEnd()
            .ShouldBe("Title\n\nLine1\n\nPlan: vps-le-2-2\nOrt: Gräfelfing\n\nhttps://example.com/x");
        EmailDriver.PlainText(message with { Fields = [], Link = null }).ShouldBe("Title\n\nLine1");
    }

    [Fact]
    public async Task Implicit_tls_works_too()
    {
        (await _driver.SendAsync(Config(_smtps, "smtps"), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        _smtps.Messages.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Temporary_replies_retry_permanent_ones_and_bad_passwords_fail()
    {
        _smtp.FailNext("MAIL", "451 4.3.0 Try again later");
        (await _driver.SendAsync(Config(_smtp), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Retry);
        _smtp.FailNext("RCPT", "550 5.1.1 No such user");
        (await _driver.SendAsync(Config(_smtp), Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);
        var wrong = await _driver.SendAsync(Config(_smtp, password: "nope"), Message(), Ct);
        wrong.Outcome.ShouldBe(DeliveryOutcome.Failed);
        wrong.Error!.ShouldContain("authentication");
    }

    [Fact]
    public async Task A_server_without_starttls_fails_a_starttls_channel_for_good_and_serves_an_opportunistic_one()
    {
        await using var plain = new FakeSmtpServer { NoStartTls = true };
        await plain.StartAsync();
        var required = _driver.Parse($"smtp://{plain.User}:{plain.Password}@127.0.0.1:{plain.Port}?mode=starttls&verify=no",
            new Dictionary<string, string> { ["to"] = "a@example.com", ["from"] = "b@example.com" });
        var result = await _driver.SendAsync(required, Message(), Ct);
        result.Outcome.ShouldBe(DeliveryOutcome.Failed, "a setting to change, not a moment to wait");
        result.Error!.ShouldContain("STARTTLS");
        plain.Messages.ShouldBeEmpty();

        var opportunistic = _driver.Parse($"smtp://{plain.User}:{plain.Password}@127.0.0.1:{plain.Port}?mode=insecure",
            new Dictionary<string, string> { ["to"] = "a@example.com", ["from"] = "b@example.com" });
        (await _driver.SendAsync(opportunistic, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Sent);
        plain.Messages.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_self_signed_server_is_refused_unless_verify_is_off_and_private_hosts_need_the_allowlist()
    {
        var strict = _driver.Parse($"smtp://{_smtp.User}:{_smtp.Password}@127.0.0.1:{_smtp.Port}", new Dictionary<string, string> { ["to"] = "a@example.com", ["from"] = "b@example.com" });
        (await _driver.SendAsync(strict, Message(), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);

        var guarded = Create<EmailDriver>(allowlist: "");
        await Should.ThrowAsync<Vigil.Server.Platform.Http.BlockedDestinationException>(() => guarded.SendAsync(Config(_smtp), Message(), Ct));
    }

    [Fact]
    public void Apprise_mailto_forms_parse_with_their_defaults_and_round_trip()
    {
        var plain = _driver.Parse("mailto://user:pw@example.com", new Dictionary<string, string>());
        plain.Url.ShouldBe("smtp://example.com:25");
        plain.Setting("to").ShouldBe("user@example.com");
        var secure = _driver.Parse("mailtos://user:pw@example.com/ops@example.com?smtp=smtp.example.com&from=alerts@example.com&name=Vigil", new Dictionary<string, string>());
        secure.Url.ShouldBe("smtp://smtp.example.com:587");
        secure.Setting("mode").ShouldBe("starttls");
        secure.Setting("from_name").ShouldBe("Vigil");
        _driver.Parse(AppriseOf(_driver, secure), new Dictionary<string, string>()).ShouldBeEquivalentTo(secure);
        _driver.Parse("mailtos://u:p@example.com/a@example.com?mode=ssl", new Dictionary<string, string>()).Url.ShouldBe("smtp://example.com:465");
        _driver.Mask(secure).ShouldNotContain("pw");
        Should.Throw<ChannelConfigException>(() => _driver.Parse("smtp://host", new Dictionary<string, string> { ["to"] = "not an address", ["from"] = "a@b.c" }));
    }
}
