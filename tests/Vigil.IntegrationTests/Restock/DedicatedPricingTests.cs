using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Restock;

namespace Vigil.IntegrationTests.Restock;

/// <summary>Dedicated-server names and prices from OVH's public eco and bare-metal catalogs, served by FakeOvh.</summary>
public abstract class DedicatedPricingTests(RestockHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string NewPlan(string prefix = "24ska") => prefix + Guid.NewGuid().ToString("N")[..6];

    CatalogSync Sync => host.Service<CatalogSync>()!;

    async Task<JsonElement> AddDedicatedAsync(TestUser admin, string planCode, string? name = null)
    {
        var response = await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = planCode, kind = "dedicated", name }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement;
    }

    async Task<JsonElement> PricingAsync(string planCode)
    {
        using var anonymous = host.CreateClient();
        return await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/pricing/{planCode}", Ct);
    }

    static JsonElement In(JsonElement pricing, string subsidiary) =>
        pricing.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("subsidiary").GetString() == subsidiary);

    [Fact]
    public async Task Dedicated_plans_are_priced_per_subsidiary_and_currency_and_named_from_the_catalogs()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var kimsufi = NewPlan();
        var later = NewPlan();
        var advance = NewPlan("24adv");
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "FR",
            new OvhDedicatedCatalogPlan(kimsufi, "KS-Price", FakeOvh.Micros(5.99m), SetupFeeMicros: FakeOvh.Micros(9.99m)),
            new OvhDedicatedCatalogPlan(later, "KS-Later", FakeOvh.Micros(7.99m)));
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "DE", new OvhDedicatedCatalogPlan(kimsufi, "KS-Price", FakeOvh.Micros(6.49m)));
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "GB", new OvhDedicatedCatalogPlan(kimsufi, "KS-Price", FakeOvh.Micros(5.49m)));
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.BaremetalCatalog, "FR", new OvhDedicatedCatalogPlan(advance, "ADVANCE-Price", FakeOvh.Micros(89.99m), Range: "advance"));

        // Added before any dedicated catalog was read: named after its code until one is.
        (await AddDedicatedAsync(admin, kimsufi)).GetProperty("name").GetString().ShouldBe(kimsufi);
        (await AddDedicatedAsync(admin, advance, "My Advance")).GetProperty("name").GetString().ShouldBe("My Advance");
        (await Sync.FetchAsync("FR", CatalogSync.Eco, Ct)).ShouldBeTrue();
        (await Sync.FetchAsync("DE", CatalogSync.Eco, Ct)).ShouldBeTrue();
        (await Sync.FetchAsync("FR", CatalogSync.BaremetalServers, Ct)).ShouldBeTrue();
        // Not watched, but its prices are kept like any other subsidiary's.
        (await Sync.FetchAsync("GB", CatalogSync.Eco, Ct)).ShouldBeTrue();

        using var anonymous = host.CreateClient();
        var plan = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/plans/{kimsufi}", Ct);
        plan.GetProperty("name").GetString().ShouldBe("KS-Price", "the catalog names a plan no admin named");
        plan.GetProperty("kind").GetString().ShouldBe("dedicated");
        plan.GetProperty("monthly_prices").EnumerateArray().Select(p => (p.GetProperty("subsidiary").GetString(), p.GetProperty("price").GetDecimal()))
            .ShouldBe([("DE", 6.49m), ("FR", 5.99m), ("GB", 5.49m)]);

        var pricing = await PricingAsync(kimsufi);
        pricing.GetProperty("name").GetString().ShouldBe("KS-Price");
        pricing.GetProperty("prices").EnumerateArray().Select(p => p.GetProperty("subsidiary").GetString()).ShouldBe(["DE", "FR", "GB"]);
        var fr = In(pricing, "FR");
        fr.GetProperty("currency").GetString().ShouldBe("EUR");
        fr.GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(5.99m);
        fr.GetProperty("monthly").GetProperty("tax").GetDecimal().ShouldBe(1.198m);
        fr.GetProperty("monthly").GetProperty("price_with_tax").GetDecimal().ShouldBe(7.188m);
        fr.GetProperty("fetched_at").ValueKind.ShouldBe(JsonValueKind.String);
        var lines = fr.GetProperty("pricings").EnumerateArray().ToList();
        lines.Count.ShouldBe(5, "setup, monthly, 12 months upfront, 12 and 24 months degressive");
        lines.Count(l => l.GetProperty("monthly_list").GetBoolean()).ShouldBe(1);
        lines.ShouldContain(l => l.GetProperty("mode").GetString() == "default" && l.GetProperty("interval_unit").GetString() == "none" && l.GetProperty("price").GetDecimal() == 9.99m);
        lines.ShouldContain(l => l.GetProperty("mode").GetString() == "degressivity24" && l.GetProperty("commitment").GetInt32() == 24);
        In(pricing, "DE").GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(6.49m);
        In(pricing, "GB").GetProperty("currency").GetString().ShouldBe("GBP");

        var bare = await PricingAsync(advance);
        bare.GetProperty("name").GetString().ShouldBe("My Advance", "an admin's name stays");
        bare.GetProperty("prices").EnumerateArray().Single().GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(89.99m);

        // Added once the catalog is known: named at once.
        (await AddDedicatedAsync(admin, later)).GetProperty("name").GetString().ShouldBe("KS-Later");

        // Renamed by an admin: the next fetch leaves the name alone.
        (await admin.Client.PatchAsJsonAsync($"/api/v1/restock/plans/{kimsufi}", new { name = "Cheap box" }, Ct)).EnsureSuccessStatusCode();
        (await Sync.FetchAsync("FR", CatalogSync.Eco, Ct)).ShouldBeTrue();
        (await PricingAsync(kimsufi)).GetProperty("name").GetString().ShouldBe("Cheap box");
    }

    [Fact]
    public async Task A_failed_or_garbage_dedicated_catalog_keeps_what_was_known_and_never_stops_the_checks()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "FR", new OvhDedicatedCatalogPlan(plan, "KS-Kept", FakeOvh.Micros(5.99m)));
        host.Ovh.SetDedicated(plan, "gra", "unavailable");
        await AddDedicatedAsync(admin, plan);
        (await Sync.FetchAsync("FR", CatalogSync.Eco, Ct)).ShouldBeTrue();
        try
        {
            foreach (var fault in new[] { OvhFault.ServerError, OvhFault.Unavailable, OvhFault.TooManyRequests, OvhFault.Garbage, OvhFault.Truncated, OvhFault.EmptyObject, OvhFault.Reset })
            {
                host.Ovh.FailCatalog(FakeOvh.EcoCatalog, fault);
                (await Sync.FetchAsync("FR", CatalogSync.Eco, Ct)).ShouldBeFalse(fault.ToString());
                var kept = await PricingAsync(plan);
                kept.GetProperty("name").GetString().ShouldBe("KS-Kept", fault.ToString());
                In(kept, "FR").GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(5.99m, fault.ToString());
            }

            // Due again a day later, still failing: the cycle records it and checks stock all the same.
            host.Ovh.FailCatalog(FakeOvh.EcoCatalog, OvhFault.ServerError);
            var asked = host.Ovh.CatalogRequests("FR", FakeOvh.EcoCatalog);
            host.Ovh.SetDedicated(plan, "gra", "72H");
            var report = await host.AfterAsync(TimeSpan.FromHours(25), Ct);
            host.Ovh.CatalogRequests("FR", FakeOvh.EcoCatalog).ShouldBe(asked + 1);
            report.Checked.ShouldBeGreaterThan(0);
            (await host.StateAsync(plan, "gra", subsidiary: "", track: "server", ct: Ct)).ShouldBe("in_stock");
            host.Logs.All.ShouldContain("The OVH eco catalog of FR could not be fetched: HTTP 500");
            In(await PricingAsync(plan), "FR").GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(5.99m);

            // Retried within the hour, not the next day; what it says then replaces what was kept.
            host.Ovh.FailCatalog(FakeOvh.EcoCatalog, OvhFault.None);
            host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "FR", new OvhDedicatedCatalogPlan(plan, "KS-Kept", FakeOvh.Micros(4.99m)));
            await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
            host.Ovh.CatalogRequests("FR", FakeOvh.EcoCatalog).ShouldBe(asked + 2);
            In(await PricingAsync(plan), "FR").GetProperty("monthly").GetProperty("price").GetDecimal().ShouldBe(4.99m);
        }
        finally
        {
            host.Ovh.FailCatalog(FakeOvh.EcoCatalog, OvhFault.None);
        }
    }

    [Fact]
    public async Task A_dedicated_back_in_stock_alert_carries_its_catalog_price()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "FR", new OvhDedicatedCatalogPlan(plan, "KS-Alert", FakeOvh.Micros(12.99m)));
        host.Ovh.AddDedicatedCatalogPlans(FakeOvh.EcoCatalog, "DE", new OvhDedicatedCatalogPlan(plan, "KS-Alert", FakeOvh.Micros(13.49m)));
        await AddDedicatedAsync(admin, plan);
        (await Sync.FetchAsync("FR", CatalogSync.Eco, Ct)).ShouldBeTrue();
        (await Sync.FetchAsync("DE", CatalogSync.Eco, Ct)).ShouldBeTrue();
        var (user, path) = await host.SubscriberAsync(Ct);
        var subscription = await RestockHost.SubscribeAsync(user, new { plan_code = plan }, Ct);
        // A dedicated server has no subsidiary and one track.
        subscription.GetProperty("subsidiary").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        subscription.GetProperty("os").GetString().ShouldBe("server");

        host.Ovh.SetDedicated(plan, "gra", "unavailable");
        await host.CycleAsync(Ct);
        host.Ovh.SetDedicated(plan, "gra", "1H-low");
        await host.AfterAsync(TimeSpan.FromMinutes(61), Ct);
        await host.FlushAsync(Ct);

        var message = host.MessagesAt(path).ShouldHaveSingleItem();
        message.GetProperty("title").GetString()!.ShouldContain("KS-Alert");
        message.GetProperty("message").GetString()!.ShouldSatisfyAllConditions(
            text => text.ShouldContain("12.99 EUR/month", customMessage: "the first watched subsidiary's price"),
            text => text.ShouldContain($"https://eco.ovhcloud.com/fr/?planCode={plan}"));
        var alert = (await host.AlertsAsync(plan, Ct)).ShouldHaveSingleItem();
        alert.GetProperty("price").GetString().ShouldBe("12.99 EUR/month");
        alert.GetProperty("plan_name").GetString().ShouldBe("KS-Alert");
    }
}

[Trait("Database", "Sqlite")]
public sealed class DedicatedPricingSqliteTests(RestockSqliteHost host) : DedicatedPricingTests(host), IClassFixture<RestockSqliteHost>;

[Trait("Database", "Postgres")]
public sealed class DedicatedPricingPostgresTests(RestockPostgresHost host) : DedicatedPricingTests(host), IClassFixture<RestockPostgresHost>;
