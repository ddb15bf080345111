using System.Net;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Restock;

namespace Vigil.IntegrationTests.Restock;

/// <summary>GET /api/v1/restock/status/stream: Server-Sent Events over real HTTP, fed by poll cycles against FakeOvh.</summary>
public abstract class StreamTests(RestockHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly TimeSpan Interval = TimeSpan.FromSeconds(120);

    static string NewPlan() => "vps-sse-" + Guid.NewGuid().ToString("N")[..8];

    RestockFeed Feed => host.Service<RestockFeed>()!;

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(until, "the condition did not become true");
            await Task.Delay(20, Ct);
        }
    }

    static bool Is(JsonElement change, string datacenter, string track) =>
        change.GetProperty("datacenter").GetString() == datacenter && change.GetProperty("track").GetString() == track;

    [Fact]
    public async Task The_stream_sends_a_snapshot_first_then_each_change_a_poll_cycle_records_and_keep_alives()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        host.Ovh.SetVps("FR", plan, "SBG", "out-of-stock");
        await host.CycleAsync(Ct);

        using var anonymous = host.CreateClient();
        await using var stream = await EventStreamReader.OpenAsync(anonymous, $"/api/v1/restock/status/stream?plan_code={plan}&subsidiary=fr", Ct);
        stream.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        stream.Response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        stream.Response.Headers.CacheControl!.NoCache.ShouldBeTrue();

        var snapshot = (await stream.NextAsync(Ct)).ShouldNotBeNull();
        snapshot.Event.ShouldBe("snapshot", "the current state comes first");
        var items = snapshot.Json.GetProperty("items").EnumerateArray().ToList();
        items.Count.ShouldBe(4, "GRA and SBG, linux and windows");
        items.Single(i => Is(i, "GRA", "linux")).GetProperty("state").GetString().ShouldBe("in_stock");
        items.Single(i => Is(i, "SBG", "windows")).GetProperty("state").GetString().ShouldBe("out_of_stock");
        snapshot.Json.GetProperty("subsidiaries").EnumerateArray().Select(s => s.GetString()).ShouldBe(["FR", "DE"]);

        host.Clock.Advance(TimeSpan.FromSeconds(15));
        (await stream.NextAsync(Ct)).ShouldNotBeNull().Comment.ShouldBe("keep-alive");

        host.Ovh.SetVps("FR", plan, "GRA", "out-of-stock", windowsStatus: "available");
        await host.AfterAsync(Interval, Ct);
        var at = host.Clock.GetUtcNow().UtcDateTime;
        var change = await stream.NextEventAsync("change", ct: Ct);
        change.GetProperty("plan_code").GetString().ShouldBe(plan);
        change.GetProperty("subsidiary").GetString().ShouldBe("FR");
        change.GetProperty("datacenter").GetString().ShouldBe("GRA");
        change.GetProperty("track").GetString().ShouldBe("linux", "the windows track did not change");
        change.GetProperty("previous").GetString().ShouldBe("in_stock");
        change.GetProperty("state").GetString().ShouldBe("out_of_stock");
        (change.GetProperty("at").GetDateTime().ToUniversalTime() - at).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));

        host.Ovh.SetVps("FR", plan, "SBG", "available");
        await host.AfterAsync(Interval, Ct);
        var back = new[] { await stream.NextEventAsync("change", ct: Ct), await stream.NextEventAsync("change", ct: Ct) };
        back.Select(c => (c.GetProperty("datacenter").GetString(), c.GetProperty("track").GetString(), c.GetProperty("previous").GetString(), c.GetProperty("state").GetString()))
            .OrderBy(c => c.Item2).ShouldBe([("SBG", "linux", "out_of_stock", "in_stock"), ("SBG", "windows", "out_of_stock", "in_stock")]);
    }

    [Fact]
    public async Task First_sightings_come_with_an_unknown_previous_state_and_other_plans_are_filtered_out()
    {
        host.RequireDatabase();
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        var other = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);
        await host.AddPlanAsync(admin, other, ct: Ct);

        using var anonymous = host.CreateClient();
        await using var stream = await EventStreamReader.OpenAsync(anonymous, $"/api/v1/restock/status/stream?plan_code={plan}&track=windows", Ct);
        (await stream.NextEventAsync("snapshot", ct: Ct)).GetProperty("items").GetArrayLength().ShouldBe(0);
        host.Ovh.SetVps("FR", other, "GRA", "available");
        host.Ovh.SetVps("FR", plan, "WAW", "out-of-stock-preorder-allowed", daysBeforeDelivery: 7);
        await host.AfterAsync(Interval, Ct);

        var first = await stream.NextEventAsync("change", ct: Ct);
        first.GetProperty("plan_code").GetString().ShouldBe(plan);
        first.GetProperty("track").GetString().ShouldBe("windows");
        first.GetProperty("previous").GetString().ShouldBe("unknown");
        first.GetProperty("state").GetString().ShouldBe("pre_order");
    }

    [Fact]
    public async Task Bad_filters_are_problems_naming_the_field()
    {
        host.RequireDatabase();
        using var anonymous = host.CreateClient();
        foreach (var (query, field) in new[] { ("track=beos", "track"), ("subsidiary=ZZ", "subsidiary") })
        {
            var response = await anonymous.GetAsync($"/api/v1/restock/status/stream?{query}", Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(text);
        }
    }

    [Fact]
    public async Task Closing_the_stream_releases_its_subscription()
    {
        host.RequireDatabase();
        await WaitUntilAsync(() => Feed.Streams == 0);
        var listeners = Feed.Listeners;
        var admin = await host.AdminAsync(Ct);
        var plan = NewPlan();
        await host.AddPlanAsync(admin, plan, ct: Ct);

        var client = host.CreateClient();
        var stream = await EventStreamReader.OpenAsync(client, "/api/v1/restock/status/stream", Ct);
        await stream.NextEventAsync("snapshot", ct: Ct);
        Feed.Streams.ShouldBe(1);
        Feed.Listeners.ShouldBe(listeners + 1);

        await stream.DisposeAsync();
        client.Dispose();
        await WaitUntilAsync(() => Feed.Streams == 0);
        Feed.Listeners.ShouldBe(listeners);

        // Changes recorded afterwards reach nobody and break nothing.
        host.Ovh.SetVps("FR", plan, "GRA", "available");
        (await host.AfterAsync(Interval, Ct)).Changes.ShouldBeGreaterThan(0);
    }
}

