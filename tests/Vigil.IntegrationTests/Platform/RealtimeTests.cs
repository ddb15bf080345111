using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Platform.Realtime;

namespace Vigil.IntegrationTests.Platform;

public abstract class RealtimeTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    HubConnection Connect(string token)
    {
        host.RequireDatabase();
        return new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, EventsHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
    }

    [Fact]
    public async Task Events_reach_only_the_workspace_they_belong_to()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        await using var connection = Connect(alice.AccessToken);
        var received = Channel.CreateUnbounded<JsonElement>();
        connection.On<JsonElement>("event", e => received.Writer.TryWrite(e));
        await connection.StartAsync(Ct);
        await connection.InvokeAsync("JoinWorkspace", alice.PersonalWorkspaceId, Ct);

        var publisher = host.Service<RealtimePublisher>()!;
        await publisher.PublishAsync(bob.PersonalWorkspaceId, "secret.thing", new { text = "for bob" }, Ct);
        await publisher.PublishAsync(alice.PersonalWorkspaceId, "stock.low", new { item = "headphones" }, Ct);

        var first = await received.Reader.ReadAsync(Ct);
        first.GetProperty("name").GetString().ShouldBe("stock.low");
        first.GetProperty("payload").GetProperty("item").GetString().ShouldBe("headphones");
        received.Reader.TryRead(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Joining_a_foreign_workspace_is_refused()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        await using var connection = Connect(alice.AccessToken);
        await connection.StartAsync(Ct);

        var refused = await Should.ThrowAsync<HubException>(() => connection.InvokeAsync("JoinWorkspace", bob.PersonalWorkspaceId, Ct));
        refused.Message.ShouldContain("No such workspace");
    }

    [Fact]
    public async Task The_hub_needs_a_valid_token()
    {
        await using var connection = Connect("not-a-token");
        await Should.ThrowAsync<HttpRequestException>(() => connection.StartAsync(Ct));
    }

    [Fact]
    public async Task Api_keys_work_on_the_hub_too()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var created = await alice.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "listener", scopes = new[] { "read" } }, Ct);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        await using var connection = Connect(key);
        await connection.StartAsync(Ct);
        await connection.InvokeAsync("JoinWorkspace", alice.PersonalWorkspaceId, Ct);
    }
}

[Trait("Database", "Sqlite")]
public sealed class RealtimeTestsOnSqlite(SqliteHost host) : RealtimeTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class RealtimeTestsOnPostgres(PostgresHost host) : RealtimeTests(host), IClassFixture<PostgresHost>;

/// <summary>Two replicas sharing a Redis backplane: an event published on one reaches a client of the other.</summary>
public sealed class RealtimeBackplaneTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class Replica(string dir, string redis) : VigilHost(Db.Sqlite)
    {
        protected override string? FixedDirectory => dir;

        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("REDIS_URL", redis)];
    }

    [Fact]
    public async Task Events_cross_replicas_through_redis()
    {
        var redis = Environment.GetEnvironmentVariable("VIGIL_TEST_REDIS");
        Assert.SkipWhen(string.IsNullOrEmpty(redis), "Redis is not available (set VIGIL_TEST_REDIS or run ./test.sh).");
        var dir = Directory.CreateTempSubdirectory("vigil-replicas-").FullName;
        await using var a = new Replica(dir, redis!);
        await a.InitializeAsync();
        await using var b = new Replica(dir, redis!);
        await b.InitializeAsync();
        var alice = await a.RegisterAsync(ct: Ct);

        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(a.BaseAddress, EventsHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(alice.AccessToken))
            .Build();
        var received = Channel.CreateUnbounded<JsonElement>();
        connection.On<JsonElement>("event", e => received.Writer.TryWrite(e));
        await connection.StartAsync(Ct);
        await connection.InvokeAsync("JoinWorkspace", alice.PersonalWorkspaceId, Ct);

        await b.Service<RealtimePublisher>()!.PublishAsync(alice.PersonalWorkspaceId, "plan.back_in_stock", new { plan = "vps-le-2" }, Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        (await received.Reader.ReadAsync(timeout.Token)).GetProperty("name").GetString().ShouldBe("plan.back_in_stock");
    }
}
