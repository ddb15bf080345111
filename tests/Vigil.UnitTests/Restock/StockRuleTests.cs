using System.Text.Json;
using Vigil.Fakes;
using Vigil.Server.Modules.Restock;

namespace Vigil.UnitTests.Restock;

public sealed class StockRuleTests
{
    static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    static readonly TimeSpan Threshold = TimeSpan.FromMinutes(60);

    static StockRule.Result See(RestockState? state, StockState observed, DateTime at) =>
        StockRule.Observe(state, observed, null, null, at, Threshold, "FR", "vps-1", "GRA", "linux");

    [Fact]
    public void The_first_sighting_is_silent_whatever_it_is()
    {
        foreach (var state in new[] { StockState.InStock, StockState.PreOrder, StockState.OutOfStock })
        {
            var first = See(null, state, T0);
            first.Changed.ShouldBeTrue();
            first.Previous.ShouldBe(StockState.Unknown);
            first.Signals.ShouldBeEmpty();
        }
    }

    [Fact]
    public void Back_after_exactly_the_threshold_signals_once_and_a_minute_less_does_not()
    {
        var state = See(null, StockState.OutOfStock, T0).State;
        See(state, StockState.InStock, T0.AddMinutes(59)).Signals.ShouldNotContain(s => s.BackInStock);

        var again = See(null, StockState.OutOfStock, T0).State;
        var back = See(again, StockState.InStock, T0.AddMinutes(60));
        back.Signals.Count(s => s.BackInStock && s.Rule == AvailabilityRule.InStockOnly && s.ConfirmedPolls == 1).ShouldBe(1);
        See(again, StockState.InStock, T0.AddMinutes(62)).Signals.Count(s => s.ConfirmedPolls == 1).ShouldBe(0, "staying in stock is not news");
    }

    [Fact]
    public void Confirmations_count_polls_in_a_row_only_after_a_qualifying_outage_and_stop_at_the_cap()
    {
        var state = See(null, StockState.OutOfStock, T0).State;
        See(state, StockState.InStock, T0.AddMinutes(61));
        var confirmations = new List<int>();
        for (var poll = 2; poll <= StockRule.MaxConfirmPolls + 3; poll++)
        {
            confirmations.AddRange(See(state, StockState.InStock, T0.AddMinutes(61 + 2 * poll)).Signals.Where(s => s.Rule == AvailabilityRule.InStockOnly).Select(s => s.ConfirmedPolls));
        }
        confirmations.ShouldBe(Enumerable.Range(2, StockRule.MaxConfirmPolls - 1));
        StockRule.IsSettled(state).ShouldBeTrue();

        var shortOutage = See(null, StockState.InStock, T0).State;
        See(shortOutage, StockState.OutOfStock, T0.AddMinutes(2));
        See(shortOutage, StockState.InStock, T0.AddMinutes(4));
        See(shortOutage, StockState.InStock, T0.AddMinutes(6)).Signals.ShouldBeEmpty();
        StockRule.IsSettled(shortOutage).ShouldBeTrue();
    }

    [Fact]
    public void Pre_order_is_its_own_rule_and_going_out_is_signalled_for_both()
    {
        var state = See(null, StockState.OutOfStock, T0).State;
        var preorder = See(state, StockState.PreOrder, T0.AddMinutes(90));
        preorder.Signals.ShouldHaveSingleItem().Rule.ShouldBe(AvailabilityRule.PreOrderCounts);
        var inStock = See(state, StockState.InStock, T0.AddMinutes(92));
        inStock.Signals.Where(s => s.BackInStock && s.ConfirmedPolls == 1).ShouldHaveSingleItem().Rule.ShouldBe(AvailabilityRule.InStockOnly);
        var gone = See(state, StockState.OutOfStock, T0.AddMinutes(94));
        gone.Signals.Where(s => !s.BackInStock).Select(s => s.Rule).Order().ShouldBe([AvailabilityRule.InStockOnly, AvailabilityRule.PreOrderCounts]);
    }

