using System.Text.Json;
using Vigil.Fakes;
using Vigil.Server.Modules.Restock;

namespace Vigil.UnitTests.Restock;

/// <summary>Reading OVH's dedicated-server catalogs (eco, bare-metal): names and micro-cent prices, and what counts as garbage.</summary>
public sealed class DedicatedCatalogTests
{
    static CatalogAnswer Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return OvhClient.ParseDedicatedCatalog(document.RootElement);
    }

    [Fact]
    public void The_eco_catalog_gives_each_plan_its_invoice_name_and_every_price_line()
    {
        var answer = Parse(FakeOvh.DedicatedCatalogJson("CA", FakeOvh.EcoCatalog,
            [new OvhDedicatedCatalogPlan("24ska01", "KS-A", FakeOvh.Micros(7.99m), SetupFeeMicros: FakeOvh.Micros(15m))]));

        answer.Ok.ShouldBeTrue(answer.Error);
        answer.Currency.ShouldBe("CAD");
        var plan = answer.Plans.ShouldHaveSingleItem();
        plan.PlanCode.ShouldBe("24ska01");
        plan.Name.ShouldBe("KS-A");
        plan.Pricings.Count.ShouldBe(5);
        var monthly = plan.Pricings.Single(p => p.MonthlyList);
        monthly.Price.ShouldBe(799_000_000);
        (monthly.Price / 100_000_000m).ShouldBe(7.99m);
        plan.Pricings.Single(p => p.IntervalUnit == "none").Price.ShouldBe(1_500_000_000);
        plan.Pricings.Where(p => p.Commitment > 0).ShouldAllBe(p => !p.MonthlyList);
        // The setup fee and the rental are told apart by what they bill for.
        plan.Pricings.Single(p => p.IntervalUnit == "none").Capacities.ShouldBe(["installation"]);
        monthly.Capacities.ShouldBe(["renew"]);
    }

    [Fact]
    public void Capacities_are_kept_as_the_words_the_catalog_gives()
    {
        var answer = Parse("""
            {"locale": {"currencyCode": "EUR"}, "plans": [
              {"planCode": "24rise01", "pricings": [
                {"capacities": ["installation", "renew", 7, null, "", "two words", "renew"], "mode": "default", "interval": 1, "intervalUnit": "month", "commitment": 0, "price": 100},
                {"capacities": "renew", "mode": "default", "interval": 1, "intervalUnit": "month", "commitment": 0, "price": 100},
                {"mode": "default", "interval": 1, "intervalUnit": "month", "commitment": 0, "price": 100}]}
            ]}
            """);

        answer.Ok.ShouldBeTrue(answer.Error);
        answer.Plans.ShouldHaveSingleItem().Pricings.Select(p => p.Capacities).ShouldBe([["installation", "renew"], [], []]);
    }

    [Fact]
    public void Plans_without_a_code_or_price_lines_that_are_not_whole_numbers_are_left_out()
    {
        var answer = Parse("""
            {"locale": {"currencyCode": "EUR"}, "plans": [
              {"invoiceName": "no code"},
              "not a plan",
              {"planCode": "24rise01", "pricings": [
                {"capacities": ["renew"], "mode": "default", "interval": 1, "intervalUnit": "month", "commitment": 0, "price": "12.5", "tax": 0},
                {"capacities": ["renew"], "mode": "default", "interval": 1, "intervalUnit": "month", "commitment": 0, "price": 1250000000, "tax": "x"},
                {"capacities": ["renew"], "mode": "default", "interval": 1, "intervalUnit": "month", "commitment": 0, "price": -1},
                "not a pricing"]},
              {"planCode": "24rise01", "invoiceName": "a second listing of the same code"}
            ]}
            """);

        answer.Ok.ShouldBeTrue(answer.Error);
        var plan = answer.Plans.ShouldHaveSingleItem();
        plan.Name.ShouldBe("24rise01", "no invoice name: the code");
        var line = plan.Pricings.ShouldHaveSingleItem();
        line.Price.ShouldBe(1_250_000_000);
        line.Tax.ShouldBe(0);
        line.MonthlyList.ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""[]""")]
    [InlineData("""{"locale": {"currencyCode": "EUR"}, "plans": {}}""")]
    [InlineData("""{"locale": {"currencyCode": "EUR"}, "plans": []}""")]
    [InlineData("""{"locale": {"currencyCode": "EUR"}, "plans": [{"invoiceName": "no code"}]}""")]
    [InlineData("""{"plans": [{"planCode": "24ska01"}]}""")]
    [InlineData("""{"locale": {"currencyCode": "euro"}, "plans": [{"planCode": "24ska01"}]}""")]
    public void A_catalog_without_plans_or_currency_is_a_failed_fetch(string json)
    {
        var answer = Parse(json);

        answer.Ok.ShouldBeFalse();
        answer.Error.ShouldNotBeNullOrEmpty();
        answer.Plans.ShouldBeEmpty();
    }
}