[Trait("Database", "Sqlite")]
public sealed class RestockStreamSqliteTests(RestockSqliteHost host) : StreamTests(host), IClassFixture<RestockSqliteHost>;

[Trait("Database", "Postgres")]
public sealed class RestockStreamPostgresTests(RestockPostgresHost host) : StreamTests(host), IClassFixture<RestockPostgresHost>;

/// <summary>A server with a tiny stream buffer and at most two streams, to see slow and surplus clients turned away.</summary>
public sealed class RestockStreamLimitsHost() : RestockHost(Db.Sqlite)
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [.. base.Settings, new("Restock:StreamBuffer", "4"), new("Restock:MaxStreams", "2")];
}

[Trait("Database", "Sqlite")]
public sealed class RestockStreamLimitTests(RestockStreamLimitsHost host) : IClassFixture<RestockStreamLimitsHost>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    RestockFeed Feed => host.Service<RestockFeed>()!;

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(until, "the condition did not become true");
            await Task.Delay(20, Ct);
        }
    }

    [Fact]
    public async Task A_client_that_falls_further_behind_than_its_buffer_is_disconnected_rather_than_buffered()
    {
        host.RequireDatabase();
        await WaitUntilAsync(() => Feed.Streams == 0);
        var admin = await host.AdminAsync(Ct);
        var plan = "vps-slow-" + Guid.NewGuid().ToString("N")[..8];
        await host.AddPlanAsync(admin, plan, ct: Ct);
        using var client = host.CreateClient();
        await using var stream = await EventStreamReader.OpenAsync(client, $"/api/v1/restock/status/stream?plan_code={plan}", Ct);
        await stream.NextEventAsync("snapshot", ct: Ct);

        foreach (var dc in new[] { "GRA", "SBG", "DE" })
        {
            host.Ovh.SetVps("FR", plan, dc, "available");
        }
        // Six changes (three datacenters, two tracks) in one batch: more than the four the stream may hold.
        (await host.CycleAsync(Ct)).Changes.ShouldBe(6);

        while (await stream.NextAsync(Ct) is { } message)
        {
            message.Event.ShouldNotBe("change");
        }
        await WaitUntilAsync(() => Feed.Streams == 0);
        host.Logs.All.ShouldContain("fell more than 4 changes behind and was disconnected");
    }

    [Fact]
    public async Task Streams_beyond_the_limit_are_refused_with_503_until_one_closes()
    {
        host.RequireDatabase();
        await WaitUntilAsync(() => Feed.Streams == 0);
        using var client = host.CreateClient();
        var first = await EventStreamReader.OpenAsync(client, "/api/v1/restock/status/stream", Ct);
        await first.NextEventAsync("snapshot", ct: Ct);
        await using var second = await EventStreamReader.OpenAsync(client, "/api/v1/restock/status/stream", Ct);
        await second.NextEventAsync("snapshot", ct: Ct);

        await using (var third = await EventStreamReader.OpenAsync(client, "/api/v1/restock/status/stream", Ct))
        {
            third.Response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            third.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            third.Response.Headers.RetryAfter.ShouldNotBeNull();
        }

        await first.DisposeAsync();
        await WaitUntilAsync(() => Feed.Streams == 1);
        await using var fourth = await EventStreamReader.OpenAsync(client, "/api/v1/restock/status/stream", Ct);
        fourth.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        await fourth.NextEventAsync("snapshot", ct: Ct);
    }
}

