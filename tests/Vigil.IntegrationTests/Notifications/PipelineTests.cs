using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.IntegrationTests.Notifications;

public abstract class PipelineTests(NotificationsHost host, NotifyFakes fakes)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    AlertInput Restock(string datacenter, string plan) => new("restock.back_in_stock", null, $"ovh:{plan}:{datacenter}", Severity.Info,
        $"{plan} is back in {datacenter.ToUpperInvariant()}", "Linux stock returned.", new Dictionary<string, string> { ["Datacenter"] = datacenter }, GroupKey: plan);

    [Fact]
    public async Task Channels_are_stored_encrypted_shown_masked_and_apprise_and_form_agree()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var hook = fakes.Discord.WebhookUrl("111222333444555666", "very-secret-token");
        var byForm = await NotificationsHost.AddChannelAsync(user, new { name = "form", type = "discord", url = hook.ToString() }, Ct);
        var byApprise = await NotificationsHost.AddChannelAsync(user, new { name = "apprise", url = "discord://111222333444555666/very-secret-token" }, Ct);

        var list = await user.Client.GetStringAsync("/api/v1/channels", Ct);
        list.ShouldNotContain("very-secret-token");
        var form = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{byForm}", Ct);
        var apprise = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{byApprise}", Ct);
        form.GetProperty("type").GetString().ShouldBe("discord");
        apprise.GetProperty("type").GetString().ShouldBe("discord");
        apprise.GetProperty("target").GetString()!.ShouldEndWith("/api/webhooks/111222333444555666/••••••");
        (await RawDatabase.DumpAsync(host, ["notification_channels", "audit_log"], Ct)).ShouldNotContain("very-secret-token");

        // What an answer shows masked cannot become a secret: a copy made from it is refused, naming the field...
        var copy = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "copy", type = "discord", url = apprise.GetProperty("target").GetString() }, Ct);
        copy.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await copy.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue();
        var webhook = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + Unique("w-")).ToString() }, Ct);
        var shown = await webhook.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var maskedSettings = shown.GetProperty("settings").Deserialize<Dictionary<string, string>>()!;
        maskedSettings["secret"].ShouldContain("••••");
        var copied = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "w2", url = new Uri(fakes.Webhook.BaseAddress, "/copy").ToString(), settings = maskedSettings }, Ct);
        copied.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await copied.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("settings.secret", out _).ShouldBeTrue();
        // ...while sending the masked target and settings back unchanged keeps what is stored.
        (await user.Client.PatchAsJsonAsync($"/api/v1/channels/{byForm}", new { url = form.GetProperty("target").GetString(), name = "renamed" }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var test = await (await user.Client.PostAsync($"/api/v1/channels/{byForm}/test", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        test.GetProperty("status").GetString().ShouldBe("sent", test.ToString());
    }

    [Fact]
    public async Task A_channel_shows_its_apprise_form_masked_and_edits_keep_what_they_do_not_name()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "apprise", url = "discord://111222333444555666/very-secret-token" }, Ct);
        var shown = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var apprise = shown.GetProperty("apprise_url").GetString()!;
        apprise.ShouldStartWith("discord://111222333444555666/");
        apprise.ShouldNotContain("very-secret-token");
        // The masked Apprise form sent back unchanged keeps the stored configuration, as the masked target does.
        var id = shown.GetProperty("id").GetGuid();
        var kept = await (await user.Client.PatchAsJsonAsync($"/api/v1/channels/{id}", new { url = apprise }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        kept.GetProperty("target").GetString().ShouldBe(shown.GetProperty("target").GetString());
        kept.GetProperty("apprise_url").GetString().ShouldBe(apprise);

        // Case-sensitive values written where a host goes keep their case.
        var ntfy = await (await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "n", url = "ntfy://VigilAlerts" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        ntfy.GetProperty("target").GetString().ShouldBe("https://ntfy.sh/VigilAlerts");
        ntfy.GetProperty("apprise_url").GetString()!.ShouldContain("VigilAlerts");

        // A native webhook stays signed when its settings are replaced without naming the secret.
        var path = Unique("signed-");
        var hook = await (await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        var secret = hook.GetProperty("signing_secret").GetString()!;
        var hookId = hook.GetProperty("id").GetGuid();
        var edited = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{hookId}", new { settings = new { rate_limit = "0" } }, Ct);
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync(Ct));
        (await user.Client.PostAsync($"/api/v1/channels/{hookId}/test", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var sent = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
        var timestamp = long.Parse(sent.Header("webhook-timestamp")!, System.Globalization.CultureInfo.InvariantCulture);
        sent.Header("webhook-signature").ShouldBe(FakeWebhookReceiver.Sign(secret, sent.Header("webhook-id")!, timestamp, sent.BodyText));

        // Null settings and names with control characters are the caller's mistake, named.
        async Task ShouldNameAsync(HttpResponseMessage response, string field)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync(Ct));
            (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        }
        var target = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString();
        await ShouldNameAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", url = target, settings = new Dictionary<string, string?> { ["a"] = null } }, Ct), "settings.a");
        await ShouldNameAsync(await user.Client.PatchAsJsonAsync($"/api/v1/channels/{hookId}", new { settings = new Dictionary<string, string?> { ["a"] = null } }, Ct), "settings.a");
        await ShouldNameAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", url = target, settings = new { big = new string('x', 20_000) } }, Ct), "settings.big");
        await ShouldNameAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "u\u0000x", url = target }, Ct), "name");
    }

    /// <summary>An answer's masked parts filled in with the secrets they hide, as the channel's owner would.</summary>
    static string Filled(string masked, string secret) => masked.Replace("••••••", secret, StringComparison.Ordinal);

    static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    async Task<JsonElement> TestAsync(TestUser user, JsonElement channel)
    {
        var test = await (await user.Client.PostAsync($"/api/v1/channels/{channel.GetProperty("id").GetGuid()}/test", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        test.GetProperty("status").GetString().ShouldBe("sent", test.ToString());
        return test;
    }

    [Fact]
    public async Task The_apprise_url_of_a_signed_webhook_writes_back_as_a_signed_webhook()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("resigned-");
        var signed = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct));
        var apprise = signed.GetProperty("apprise_url").GetString()!;

        // Written back as a new channel, it is a native webhook again: Vigil's envelope, signed with its own new secret.
        var copy = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "copy", type = "webhook", url = Filled(apprise, path) }, Ct));
        await TestAsync(user, copy);
        var sent = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
        var timestamp = long.Parse(sent.Header("webhook-timestamp").ShouldNotBeNull(), System.Globalization.CultureInfo.InvariantCulture);
        sent.Header("webhook-signature").ShouldBe(FakeWebhookReceiver.Sign(copy.GetProperty("signing_secret").GetString()!, sent.Header("webhook-id")!, timestamp, sent.BodyText));
        JsonNode.Parse(sent.BodyText)!["type"]!.ToString().ShouldBe("notifications.test");
        // json:// (Apprise's unsigned body) cannot say this channel; its target URL can.
        apprise.ShouldBe(signed.GetProperty("target").GetString());

        // Written back to the channel itself, masked or filled in, it keeps its signing secret.
        var id = signed.GetProperty("id").GetGuid();
        foreach (var url in new[] { apprise, Filled(apprise, path) })
        {
            var edited = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{id}", new { url }, Ct);
            edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync(Ct));
            await TestAsync(user, signed);
            sent = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
            timestamp = long.Parse(sent.Header("webhook-timestamp")!, System.Globalization.CultureInfo.InvariantCulture);
            sent.Header("webhook-signature").ShouldBe(FakeWebhookReceiver.Sign(signed.GetProperty("signing_secret").GetString()!, sent.Header("webhook-id")!, timestamp, sent.BodyText));
        }
    }

    [Fact]
    public async Task The_apprise_url_of_a_self_hosted_discord_or_telegram_keeps_its_host()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var token = Unique("tok-");
        var discord = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels",
            new { name = "d", type = "discord", url = fakes.Discord.WebhookUrl(hookId, token).ToString(), settings = new { username = "Relay" } }, Ct));
        var apprise = discord.GetProperty("apprise_url").GetString()!;
        // discord:// means discord.com: the proxy's own URL is the form that says this channel.
        apprise.ShouldNotStartWith("discord://");
        apprise.ShouldNotContain(token);

        var copy = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels",
            new { name = "copy", type = "discord", url = Filled(apprise, token), settings = discord.GetProperty("settings") }, Ct));
        await TestAsync(user, copy);
        var posted = fakes.Discord.Requests.Last(r => r.Path == $"/api/webhooks/{hookId}/{token}");
        JsonNode.Parse(posted.BodyText)!["username"]!.ToString().ShouldBe("Relay");

        var telegram = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels",
            new { name = "t", type = "telegram", url = new Uri(fakes.Telegram.BaseAddress, "/bot" + fakes.Telegram.Token).ToString(), settings = new { chat_id = "42", silent = "yes" } }, Ct));
        apprise = telegram.GetProperty("apprise_url").GetString()!;
        apprise.ShouldNotStartWith("tgram://");
        apprise.ShouldNotContain(fakes.Telegram.Token);
        // Filled in and written back to the channel, it still reaches the self-hosted server with the same settings.
        var id = telegram.GetProperty("id").GetGuid();
        var edited = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{id}", new { url = Filled(apprise, fakes.Telegram.Token) }, Ct);
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync(Ct));
        var before = fakes.Telegram.Messages.Count;
        await TestAsync(user, telegram);
        fakes.Telegram.Messages.Count.ShouldBe(before + 1);
        var message = fakes.Telegram.Messages.Last();
        message["chat_id"]!.ToString().ShouldBe("42");
        message["disable_notification"]!.GetValue<bool>().ShouldBeTrue();
    }

    /// <summary>A Telegram channel to <paramref name="chats"/> on the fake, subscribed to <c>ops.*</c> events of <paramref name="subject"/>; its id.</summary>
    async Task<Guid> SubscribedTelegramAsync(TestUser user, string subject, string chats, int? cooldownSeconds = null)
    {
        var channel = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels",
            new { name = "chats", type = "telegram", url = new Uri(fakes.Telegram.BaseAddress, "/bot" + fakes.Telegram.Token).ToString(), settings = new { chat_id = chats } }, Ct));
        var id = channel.GetProperty("id").GetGuid();
        await NotificationsHost.SubscribeAsync(user, "ops.*", subject, [id], cooldownSeconds: cooldownSeconds, ct: Ct);
        return id;
    }

    [Fact]
    public async Task A_retry_goes_only_to_the_recipients_an_earlier_attempt_did_not_reach()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var subject = Unique("chats-");
        await SubscribedTelegramAsync(user, subject, "42,-1001234567890,@vigil_channel");
        // The first chat takes the message; the second is rate limited once.
        fakes.Telegram.Enqueue(new ScriptedResponse(200, "{\"ok\":true,\"result\":{\"message_id\":1}}"), FakeTelegram.TooManyRequests(2));
        var before = fakes.Telegram.Requests.Count;

        await host.RaiseAsync(new AlertInput("ops.deploy", null, subject, Severity.Warning, "Deploy " + subject, "rolled out"), Ct);
        await host.FlushAsync(Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(5));
        await host.FlushAsync(Ct);

        var chats = fakes.Telegram.Requests.Skip(before).Select(r => JsonNode.Parse(r.BodyText)!["chat_id"]!.ToString()).ToList();
        chats.ShouldBe(["42", "-1001234567890", "-1001234567890", "@vigil_channel"], "the retry skips the chat that already has the message");
    }

    [Fact]
    public async Task A_message_some_recipients_got_before_it_failed_starts_the_cooldown()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var subject = Unique("half-");
        var channel = await SubscribedTelegramAsync(user, subject, "42,-100999", cooldownSeconds: 600);
        var before = fakes.Telegram.Requests.Count;

        // Chat 42 gets it; the other does not exist, a permanent failure.
        await host.RaiseAsync(new AlertInput("ops.deploy", null, subject, Severity.Warning, "Deploy " + subject, "rolled out"), Ct);
        await host.FlushAsync(Ct);
        fakes.Telegram.Requests.Count.ShouldBe(before + 2);
        var first = (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}", Ct)).GetProperty("items")[0];
        first.GetProperty("status").GetString().ShouldBe("failed");

        // The same subject a minute later: chat 42 heard it already, so the cooldown holds it back as after a full send.
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await host.RaiseAsync(new AlertInput("ops.deploy", null, subject, Severity.Warning, "Deploy again " + subject, "rolled out"), Ct);
        await host.FlushAsync(Ct);
        fakes.Telegram.Requests.Count.ShouldBe(before + 2, "nobody is told twice within the cooldown");
    }

    [Fact]
    public async Task A_telegram_group_that_became_a_supergroup_is_stored_under_its_new_id()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var old = "-100" + Random.Shared.NextInt64(100_000_000, 999_999_999);
        var moved = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        fakes.Telegram.Chats.Add(moved.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fakes.Telegram.Migrated[old] = moved;
        var channel = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels",
            new { name = "group", type = "telegram", url = new Uri(fakes.Telegram.BaseAddress, "/bot" + fakes.Telegram.Token).ToString(), settings = new { chat_id = "42," + old } }, Ct));
        var before = fakes.Telegram.Messages.Count;

        await TestAsync(user, channel);

        fakes.Telegram.Messages.Count.ShouldBe(before + 2, "one message to each chat, the moved one at its new id");
        var stored = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channel.GetProperty("id").GetGuid()}", Ct);
        stored.GetProperty("settings").GetProperty("chat_id").GetString().ShouldBe("42," + moved);
    }

    [Fact]
    public async Task Credentials_in_a_native_webhook_url_are_sent_as_basic_auth_and_never_shown()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("basic-");
        var password = Unique("pass-");
        var url = $"http://alice:{password}@127.0.0.1:{fakes.Webhook.BaseAddress.Port}/{path}";
        var channel = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "b", type = "webhook", url }, Ct));

        await TestAsync(user, channel);
        var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("alice:" + password));
        var sent = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
        sent.Header("Authorization").ShouldBe(basic);
        sent.Header("webhook-signature").ShouldNotBeNull();

        // Kept as settings, the password masked like any secret; not in the target, the answer or the stored rows.
        channel.ToString().ShouldNotContain(password);
        var settings = channel.GetProperty("settings").Deserialize<Dictionary<string, string>>()!;
        settings["user"].ShouldBe("alice");
        settings["password"].ShouldContain("••••");
        channel.GetProperty("target").GetString().ShouldBe($"http://127.0.0.1:{fakes.Webhook.BaseAddress.Port}/••••••");
        (await RawDatabase.DumpAsync(host, ["notification_channels", "audit_log"], Ct)).ShouldNotContain(password);

        // The masked settings sent back unchanged keep the password.
        var edited = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{channel.GetProperty("id").GetGuid()}", new { settings }, Ct);
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync(Ct));
        await TestAsync(user, channel);
        fakes.Webhook.Requests.Last(r => r.Path == "/" + path).Header("Authorization").ShouldBe(basic);
    }

    [Fact]
    public async Task Custom_header_values_are_secrets_masked_in_every_answer_and_kept_when_written_back()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("header-");
        var token = Unique("tok");
        var url = $"json://127.0.0.1:{fakes.Webhook.BaseAddress.Port}/{path}?+Authorization=Bearer%20{token}&+X-Api-Key={token}k";
        var channel = await CreatedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "h", url }, Ct));

        await TestAsync(user, channel);
        var sent = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
        sent.Header("Authorization").ShouldBe("Bearer " + token);
        sent.Header("X-Api-Key").ShouldBe(token + "k");
        channel.ToString().ShouldNotContain(token);
        var settings = channel.GetProperty("settings").Deserialize<Dictionary<string, string>>()!;
        settings["header:Authorization"].ShouldContain("••••");
        var listed = await user.Client.GetStringAsync("/api/v1/channels", Ct);
        listed.ShouldNotContain(token);
        (await RawDatabase.DumpAsync(host, ["notification_channels", "audit_log"], Ct)).ShouldNotContain(token);

        // The masked Apprise URL, or the masked settings, sent back unchanged keep the headers.
        var id = channel.GetProperty("id").GetGuid();
        if (channel.GetProperty("apprise_url").GetString() is { } apprise)
        {
            var back = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{id}", new { url = apprise }, Ct);
            back.StatusCode.ShouldBe(HttpStatusCode.OK, await back.Content.ReadAsStringAsync(Ct));
        }
        var edited = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{id}", new { settings }, Ct);
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync(Ct));
        await TestAsync(user, channel);
        sent = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
        sent.Header("Authorization").ShouldBe("Bearer " + token);
        sent.Header("X-Api-Key").ShouldBe(token + "k");
    }

    [Fact]
    public async Task Kind_patterns_match_with_wildcards_anywhere()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("kinds-");
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "custom.u?", path + "*", [channel], ct: Ct);
        await NotificationsHost.SubscribeAsync(user, "custom.*_done", path + "*", [channel], ct: Ct);

        foreach (var kind in new[] { "custom.u1", "custom.job_done", "custom.uvw", "custom.job_started" })
        {
            await host.RaiseAsync(new AlertInput(kind, null, path + ":" + kind, Severity.Info, kind, "b", GroupKey: kind), Ct);
        }
        await host.FlushAsync(Ct);
        var titles = fakes.Webhook.Requests.Where(r => r.Path == "/" + path).Select(r => r.BodyText).ToList();
        titles.Count.ShouldBe(2, string.Join("\n", titles));
        titles.ShouldContain(t => t.Contains("custom.u1"));
        titles.ShouldContain(t => t.Contains("custom.job_done"));
    }

    [Fact]
    public async Task Events_with_null_fields_are_refused_naming_the_field()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var response = await user.Client.PostAsJsonAsync("/api/v1/events",
            new { kind = "custom.null_field", subject = "n:1", title = "t", fields = new Dictionary<string, string?> { ["a"] = null } }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("fields.a", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Enum_values_are_one_member_name_never_names_joined_by_commas_or_numbers()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var before = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/subscriptions", Ct);
        async Task RefusedAsync(HttpResponseMessage response, string field)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(text);
        }
        // Comma-joined names used to be read as combined flags: "warning,critical" a value no member has (stored, then
        // every list answered 400), "info,critical" silently critical.
        foreach (var severity in new[] { "warning,critical", "info,critical", "3", "info, warning" })
        {
            await RefusedAsync(await user.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.enum", subject = "s", title = "t", severity }, Ct), "severity");
            await RefusedAsync(await user.Client.PostAsJsonAsync("/api/v1/subscriptions", new { module = "notifications", kind = "custom.*", min_severity = severity }, Ct), "min_severity");
        }
        await RefusedAsync(await user.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.enum", subject = "s", title = "t", severity = 2 }, Ct), "severity");
        await RefusedAsync(await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", url = "https://example.com/", scope = "user,workspace" }, Ct), "scope");
        foreach (var status in new[] { "sent,failed", "-1", "1" })
        {
            await RefusedAsync(await user.Client.GetAsync($"/api/v1/notifications?status={status}", Ct), "status");
        }
        // Nothing was stored, and the lists still read.
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/subscriptions", Ct)).GetProperty("items").GetArrayLength()
            .ShouldBe(before.GetProperty("items").GetArrayLength());
        (await user.Client.GetAsync("/api/v1/notifications", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await user.Client.GetAsync("/api/v1/notifications?status=SENT", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await user.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.enum", subject = "s", title = "t", severity = "Critical" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Unknown_schemes_and_private_targets_are_refused_naming_the_field()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var unknown = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", url = "carrierpigeon://coop/1" }, Ct);
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue();

        var metadata = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", type = "webhook", url = "http://169.254.169.254/latest/meta-data" }, Ct);
        metadata.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var badType = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", type = "carrier_pigeon", url = "https://example.com/" }, Ct);
        badType.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // URLs no message could ever be sent to are refused when saved, not discovered by the dispatcher.
        foreach (var unusable in (string[])["json://", "jsons://", "json:///path", "mailtos://u:p@example.com?smtp=%zz", "json://example.com/hook?method=BOGUS", "ntfys://ntfy.example.com/t1/t2", "discord://1/2\u0000"])
        {
            var refused = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", url = unusable }, Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, unusable);
            (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue(unusable);
        }
        var noDomain = await user.Client.PostAsJsonAsync("/api/v1/channels", new { name = "x", url = "mailtos://u:p@example.com/notanemail" }, Ct);
        noDomain.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noDomain.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("settings.to", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Deleting_a_channel_takes_it_out_of_subscriptions_and_removes_those_left_with_none()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var kept = await NotificationsHost.AddChannelAsync(user, new { name = "kept", url = new Uri(fakes.Webhook.BaseAddress, "/" + Unique("kept-")).ToString() }, Ct);
        var gone = await NotificationsHost.AddChannelAsync(user, new { name = "gone", url = new Uri(fakes.Webhook.BaseAddress, "/" + Unique("gone-")).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "custom.both", channels: [kept, gone], ct: Ct);
        await NotificationsHost.SubscribeAsync(user, "custom.only", channels: [gone], ct: Ct);

        (await user.Client.DeleteAsync($"/api/v1/channels/{gone}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var subscriptions = (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/subscriptions", Ct)).GetProperty("items").EnumerateArray().ToList();
        var both = subscriptions.ShouldHaveSingleItem();
        both.GetProperty("kind").GetString().ShouldBe("custom.both");
        both.GetProperty("channel_ids").EnumerateArray().Select(c => c.GetGuid()).ShouldBe([kept]);
    }

    [Fact]
    public async Task A_template_that_fails_on_an_event_still_delivers_it_with_the_default_text()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var secret = Unique("tok");
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = await NotificationsHost.AddChannelAsync(user, new
        {
            name = "tpl",
            type = "discord",
            url = fakes.Discord.WebhookUrl(hookId, secret).ToString(),
            settings = new Dictionary<string, string> { ["body_template"] = "{{ count | divided_by: 0 }}" },
        }, Ct);

        var test = await (await user.Client.PostAsync($"/api/v1/channels/{channel}/test", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        test.GetProperty("status").GetString().ShouldBe("sent", test.ToString());
        fakes.Discord.Requests.Where(r => r.Path.Contains(hookId, StringComparison.Ordinal)).ShouldHaveSingleItem()
            .BodyText.ShouldContain("If you can read it");
    }

    [Fact]
    public async Task The_test_button_sends_a_real_message_and_it_shows_in_my_deliveries()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var secret = Unique("tok");
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "ops", type = "discord", url = fakes.Discord.WebhookUrl("999000111222333444", secret).ToString() }, Ct);

        var test = await user.Client.PostAsync($"/api/v1/channels/{channel}/test", null, Ct);
        test.StatusCode.ShouldBe(HttpStatusCode.OK);
        var result = await test.Content.ReadFromJsonAsync<JsonElement>(Ct);
        result.GetProperty("status").GetString().ShouldBe("sent", result.ToString());
        result.GetProperty("status_code").GetInt32().ShouldBe(200);
        fakes.Discord.Messages.ShouldContain(m => m["embeds"]![0]!["description"]!.ToString().Contains("If you can read it", StringComparison.Ordinal));

        var other = await NotificationsHost.AddChannelAsync(user, new { name = "other", type = "discord", url = fakes.Discord.WebhookUrl("999000111222333445", Unique("tok")).ToString() }, Ct);
        (await user.Client.PostAsync($"/api/v1/channels/{other}/test", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications", Ct)).GetProperty("items").GetArrayLength().ShouldBe(2);
        var deliveries = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}", Ct);
        var delivery = deliveries.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        delivery.GetProperty("channel_id").GetGuid().ShouldBe(channel);
        delivery.GetProperty("status").GetString().ShouldBe("sent");
        delivery.GetProperty("attempt_log")[0].GetProperty("status_code").GetInt32().ShouldBe(200);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channel}", Ct)).GetProperty("health").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task Events_raised_together_reach_a_destination_as_one_message()
    {
        var (user, plan, hookId, channel) = await DiscordWatcherAsync();
        var before = fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal));

        for (var i = 0; i < 20; i++)
        {
            await host.RaiseAsync(Restock($"dc{i:00}", plan), Ct);
        }
        await host.DispatchAsync(Ct);
        fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal)).ShouldBe(before, "nothing goes out before the grouping window ends");

        await host.FlushAsync(Ct);

        var sent = fakes.Discord.Requests.Where(r => r.Path.Contains(hookId, StringComparison.Ordinal)).Skip(before).ToList();
        var message = JsonNode.Parse(sent.ShouldHaveSingleItem().BodyText)!;
        var listed = message["embeds"]![0]!["description"]!.ToString();
        for (var i = 0; i < 20; i++)
        {
            listed.ShouldContain($"DC{i:00}");
        }
        var deliveries = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}&status=sent", Ct);
        deliveries.GetProperty("items").GetArrayLength().ShouldBe(20);
        foreach (var delivery in deliveries.GetProperty("items").EnumerateArray())
        {
            delivery.GetProperty("reason").GetString().ShouldBe("grouped", delivery.ToString());
            delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
            delivery.GetProperty("attempt_log").EnumerateArray().Select(a => (a.GetProperty("number").GetInt32(), a.GetProperty("status_code").GetInt32())).ShouldBe([(1, 200)]);
            delivery.GetProperty("attempt_log")[0].GetProperty("started_at").GetDateTime().ShouldBe(delivery.GetProperty("completed_at").GetDateTime());
        }
    }

    [Fact]
    public async Task An_event_raised_later_in_the_window_joins_the_open_group_and_one_after_it_starts_another()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var plan = Unique("vps-");
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await NotificationsHost.AddChannelAsync(user, new { name = "d", type = "discord", url = fakes.Discord.WebhookUrl(hookId, "t").ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "restock.back_in_stock", $"ovh:{plan}:*", cooldownSeconds: 0, ct: Ct);
        List<string> Sent() => [.. fakes.Discord.Requests.Where(r => r.Path.Contains(hookId, StringComparison.Ordinal)).Select(r => r.BodyText)];

        await host.RaiseAsync(Restock("gra", plan), Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(6));
        await host.RaiseAsync(Restock("rbx", plan), Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(5)); // 11 s after the first: the group (10 s) is due, with both
        while (await host.DispatchAsync(Ct) > 0)
        {
        }
        var first = Sent().ShouldHaveSingleItem();
        first.ShouldContain("GRA");
        first.ShouldContain("RBX");

        await host.RaiseAsync(Restock("sbg", plan), Ct); // the group went out: a new one opens
        host.Clock.Advance(TimeSpan.FromSeconds(9));
        (await host.DispatchAsync(Ct)).ShouldBe(0, "the new group waits for its own window");
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        await host.DispatchAsync(Ct);
        Sent().Count.ShouldBe(2);
        Sent()[1].ShouldContain("SBG");
    }

    [Fact]
    public async Task A_flapping_subject_is_told_once_per_cooldown()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var plan = Unique("flap-");
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + plan).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "restock.*", $"ovh:{plan}:*", cooldownSeconds: 3600, ct: Ct);

        for (var round = 0; round < 6; round++)
        {
            await host.RaiseAsync(Restock("gra", plan), Ct);
            await host.FlushAsync(Ct);
            host.Clock.Advance(TimeSpan.FromMinutes(2));
        }
        Count(plan).ShouldBe(1);

        host.Clock.Advance(TimeSpan.FromMinutes(50));
        await host.RaiseAsync(Restock("gra", plan), Ct);
        await host.FlushAsync(Ct);
        Count(plan).ShouldBe(2);

        user = await host.SignInAsync(user.Username, user.Password, user.Id, user.PersonalWorkspaceId, Ct);
        var dropped = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}&status=dropped", Ct);
        dropped.GetProperty("items").EnumerateArray().ShouldAllBe(d => d.GetProperty("reason").GetString() == "cooldown");
    }

    int Count(string path) => fakes.Webhook.Requests.Count(r => r.Path == "/" + path);

    [Fact]
    public async Task Kinds_raised_together_on_one_subject_are_told_once_per_cooldown()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("together-");
        await NotificationsHost.AddChannelAsync(user, new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path, cooldownSeconds: 3600, ct: Ct);

        // Down, up, down on one subject, raised at once: three kinds, so three groups, claimed by one pass.
        foreach (var kind in new[] { "ops.down", "ops.up", "ops.down_again" })
        {
            await host.RaiseAsync(new AlertInput(kind, null, path, Severity.Warning, kind, "flap"), Ct);
        }
        await host.FlushAsync(Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(5));
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(1);

        // The filter by kind reads the event's kind: the cooled-down ones are listed under theirs.
        user = await host.SignInAsync(user.Username, user.Password, user.Id, user.PersonalWorkspaceId, Ct);
        var up = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications?kind=ops.up", Ct);
        up.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("kind").GetString().ShouldBe("ops.up");
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications?kind=ops", Ct)).GetProperty("items").GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task An_edited_channel_is_sent_to_its_new_target_after_the_old_one_was_used()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var before = Unique("edit-before-");
        var after = Unique("edit-after-");
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + before).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", before + "*", ct: Ct);
        await host.RaiseAsync(new AlertInput("ops.first", null, before + "-1", Severity.Warning, "First", "one"), Ct);
        await host.FlushAsync(Ct);
        Count(before).ShouldBe(1);

        var patched = await user.Client.PatchAsJsonAsync($"/api/v1/channels/{channel}", new { url = new Uri(fakes.Webhook.BaseAddress, "/" + after).ToString() }, Ct);
        patched.StatusCode.ShouldBe(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync(Ct));
        await host.RaiseAsync(new AlertInput("ops.second", null, before + "-2", Severity.Warning, "Second", "two"), Ct);
        await host.FlushAsync(Ct);

        Count(after).ShouldBe(1);
        Count(before).ShouldBe(1);
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_and_each_attempt_is_recorded()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("retry-");
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path, ct: Ct);
        await host.RaiseAsync(new AlertInput("ops.disk_full", null, path, Severity.Critical, "Disk full", "/var is at 99%"), Ct);
        fakes.Webhook.Enqueue(new ScriptedResponse(503), new ScriptedResponse(429, "{}", Headers: new Dictionary<string, string> { ["Retry-After"] = "120" }));

        await host.FlushAsync(Ct);            // 503
        host.Clock.Advance(TimeSpan.FromSeconds(7));
        await host.FlushAsync(Ct);            // 429, asks for 120 s
        host.Clock.Advance(TimeSpan.FromSeconds(60));
        await host.FlushAsync(Ct);            // too early: nothing sent
        fakes.Webhook.Requests.Count(r => r.Path == "/" + path).ShouldBe(2, string.Join(", ", fakes.Webhook.Requests.Select(r => r.Path)));
        host.Clock.Advance(TimeSpan.FromSeconds(60));
        await host.FlushAsync(Ct);            // delivered

        var delivery = (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}", Ct)).GetProperty("items")[0];
        delivery.GetProperty("status").GetString().ShouldBe("sent", delivery.ToString());
        delivery.GetProperty("attempts").GetInt32().ShouldBe(3, delivery.ToString());
        delivery.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()).ShouldBe([503, 429, 200]);
        fakes.Webhook.Deliveries.Keys.Count(k => k.StartsWith("evt_", StringComparison.Ordinal)).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task A_discord_bucket_left_empty_holds_the_next_message_until_it_resets()
    {
        var (_, plan, hookId, _) = await DiscordWatcherAsync();
        int Sent() => fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal));
        // Accepted, and the bucket is empty for 60 s.
        fakes.Discord.Enqueue(new ScriptedResponse(200, "{\"id\":\"1\"}", Headers: new Dictionary<string, string>
        {
            ["X-RateLimit-Limit"] = "5",
            ["X-RateLimit-Remaining"] = "0",
            ["X-RateLimit-Reset-After"] = "60.000",
            ["X-RateLimit-Bucket"] = "abc",
        }));
        await host.RaiseAsync(Restock("gra", plan) with { GroupKey = null }, Ct);
        await host.FlushAsync(Ct);
        Sent().ShouldBe(1);

        await host.RaiseAsync(Restock("sbg", plan) with { GroupKey = null }, Ct);
        await host.FlushAsync(Ct);            // 11 s after the first send
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        await host.FlushAsync(Ct);            // 52 s after: still waiting
        Sent().ShouldBe(1, "the bucket has not reset yet");
        await host.FlushAsync(Ct);            // 63 s after: reset
        Sent().ShouldBe(2);
    }

    [Fact]
    public async Task A_permanent_failure_stops_at_once_marks_the_channel_and_tells_the_owner_once_elsewhere()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("perm-");
        var backup = Unique("backup-");
        var broken = await NotificationsHost.AddChannelAsync(user, new { name = "broken", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.AddChannelAsync(user, new { name = "backup", url = new Uri(fakes.Webhook.BaseAddress, "/" + backup).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path + "*", channels: [broken], ct: Ct);
        fakes.Webhook.Enqueue(new ScriptedResponse(400, "{\"error\":\"bad\"}"));
        await host.RaiseAsync(new AlertInput("ops.cpu", null, path, Severity.Warning, "CPU high", "95%"), Ct);

        await host.FlushAsync(Ct);
        host.Clock.Advance(TimeSpan.FromMinutes(20));
        await host.FlushAsync(Ct);

        Count(path).ShouldBe(1);
        var channel = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{broken}", Ct);
        channel.GetProperty("health").GetString().ShouldBe("unhealthy");
        channel.GetProperty("enabled").GetBoolean().ShouldBeTrue("never silently disabled");
        Count(backup).ShouldBe(1);
        var told = fakes.Webhook.Requests.Single(r => r.Path == "/" + backup).BodyText;
        told.ShouldContain("broken");
        told.ShouldContain("notifications.channel_failing");

        // A second failure in the same episode does not tell them again.
        fakes.Webhook.Enqueue(new ScriptedResponse(400, "{}"));
        await host.RaiseAsync(new AlertInput("ops.cpu", null, path + "-2", Severity.Warning, "CPU high", "96%"), Ct);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(2, "the second message was tried (and failed)");
        Count(backup).ShouldBe(1);
    }

    [Fact]
    public async Task Gone_destinations_break_the_channel_until_it_is_fixed()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "gone", type = "discord", url = fakes.Discord.WebhookUrl(hookId, "t").ToString() }, Ct);
        fakes.Discord.DeleteWebhook(hookId);
        var test = await (await user.Client.PostAsync($"/api/v1/channels/{channel}/test", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        test.GetProperty("outcome").GetString().ShouldBe("gone");
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channel}", Ct)).GetProperty("health").GetString().ShouldBe("broken");
    }

    [Fact]
    public async Task Workspace_events_reach_only_that_workspace_and_channels_are_private()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var pathA = Unique("ws-a-");
        var pathB = Unique("ws-b-");
        var aliceChannel = await NotificationsHost.AddChannelAsync(alice, new { name = "a", url = new Uri(fakes.Webhook.BaseAddress, "/" + pathA).ToString() }, Ct);
        await NotificationsHost.AddChannelAsync(bob, new { name = "b", url = new Uri(fakes.Webhook.BaseAddress, "/" + pathB).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(alice, "inventory.*", workspaceEvents: true, ct: Ct);
        await NotificationsHost.SubscribeAsync(bob, "inventory.*", workspaceEvents: true, ct: Ct);

        await host.RaiseAsync(new AlertInput("inventory.low_stock", alice.PersonalWorkspaceId, "item:headphones", Severity.Warning, "Headphones low", "2 left"), Ct);
        await host.FlushAsync(Ct);

        Count(pathA).ShouldBe(1);
        Count(pathB).ShouldBe(0);
        (await bob.Client.GetAsync($"/api/v1/channels/{aliceChannel}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.Client.PostAsync($"/api/v1/channels/{aliceChannel}/test", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.Client.PatchAsJsonAsync($"/api/v1/channels/{aliceChannel}", new { name = "mine" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.Client.DeleteAsync($"/api/v1/channels/{aliceChannel}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.Client.GetStringAsync("/api/v1/notifications", Ct)).ShouldNotContain("Headphones");
    }

    [Fact]
    public async Task The_system_default_channel_hears_everything()
    {
        var admin = await host.AdminAsync(Ct);
        var put = await admin.Client.PutAsJsonAsync("/api/v1/admin/default-channel", new { type = "slack", url = fakes.Slack.WebhookUrl("defaultsecretdefaultsecr").ToString() }, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Ct));
        (await put.Content.ReadAsStringAsync(Ct)).ShouldNotContain("defaultsecretdefaultsecr");
        try
        {
            var title = Unique("Global ");
            await host.RaiseAsync(new AlertInput("restock.back_in_stock", null, "ovh:x:gra", Severity.Info, title, "back"), Ct);
            await host.FlushAsync(Ct);
            fakes.Slack.Messages.ShouldContain(m => m["text"]!.ToString().Contains(title, StringComparison.Ordinal));

            var test = await admin.Client.PostAsync("/api/v1/admin/default-channel/test", null, Ct);
            (await test.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString().ShouldBe("sent");
            var health = await admin.Client.GetStringAsync("/api/v1/admin/notifications/health", Ct);
            health.ShouldContain("System default");

            // A native webhook as the default channel is signed like any other: a secret is made and shown once.
            var path = Unique("default-hook-");
            var hook = await admin.Client.PutAsJsonAsync("/api/v1/admin/default-channel", new { url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
            var secret = (await hook.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("signing_secret").GetString()!;
            secret.ShouldStartWith("whsec_");
            (await (await admin.Client.PostAsync("/api/v1/admin/default-channel/test", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct))
                .GetProperty("status").GetString().ShouldBe("sent");
            var signed = fakes.Webhook.Requests.Last(r => r.Path == "/" + path);
            signed.Header("webhook-signature").ShouldBe(WebhookDriver.Sign(secret, signed.Header("webhook-id")!,
                long.Parse(signed.Header("webhook-timestamp")!, System.Globalization.CultureInfo.InvariantCulture), signed.BodyText));
            (await admin.Client.GetStringAsync("/api/v1/admin/default-channel", Ct)).ShouldNotContain(secret);
        }
        finally
        {
            (await admin.Client.DeleteAsync("/api/v1/admin/default-channel", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task A_digest_collects_everything_into_one_message_at_the_next_hour()
    {
        host.ClearOfBoundary(TimeSpan.FromHours(1));
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("digest-");
        await NotificationsHost.AddChannelAsync(user, new { name = "d", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path + "*", ct: Ct);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { digest = "hourly" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await host.RaiseAsync(new AlertInput("ops.disk", null, path + "-1", Severity.Warning, "Disk", "80%"), Ct);
        await host.RaiseAsync(new AlertInput("ops.cpu", null, path + "-2", Severity.Warning, "CPU", "90%"), Ct);
        await host.RaiseAsync(new AlertInput("ops.mem", null, path + "-3", Severity.Critical, "Memory", "95%"), Ct);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(0);

        host.Clock.Advance(TimeSpan.FromHours(1));
        await host.FlushAsync(Ct);
        var body = fakes.Webhook.Requests.Where(r => r.Path == "/" + path).ShouldHaveSingleItem().BodyText;
        body.ShouldContain("Disk");
        body.ShouldContain("CPU");
        body.ShouldContain("Memory");
        body.ShouldContain("\"severity\":\"critical\"");

        // Each delivery of the digest is still found under its own event's kind.
        user = await host.SignInAsync(user.Username, user.Password, user.Id, user.PersonalWorkspaceId, Ct);
        var cpu = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/notifications?kind=ops.cpu", Ct);
        cpu.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("status").GetString().ShouldBe("sent");
    }

    [Fact]
    public async Task A_digest_is_labelled_as_a_digest_not_as_its_first_event()
    {
        host.ClearOfBoundary(TimeSpan.FromHours(1));
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("digest-kind-");
        await NotificationsHost.AddChannelAsync(user, new { name = "w", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await NotificationsHost.AddChannelAsync(user, new { name = "d", type = "discord", url = fakes.Discord.WebhookUrl(hookId, "t").ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path + "*", ct: Ct);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { digest = "hourly" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var (kind, title) in new[] { ("ops.disk", "Disk"), ("ops.cpu", "CPU"), ("ops.disk", "Disk again") })
        {
            await host.RaiseAsync(new AlertInput(kind, null, path + "-" + title, Severity.Warning, title, "high", Link: "https://example.com/" + kind), Ct);
            host.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        host.Clock.Advance(TimeSpan.FromHours(1));
        await host.FlushAsync(Ct);

        const string Title = "Digest: 3 events (ops.disk, ops.cpu)";
        var envelope = JsonNode.Parse(fakes.Webhook.Requests.Where(r => r.Path == "/" + path).ShouldHaveSingleItem().BodyText)!;
        envelope["type"]!.ToString().ShouldBe("notifications.digest");
        envelope["data"]!["title"]!.ToString().ShouldBe(Title);
        envelope["data"]!["url"].ShouldBeNull();
        envelope["data"]!["items"]!.AsArray().Select(i => i!["title"]!.ToString()).ShouldBe(["Disk", "CPU", "Disk again"]);
        var discord = JsonNode.Parse(fakes.Discord.Requests.Where(r => r.Path.Contains(hookId, StringComparison.Ordinal)).ShouldHaveSingleItem().BodyText)!;
        discord["content"]!.ToString().ShouldBe(Title);
        discord["embeds"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Custom_events_come_in_through_the_api_once_per_dedup_key_and_not_from_viewers()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var viewer = await host.RegisterAsync(ct: Ct);
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}/members", new { user_id = viewer.Id, role = "viewer" }, Ct);
        var path = Unique("custom-");
        var shared = await NotificationsHost.AddChannelAsync(owner, new { name = "c", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString(), scope = "workspace" }, Ct);
        // A viewer sees the workspace's channel but cannot send through it.
        using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/channels/{shared}");
        read.Headers.Add("X-Workspace-Id", owner.PersonalWorkspaceId.ToString());
        (await viewer.Client.SendAsync(read, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var test = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{shared}/test");
        test.Headers.Add("X-Workspace-Id", owner.PersonalWorkspaceId.ToString());
        (await viewer.Client.SendAsync(test, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var first = await owner.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.backup_failed", subject = "backup:db1", title = "Backup failed", dedup_key = path }, Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var again = await owner.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.backup_failed", subject = "backup:db1", title = "Backup failed", dedup_key = path }, Ct);
        (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("duplicate").GetBoolean().ShouldBeTrue();
        // A dedup key is the workspace's own: another workspace's event with the same kind and key is not lost.
        var stranger = await host.RegisterAsync(ct: Ct);
        var elsewhere = await stranger.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.backup_failed", subject = "backup:db1", title = "Backup failed", dedup_key = path }, Ct);
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var recorded = await elsewhere.Content.ReadFromJsonAsync<JsonElement>(Ct);
        recorded.GetProperty("duplicate").GetBoolean().ShouldBeFalse();
        recorded.GetProperty("id").ValueKind.ShouldNotBe(JsonValueKind.Null);
        using var asViewer = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { kind = "custom.x", subject = "s", title = "t" }) };
        asViewer.Headers.Add("X-Workspace-Id", owner.PersonalWorkspaceId.ToString());
        (await viewer.Client.SendAsync(asViewer, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await owner.Client.PostAsJsonAsync("/api/v1/events", new { kind = "restock.back_in_stock", subject = "s", title = "spoof" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        await host.FlushAsync(Ct);
        Count(path).ShouldBe(1);
    }

    [Fact]
    public async Task A_workspace_channel_deliveries_are_listed_to_its_members_acting_in_that_workspace()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var member = await host.RegisterAsync(ct: Ct);
        var stranger = await host.RegisterAsync(ct: Ct);
        (await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}/members", new { user_id = member.Id, role = "viewer" }, Ct)).EnsureSuccessStatusCode();
        var path = Unique("team-");
        var shared = await NotificationsHost.AddChannelAsync(owner, new { name = "team", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString(), scope = "workspace" }, Ct);
        (await owner.Client.PostAsJsonAsync("/api/v1/events", new { kind = "custom.team_build", subject = path, title = "Build broke" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(1);

        async Task<HttpResponseMessage> ListAsync(TestUser user, Guid? workspace)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/notifications?channel_id={shared}");
            if (workspace is { } ws)
            {
                request.Headers.Add("X-Workspace-Id", ws.ToString());
            }
            return await user.Client.SendAsync(request, Ct);
        }
        foreach (var reader in new[] { owner, member })
        {
            var listed = await (await ListAsync(reader, owner.PersonalWorkspaceId)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            var delivery = listed.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
            delivery.GetProperty("status").GetString().ShouldBe("sent");
            delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
        }
        var elsewhere = await (await ListAsync(member, null)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        elsewhere.GetProperty("items").GetArrayLength().ShouldBe(0, "acting in their own workspace, a member sees their own deliveries");
        (await ListAsync(stranger, owner.PersonalWorkspaceId)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Quiet_hours_hold_messages_and_drop_low_ones_when_asked()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("quiet-");
        await NotificationsHost.AddChannelAsync(user, new { name = "q", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path + "*", ct: Ct);
        var now = TimeOnly.FromDateTime(host.Clock.GetUtcNow().UtcDateTime);
        var put = await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new
        {
            quiet_start = now.AddMinutes(-30).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            quiet_end = now.AddHours(2).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            time_zone = "UTC",
            quiet_mode = "drop_low",
        }, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.OK);

        await host.RaiseAsync(new AlertInput("ops.info", null, path + "-i", Severity.Info, "FYI", "low"), Ct);
        await host.RaiseAsync(new AlertInput("ops.crit", null, path + "-c", Severity.Critical, "Down", "high"), Ct);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(0);

        host.Clock.Advance(TimeSpan.FromHours(2));
        await host.FlushAsync(Ct);
        var delivered = fakes.Webhook.Requests.Where(r => r.Path == "/" + path).Select(r => r.BodyText).ToList();
        delivered.ShouldHaveSingleItem().ShouldContain("Down");
    }

    [Fact]
    public async Task Held_messages_follow_changed_preferences_and_go_at_once_when_quiet_hours_or_digests_end()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = Unique("held-");
        await NotificationsHost.AddChannelAsync(user, new { name = "h", url = new Uri(fakes.Webhook.BaseAddress, "/" + path).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", path + "*", ct: Ct);
        var now = TimeOnly.FromDateTime(host.Clock.GetUtcNow().UtcDateTime);
        string At(TimeOnly t) => t.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences",
            new { quiet_start = At(now.AddMinutes(-30)), quiet_end = At(now.AddHours(3)), time_zone = "UTC" }, Ct)).EnsureSuccessStatusCode();
        await host.RaiseAsync(new AlertInput("ops.crit", null, path + "-q", Severity.Critical, "Held by quiet hours", "high"), Ct);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(0);

        // A shorter window: the held message waits for its new end, not the old one.
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences",
            new { quiet_start = At(now.AddMinutes(-30)), quiet_end = At(now.AddHours(1)), time_zone = "UTC" }, Ct)).EnsureSuccessStatusCode();
        host.Clock.Advance(TimeSpan.FromMinutes(61));
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(1);

        // Quiet hours again, then off: what they held goes at once (signed in again: the clock outlived the token).
        user = await host.SignInAsync(user.Username, user.Password, user.Id, user.PersonalWorkspaceId, Ct);
        var later = TimeOnly.FromDateTime(host.Clock.GetUtcNow().UtcDateTime);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences",
            new { quiet_start = At(later.AddMinutes(-30)), quiet_end = At(later.AddHours(3)), time_zone = "UTC" }, Ct)).EnsureSuccessStatusCode();
        await host.RaiseAsync(new AlertInput("ops.crit", null, path + "-q2", Severity.Critical, "Held again", "high"), Ct);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(1);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { quiet_hours = false }, Ct)).EnsureSuccessStatusCode();
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(2);

        // A digest turned off sends what it collected. (The daily one goes at 08:00 in the user's zone, UTC here.)
        host.ClearOfBoundary(TimeSpan.FromDays(1), TimeSpan.FromHours(8));
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { digest = "daily" }, Ct)).EnsureSuccessStatusCode();
        await host.RaiseAsync(new AlertInput("ops.disk", null, path + "-d", Severity.Warning, "Collected for the digest", "disk"), Ct);
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(2);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { digest = "off" }, Ct)).EnsureSuccessStatusCode();
        await host.FlushAsync(Ct);
        Count(path).ShouldBe(3);
    }

    [Fact]
    public async Task Quiet_hours_are_removed_with_quiet_hours_false_and_kept_when_left_out()
    {
        var user = await host.RegisterAsync(ct: Ct);
        (await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { quiet_start = "22:00", quiet_end = "07:00", time_zone = "UTC" }, Ct)).EnsureSuccessStatusCode();

        var kept = await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { digest = "daily" }, Ct);
        (await kept.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("quiet_start").GetString().ShouldStartWith("22:00");

        var both = await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { quiet_hours = false, quiet_start = "22:00", quiet_end = "07:00" }, Ct);
        both.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var cleared = await user.Client.PutAsJsonAsync("/api/v1/notifications/preferences", new { quiet_hours = false }, Ct);
        var body = await cleared.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("quiet_start").ValueKind.ShouldBe(JsonValueKind.Null);
        body.GetProperty("digest").GetString().ShouldBe("daily");
    }

    [Fact]
    public async Task A_send_that_could_outlast_its_lease_is_handed_back_unsent()
    {
        var (user, plan, hookId, channel) = await DiscordWatcherAsync();
        await host.RaiseAsync(Restock("gra", plan), Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(11));

        // Leased to a dispatcher with a second left: too little for a send that may take the whole send timeout.
        List<OutboxMessage> rows;
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var until = host.Clock.GetUtcNow().UtcDateTime.AddSeconds(1);
            await db.Set<OutboxMessage>().Where(o => o.ChannelId == channel)
                .ExecuteUpdateAsync(u => u.SetProperty(o => o.LeaseOwner, "hurried").SetProperty(o => o.LeaseUntil, until), Ct);
            rows = await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.ChannelId == channel).ToListAsync(Ct);
        }
        await host.Service<OutboxDelivery>()!.DeliverAsync([rows], "hurried", test: false, Ct);

        fakes.Discord.Requests.ShouldNotContain(r => r.Path.Contains(hookId, StringComparison.Ordinal));
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<VigilDb>().Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.ChannelId == channel, Ct);
            row.Status.ShouldBe(OutboxStatus.Pending);
            row.LeaseOwner.ShouldBeNull();
            row.Attempts.ShouldBe(0);
        }

        await host.FlushAsync(Ct);
        fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task A_subject_another_pass_is_still_sending_is_handed_back_and_then_cooled_down()
    {
        var (user, plan, hookId, channel) = await DiscordWatcherAsync();
        await host.RaiseAsync(Restock("gra", plan), Ct);
        await host.RaiseAsync(Restock("gra", plan) with { GroupKey = plan + "-again" }, Ct);
        host.Clock.Advance(TimeSpan.FromSeconds(11));

        // Two overlapping passes, one row each, on the same subject: the first one's send is slow to answer.
        List<OutboxMessage> rows;
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            rows = await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.ChannelId == channel).OrderBy(o => o.GroupKey).ToListAsync(Ct);
            rows.Count.ShouldBe(2);
            var until = host.Clock.GetUtcNow().UtcDateTime.AddMinutes(1);
            foreach (var (row, owner) in rows.Zip(["first", "second"]))
            {
                await db.Set<OutboxMessage>().Where(o => o.Id == row.Id)
                    .ExecuteUpdateAsync(u => u.SetProperty(o => o.LeaseOwner, owner).SetProperty(o => o.LeaseUntil, until), Ct);
                row.LeaseOwner = owner;
                row.LeaseUntil = until;
            }
        }
        fakes.Discord.Enqueue(new ScriptedResponse(204, "", Delay: TimeSpan.FromMilliseconds(600)));
        var delivery = host.Service<OutboxDelivery>()!;
        var first = delivery.DeliverAsync([[rows[0]]], "first", test: false, Ct);
        await WaitUntilAsync(() => fakes.Discord.Requests.Any(r => r.Path.Contains(hookId, StringComparison.Ordinal)));
        await delivery.DeliverAsync([[rows[1]]], "second", test: false, Ct);
        await first;

        fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal)).ShouldBe(1);
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var second = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.Id == rows[1].Id, Ct);
            second.Status.ShouldBe(OutboxStatus.Pending);
            second.Attempts.ShouldBe(0);
            second.LeaseOwner.ShouldBeNull();
            second.DueAt.ShouldBeGreaterThan(host.Clock.GetUtcNow().UtcDateTime);
        }

        // Once the first send is recorded, the second is an ordinary repeat within the cooldown: dropped, not sent.
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        await host.FlushAsync(Ct);
        fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal)).ShouldBe(1);
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var second = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.Id == rows[1].Id, Ct);
            second.Status.ShouldBe(OutboxStatus.Dropped);
            second.Reason.ShouldBe("cooldown");
        }
    }

    /// <summary>A new user with a Discord channel of their own, subscribed to a new plan's restock events.</summary>
    [Fact]
    public async Task Sends_are_paced_per_destination_as_the_service_or_the_channel_asks()
    {
        // Discord takes 5 messages per 2 s per webhook: 8 separate messages go out as 5, then the rest 2 s later.
        var (user, plan, hookId, _) = await DiscordWatcherAsync();
        for (var i = 0; i < 8; i++)
        {
            await host.RaiseAsync(new AlertInput("restock.back_in_stock", null, $"ovh:{plan}:dc{i}", Severity.Info, $"{plan} back in dc{i}", "", GroupKey: $"{plan}-{i}"), Ct);
        }
        await host.FlushAsync(Ct);
        int ToHook() => fakes.Discord.Requests.Count(r => r.Path.Contains(hookId, StringComparison.Ordinal));
        ToHook().ShouldBe(5);
        await DispatchAfterAsync(TimeSpan.FromSeconds(2));
        ToHook().ShouldBe(8);

        // A generic webhook publishes no limit: a burst goes out in one pass.
        var free = Unique("free-");
        var freeChannel = await NotificationsHost.AddChannelAsync(user, new { name = "free", url = new Uri(fakes.Webhook.BaseAddress, "/" + free).ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", free + ":*", [freeChannel], ct: Ct);
        for (var i = 0; i < 30; i++)
        {
            await host.RaiseAsync(new AlertInput("ops.burst", null, $"{free}:{i}", Severity.Info, $"Burst {i}", "", GroupKey: $"{free}-{i}"), Ct);
        }
        await host.FlushAsync(Ct);
        fakes.Webhook.Requests.Count(r => r.Path == "/" + free).ShouldBe(30);
        // Each shows its one attempt; a first-try success is kept on its row, so no attempt row was written for them.
        var freeSent = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={freeChannel}&status=sent&page_size=100", Ct);
        freeSent.GetProperty("items").GetArrayLength().ShouldBe(30);
        foreach (var delivery in freeSent.GetProperty("items").EnumerateArray())
        {
            var attempt = delivery.GetProperty("attempt_log").EnumerateArray().ShouldHaveSingleItem();
            attempt.GetProperty("number").GetInt32().ShouldBe(1);
            attempt.GetProperty("status_code").GetInt32().ShouldBe(200);
            attempt.GetProperty("outcome").GetString().ShouldBe("sent");
            attempt.GetProperty("started_at").GetDateTime().ShouldBe(delivery.GetProperty("completed_at").GetDateTime());
        }
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var rows = await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.ChannelId == freeChannel).Select(o => o.Id).ToListAsync(Ct);
            (await db.Set<DeliveryAttempt>().AsNoTracking().CountAsync(a => rows.Contains(a.OutboxId), Ct)).ShouldBe(0);
        }

        // A channel's rate_limit setting (messages per second) paces it all the same.
        var paced = Unique("paced-");
        var pacedChannel = await NotificationsHost.AddChannelAsync(user, new
        {
            name = "paced",
            type = "webhook",
            url = new Uri(fakes.Webhook.BaseAddress, "/" + paced).ToString(),
            settings = new Dictionary<string, string> { ["rate_limit"] = "2" },
        }, Ct);
        await NotificationsHost.SubscribeAsync(user, "ops.*", paced + ":*", [pacedChannel], ct: Ct);
        for (var i = 0; i < 5; i++)
        {
            await host.RaiseAsync(new AlertInput("ops.burst", null, $"{paced}:{i}", Severity.Info, $"Burst {i}", "", GroupKey: $"{paced}-{i}"), Ct);
        }
        await host.FlushAsync(Ct);
        int ToPaced() => fakes.Webhook.Requests.Count(r => r.Path == "/" + paced);
        ToPaced().ShouldBe(2);
        await DispatchAfterAsync(TimeSpan.FromSeconds(1));
        ToPaced().ShouldBe(4);
        await DispatchAfterAsync(TimeSpan.FromSeconds(1));
        ToPaced().ShouldBe(5);
        var sent = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={pacedChannel}&status=sent", Ct);
        sent.GetProperty("items").GetArrayLength().ShouldBe(5, "paced messages wait; none is dropped or failed");
        sent.GetProperty("items").EnumerateArray().ShouldAllBe(d => d.GetProperty("reason").ValueKind == JsonValueKind.Null);

        foreach (var bad in (string[])["fast", "-1", "1001", "NaN"])
        {
            var refused = await user.Client.PostAsJsonAsync("/api/v1/channels", new
            {
                name = "x",
                type = "webhook",
                url = new Uri(fakes.Webhook.BaseAddress, "/bad").ToString(),
                settings = new Dictionary<string, string> { ["rate_limit"] = bad },
            }, Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, bad);
            (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("settings.rate_limit", out _).ShouldBeTrue(bad);
        }
    }

    /// <summary>Moves the clock on and dispatches until nothing more is due.</summary>
    async Task DispatchAfterAsync(TimeSpan wait)
    {
        host.Clock.Advance(wait);
        while (await host.DispatchAsync(Ct) > 0)
        {
        }
    }

    async Task<(TestUser User, string Plan, string HookId, Guid Channel)> DiscordWatcherAsync()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var plan = Unique("vps-");
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "d", type = "discord", url = fakes.Discord.WebhookUrl(hookId, "t").ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "restock.back_in_stock", $"ovh:{plan}:*", ct: Ct);
        return (user, plan, hookId, channel);
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, Ct);
        }
        condition().ShouldBeTrue();
    }
}

[Trait("Database", "Sqlite")]
public sealed class PipelineTestsOnSqlite(NotificationsSqliteHost host, NotifyFakes fakes) : PipelineTests(host, fakes), IClassFixture<NotificationsSqliteHost>, IClassFixture<NotifyFakes>;

[Trait("Database", "Postgres")]
public sealed class PipelineTestsOnPostgres(NotificationsPostgresHost host, NotifyFakes fakes) : PipelineTests(host, fakes), IClassFixture<NotificationsPostgresHost>, IClassFixture<NotifyFakes>;
