using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Restock;

/// <summary>Two replicas on one PostgreSQL database poll each source once per cycle and send each alert once.</summary>
public sealed class RestockReplicaTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class Replica(string databaseUrl, string dir, FakeOvh ovh, FakeWebhookReceiver receiver) : RestockHost(Db.Postgres, ovh, receiver)
    {
        protected override string? FixedDatabaseUrl => databaseUrl;

        protected override string? FixedDirectory => dir;
    }

    [Fact]
    public async Task Two_replicas_adding_the_same_new_sources_at_once_both_finish_their_cycle()
    {
        Assert.SkipWhen(!PostgresServer.Available, "PostgreSQL is not available (set VIGIL_TEST_POSTGRES or run ./test.sh).");
        var database = await PostgresServer.CreateDatabaseAsync("restock_replicas_sync", Ct);
        var dir = Directory.CreateTempSubdirectory("vigil-restock-replicas-").FullName;
        await using var ovh = new FakeOvh();
        await ovh.StartAsync(Ct);
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        await using var a = new Replica(database, dir, ovh, receiver);
        await a.InitializeAsync();
        await using var b = new Replica(database, dir, ovh, receiver);
        await b.InitializeAsync();
        var admin = await a.AdminAsync(Ct);

        // Each round watches new plans, then both replicas run a cycle at the same moment: both try to add the same
        // sources, in whatever order each has them. The loser's save fails (a unique violation, or a deadlock on
        // PostgreSQL); that must never fail its cycle.
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 25; i++)
            {
                var plan = $"vps-sync-{round}-{i:00}";
                await a.AddPlanAsync(admin, plan, ct: Ct);
                ovh.SetVps("FR", plan, "GRA", "available");
            }
            await Task.WhenAll(a.CycleAsync(Ct), b.CycleAsync(Ct));
        }

        var status = await admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/status", Ct);
        status.ToString().ShouldContain("vps-sync-19-24");
    }

    [Fact]
    public async Task Two_replicas_poll_each_source_once_per_cycle_and_send_each_alert_once()
    {
        Assert.SkipWhen(!PostgresServer.Available, "PostgreSQL is not available (set VIGIL_TEST_POSTGRES or run ./test.sh).");
        var database = await PostgresServer.CreateDatabaseAsync("restock_replicas", Ct);
        var dir = Directory.CreateTempSubdirectory("vigil-restock-replicas-").FullName;
        await using var ovh = new FakeOvh();
        await ovh.StartAsync(Ct);
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        await using var a = new Replica(database, dir, ovh, receiver);
        await a.InitializeAsync();
        await using var b = new Replica(database, dir, ovh, receiver);
        await b.InitializeAsync();
        // Both clocks start at their host's creation; line them up on the later one.
        var start = a.Clock.GetUtcNow() > b.Clock.GetUtcNow() ? a.Clock.GetUtcNow() : b.Clock.GetUtcNow();
        a.Clock.SetUtcNow(start);
        b.Clock.SetUtcNow(start);

        var admin = await a.AdminAsync(Ct);
        var plans = Enumerable.Range(0, 40).Select(i => $"vps-rep-{i:00}").ToList();
        var datacenters = new[] { "GRA", "SBG", "DE", "UK", "WAW", "BHS" };
        foreach (var plan in plans)
        {
            await a.AddPlanAsync(admin, plan, ct: Ct);
            foreach (var dc in datacenters)
            {
                ovh.SetVps("FR", plan, dc, "out-of-stock");
                ovh.SetVps("DE", plan, dc, "out-of-stock");
            }
        }
        var (user, path) = await a.SubscriberAsync(Ct);
        foreach (var plan in plans)
        {
            await RestockHost.SubscribeAsync(user, new { plan_code = plan, subsidiary = "FR" }, Ct);
        }

        var checkedBy = new int[2];
        async Task BothAsync(TimeSpan wait)
        {
            a.Clock.Advance(wait);
            b.Clock.Advance(wait);
            var reports = await Task.WhenAll(a.CycleAsync(Ct), b.CycleAsync(Ct));
            checkedBy[0] += reports[0].Checked;
            checkedBy[1] += reports[1].Checked;
        }

        ovh.ResetCounts();
        await BothAsync(TimeSpan.Zero);
        for (var i = 0; i < 31; i++)
        {
            await BothAsync(TimeSpan.FromSeconds(120));
        }
        foreach (var plan in plans)
        {
            ovh.SetVps("FR", plan, "GRA", "available");
            ovh.SetVps("FR", plan, "SBG", "available");
        }
        await BothAsync(TimeSpan.FromSeconds(120));
        await BothAsync(TimeSpan.FromSeconds(120));

        checkedBy.Sum().ShouldBe(34 * plans.Count * 2);
        checkedBy[0].ShouldBeGreaterThan(0, "replica A took part");
        checkedBy[1].ShouldBeGreaterThan(0, "replica B took part");
        foreach (var plan in plans)
        {
            ovh.VpsRequests("FR", plan).ShouldBe(34, plan);
            ovh.VpsRequests("DE", plan).ShouldBe(34, plan);
        }

        a.Clock.Advance(TimeSpan.FromSeconds(11));
        b.Clock.Advance(TimeSpan.FromSeconds(11));
        for (var round = 0; round < 100; round++)
        {
            var passes = await Task.WhenAll(a.DispatchAsync(Ct), b.DispatchAsync(Ct));
            if (passes.Sum() == 0 && receiver.Requests.Count(r => r.Path == path) >= plans.Count)
            {
                break;
            }
            a.Clock.Advance(TimeSpan.FromSeconds(1));
            b.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var alerts = await a.AdminAsync(Ct);
        var announced = await alerts.Client.GetFromJsonAsync<JsonElement>("/api/v1/restock/notifications?limit=500", Ct);
        announced.GetProperty("items").GetArrayLength().ShouldBe(plans.Count * 2, "GRA and SBG of every plan, once each");
        var messages = a.MessagesAt(path);
        // One message per destination and cycle: each replica's cycle lists the plans it checked.
        messages.Count.ShouldBeInRange(1, 2);
        receiver.Duplicates.ShouldBe(0);
        messages.Sum(m => m.GetProperty("items").GetArrayLength()).ShouldBe(plans.Count * 2, "GRA and SBG of every plan, each once");
    }
}