/// <summary>Two replicas on one SQLite file: a stream on one hears what the other's checks record.</summary>
public sealed class RestockStreamReplicaTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class Replica(string dir, FakeOvh ovh, FakeWebhookReceiver receiver) : RestockHost(Db.Sqlite, ovh, receiver)
    {
        protected override string? FixedDirectory => dir;
    }

    [Fact]
    public async Task A_stream_hears_the_changes_another_replica_records_within_30_seconds()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-restock-stream-replicas-").FullName;
        try
        {
            await HearAcrossReplicasAsync(dir);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open only leaves a temp folder behind.
            }
        }
    }

    static async Task HearAcrossReplicasAsync(string dir)
    {
        await using var ovh = new FakeOvh("all");
        await ovh.StartAsync(Ct);
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        await using var a = new Replica(dir, ovh, receiver);
        await a.InitializeAsync();
        await using var b = new Replica(dir, ovh, receiver);
        await b.InitializeAsync();
        var start = a.Clock.GetUtcNow() > b.Clock.GetUtcNow() ? a.Clock.GetUtcNow() : b.Clock.GetUtcNow();
        a.Clock.SetUtcNow(start);
        b.Clock.SetUtcNow(start);

        var admin = await a.AdminAsync(Ct);
        var plan = "vps-rep-sse-" + Guid.NewGuid().ToString("N")[..6];
        await a.AddPlanAsync(admin, plan, ct: Ct);
        ovh.SetVps("FR", plan, "GRA", "available");
        await b.CycleAsync(Ct);

        using var client = a.CreateClient();
        await using var stream = await EventStreamReader.OpenAsync(client, $"/api/v1/restock/status/stream?plan_code={plan}&track=linux", Ct);
        var snapshot = await stream.NextEventAsync("snapshot", ct: Ct);
        snapshot.GetProperty("items").EnumerateArray().ShouldContain(i => i.GetProperty("datacenter").GetString() == "GRA" && i.GetProperty("state").GetString() == "in_stock");

        ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        b.Clock.Advance(TimeSpan.FromSeconds(120));
        (await b.CycleAsync(Ct)).Changes.ShouldBe(2);
        a.Clock.Advance(TimeSpan.FromSeconds(30));

        var change = await stream.NextEventAsync("change", c => c.GetProperty("state").GetString() == "out_of_stock", Ct);
        change.GetProperty("datacenter").GetString().ShouldBe("GRA");
        change.GetProperty("previous").GetString().ShouldBe("in_stock");
        change.GetProperty("subsidiary").GetString().ShouldBe("FR");
    }
}
