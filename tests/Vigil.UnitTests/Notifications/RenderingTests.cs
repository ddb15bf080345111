using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Notifications.Channels;

namespace Vigil.UnitTests.Notifications;

public sealed class RenderingTests
{
    static AlertEvent Event(string title, string body = "", Dictionary<string, string>? fields = null, string kind = "restock.back_in_stock") => new()
    {
        Kind = kind,
        SubjectKey = "ovh:vps:" + title,
        GroupKey = "vps",
        Title = title,
        Body = body,
        Fields = fields is null ? null : JsonSerializer.Serialize(fields),
        OccurredAt = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc),
        Severity = Severity.Info,
    };

    static MessageRenderer Renderer(params (string Kind, KindTemplate Template)[] kinds)
    {
        var templates = new NotificationTemplates();
        foreach (var (kind, template) in kinds)
        {
            templates.Kinds[kind] = template;
        }
        return new MessageRenderer(Options.Create(templates));
    }

    static ChannelConfig Config(params (string, string)[] settings) =>
        new(ChannelType.Webhook, "https://example.com/", settings.ToDictionary(s => s.Item1, s => s.Item2));

    [Fact]
    public void One_event_keeps_its_own_words_and_fields()
    {
        var message = Renderer().Render([Event("VPS-1 back in GRA", "Linux stock returned", new() { ["Datacenter"] = "GRA" })], "evt_1", null);
        message.Title.ShouldBe("VPS-1 back in GRA");
        message.Text.ShouldBe("Linux stock returned");
        message.Fields.ShouldHaveSingleItem().Value.ShouldBe("GRA");
        message.Markdown.ShouldContain("**Datacenter**: GRA");
        message.Items.ShouldBeEmpty();
    }

    [Fact]
    public void Several_events_become_one_message_listing_each()
    {
        var events = new[] { Event("GRA"), Event("SBG"), Event("BHS") };
        for (var i = 0; i < events.Length; i++)
        {
            events[i].OccurredAt = events[i].OccurredAt.AddSeconds(i);
        }
        var message = Renderer().Render(events.Reverse().ToList(), "evt_1", null);
        message.Items.Count.ShouldBe(3);
        message.Title.ShouldBe("GRA (+2 more)");
        message.Text.Split('\n').Length.ShouldBe(3);
    }

    [Fact]
    public void A_digest_is_labelled_as_a_digest_with_its_count_and_kinds_not_as_its_first_event()
    {
        var events = new[] { Event("Disk", "80%", kind: "ops.disk"), Event("CPU", "90%", kind: "ops.cpu"), Event("Disk", "85%", kind: "ops.disk") };
        for (var i = 0; i < events.Length; i++)
        {
            events[i].OccurredAt = events[i].OccurredAt.AddSeconds(i);
            events[i].Link = "https://example.com/" + i;
        }
        // The first kind's own defaults describe one kind's events, not a digest of several.
        var renderer = Renderer(("ops.disk", new KindTemplate(Title: "disk!", GroupTitle: "disks!")));

        var digest = renderer.Render(events, "evt_1", null, digest: true);
        digest.Kind.ShouldBe(MessageRenderer.DigestKind);
        digest.Title.ShouldBe("Digest: 3 events (ops.disk, ops.cpu)");
        digest.Text.ShouldBe("• Disk: 80%\n• CPU: 90%\n• Disk: 85%");
        digest.Items.Count.ShouldBe(3);
        digest.Link.ShouldBeNull();
        System.Text.Encoding.UTF8.GetString(WebhookDriver.Envelope(digest)).ShouldContain("\"type\":\"notifications.digest\"");

        // One event in a digest is still a digest, its event among the items.
        var one = renderer.Render([events[1]], "evt_2", null, digest: true);
        one.Kind.ShouldBe(MessageRenderer.DigestKind);
        one.Title.ShouldBe("Digest: 1 event (ops.cpu)");
        one.Items.ShouldHaveSingleItem().Title.ShouldBe("CPU");

        var many = Enumerable.Range(0, 5).Select(i => Event("e" + i, kind: "ops.k" + i)).ToList();
        many.ForEach(e => e.OccurredAt = e.OccurredAt.AddSeconds(many.IndexOf(e)));
        renderer.Render(many, "evt_3", null, digest: true).Title.ShouldBe("Digest: 5 events (ops.k0, ops.k1, ops.k2, +2 more kinds)");

        // A user's own title template still has the last word, over the digest's events.
        renderer.Render(events, "evt_4", Config((MessageRenderer.TitleTemplate, "{{ count }} things")), digest: true).Title.ShouldBe("3 things");

        // A group (one kind, not a digest) keeps its kind and its kind's wording.
        var group = renderer.Render([events[0], events[2]], "evt_5", null);
        group.Kind.ShouldBe("ops.disk");
        group.Title.ShouldBe("disks!");
    }

    [Fact]
    public void Kind_defaults_and_user_templates_apply_in_that_order()
    {
        var renderer = Renderer(("restock.back_in_stock", new KindTemplate(GroupTitle: "{{ count }} datacenters back for {{ event.fields.Plan }}")));
        var events = new[] { Event("GRA", fields: new() { ["Plan"] = "vps-le-2" }), Event("SBG", fields: new() { ["Plan"] = "vps-le-2" }) };
        events[1].OccurredAt = events[0].OccurredAt.AddSeconds(1);

        renderer.Render(events, "evt_1", null).Title.ShouldBe("2 datacenters back for vps-le-2");
        renderer.Render(events, "evt_1", Config((MessageRenderer.TitleTemplate, "{{ event.title | upcase }}!"))).Title.ShouldBe("GRA!");
    }

    [Theory]
    [InlineData("{% for i in (1..100000000) %}xxxxxxxxxx{% endfor %}")]
    [InlineData("{% for i in (1..100000000) limit: 5 %}x{% endfor %}")]
    [InlineData("{% assign n = 100000000 %}{% for i in (1..n) %}x{% endfor %}")]
    [InlineData("{% assign a = (1..100000000) %}{{ a | size }}")]
    [InlineData("{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}")]
    [InlineData("{% assign s = 'xxxxxxxxxx' %}{% for i in (1..100) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}")]
    [InlineData("{% assign s = 'x' %}{% for i in (1..100) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s | size }}")]
    [InlineData("{% assign a = 'x,y' | split: ',' %}{% for i in (1..100) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}")]
    [InlineData("{% assign s = 'xxxxxxxxxx' %}{% for i in (1..100) %}{% assign s = s | replace: 'x', 'xxxxxxxxxx' %}{% endfor %}{{ s | size }}")]
    public void Runaway_templates_stop_early_and_fall_back_to_the_default(string template)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var message = Renderer().Render([Event("GRA", "body")], "evt_1", Config((MessageRenderer.BodyTemplate, template)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        message.Text.ShouldBe("body");
        allocated.ShouldBeLessThan(64L << 20, "a runaway template is stopped before it takes the server's memory");
    }

    [Fact]
    public void Long_output_is_cut_and_wide_literal_ranges_are_refused_when_saved()
    {
        var long_ = Config((MessageRenderer.BodyTemplate, "{% for i in (1..999) %}{{ event.title }}{{ event.title }}{{ event.title }}{{ event.title }}{{ event.title }}{{ event.title }}{{ event.title }}{% endfor %}"));
        var text = Renderer().Render([Event("GRA-datacenter", "body")], "evt_1", long_).Text;
        text.Length.ShouldBe(TemplateSandbox.MaxOutput);
        text.ShouldStartWith("GRA-datacenterGRA-datacenter");
        Renderer().Render([Event("GRA", "body")], "evt_1", Config((MessageRenderer.BodyTemplate, "{% for i in (1..3) %}{{ i }}{% endfor %}"))).Text.ShouldBe("123");
        MessageRenderer.Validate("{% for i in (1..100000000) %}x{% endfor %}").ShouldNotBeNull().ShouldContain("range");
        MessageRenderer.Validate("{% for i in (1..1000) %}x{% endfor %}").ShouldBeNull();
        MessageRenderer.Validate("{% if %}").ShouldNotBeNull();
        MessageRenderer.Validate("{{ event.title }}").ShouldBeNull();
    }

    [Fact]
    public void Html_is_encoded_and_links_are_http_only()
    {
        var e = Event("<script>alert(1)</script>", "a & b");
        e.Link = "javascript:alert(1)";
        var html = Renderer().Render([e], "evt_1", null).Html;
        html.ShouldNotContain("<script>");
        html.ShouldContain("&lt;script&gt;");
        html.ShouldNotContain("javascript:");
    }

    [Theory]
    [InlineData("restock.*", "restock.back_in_stock", true)]
    [InlineData("restock.back_in_stock", "restock.back_in_stock", true)]
    [InlineData("restock.*", "inventory.low_stock", false)]
    [InlineData("ovh:vps-le-2-2:*", "ovh:vps-le-2-2:gra", true)]
    [InlineData("ovh:vps-le-2-?:gra", "ovh:vps-le-2-2:gra", true)]
    [InlineData("ovh:vps-le-2-2:*", "ovh:vps-le-2-20:gra", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a.b", "aXb", false)]
    [InlineData("ovh:*:gra", "ovh:a:b:gra", true)]
    [InlineData("OVH:*", "ovh:vps", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b", "a", false)]
    [InlineData("?", "", false)]
    [InlineData("**", "", true)]
    [InlineData("*ab", "aab", true)]
    public void Subscription_patterns_are_globs(string pattern, string value, bool matches) =>
        AlertPublisher.Matches(pattern, value).ShouldBe(matches);

    [Fact]
    public void Globs_agree_with_the_equivalent_regular_expression_on_random_inputs()
    {
        var random = new Random(7);
        string Draw(string alphabet, int max) => new([.. Enumerable.Range(0, random.Next(max + 1)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        for (var i = 0; i < 5000; i++)
        {
            var pattern = Draw("ab*?:", 7);
            var value = Draw("abAB:", 9);
            var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            var expected = System.Text.RegularExpressions.Regex.IsMatch(value, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline);
            Glob.Matches(pattern, value).ShouldBe(expected, $"{pattern} ~ {value}");
            if (expected)
            {
                value.ToLowerInvariant().ShouldStartWith(Glob.LiteralPrefix(pattern));
            }
        }
    }

    [Fact]
    public void Quiet_hours_spanning_midnight_end_the_next_morning_in_the_users_zone()
    {
        var preference = new NotificationPreference { QuietStart = new TimeOnly(22, 0), QuietEnd = new TimeOnly(7, 0), TimeZone = "Europe/Paris" };
        // 23:30 in Paris (UTC+1 in March) is 22:30 UTC: quiet until 07:00 Paris = 06:00 UTC next day.
        QuietHours.EndOf(preference, new DateTime(2026, 3, 1, 22, 30, 0, DateTimeKind.Utc)).ShouldBe(new DateTime(2026, 3, 2, 6, 0, 0, DateTimeKind.Utc));
        QuietHours.EndOf(preference, new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc)).ShouldBeNull();
        QuietHours.EndOf(preference, new DateTime(2026, 3, 2, 5, 0, 0, DateTimeKind.Utc)).ShouldBe(new DateTime(2026, 3, 2, 6, 0, 0, DateTimeKind.Utc));
    }

    [Fact]
    public void Digests_go_out_at_the_next_hour_or_next_morning()
    {
        var hourly = new NotificationPreference { Digest = DigestMode.Hourly };
        QuietHours.NextDigest(hourly, new DateTime(2026, 3, 1, 9, 20, 0, DateTimeKind.Utc)).ShouldBe(new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc));
        var daily = new NotificationPreference { Digest = DigestMode.Daily, TimeZone = "UTC" };
        QuietHours.NextDigest(daily, new DateTime(2026, 3, 1, 9, 20, 0, DateTimeKind.Utc)).ShouldBe(new DateTime(2026, 3, 2, 8, 0, 0, DateTimeKind.Utc));
    }

    [Fact]
    public void The_destination_limiter_paces_bursts_and_honours_retry_after()
    {
        var clock = new FakeTimeProvider();
        var limiter = new DestinationLimiter(clock);
        var limit = new RateLimit(5, TimeSpan.FromSeconds(2));
        for (var i = 0; i < 5; i++)
        {
            limiter.TryAcquire("d", limit).ShouldBeNull();
        }
        limiter.TryAcquire("d", limit).ShouldBe(TimeSpan.FromSeconds(2));
        limiter.TryAcquire("other", limit).ShouldBeNull();
        clock.Advance(TimeSpan.FromSeconds(2));
        limiter.TryAcquire("d", limit).ShouldBeNull();
        limiter.Block("d", TimeSpan.FromSeconds(30));
        limiter.TryAcquire("d", limit).ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_destination_without_a_limit_waits_only_for_its_retry_after()
    {
        var clock = new FakeTimeProvider();
        var limiter = new DestinationLimiter(clock);
        for (var i = 0; i < 1000; i++)
        {
            limiter.TryAcquire("free", null).ShouldBeNull();
        }
        limiter.Block("free", TimeSpan.FromSeconds(30));
        limiter.TryAcquire("free", null).ShouldBe(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(30));
        limiter.TryAcquire("free", null).ShouldBeNull();
    }

    [Theory]
    [InlineData("20", 20, 1000)]
    [InlineData("1", 1, 1000)]
    [InlineData("0.5", 1, 2000)]
    [InlineData("2.5", 2, 800)]
    [InlineData("1e3", 1000, 1000)]
    public void A_rate_limit_setting_is_messages_per_second(string setting, int count, int perMs)
    {
        RateLimit.TryParsePerSecond(setting, out var limit).ShouldBeTrue();
        limit.ShouldBe(new RateLimit(count, TimeSpan.FromMilliseconds(perMs)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.0")]
    public void A_rate_limit_of_zero_turns_pacing_off(string setting)
    {
        RateLimit.TryParsePerSecond(setting, out var limit).ShouldBeTrue();
        limit.ShouldBeNull();
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("-1")]
    [InlineData("1001")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1,5")]
    [InlineData("")]
    public void A_rate_limit_that_is_not_a_rate_is_refused(string setting) =>
        RateLimit.TryParsePerSecond(setting, out _).ShouldBeFalse();

    [Fact]
    public void A_channel_rate_limit_overrides_the_service_pace()
    {
        var discord = new DiscordDriver(null!, TimeProvider.System);
        var plain = new ChannelConfig(ChannelType.Discord, "https://discord.com/api/webhooks/1/x", new Dictionary<string, string>());
        discord.PaceFor(plain).ShouldBe(new RateLimit(5, TimeSpan.FromSeconds(2)));
        discord.PaceFor(plain.With(ChannelDriver.RateLimitSetting, "1")).ShouldBe(new RateLimit(1, TimeSpan.FromSeconds(1)));
        discord.PaceFor(plain.With(ChannelDriver.RateLimitSetting, "0")).ShouldBeNull();
    }
}
