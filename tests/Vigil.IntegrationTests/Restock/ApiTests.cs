using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Restock;

namespace Vigil.IntegrationTests.Restock;

/// <summary>The /api/v1/restock contract: routes, snake_case fields, status codes, and problems naming the field.</summary>
public abstract class ApiTests(RestockHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string NewPlan() => "vps-api-" + Guid.NewGuid().ToString("N")[..8];

    static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(text).RootElement;
    }

    static Task<string> ShouldNameFieldAsync(HttpResponseMessage response, string field) => RestockHost.ShouldNameFieldAsync(response, field, Ct);

    [Fact]
    public async Task Plans_are_managed_by_admins_and_removed_plans_keep_their_history()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var user = await host.RegisterAsync(ct: Ct);
        var plan = NewPlan();

        var created = await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = plan, name = "VPS Api", kind = "vps" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        created.Headers.Location!.ToString().ShouldBe($"/api/v1/restock/plans/{plan}");
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("plan_code").GetString().ShouldBe(plan);
        body.GetProperty("monitored").GetBoolean().ShouldBeTrue();
        body.GetProperty("lifecycle").GetString().ShouldBe("active");
        body.GetProperty("kind").GetString().ShouldBe("vps");

        (await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = plan }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await user.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = NewPlan() }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await ShouldNameFieldAsync(await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { name = "x" }, Ct), "plan_code");
        await ShouldNameFieldAsync(await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = "bad code!" }, Ct), "plan_code");
        await ShouldNameFieldAsync(await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = NewPlan(), kind = "mainframe" }, Ct), "kind");
        await ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { lifecycle = "zombie" }, Ct), "lifecycle");
        await ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { name = "" }, Ct), "name");
        (await admin.Client.PatchAsJsonAsync("/api/v1/restock/plans/no-such-plan", new { monitored = false }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        host.Ovh.SetVps("FR", plan, "GRA", "available");
        await host.CycleAsync(Ct);
        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBe("in_stock");

        var legacy = await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { lifecycle = "legacy" }, Ct);
        (await legacy.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("lifecycle").GetString().ShouldBe("legacy");
        host.Ovh.ResetCounts();
        await host.AfterAsync(TimeSpan.FromMinutes(3), Ct);
        host.Ovh.VpsRequests("FR", plan).ShouldBe(0, "legacy plans are not checked");
        (await host.StateAsync(plan, "GRA", ct: Ct)).ShouldBeNull();

        (await admin.Client.DeleteAsync($"/api/v1/restock/plans/{plan}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var anonymous = host.CreateClient();
        var removed = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{plan}", Ct);
        removed.GetProperty("lifecycle").GetString().ShouldBe("removed");
        removed.GetProperty("monitored").GetBoolean().ShouldBeFalse();
        var history = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status/history?plan_code={plan}", Ct);
        history.GetProperty("items").GetArrayLength().ShouldBe(2, "linux and windows first sightings stay");
        (await anonymous.GetAsync("/api/v1/restock/plans/nothing-here", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var plans = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/restock/plans?lifecycle=removed&limit=500", Ct);
        plans.GetProperty("items").EnumerateArray().ShouldContain(p => p.GetProperty("plan_code").GetString() == plan);
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/plans?lifecycle=zombie", Ct), "lifecycle");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/plans?monitored=maybe", Ct), "monitored");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/plans?limit=0", Ct), "limit");
    }

    [Fact]
    public async Task The_first_catalog_sync_seeds_plans_prices_and_datacenter_cities()
    {
        host.RequireDatabase();
        var seeded = "vps-2025-seed" + Guid.NewGuid().ToString("N")[..4];
        host.Ovh.AddCatalogPlans("FR",
            new OvhCatalogPlan(seeded, "VPS-Seed", FakeOvh.Micros(4.57m), ["GRA", "SBG", "EU-WEST-LZ-AMS"], Cores: 4, MemoryGb: 8, StorageGb: 75),
            new OvhCatalogPlan("upgrade-vps-2025-model1-vps-2025-model2", "Upgrade", FakeOvh.Micros(1m), ["GRA"]),
            new OvhCatalogPlan("hidden-" + seeded, "Hidden", FakeOvh.Micros(1m), ["GRA"], Tags: ["order-funnel:hide"]));
        host.Ovh.AddCatalogPlans("DE", new OvhCatalogPlan(seeded, "VPS-Seed", FakeOvh.Micros(5.10m), ["DE"], Cores: 4, MemoryGb: 8, StorageGb: 75));
        var sync = host.Service<CatalogSync>()!;
        var compressed = host.Ovh.CompressedCatalogs;
        (await sync.FetchAsync("FR", Ct)).ShouldBeTrue();
        (await sync.FetchAsync("DE", Ct)).ShouldBeTrue();
        // Catalogs are asked for (and read) gzip-compressed; stock checks, a few hundred bytes each, are not.
        host.Ovh.CompressedCatalogs.ShouldBeGreaterThanOrEqualTo(compressed + 2);

        using var anonymous = host.CreateClient();
        var plan = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{seeded}", Ct);
        plan.GetProperty("name").GetString().ShouldBe("VPS-Seed");
        plan.GetProperty("monitored").GetBoolean().ShouldBeTrue();
        plan.GetProperty("from_catalog").GetBoolean().ShouldBeTrue();
        plan.GetProperty("cores").GetInt32().ShouldBe(4);
        plan.GetProperty("memory_gb").GetInt32().ShouldBe(8);
        plan.GetProperty("datacenters").EnumerateArray().Select(d => d.GetString()).ShouldContain("GRA");
        (await anonymous.GetAsync("/api/v1/restock/plans/upgrade-vps-2025-model1-vps-2025-model2", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/api/v1/restock/plans/hidden-{seeded}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var pricing = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/pricing/{seeded}", Ct);
        var prices = pricing.GetProperty("prices").EnumerateArray().ToList();
        prices.Select(p => p.GetProperty("subsidiary").GetString()).ShouldBe(["DE", "FR"]);
        var fr = prices.Single(p => p.GetProperty("subsidiary").GetString() == "FR");
        fr.GetProperty("currency").GetString().ShouldBe("EUR");
        fr.GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(4.57m);
        fr.GetProperty("pricings").GetArrayLength().ShouldBe(4);
        prices.Single(p => p.GetProperty("subsidiary").GetString() == "DE").GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(5.10m);
        (await ProblemAsync(await anonymous.GetAsync("/api/v1/restock/pricing/no-such-plan", Ct), HttpStatusCode.NotFound)).GetProperty("status").GetInt32().ShouldBe(404);
        var frOnly = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/pricing/{seeded}?subsidiary=fr", Ct);
        frOnly.GetProperty("prices").EnumerateArray().Select(p => p.GetProperty("subsidiary").GetString()).ShouldBe(["FR"]);
        (await ProblemAsync(await anonymous.GetAsync($"/api/v1/restock/pricing/{seeded}?subsidiary=QQ", Ct), HttpStatusCode.BadRequest))
            .GetProperty("errors").TryGetProperty("subsidiary", out _).ShouldBeTrue();
        foreach (var route in new[] { "status?track=LINUX", "status/history?track=Windows", $"status/timeline/{seeded}?track=WINDOWS" })
        {
            (await anonymous.GetAsync("/api/v1/restock/" + route, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, route);
        }

        var datacenters = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/restock/datacenters", Ct);
        var gra = datacenters.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "GRA");
        gra.GetProperty("code").GetString().ShouldBe("eu-west-gra");
        gra.GetProperty("city").GetString().ShouldBe("Gravelines");
        gra.GetProperty("country_code").GetString().ShouldBe("FR");
        gra.GetProperty("flag").GetString().ShouldBe("🇫🇷");

        host.Ovh.RemoveCatalogPlan("FR", seeded);
        host.Ovh.RemoveCatalogPlan("DE", seeded);
        await sync.FetchAsync("FR", Ct);
        await sync.FetchAsync("DE", Ct);
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{seeded}", Ct)).GetProperty("lifecycle").GetString().ShouldBe("removed");

        // Sold again, a plan the catalog dropped comes back; one the admin removed stays removed.
        host.Ovh.AddCatalogPlans("FR", new OvhCatalogPlan(seeded, "VPS-Seed", FakeOvh.Micros(4.57m), ["GRA"]));
        await sync.FetchAsync("FR", Ct);
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{seeded}", Ct)).GetProperty("lifecycle").GetString().ShouldBe("active");
        var admin = await host.AdminAsync(Ct);
        (await admin.Client.DeleteAsync($"/api/v1/restock/plans/{seeded}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await sync.FetchAsync("FR", Ct);
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{seeded}", Ct)).GetProperty("lifecycle").GetString().ShouldBe("removed");
        var removed = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/restock/plans?lifecycle=removed&limit=500", Ct);
        removed.GetProperty("items").EnumerateArray().ShouldContain(p => p.GetProperty("plan_code").GetString() == seeded);
    }

    [Fact]
    public async Task Subscriptions_in_restock_words_single_bulk_and_unsubscribe()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var a = NewPlan();
        var b = NewPlan();
        await host.AddPlanAsync(admin, a, ct: Ct);
        await host.AddPlanAsync(admin, b, ct: Ct);
        var (user, _) = await host.SubscriberAsync(Ct);

        var created = await RestockHost.SubscribeAsync(user, new { plan_code = a, subsidiary = "fr", datacenters = new[] { "gra", "SBG" }, options = new { confirm_polls = 2, out_of_stock = true, preorder = true, cooldown_minutes = 30 } }, Ct);
        created.GetProperty("plan_code").GetString().ShouldBe(a);
        created.GetProperty("subsidiary").GetString().ShouldBe("FR");
        created.GetProperty("datacenters").EnumerateArray().Select(d => d.GetString()).ShouldBe(["GRA", "SBG"]);
        created.GetProperty("confirm_polls").GetInt32().ShouldBe(2);
        created.GetProperty("out_of_stock").GetBoolean().ShouldBeTrue();
        created.GetProperty("preorder").GetBoolean().ShouldBeTrue();
        created.GetProperty("os").GetString().ShouldBe("linux");
        created.GetProperty("cooldown_seconds").GetInt32().ShouldBe(1800);
        created.GetProperty("channel_ids").GetArrayLength().ShouldBe(0);
        // The options come back in the request's own words too.
        var options = created.GetProperty("options");
        (options.GetProperty("confirm_polls").GetInt32(), options.GetProperty("out_of_stock").GetBoolean(), options.GetProperty("preorder").GetBoolean(),
            options.GetProperty("os").GetString(), options.GetProperty("cooldown_minutes").GetInt32()).ShouldBe((2, true, true, "linux", 30));

        (await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = a, subsidiary = "FR" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { subsidiary = "FR" }, Ct), "plan_code");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = "no-such-plan", subsidiary = "FR" }, Ct), "plan_code");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b }, Ct), "subsidiary");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "XX" }, Ct), "subsidiary");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", datacenters = new[] { "not a dc!" } }, Ct), "datacenters");
        // A well-formed name nobody knows (not sold for the plan, not built in, never seen) could never fire.
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", datacenters = new[] { "GRA", "ZZZ" } }, Ct), "datacenters");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", datacenters = "GRA" }, Ct), "datacenters");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", options = new { confirm_polls = 0 } }, Ct), "options.confirm_polls");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", options = new { os = "beos" } }, Ct), "options.os");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", options = new { cooldown_minutes = -1 } }, Ct), "options.cooldown_minutes");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", channel_ids = new[] { Guid.NewGuid() } }, Ct), "channel_ids");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = b, subsidiary = "FR", channel_ids = new[] { "nope" } }, Ct), "channel_ids[0]");
        using (var garbage = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))
        {
            (await ProblemAsync(await user.Client.PostAsync("/api/v1/restock/subscriptions", garbage, Ct), HttpStatusCode.BadRequest)).GetProperty("status").GetInt32().ShouldBe(400);
        }

        var bulkBad = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = new object[] { new { plan_code = b, subsidiary = "DE" }, new { subsidiary = "FR" } } }, Ct);
        await ShouldNameFieldAsync(bulkBad, "subscriptions[1].plan_code");
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/subscriptions", Ct)).GetProperty("items").GetArrayLength().ShouldBe(1, "bulk is all or nothing");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = Array.Empty<object>() }, Ct), "subscriptions");
        // The same plan, subsidiary and OS twice in one request is a mistake to point out, not to merge silently.
        var twice = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk",
            new { subscriptions = new object[] { new { plan_code = b, subsidiary = "DE" }, new { plan_code = b, subsidiary = "de", datacenters = new[] { "GRA" } } } }, Ct);
        await ShouldNameFieldAsync(twice, "subscriptions[1]");
        var empty = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = new object[] { new { } } }, Ct);
        (await empty.Content.ReadAsStringAsync(Ct)).ShouldNotContain("No plan ''");

        var bulk = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = new object[] { new { plan_code = a, subsidiary = "FR" }, new { plan_code = b, subsidiary = "DE", datacenters = new[] { "DE" } } } }, Ct);
        bulk.StatusCode.ShouldBe(HttpStatusCode.OK, await bulk.Content.ReadAsStringAsync(Ct));
        var result = await bulk.Content.ReadFromJsonAsync<JsonElement>(Ct);
        result.GetProperty("items").GetArrayLength().ShouldBe(2);
        result.GetProperty("removed").GetInt32().ShouldBe(1, "the existing (a, FR, linux) was replaced");
        var mine = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/subscriptions", Ct);
        mine.GetProperty("items").GetArrayLength().ShouldBe(2);
        mine.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("plan_code").GetString() == a).GetProperty("confirm_polls").GetInt32().ShouldBe(1);

        var all = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/subscriptions", Ct);
        all.GetProperty("items").EnumerateArray().Count(s => s.GetProperty("module").GetString() == "restock").ShouldBe(2, "one subscription model across modules");

        var idOfB = mine.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("plan_code").GetString() == b).GetProperty("id").GetGuid();
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{idOfB}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{idOfB}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{a}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/subscriptions", Ct)).GetProperty("items").GetArrayLength().ShouldBe(0);

        var replaced = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = new object[] { new { plan_code = a, subsidiary = "FR" } }, replace = true }, Ct);
        replaced.StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldNameFieldAsync(await user.Client.GetAsync("/api/v1/restock/notifications?kind=bogus", Ct), "kind");
        (await user.Client.GetAsync("/api/v1/restock/notifications?kind=back_in_stock", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var anonymous = host.CreateClient();
        (await anonymous.GetAsync("/api/v1/restock/subscriptions", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/v1/restock/notifications", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_dedicated_server_is_followed_once_on_its_one_track()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = "24ska" + Guid.NewGuid().ToString("N")[..4];
        await host.AddPlanAsync(admin, plan, kind: "dedicated", ct: Ct);
        var (user, _) = await host.SubscriberAsync(Ct);

        var created = await RestockHost.SubscribeAsync(user, new { plan_code = plan }, Ct);
        created.GetProperty("os").GetString().ShouldBe("server");
        created.GetProperty("subsidiary").ValueKind.ShouldBe(JsonValueKind.Null);
        // The same server again, however it is put: already followed.
        (await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan, subsidiary = "FR", options = new { os = "server" } }, Ct)).StatusCode
            .ShouldBe(HttpStatusCode.Conflict);
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan, subsidiary = "XX" }, Ct), "subsidiary");
        await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan, options = new { os = "windows" } }, Ct), "options.os");

        // A bulk item for it replaces the stored one instead of adding a second.
        var bulk = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = new object[] { new { plan_code = plan, options = new { out_of_stock = true } } } }, Ct);
        bulk.StatusCode.ShouldBe(HttpStatusCode.OK, await bulk.Content.ReadAsStringAsync(Ct));
        (await bulk.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("removed").GetInt32().ShouldBe(1);
        var mine = (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/subscriptions", Ct)).GetProperty("items");
        mine.EnumerateArray().Single(s => s.GetProperty("plan_code").GetString() == plan).GetProperty("out_of_stock").GetBoolean().ShouldBeTrue();

        // Its timeline answers track "server", and takes it as a filter; a VPS plan does not.
        using var anonymous = host.CreateClient();
        var timeline = await anonymous.GetAsync($"/api/v1/restock/status/timeline/{plan}?track=server", Ct);
        timeline.StatusCode.ShouldBe(HttpStatusCode.OK, await timeline.Content.ReadAsStringAsync(Ct));
        var vps = NewPlan();
        await host.AddPlanAsync(admin, vps, ct: Ct);
        await ShouldNameFieldAsync(await anonymous.GetAsync($"/api/v1/restock/status/timeline/{vps}?track=server", Ct), "track");
    }

    [Fact]
    public async Task Public_reads_validate_their_queries()
    {
        host.RequireDatabase();
        using var anonymous = host.CreateClient();
        (await anonymous.GetAsync("/api/v1/restock/status", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status?track=beos", Ct), "track");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status?subsidiary=ZZ", Ct), "subsidiary");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/history?days=0", Ct), "days");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/history?days=abc", Ct), "days");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/history?since=yesterday", Ct), "since");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/history?since=2026-01-01T00:00:00Z&days=1", Ct), "since");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/history?cursor=zzz", Ct), "cursor");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/timeline/x?days=1000", Ct), "days");
        (await anonymous.GetAsync("/api/v1/restock/status/timeline/no-such-plan", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/status/timeline/x?subsidiary=ZZ", Ct), "subsidiary");
        var datacenters = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/restock/datacenters", Ct);
        var total = datacenters.GetProperty("items").GetArrayLength();
        var first = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/restock/datacenters?limit=2", Ct);
        first.GetProperty("items").GetArrayLength().ShouldBe(2);
        var rest = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/datacenters?limit=500&cursor={first.GetProperty("next_cursor").GetString()}", Ct);
        rest.GetProperty("items").GetArrayLength().ShouldBe(total - 2);
        rest.GetProperty("next_cursor").ValueKind.ShouldBe(JsonValueKind.Null);
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/datacenters?limit=abc", Ct), "limit");
        await ShouldNameFieldAsync(await anonymous.GetAsync("/api/v1/restock/datacenters?cursor=zzz", Ct), "cursor");
        (await anonymous.GetAsync("/api/v1/restock/settings", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Admins_choose_the_watched_subsidiaries()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var user = await host.RegisterAsync(ct: Ct);
        var settings = await admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/settings", Ct);
        settings.GetProperty("check_interval_seconds").GetInt32().ShouldBe(120);
        settings.GetProperty("notification_threshold_minutes").GetInt32().ShouldBe(60);
        settings.GetProperty("public_status").GetBoolean().ShouldBeTrue();
        (await user.Client.PatchAsJsonAsync("/api/v1/restock/settings", new { subsidiaries = new[] { "FR" } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync("/api/v1/restock/settings", new { subsidiaries = new[] { "FR", "XX" } }, Ct), "subsidiaries");
        await ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync("/api/v1/restock/settings", new { subsidiaries = Array.Empty<string>() }, Ct), "subsidiaries");
        var nameless = await admin.Client.PatchAsJsonAsync("/api/v1/restock/settings", new { subsidiaries = new string?[] { null } }, Ct);
        (await ShouldNameFieldAsync(nameless, "subsidiaries")).ShouldNotContain("Unknown subsidiaries: .");

        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        host.Ovh.AddVpsPlan("GB", plan);
        var changed = await admin.Client.PatchAsJsonAsync("/api/v1/restock/settings", new { subsidiaries = new[] { "fr", "de", "gb" } }, Ct);
        (await changed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("subsidiaries").EnumerateArray().Select(s => s.GetString()).ShouldBe(["FR", "DE", "GB"]);
        host.Ovh.ResetCounts();
        await host.AfterAsync(TimeSpan.FromMinutes(3), Ct);
        host.Ovh.VpsRequests("GB", plan).ShouldBe(1);
        (await admin.Client.PutAsJsonAsync("/api/v1/restock/settings", new { subsidiaries = new[] { "FR", "DE" } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Ovh.ResetCounts();
        await host.AfterAsync(TimeSpan.FromMinutes(3), Ct);
        host.Ovh.VpsRequests("GB", plan).ShouldBe(0);
    }

    [Fact]
    public async Task Every_restock_route_has_a_summary_in_the_openapi_document()
    {
        host.RequireDatabase();
        using var anonymous = host.CreateClient();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var operations = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/v1/restock", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject()).ToList();
        operations.Count.ShouldBeGreaterThanOrEqualTo(18);
        foreach (var operation in operations)
        {
            operation.Value.TryGetProperty("summary", out var summary).ShouldBeTrue(operation.Value.ToString());
            summary.GetString().ShouldNotBeNullOrEmpty();
        }
        var stream = document.GetProperty("paths").GetProperty("/api/v1/restock/status/stream").GetProperty("get");
        stream.GetProperty("description").GetString()!.ShouldContain("snapshot");
        stream.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _).ShouldBeTrue(stream.ToString());
        stream.GetProperty("responses").TryGetProperty("400", out _).ShouldBeTrue("bad filters are validation problems");
    }
}

[Trait("Database", "Sqlite")]
public sealed class RestockApiSqliteTests(RestockSqliteHost host) : ApiTests(host), IClassFixture<RestockSqliteHost>;

[Trait("Database", "Postgres")]
public sealed class RestockApiPostgresTests(RestockPostgresHost host) : ApiTests(host), IClassFixture<RestockPostgresHost>;

/// <summary>With RESTOCK_PUBLIC_STATUS=false the public routes need a sign-in.</summary>
public sealed class RestockPrivateStatusTests : IAsyncLifetime
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class PrivateHost() : VigilHost(Db.Sqlite)
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("RESTOCK_PUBLIC_STATUS", "false"), new("Restock:RunPoller", "false")];
    }

    readonly PrivateHost _host = new();

    public ValueTask InitializeAsync() => _host.InitializeAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Status_history_plans_pricing_and_datacenters_need_a_sign_in()
    {
        using var anonymous = _host.CreateClient();
        var user = await _host.RegisterAsync(ct: Ct);
        foreach (var path in new[] { "/api/v1/restock/status", "/api/v1/restock/status/history", "/api/v1/restock/plans", "/api/v1/restock/datacenters" })
        {
            (await anonymous.GetAsync(path, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
            (await user.Client.GetAsync(path, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
        (await anonymous.GetAsync("/api/v1/restock/pricing/x", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_status_stream_needs_a_sign_in_too()
    {
        using var anonymous = _host.CreateClient();
        await using (var refused = await EventStreamReader.OpenAsync(anonymous, "/api/v1/restock/status/stream", Ct))
        {
            refused.Response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            refused.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
        var user = await _host.RegisterAsync(ct: Ct);
        await using var stream = await EventStreamReader.OpenAsync(user.Client, "/api/v1/restock/status/stream", Ct);
        stream.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await stream.NextEventAsync("snapshot", ct: Ct)).GetProperty("items").GetArrayLength().ShouldBe(0);
    }
}
