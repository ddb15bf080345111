using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Server.Modules.Restock;

namespace Vigil.UnitTests.Restock;

/// <summary>The one-pass VPS answer reader and the answer fingerprint the poller stores.</summary>
public sealed class OvhAnswerTests
{
    static CheckResult Vps(string json) => OvhClient.ParseVps(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_vps_answer_gives_two_tracks_per_datacenter_with_pre_order_delivery_hours()
    {
        var result = Vps("""
            {"datacenters": [
              {"datacenter": "GRA", "code": "gra", "status": "available", "linuxStatus": "available", "windowsStatus": "out-of-stock", "daysBeforeDelivery": 2},
              {"datacenter": "SBG", "linuxStatus": "out-of-stock-preorder-allowed", "windowsStatus": "something-new", "extra": {"nested": [1, {"a": null}]}},
              {"datacenter": "SGP", "linuxStatus": "out-of-stock-preorder-allowed", "windowsStatus": "out-of-stock", "daysBeforeDelivery": 14},
              {"code": "no-name", "linuxStatus": "available"},
              {"datacenter": "", "linuxStatus": "available"},
              "not an object",
              {"datacenter": "BHS", "linuxStatus": 7, "daysBeforeDelivery": 0}
            ], "other": {"datacenters": "ignored inside"}}
            """);

        result.Ok.ShouldBeTrue();
        result.Observations.ShouldBe(
        [
            // The delay counts for a pre-order only (OVH: "meaningful with the pre-order status").
            new("GRA", "linux", StockState.InStock, "available", null),
            new("GRA", "windows", StockState.OutOfStock, "out-of-stock", null),
            new("SBG", "linux", StockState.PreOrder, "out-of-stock-preorder-allowed", null),
            new("SBG", "windows", StockState.Unknown, "something-new", null),
            new("SGP", "linux", StockState.PreOrder, "out-of-stock-preorder-allowed", 14 * 24),
            new("SGP", "windows", StockState.OutOfStock, "out-of-stock", null),
            new("BHS", "linux", StockState.Unknown, null, null),
            new("BHS", "windows", StockState.Unknown, null, null),
        ]);
    }

    [Fact]
    public void Repeated_words_are_shared_between_answers_and_escapes_and_long_values_still_read_right()
    {
        var first = Vps("""{"datacenters": [{"datacenter": "GRA", "linuxStatus": "available", "windowsStatus": "out-of-stock"}]}""");
        var second = Vps("""{"datacenters": [{"datacenter": "GR\u0041", "linuxStatus": "available", "windowsStatus": "out-of-stock"}]}""");
        // One string per word across answers, the escaped form included: checks do not allocate what they repeat.
        ReferenceEquals(first.Observations[0].Datacenter, second.Observations[0].Datacenter).ShouldBeTrue();
        ReferenceEquals(first.Observations[0].Raw, second.Observations[0].Raw).ShouldBeTrue();
        second.Observations[0].Datacenter.ShouldBe("GRA");

        var name = "dc-" + new string('x', 100) + "-\u00e9";
        var long_ = Vps($$"""{"datacenters": [{"datacenter": "{{name}}", "linuxStatus": "available"}]}""");
        long_.Observations[0].Datacenter.ShouldBe("dc-" + new string('x', 100) + "-é");
        Vps("""{"datacenters": [{"datacenter": "\u00e9\u00e9", "linuxStatus": "available"}]}""").Observations[0].Datacenter.ShouldBe("éé");
    }

    [Fact]
    public void A_repeated_property_counts_the_last_time()
    {
        var result = Vps("""{"datacenters": [{"datacenter": "GRA", "linuxStatus": "available", "linuxStatus": "out-of-stock"}]}""");
        result.Observations[0].State.ShouldBe(StockState.OutOfStock);
        Vps("""{"datacenters": [], "datacenters": {"not": "a list"}}""").Ok.ShouldBeFalse();
        const string Twice = """{"datacenters": 1, "datacenters": [{"datacenter": "GRA"}]}""";
        Vps(Twice).Observations.Count.ShouldBe(2);
        // As JsonDocument (which the reader replaced) sees it.
        using var document = JsonDocument.Parse(Twice);
        document.RootElement.GetProperty("datacenters").ValueKind.ShouldBe(JsonValueKind.Array);
    }

    [Theory]
    [InlineData("""{"datacenter": []}""")]
    [InlineData("""{"datacenters": {}}""")]
    [InlineData("""[{"datacenters": []}]""")]
    [InlineData("\"datacenters\"")]
    [InlineData("null")]
    public void An_answer_without_a_datacenters_list_is_a_failed_check(string json)
    {
        var result = Vps(json);
        result.Ok.ShouldBeFalse();
        result.Observations.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"datacenters": [1, 2]}""")]
    [InlineData("""{"datacenters": [{"datacenter": null, "linuxStatus": "available"}]}""")]
    [InlineData("""{"datacenters": [{"linuxStatus": "available"}, "GRA", [], {"datacenter": ""}]}""")]
    public void A_list_whose_rows_name_no_datacenter_is_a_failed_check(string json)
    {
        var result = Vps(json);
        result.Ok.ShouldBeFalse();
        result.Error.ShouldBe("No row of the answer names a datacenter.");
    }

    [Fact]
    public void Nameless_rows_beside_good_ones_are_skipped_and_an_empty_list_is_an_answer()
    {
        var result = Vps("""{"datacenters": [1, {"datacenter": null}, {"datacenter": "GRA", "linuxStatus": "available"}]}""");
        result.Ok.ShouldBeTrue();
        result.Observations.Select(o => o.Datacenter).Distinct().ShouldBe(["GRA"]);
        Vps("""{"datacenters": []}""").Ok.ShouldBeTrue();
    }

    [Theory]
    [InlineData("""[1]""")]
    [InlineData("""[{"fqn": "x"}]""")]
    [InlineData("""[{"fqn": "x", "datacenters": [{"availability": "1H-low"}, {"datacenter": null, "availability": "72H"}, 3]}]""")]
    public void A_dedicated_answer_of_nameless_entries_is_a_failed_check(string json)
    {
        using var document = JsonDocument.Parse(json);
        OvhClient.ParseDedicated(document.RootElement).Ok.ShouldBeFalse();
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""[{"fqn": "x", "datacenters": []}]""")]
    [InlineData("""[1, {"fqn": "x", "datacenters": [{"datacenter": "gra", "availability": "1H-low"}]}]""")]
    public void A_dedicated_answer_with_nothing_or_something_named_is_an_answer(string json)
    {
        using var document = JsonDocument.Parse(json);
        OvhClient.ParseDedicated(document.RootElement).Ok.ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<html>Bad gateway</html>")]
    [InlineData("""{"datacenters": [{"datacenter": "GRA"}""")]
    [InlineData("""{"datacenters": []} trailing""")]
    [InlineData("""{"datacenters": [],}""")]
    public void Garbage_is_not_json(string body) =>
        Should.Throw<Exception>(() => Vps(body)).ShouldBeAssignableTo<JsonException>();

    [Fact]
    public void The_fingerprint_is_the_documented_formula()
    {
        Observation[] seen =
        [
            new("SBG", "windows", StockState.OutOfStock, "out-of-stock", null),
            new("GRA", "linux", StockState.InStock, "available", 24),
            new("GRA", "linux", StockState.InStock, "available-again", 24),
            new("GRA", "windows", StockState.Unknown, null, 1200),
            new("BHS-7", "linux", StockState.PreOrder, "out-of-stock-preorder-allowed", null),
        ];
        foreach (var observations in new[] { seen, seen.Reverse().ToArray(), [], seen[..1] })
        {
            foreach (var nothing in new[] { false, true })
            {
                var result = new CheckResult(true, observations, NothingListed: nothing);
                result.Fingerprint().ShouldBe(Reference(result), $"{observations.Length} observations, nothing listed {nothing}");
            }
        }
    }

    /// <summary>The formula as first written (stored hashes must keep matching): FNV-1a over the sorted observations.</summary>
    static long Reference(CheckResult result)
    {
        const ulong Prime = 1099511628211;
        var hash = 14695981039346656037UL;
        void Mix(string? text)
        {
            foreach (var c in text ?? "\0")
            {
                hash = (hash ^ c) * Prime;
            }
            hash = (hash ^ '|') * Prime;
        }
        Mix(result.NothingListed ? "none" : "some");
        foreach (var o in result.Observations.OrderBy(o => o.Datacenter, StringComparer.Ordinal).ThenBy(o => o.Track, StringComparer.Ordinal))
        {
            Mix(o.Datacenter);
            Mix(o.Track);
            Mix(o.Raw);
            Mix(o.DeliveryHours?.ToString(CultureInfo.InvariantCulture));
        }
        return unchecked((long)hash);
    }
}