    [Theory]
    [InlineData("available", StockState.InStock)]
    [InlineData("out-of-stock-preorder-allowed", StockState.PreOrder)]
    [InlineData("out-of-stock", StockState.OutOfStock)]
    [InlineData("something-new", StockState.Unknown)]
    [InlineData(null, StockState.Unknown)]
    public void Vps_statuses_map_onto_states(string? status, StockState expected) => OvhClient.VpsState(status).ShouldBe(expected);

    [Theory]
    [InlineData("1H-low", StockState.InStock, 1)]
    [InlineData("1H-high", StockState.InStock, 1)]
    [InlineData("72H", StockState.InStock, 72)]
    [InlineData("unavailable", StockState.OutOfStock, null)]
    [InlineData("comingSoon", StockState.OutOfStock, null)]
    [InlineData("unknown", StockState.Unknown, null)]
    [InlineData("", StockState.Unknown, null)]
    public void Dedicated_availabilities_map_onto_states_with_their_delay(string availability, StockState expected, int? hours)
    {
        var (state, delay) = OvhClient.DedicatedState(availability);
        state.ShouldBe(expected);
        delay.ShouldBe(hours);
    }

    [Fact]
    public void The_catalog_gives_names_specs_monthly_prices_and_datacenter_cities_and_skips_upgrade_paths()
    {
        var json = FakeOvh.CatalogJson("FR",
        [
            new OvhCatalogPlan("vps-2025-model1", "VPS-1", FakeOvh.Micros(4.57m), ["GRA", "EU-WEST-LZ-AMS"], Cores: 4, MemoryGb: 8, StorageGb: 75),
            new OvhCatalogPlan("upgrade-vps-2025-model1-vps-2025-model2", "Upgrade", 1, ["GRA"]),
        ]);
        using var document = JsonDocument.Parse(json);
        var catalog = OvhClient.ParseCatalog(document.RootElement);

        catalog.Ok.ShouldBeTrue();
        catalog.Currency.ShouldBe("EUR");
        var plan = catalog.Plans.Single(p => p.PlanCode == "vps-2025-model1");
        plan.Orderable.ShouldBeTrue();
        plan.Name.ShouldBe("VPS-1");
        (plan.Cores, plan.MemoryGb, plan.StorageGb).ShouldBe((4, 8, 75));
        plan.Pricings.Single(p => p.MonthlyList).Price.ShouldBe(457_000_000);
        catalog.Plans.Single(p => p.PlanCode.StartsWith("upgrade", StringComparison.Ordinal)).Orderable.ShouldBeFalse();
        catalog.Datacenters.Single(d => d.Name == "GRA").City.ShouldBe("Gravelines");
        catalog.Datacenters.ShouldNotContain(d => d.Name == "EU-WEST-LZ-AMS", "Local Zones often have no city");
        RestockDatacenters.Money(457_000_000, "EUR").ShouldBe("4.57 EUR");
    }

    [Fact]
    public void An_answer_fingerprint_ignores_row_order_and_sees_any_change()
    {
        var a = new CheckResult(true, [new("GRA", "linux", StockState.InStock, "available", null), new("SBG", "linux", StockState.OutOfStock, "out-of-stock", null)]);
        var b = new CheckResult(true, [a.Observations[1], a.Observations[0]]);
        var c = new CheckResult(true, [a.Observations[0], new("SBG", "linux", StockState.InStock, "available", null)]);
        a.Fingerprint().ShouldBe(b.Fingerprint());
        a.Fingerprint().ShouldNotBe(c.Fingerprint());
        new CheckResult(true, [], NothingListed: true).Fingerprint().ShouldNotBe(new CheckResult(true, []).Fingerprint());
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(39, "39s")]
    [InlineData(60, "1m")]
    [InlineData(3720, "1h 2m")]
    [InlineData(90000, "1d 1h 0m")]
    public void Outages_read_in_days_hours_and_minutes_and_under_a_minute_in_seconds(int seconds, string text) =>
        RestockDatacenters.Duration(TimeSpan.FromSeconds(seconds)).ShouldBe(text);
}
