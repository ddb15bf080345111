using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.IntegrationTests.Notifications;

namespace Vigil.IntegrationTests.Restock;

/// <summary>The poller, the state machine and the alert rule, on the fake clock against FakeOvh.</summary>
public abstract class WatchTests(RestockHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly TimeSpan Interval = TimeSpan.FromSeconds(120);

    static string NewPlan() => "vps-t-" + Guid.NewGuid().ToString("N")[..8];

    async Task<(TestUser Admin, string Plan, string Path)> WatchedPlanAsync(object? options = null, string[]? datacenters = null)
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        var (user, path) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR", datacenters, options }, Ct);
        return (admin, plan, path);
    }

    [Fact]
    public async Task The_first_sighting_sets_state_silently()
    {
        var (admin, plan, path) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.SetVps("FR", plan, "SBG", "out-of-stock");
        host.Ovh.SetVps("FR", plan, "SGP", "out-of-stock-preorder-allowed", "out-of-stock", 14);

        await host.CycleAsync(Ct);
        await host.FlushAsync(Ct);

        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("in_stock");
        (await host.StateAsync(plan, "SBG", ct: Ct)).ShouldBe("out_of_stock");
        (await host.StateAsync(plan, "SGP", ct: Ct)).ShouldBe("pre_order");
        (await host.StateAsync(plan, "SGP", track: "windows", ct: Ct)).ShouldBe("out_of_stock");
        (await host.AlertsAsync(plan, Ct)).ShouldBeEmpty();
        host.MessagesAt(path).ShouldBeEmpty();
        var status = await host.StatusAsync(plan, Ct);
        var sgp = status.GetProperty("items").EnumerateArray().First(i => i.GetProperty("datacenter").GetString() == "SGP");
        sgp.GetProperty("delivery_hours").GetInt32().ShouldBe(14 * 24);
        sgp.GetProperty("city").GetString().ShouldBe("Singapore");
        sgp.GetProperty("flag").GetString().ShouldBe("🇸🇬");
    }

    [Fact]
    public async Task Out_for_59_minutes_then_back_says_nothing()
    {
        var (admin, plan, path) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.AfterAsync(Interval, Ct);

        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(59), Ct);
        await host.FlushAsync(Ct);

        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("in_stock");
        (await host.AlertsAsync(plan, Ct)).ShouldBeEmpty();
        host.MessagesAt(path).ShouldBeEmpty();
    }

    [Fact]
    public async Task Out_for_60_minutes_then_back_alerts_once_with_name_datacenters_price_delay_and_link()
    {
        var (admin, plan, path) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.SetVps("FR", plan, "SBG", "available");
        host.Ovh.SetVps("FR", plan, "DE", "available");
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        host.Ovh.SetVps("FR", plan, "SBG", "out-of-stock");
        await host.AfterAsync(Interval, Ct);
        for (var waited = Interval; waited < TimeSpan.FromMinutes(60); waited += Interval)
        {
            await host.AfterAsync(Interval, Ct);
        }

        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.SetVps("FR", plan, "SBG", "available");
        await host.AfterAsync(Interval, Ct);
        await host.AfterAsync(Interval, Ct);
        await host.FlushAsync(Ct);

        var alerts = await host.AlertsAsync(plan, Ct);
        alerts.Count.ShouldBe(2);
        alerts.Select(a => a.GetProperty("datacenter").GetString()).Order().ShouldBe(["GRA", "SBG"]);
        alerts.ShouldAllBe(a => a.GetProperty("kind").GetString() == "restock.back_in_stock" && a.GetProperty("link").GetString()!.Contains(plan));
        var messages = host.MessagesAt(path);
        messages.Count.ShouldBe(1, "one message per destination per cycle lists every datacenter that came back");
        var message = messages[0];
        message.GetProperty("title").GetString()!.ShouldContain(plan.ToUpperInvariant());
        message.GetProperty("title").GetString()!.ShouldContain("2 datacenters");
        var items = message.GetProperty("items").EnumerateArray().ToList();
        items.Count.ShouldBe(2);
        string.Join("\n", items.Select(i => i.GetProperty("message").GetString())).ShouldSatisfyAllConditions(
            text => text.ShouldContain("GRA"),
            text => text.ShouldContain("SBG"),
            text => text.ShouldContain("Delivery: immediate"),
            text => text.ShouldContain("https://www.ovhcloud.com/fr/vps/"));
    }

    [Fact]
    public async Task The_alert_carries_the_catalog_price_and_the_preorder_delay()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        host.Ovh.AddCatalogPlans("FR", new OvhCatalogPlan(plan, "VPS-Price", FakeOvh.Micros(4.57m), ["GRA", "SGP"]));
        await host.AddPlanAsync(admin, plan, name: "VPS-Price", ct: Ct);
        // The catalog is cached for hours; refresh it now for this plan's price.
        await host.Service<Vigil.Server.Modules.Restock.CatalogSync>()!.FetchAsync("FR", Ct);
        var (user, path) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR", options = new { preorder = true } }, Ct);

        host.Ovh.SetVps("FR", plan, "SGP", "out-of-stock");
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", plan, "SGP", "out-of-stock-preorder-allowed", daysBeforeDelivery: 14);
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        var message = host.MessagesAt(path).ShouldHaveSingleItem();
        message.GetProperty("title").GetString()!.ShouldContain("VPS-Price");
        message.GetProperty("message").GetString()!.ShouldSatisfyAllConditions(
            text => text.ShouldContain("4.57 EUR/month"),
            text => text.ShouldContain("~14 days"),
            text => text.ShouldContain("SGP"));
    }

    [Fact]
    public async Task Flapping_every_poll_for_an_hour_alerts_at_most_once()
    {
        var (admin, plan, path) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.CycleAsync(Ct);
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        for (var i = 0; i < 30; i++)
        {
            host.Ovh.SetVps("FR", plan, "GRA", i % 2 == 0 ? "available" : "out-of-stock");
            await host.AfterAsync(Interval, Ct);
        }
        await host.FlushAsync(Ct);

        var alerts = await host.AlertsAsync(plan, Ct);
        alerts.Count.ShouldBe(1, string.Join("\n", alerts));
        host.MessagesAt(path).Count.ShouldBe(1);
        using var anonymous = host.CreateClient();
        var history = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status/history?plan_code={plan}&track=linux&limit=100", Ct);
        history.GetProperty("items").GetArrayLength().ShouldBe(31, "history is stored on change only: the first sighting and 30 flips");
        var timeline = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status/timeline/{plan}?days=7", Ct);
        var gra = timeline.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("datacenter").GetString() == "GRA");
        gra.GetProperty("segments").GetArrayLength().ShouldBe(31);
        gra.GetProperty("available_percent").GetDouble().ShouldBeInRange(20, 40);
    }

    [Fact]
    public async Task A_subscriber_cooldown_holds_back_a_second_return_within_it()
    {
        var (admin, plan, path) = await WatchedPlanAsync(new { cooldown_minutes = 240 });
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.AfterAsync(Interval, Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        (await host.AlertsAsync(plan, Ct)).Count.ShouldBe(2, "both returns qualify");
        host.MessagesAt(path).Count.ShouldBe(1, "the second falls within the subscriber's 4-hour cooldown");
    }

    [Fact]
    public async Task One_datacenter_back_in_two_subsidiaries_and_on_both_tracks_is_not_a_repeat_within_the_cooldown()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        var (user, path) = await host.SubscriberAsync(Ct);
        var cooldown = new { cooldown_minutes = 240 };
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR", options = cooldown }, Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR", options = new { cooldown_minutes = 240, os = "windows" } }, Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "CA", options = cooldown }, Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        host.Ovh.SetVps("CA", plan, "GRA", "out-of-stock");
        await host.CycleAsync(Ct);

        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.SetVps("CA", plan, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        var message = host.MessagesAt(path).ShouldHaveSingleItem("one message per destination per cycle");
        var upper = plan.ToUpperInvariant();
        message.GetProperty("title").GetString()!.ShouldSatisfyAllConditions(
            title => title.ShouldStartWith($"Back in stock: {upper} ("),
            title => title.ShouldContain("FR"),
            title => title.ShouldContain("CA"));
        var items = message.GetProperty("items").EnumerateArray().ToList();
        string?[] expected = [$"{upper} back in stock in GRA (CA)", $"{upper} back in stock in GRA (FR)", $"{upper} back in stock in GRA (FR) on windows"];
        items.Select(i => i.GetProperty("title").GetString()).Order(StringComparer.Ordinal).ToArray().ShouldBe(expected, "neither subsidiary nor track is a repeat of another");
        items.Single(i => i.GetProperty("title").GetString()!.EndsWith("(CA)", StringComparison.Ordinal)).GetProperty("message").GetString()!.ShouldContain("/en-ca/");

        // The same stock back again within the cooldown is a repeat.
        host.Ovh.SetVps("CA", plan, "GRA", "out-of-stock");
        await host.AfterAsync(Interval, Ct);
        host.Ovh.SetVps("CA", plan, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);
        (await host.AlertsAsync(plan, Ct)).Count(a => a.GetProperty("subsidiary").GetString() == "CA").ShouldBe(2);
        host.MessagesAt(path).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Plans_back_in_one_cycle_go_to_a_destination_as_one_message()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var (first, second) = (NewPlan(), NewPlan());
        var (user, path) = await host.SubscriberAsync(Ct);
        foreach (var plan in new[] { first, second })
        {
            await host.AddPlanAsync(admin, plan, ct: Ct);
            await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR" }, Ct);
            host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        }
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", first, "GRA", "available");
        host.Ovh.SetVps("FR", second, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        var message = host.MessagesAt(path).ShouldHaveSingleItem();
        var title = message.GetProperty("title").GetString()!;
        title.ShouldStartWith("Back in stock: ");
        title.ShouldContain(first.ToUpperInvariant());
        title.ShouldContain(second.ToUpperInvariant());
        title.ShouldEndWith("(FR)");
        message.GetProperty("items").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Checking_one_plan_now_checks_and_counts_only_its_sources()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var (asked, other) = (NewPlan(), NewPlan());
        foreach (var plan in new[] { asked, other })
        {
            await host.AddPlanAsync(admin, plan, ct: Ct);
            host.Ovh.SetVps("FR", plan, "GRA", "available");
            host.Ovh.SetVps("DE", plan, "GRA", "available");
        }
        host.Ovh.ResetCounts();

        for (var i = 0; i < 2; i++)
        {
            using var response = await admin.Client.PostAsync($"/api/v1/restock/plans/{asked}/check", null, Ct);
            var report = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, report.ToString());
            report.GetProperty("checked").GetInt32().ShouldBe(2, "FR and DE of that plan, nothing else that happened to be due");
            report.GetProperty("changes").GetInt32().ShouldBe(i == 0 ? 4 : 0, "first sightings: GRA on two tracks in FR and DE");
        }
        host.Ovh.VpsRequests("FR", asked).ShouldBe(2);
        host.Ovh.VpsRequests("FR", other).ShouldBe(0);
        await host.CycleAsync(Ct);
        host.Ovh.VpsRequests("FR", other).ShouldBe(1, "the other plan's new sources are still due for the next cycle");
    }

    [Fact]
    public async Task Failed_polls_are_recorded_and_retried_but_never_change_stock_or_alert()
    {
        var (admin, plan, path) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.AfterAsync(Interval, Ct);

        var faults = new[] { OvhFault.ServerError, OvhFault.Unavailable, OvhFault.TooManyRequests, OvhFault.TooManyRequestsNoRetryAfter, OvhFault.Garbage, OvhFault.Truncated, OvhFault.EmptyObject, OvhFault.NamelessRows, OvhFault.Reset };
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        foreach (var fault in faults)
        {
            host.Ovh.FailPlan(plan, fault);
            await host.AfterAsync(TimeSpan.FromMinutes(10), Ct);
            (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("out_of_stock", fault.ToString());
        }
        host.Ovh.FailPlan(plan, OvhFault.None);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.AfterAsync(TimeSpan.FromMinutes(10), Ct);
        await host.FlushAsync(Ct);

        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("out_of_stock");
        (await host.AlertsAsync(plan, Ct)).ShouldBeEmpty();
        host.MessagesAt(path).ShouldBeEmpty();
        var sources = await (await host.AdminAsync(Ct)).Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/sources?limit=500", Ct);
        var source = sources.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("plan_code").GetString() == plan && s.GetProperty("subsidiary").GetString() == "FR");
        source.GetProperty("failures").GetInt64().ShouldBe(faults.Length);
        source.GetProperty("consecutive_failures").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_slow_answer_is_a_timed_out_check()
    {
        var (_, plan, _) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.CycleAsync(Ct);
        host.Ovh.SlowDelay = TimeSpan.FromSeconds(4);
        host.Ovh.FailPlan(plan, OvhFault.Slow);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");

        await host.AfterAsync(Interval, Ct);

        host.Ovh.FailPlan(plan, OvhFault.None);
        var admin = await host.AdminAsync(Ct);
        var sources = await admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/sources?limit=500", Ct);
        var source = sources.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("plan_code").GetString() == plan && s.GetProperty("subsidiary").GetString() == "FR");
        source.GetProperty("last_error").GetString().ShouldBe("Timed out.");
        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("in_stock");
    }

    [Fact]
    public async Task Admins_hear_once_when_a_source_keeps_failing_and_once_when_it_recovers()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        var (user, path) = await host.SubscriberAsync(Ct);
        using (var subscribe = await user.Client.PostAsJsonAsync("/api/v1/subscriptions", new { kind = "restock.source_*", subject = $"ovh-source:FR:{plan}", workspace_events = false, cooldown_seconds = 3600 }, Ct))
        {
            subscribe.EnsureSuccessStatusCode();
        }
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.FailPlan(plan, OvhFault.ServerError);
        for (var i = 0; i < 8; i++)
        {
            await host.AfterAsync(TimeSpan.FromMinutes(5), Ct);
        }
        await host.FlushAsync(Ct);
        var failing = host.MessagesAt(path);
        failing.Count.ShouldBe(1);
        failing[0].GetProperty("title").GetString()!.ShouldContain("failing");

        host.Ovh.FailPlan(plan, OvhFault.None);
        await host.AfterAsync(TimeSpan.FromMinutes(5), Ct);
        await host.AfterAsync(TimeSpan.FromMinutes(5), Ct);
        await host.FlushAsync(Ct);
        // Within the subscriber's hour of cooldown for the same source: told once each way, the recovery still goes.
        var all = host.MessagesAt(path);
        all.Count.ShouldBe(2);
        all[1].GetProperty("title").GetString()!.ShouldContain("work again");
    }

    [Fact]
    public async Task Subscriber_rules_confirm_polls_out_of_stock_preorder_datacenters_and_os()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        var (plain, plainPath) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(plain, new { plan_code = plan, subsidiary = "FR" }, Ct);
        var (confirm, confirmPath) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(confirm, new { plan_code = plan, subsidiary = "FR", options = new { confirm_polls = 3 } }, Ct);
        var (gone, gonePath) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(gone, new { plan_code = plan, subsidiary = "FR", options = new { out_of_stock = true } }, Ct);
        var (sbgOnly, sbgPath) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(sbgOnly, new { plan_code = plan, subsidiary = "FR", datacenters = new[] { "SBG" } }, Ct);
        var (windows, windowsPath) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(windows, new { plan_code = plan, subsidiary = "FR", options = new { os = "windows" } }, Ct);
        var (germany, germanyPath) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(germany, new { plan_code = plan, subsidiary = "DE" }, Ct);

        host.Ovh.SetVps("FR", plan, "GRA", "available", windowsStatus: "out-of-stock");
        host.Ovh.SetVps("DE", plan, "GRA", "out-of-stock");
        await host.CycleAsync(Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.AfterAsync(Interval, Ct);
        await host.FlushAsync(Ct);
        host.MessagesAt(gonePath).Count.ShouldBe(1, "went-out alerts are opt-in");
        var wentOut = host.MessagesAt(gonePath)[0];
        wentOut.GetProperty("title").GetString()!.ShouldContain("out of stock in GRA (FR)");
        wentOut.GetProperty("fields").TryGetProperty("delivery", out _).ShouldBeFalse("nothing can be delivered where it cannot be ordered");
        host.MessagesAt(plainPath).ShouldBeEmpty();

        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);
        host.MessagesAt(plainPath).Count.ShouldBe(1);
        host.MessagesAt(confirmPath).ShouldBeEmpty("not yet confirmed on 3 polls");
        host.MessagesAt(windowsPath).Count.ShouldBe(1, "the windows track was out since the first sighting and is back too");
        host.MessagesAt(sbgPath).ShouldBeEmpty("only SBG is followed");
        host.MessagesAt(germanyPath).ShouldBeEmpty("another subsidiary");

        await host.AfterAsync(Interval, Ct);
        await host.AfterAsync(Interval, Ct);
        await host.FlushAsync(Ct);
        host.MessagesAt(confirmPath).Count.ShouldBe(1, "confirmed on the third poll in a row");
        host.MessagesAt(confirmPath)[0].GetProperty("message").GetString()!.ShouldContain(
            "after at least 1h 0m unavailable, confirmed on 3 checks in a row over 4m", Case.Sensitive, "the outage, not the time since the return");
        await host.AfterAsync(Interval, Ct);
        await host.FlushAsync(Ct);
        host.MessagesAt(confirmPath).Count.ShouldBe(1);
        host.MessagesAt(plainPath).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_datacenter_missing_from_an_answer_or_with_an_unknown_status_keeps_its_state()
    {
        var (admin, plan, _) = await WatchedPlanAsync();
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.SetVps("FR", plan, "SBG", "available");
        await host.CycleAsync(Ct);

        host.Ovh.RemoveVps("FR", plan, "SBG");
        host.Ovh.SetVpsRow("FR", plan, new OvhVpsRow("GRA", "eu-west-gra", "brand-new-status", "brand-new-status", null, null));
        await host.AfterAsync(Interval, Ct);

        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("in_stock");
        (await host.StateAsync(plan, "SBG", ct: Ct)).ShouldBe("in_stock");
        (await host.StateAsync(plan, "GRA", track: "windows", ct: Ct)).ShouldBe("in_stock");
        (await host.AlertsAsync(plan, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_hundred_subscribers_on_one_plan_cost_one_upstream_request_per_cycle()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        for (var batch = 0; batch < 10; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            {
                var user = await host.RegisterAsync(ct: Ct);
                var datacenters = i % 2 == 0 ? null : new[] { "GRA" };
                await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR", datacenters, options = new { confirm_polls = 1 + (i % 3), out_of_stock = i % 4 == 0 } }, Ct);
            }));
        }
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.ResetCounts();

        await host.AfterAsync(Interval, Ct);
        await host.AfterAsync(Interval, Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await host.AfterAsync(Interval, Ct);

        host.Ovh.VpsRequests("FR", plan).ShouldBe(3);
        // Each check names us and asks for JSON, uncompressed (the answers are a few hundred bytes).
        var check = host.Ovh.Requests.Last(r => r.Path.EndsWith("/vps/order/rule/datacenter", StringComparison.Ordinal) && r.Query.Contains(plan, StringComparison.Ordinal));
        check.Header("User-Agent").ShouldStartWith("Vigil-Restock/");
        check.Header("Accept").ShouldBe("application/json");
        check.Header("Accept-Encoding").ShouldBeNull();
    }

    [Fact]
    public async Task A_cycle_over_many_sources_checks_each_once_whether_timed_or_asked_for_twice_at_the_same_instant()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        // More sources than a cycle claims up front, so the rest are claimed while the first are being checked.
        var plans = Enumerable.Range(0, 150).Select(_ => NewPlan()).ToList();
        foreach (var plan in plans)
        {
            await host.AddPlanAsync(admin, plan, ct: Ct);
            host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        }
        host.Ovh.ResetCounts();

        await host.AfterAsync(Interval, Ct);
        plans.ShouldAllBe(plan => host.Ovh.VpsRequests("FR", plan) == 1);

        var poller = host.Service<Vigil.Server.Modules.Restock.RestockPoller>()!;
        (await poller.CheckNowAsync(null, Ct)).ShouldNotBeNull();
        (await poller.CheckNowAsync(null, Ct)).ShouldNotBeNull();
        plans.ShouldAllBe(plan => host.Ovh.VpsRequests("FR", plan) == 3);
    }

    [Fact]
    public async Task A_subscriber_in_a_subsidiary_nobody_watches_gets_that_source_checked()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        host.Ovh.SetVps("CA", plan, "BHS", "out-of-stock");
        var (user, path) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "CA" }, Ct);

        await host.AfterAsync(Interval, Ct);
        host.Ovh.SetVps("CA", plan, "BHS", "available");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        host.Ovh.VpsRequests("CA", plan).ShouldBe(2);
        (await host.StateAsync(plan, "BHS", subsidiary: "CA", ct: Ct)).ShouldBe("in_stock");
        host.MessagesAt(path).ShouldHaveSingleItem().GetProperty("title").GetString()!.ShouldContain("BHS (CA)");
    }

    [Fact]
    public async Task Admins_change_the_interval_and_threshold_at_run_time_and_the_next_cycle_follows()
    {
        var (admin, plan, path) = await WatchedPlanAsync();
        try
        {
            const string Settings = "/api/v1/restock/settings";
            var bad = await admin.Client.PatchAsJsonAsync(Settings, new { check_interval_seconds = 0, notification_threshold_minutes = -1 }, Ct);
            (await RestockHost.ShouldNameFieldAsync(bad, "check_interval_seconds", Ct)).ShouldContain("notification_threshold_minutes");
            await RestockHost.ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync(Settings, new { check_interval_seconds = 86_401 }, Ct), "check_interval_seconds", Ct);
            var unchanged = await admin.Client.GetFromJsonAsync<JsonElement>(Settings, Ct);
            unchanged.GetProperty("check_interval_seconds").GetDouble().ShouldBe(120, "a refused change stores nothing");

            // One field at a time: the others stay.
            var longer = await admin.Client.PatchAsJsonAsync(Settings, new { check_interval_seconds = 600 }, Ct);
            var settings = await longer.Content.ReadFromJsonAsync<JsonElement>(Ct);
            longer.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, settings.ToString());
            settings.GetProperty("check_interval_seconds").GetDouble().ShouldBe(600);
            settings.GetProperty("notification_threshold_minutes").GetDouble().ShouldBe(60);
            settings.GetProperty("subsidiaries").EnumerateArray().Select(s => s.GetString()).ShouldBe(["FR", "DE"]);

            host.Ovh.SetVps("FR", plan, "GRA", "available");
            host.Ovh.ResetCounts();
            await host.CycleAsync(Ct);
            host.Ovh.VpsRequests("FR", plan).ShouldBe(1);
            await host.AfterAsync(TimeSpan.FromMinutes(3), Ct);
            host.Ovh.VpsRequests("FR", plan).ShouldBe(1, "checked every 10 minutes now, not every 2");
            await host.AfterAsync(TimeSpan.FromMinutes(7.5), Ct);
            host.Ovh.VpsRequests("FR", plan).ShouldBe(2);

            // A shorter interval counts from the change: the source does not wait out the 10 minutes it was given.
            (await admin.Client.PatchAsJsonAsync(Settings, new { check_interval_seconds = 60.5 }, Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            await host.AfterAsync(TimeSpan.FromSeconds(61), Ct);
            host.Ovh.VpsRequests("FR", plan).ShouldBe(3);

            // Out for 6 minutes, then back: news under a 5-minute threshold, as it was not under 60.
            (await admin.Client.PutAsJsonAsync(Settings, new { notification_threshold_minutes = 5 }, Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            (await admin.Client.GetFromJsonAsync<JsonElement>(Settings, Ct)).GetProperty("check_interval_seconds").GetDouble().ShouldBe(60.5);
            host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
            await host.AfterAsync(TimeSpan.FromSeconds(61), Ct);
            for (var i = 0; i < 6; i++)
            {
                await host.AfterAsync(TimeSpan.FromSeconds(61), Ct);
            }
            host.Ovh.SetVps("FR", plan, "GRA", "available");
            await host.AfterAsync(TimeSpan.FromSeconds(61), Ct);
            await host.FlushAsync(Ct);
            var message = host.MessagesAt(path).ShouldHaveSingleItem();
            message.GetProperty("message").GetString()!.ShouldContain("after 7m", Case.Sensitive, message.ToString());
        }
        finally
        {
            // Signed in again: the clock has outlived the first token.
            var restorer = await host.AdminAsync(Ct);
            (await restorer.Client.PatchAsJsonAsync("/api/v1/restock/settings", new { check_interval_seconds = 120, notification_threshold_minutes = 60 }, Ct))
                .StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_team_shares_restock_alerts_through_its_workspace_channel_while_its_members_stay()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        var owner = await host.RegisterAsync(ct: Ct);
        var member = await host.RegisterAsync(ct: Ct);
        var viewer = await host.RegisterAsync(ct: Ct);
        var stranger = await host.RegisterAsync(ct: Ct);
        var team = owner.PersonalWorkspaceId;
        (await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{team}/members", new { user_id = member.Id, role = "member" }, Ct)).EnsureSuccessStatusCode();
        (await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{team}/members", new { user_id = viewer.Id, role = "viewer" }, Ct)).EnsureSuccessStatusCode();
        var path = "/team-" + Guid.NewGuid().ToString("N")[..8];
        var shared = await NotificationsHost.AddChannelAsync(owner, new { name = "team", type = "webhook", url = new Uri(host.Receiver.BaseAddress, path).ToString(), scope = "workspace" }, Ct);

        // Members may point their restock alerts at the team's channel; viewers and strangers may not.
        var subscription = await RestockHost.SubscribeAsync(member, new { plan_code = plan, subsidiary = "FR", channel_ids = new[] { shared } }, Ct);
        subscription.GetProperty("channel_ids").EnumerateArray().Select(c => c.GetGuid()).ShouldBe([shared]);
        foreach (var refused in new[] { viewer, stranger })
        {
            var response = await refused.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan, subsidiary = "FR", channel_ids = new[] { shared } }, Ct);
            await RestockHost.ShouldNameFieldAsync(response, "channel_ids", Ct);
        }
        // The owner following the same plan through the same channel does not double the team's messages.
        await RestockHost.SubscribeAsync(owner, new { plan_code = plan, subsidiary = "FR", channel_ids = new[] { shared } }, Ct);
        // The plain subscription API takes the shared channel for system-wide kinds too; a workspace's own events go only
        // to that workspace's channels, never another's.
        await NotificationsHost.SubscribeAsync(member, "restock.out_of_stock", $"ovh:{plan}:*", [shared], ct: Ct);
        var elsewhere = await member.Client.PostAsJsonAsync("/api/v1/subscriptions", new { kind = "custom.x", channel_ids = new[] { shared }, workspace_events = true }, Ct);
        elsewhere.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest, await elsewhere.Content.ReadAsStringAsync(Ct));

        async Task OutForAnHourThenBackAsync()
        {
            host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
            await host.AfterAsync(Interval, Ct);
            await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
            host.Ovh.SetVps("FR", plan, "GRA", "available");
            await host.AfterAsync(Interval, Ct);
            await host.FlushAsync(Ct);
        }
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.CycleAsync(Ct);
        await OutForAnHourThenBackAsync();
        host.MessagesAt(path).ShouldHaveSingleItem().GetProperty("title").GetString()!.ShouldContain("back in stock");

        // The owner stops following and the member leaves the team: the team's channel hears no more.
        owner = await host.SignInAsync(owner.Username, owner.Password, owner.Id, owner.PersonalWorkspaceId, Ct);
        (await owner.Client.DeleteAsync($"/api/v1/restock/subscriptions/{plan}", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await owner.Client.DeleteAsync($"/api/v1/workspaces/{team}/members/{member.Id}", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        await OutForAnHourThenBackAsync();
        host.MessagesAt(path).Count.ShouldBe(1);
        (await host.AlertsAsync(plan, Ct)).Count(a => a.GetProperty("kind").GetString() == "restock.back_in_stock").ShouldBe(2, "the alert itself was recorded; only the team no longer hears it");
    }

    [Fact]
    public async Task Dedicated_servers_are_watched_through_their_availabilities()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = "24ska" + Guid.NewGuid().ToString("N")[..4];
        await host.AddPlanAsync(admin, plan, kind: "dedicated", ct: Ct);
        var (user, path) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan }, Ct);
        host.Ovh.SetDedicated(plan, "gra", "unavailable");
        host.Ovh.SetDedicated(plan, "rbx", "72H");
        await host.CycleAsync(Ct);
        (await host.StateAsync(plan, "rbx", subsidiary: "", track: "server", ct: Ct)).ShouldBe("in_stock");

        host.Ovh.SetDedicated(plan, "gra", "1H-low");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        (await host.StateAsync(plan, "gra", subsidiary: "", track: "server", ct: Ct)).ShouldBe("in_stock");
        var message = host.MessagesAt(path).ShouldHaveSingleItem();
        message.GetProperty("message").GetString()!.ShouldContain("eco.ovhcloud.com");
    }
}

[Trait("Database", "Sqlite")]
public sealed class WatchSqliteTests(RestockSqliteHost host) : WatchTests(host), IClassFixture<RestockSqliteHost>;

[Trait("Database", "Postgres")]
public sealed class WatchPostgresTests(RestockPostgresHost host) : WatchTests(host), IClassFixture<RestockPostgresHost>;
