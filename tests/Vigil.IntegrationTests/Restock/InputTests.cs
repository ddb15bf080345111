using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Restock;

namespace Vigil.IntegrationTests.Restock;

/// <summary>
/// Inputs the restock API neither drops nor takes blindly: plan codes in any case, read-only plan fields, a subsidiary
/// whose catalog does not sell the plan, a subsidiary narrowing an unsubscribe, an empty bulk replace, and what each price
/// line bills for.
/// </summary>
public abstract class InputTests(RestockHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string NewPlan(string prefix = "vps-in-") => prefix + Guid.NewGuid().ToString("N")[..8];

    CatalogSync Sync => host.Service<CatalogSync>()!;

    static Task<string> ShouldNameFieldAsync(HttpResponseMessage response, string field) => RestockHost.ShouldNameFieldAsync(response, field, Ct);

    static async Task<List<JsonElement>> MineAsync(TestUser user) =>
        [.. (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/subscriptions?limit=500", Ct)).GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task A_VPS_plan_is_followed_only_in_a_subsidiary_whose_catalog_sells_it()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        host.Ovh.AddCatalogPlans("FR", new OvhCatalogPlan(plan, "VPS-FR-Only", FakeOvh.Micros(4.57m), ["GRA"]));
        (await Sync.FetchAsync("FR", Ct)).ShouldBeTrue();
        (await Sync.FetchAsync("DE", Ct)).ShouldBeTrue(); // fetched, and it does not list the plan
        (await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { monitored = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (user, _) = await host.SubscriberAsync(Ct);

        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR" }, Ct);
        var refused = await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan, subsidiary = "de" }, Ct), "subsidiary");
        refused.ShouldContain("sold in FR");
        var bulk = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk",
            new { subscriptions = new object[] { new { plan_code = plan, subsidiary = "FR", options = new { os = "windows" } }, new { plan_code = plan, subsidiary = "DE" } } }, Ct);
        await ShouldNameFieldAsync(bulk, "subscriptions[1].subsidiary");
        (await MineAsync(user)).Count.ShouldBe(1, "bulk is all or nothing");

        // No catalog fetched for a subsidiary nobody watches: nothing says the plan is not sold there.
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "GB" }, Ct);
        // A plan no fetched catalog lists (one an admin added by code) is not checked against the catalogs.
        var byCode = NewPlan();
        await host.AddPlanAsync(admin, byCode, ct: Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = byCode, subsidiary = "DE" }, Ct);
    }

    [Fact]
    public async Task A_VPS_plan_is_checked_only_in_subsidiaries_whose_catalog_sells_it()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        var soldInSpainOnly = NewPlan();
        host.Ovh.AddCatalogPlans("FR", new OvhCatalogPlan(plan, "VPS-FR-Only", FakeOvh.Micros(4.57m), ["GRA"]));
        (await Sync.FetchAsync("FR", Ct)).ShouldBeTrue();
        (await Sync.FetchAsync("DE", Ct)).ShouldBeTrue(); // fetched, and it does not list the plan
        (await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { monitored = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (user, _) = await host.SubscriberAsync(Ct);
        // Nobody watches Spain and its catalog was never read, so the subscription is taken.
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "ES" }, Ct);
        host.Ovh.AddCatalogPlans("ES", new OvhCatalogPlan(soldInSpainOnly, "VPS-ES-Only", FakeOvh.Micros(3.99m), ["GRA"]));
        foreach (var subsidiary in new[] { "FR", "DE", "ES" })
        {
            host.Ovh.SetVps(subsidiary, plan, "GRA", "available");
        }

        (await admin.Client.PostAsync($"/api/v1/restock/plans/{plan}/check", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Ovh.VpsRequests("FR", plan).ShouldBe(1);
        host.Ovh.VpsRequests("DE", plan).ShouldBe(0, "the DE catalog does not sell it: OVH would answer 404 for ever");
        host.Ovh.CatalogRequests("ES").ShouldBe(1, "a subsidiary only a subscriber follows has its VPS catalog read");
        host.Ovh.CatalogRequests("ES", FakeOvh.EcoCatalog).ShouldBe(0, "and only that one");
        host.Ovh.VpsRequests("ES", plan).ShouldBe(0, "the ES catalog does not sell it either");
        // A followed subsidiary's catalog says what it sells, but the plan catalog follows the watched subsidiaries.
        (await admin.Client.GetAsync($"/api/v1/restock/plans/{soldInSpainOnly}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var anonymous = host.CreateClient();
        var pricing = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/pricing/{plan}", Ct);
        pricing.GetProperty("prices").EnumerateArray().Select(p => p.GetProperty("subsidiary").GetString()).Distinct().ShouldBe(["FR"]);

        // Once Spain sells it, the subscriber's source is checked there.
        host.Ovh.AddCatalogPlans("ES", new OvhCatalogPlan(plan, "VPS-FR-Only", FakeOvh.Micros(4.57m), ["GRA"]));
        (await Sync.FetchAsync("ES", Ct)).ShouldBeTrue();
        (await admin.Client.PostAsync($"/api/v1/restock/plans/{plan}/check", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Ovh.VpsRequests("ES", plan).ShouldBe(1);
        host.Ovh.VpsRequests("DE", plan).ShouldBe(0);
        (await host.StateAsync(plan, "GRA", "ES", ct: Ct)).ShouldBe("in_stock");
    }

    [Fact]
    public async Task Plan_codes_are_read_in_any_case()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        var upper = plan.ToUpperInvariant();

        var created = await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = upper, kind = "vps" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        created.Headers.Location!.ToString().ShouldBe($"/api/v1/restock/plans/{plan}");
        (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("plan_code").GetString().ShouldBe(plan);
        foreach (var again in new[] { plan, upper, char.ToUpperInvariant(plan[0]) + plan[1..] })
        {
            (await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = again }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict, again);
        }

        using var anonymous = host.CreateClient();
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{upper}", Ct)).GetProperty("plan_code").GetString().ShouldBe(plan);
        (await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{upper}", new { name = "VPS Case" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        (await admin.Client.PostAsync($"/api/v1/restock/plans/{upper}/check", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Ovh.VpsRequests("FR", plan).ShouldBe(1, "checked under OVH's own, lower-case code");

        var status = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status?plan_code={upper}", Ct);
        status.GetProperty("items").EnumerateArray().ShouldContain(i => i.GetProperty("datacenter").GetString() == "GRA" && i.GetProperty("plan_name").GetString() == "VPS Case");
        var history = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status/history?plan_code={upper}", Ct);
        history.GetProperty("items").GetArrayLength().ShouldBe(2, "linux and windows first sightings");
        var timeline = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status/timeline/{upper}", Ct);
        timeline.GetProperty("plan_code").GetString().ShouldBe(plan);
        timeline.GetProperty("rows").EnumerateArray().ShouldContain(r => r.GetProperty("datacenter").GetString() == "GRA");
        (await anonymous.GetAsync($"/api/v1/restock/pricing/{upper}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (user, _) = await host.SubscriberAsync(Ct);
        (await RestockHost.SubscribeAsync(user, new { plan_code = upper, subsidiary = "FR" }, Ct)).GetProperty("plan_code").GetString().ShouldBe(plan);
        (await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", new { plan_code = plan, subsidiary = "FR" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{upper}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await MineAsync(user)).ShouldBeEmpty();
        (await admin.Client.DeleteAsync($"/api/v1/restock/plans/{upper}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{plan}", Ct)).GetProperty("lifecycle").GetString().ShouldBe("removed");
    }

    [Fact]
    public async Task A_plan_code_or_kind_sent_to_change_a_plan_is_an_error_unless_unchanged()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);

        (await ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { kind = "dedicated" }, Ct), "kind")).ShouldContain("cannot be changed");
        (await ShouldNameFieldAsync(await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { plan_code = "other", name = "Renamed" }, Ct), "plan_code"))
            .ShouldContain("cannot be changed");
        using var anonymous = host.CreateClient();
        var unchanged = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{plan}", Ct);
        (unchanged.GetProperty("kind").GetString(), unchanged.GetProperty("name").GetString()).ShouldBe(("vps", plan.ToUpperInvariant()), "a refused change changes nothing");

        var same = await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{plan}", new { plan_code = plan.ToUpperInvariant(), kind = "VPS", name = "Renamed" }, Ct);
        same.StatusCode.ShouldBe(HttpStatusCode.OK, await same.Content.ReadAsStringAsync(Ct));
        (await same.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("name").GetString().ShouldBe("Renamed");
    }

    [Fact]
    public async Task Unsubscribing_from_a_plan_code_can_keep_other_subsidiaries()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        var server = NewPlan("24ska");
        await host.AddPlanAsync(admin, plan, ct: Ct);
        await host.AddPlanAsync(admin, server, kind: "dedicated", ct: Ct);
        var (user, _) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR" }, Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "DE" }, Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "DE", options = new { os = "windows" } }, Ct);
        var dedicated = await RestockHost.SubscribeAsync(user, new { plan_code = server }, Ct);

        await ShouldNameFieldAsync(await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{plan}?subsidiary=ZZ", Ct), "subsidiary");
        await ShouldNameFieldAsync(await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{dedicated.GetProperty("id").GetGuid()}?subsidiary=FR", Ct), "subsidiary");
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{plan}?subsidiary=GB", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await MineAsync(user)).Count.ShouldBe(4, "a refused or empty delete deletes nothing");

        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{plan}?subsidiary=de", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var left = await MineAsync(user);
        left.Where(s => s.GetProperty("plan_code").GetString() == plan).Select(s => s.GetProperty("subsidiary").GetString()).ShouldBe(["FR"], "both DE subscriptions went, FR stayed");
        // A dedicated server is followed once for every subsidiary: a subsidiary given matches it.
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{server}?subsidiary=FR", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await MineAsync(user)).Count.ShouldBe(1);

        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "DE" }, Ct);
        (await user.Client.DeleteAsync($"/api/v1/restock/subscriptions/{plan}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await MineAsync(user)).ShouldBeEmpty("without a subsidiary every subscription on the plan goes");
    }

    [Fact]
    public async Task An_empty_bulk_replace_removes_every_subscription()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        var (user, _) = await host.SubscriberAsync(Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR" }, Ct);
        await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "DE" }, Ct);

        (await ShouldNameFieldAsync(await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = Array.Empty<object>() }, Ct), "subscriptions"))
            .ShouldContain("replace");
        (await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = Array.Empty<object>(), replace = false }, Ct)).StatusCode
            .ShouldBe(HttpStatusCode.BadRequest);
        (await MineAsync(user)).Count.ShouldBe(2);

        var cleared = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions/bulk", new { subscriptions = Array.Empty<object>(), replace = true }, Ct);
        cleared.StatusCode.ShouldBe(HttpStatusCode.OK, await cleared.Content.ReadAsStringAsync(Ct));
        var answer = await cleared.Content.ReadFromJsonAsync<JsonElement>(Ct);
        answer.GetProperty("items").GetArrayLength().ShouldBe(0);
        answer.GetProperty("removed").GetInt32().ShouldBe(2);
        (await MineAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Each_price_line_says_what_it_bills_for()
    {
        host.RequireDatabase();
        var plan = NewPlan();
        host.Ovh.AddCatalogPlans("FR", new OvhCatalogPlan(plan, "VPS-Lines", FakeOvh.Micros(6.49m), ["GRA"]));
        (await Sync.FetchAsync("FR", Ct)).ShouldBeTrue();

        using var anonymous = host.CreateClient();
        var pricing = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/pricing/{plan}?subsidiary=FR", Ct);
        var lines = pricing.GetProperty("prices").EnumerateArray().Single().GetProperty("pricings").EnumerateArray().ToList();
        string[] Capacities(JsonElement line) => [.. line.GetProperty("capacities").EnumerateArray().Select(c => c.GetString()!)];
        var installation = lines.Where(l => Capacities(l).Contains("installation")).ShouldHaveSingleItem();
        (installation.GetProperty("price").GetDecimal(), installation.GetProperty("monthly_list").GetBoolean()).ShouldBe((0m, false));
        var monthly = lines.Single(l => l.GetProperty("monthly_list").GetBoolean());
        Capacities(monthly).ShouldBe(["renew"]);
        monthly.GetProperty("price").GetDecimal().ShouldBe(6.49m);
        lines.Where(l => l.GetProperty("commitment").GetInt32() > 0).Select(l => string.Join(' ', Capacities(l))).ShouldAllBe(c => c == "renew");
    }
}

[Trait("Database", "Sqlite")]
public sealed class RestockInputSqliteTests(RestockSqliteHost host) : InputTests(host), IClassFixture<RestockSqliteHost>;

[Trait("Database", "Postgres")]
public sealed class RestockInputPostgresTests(RestockPostgresHost host) : InputTests(host), IClassFixture<RestockPostgresHost>;
