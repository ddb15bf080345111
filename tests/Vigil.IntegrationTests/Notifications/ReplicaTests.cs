using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Notifications.Channels;

namespace Vigil.IntegrationTests.Notifications;

/// <summary>Two replicas dispatching from one PostgreSQL outbox at the same time never send a row twice.</summary>
public sealed class ReplicaTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class Replica(string databaseUrl, string dir) : NotificationsHost(Db.Postgres)
    {
        protected override string? FixedDatabaseUrl => databaseUrl;

        protected override string? FixedDirectory => dir;

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [.. base.Settings, new("Notifications:BatchSize", "25"), new("Notifications:DefaultCooldown", "00:00:00")];
    }

    [Fact]
    public async Task What_is_due_on_postgres_is_kept_beside_the_outbox_whose_status_is_in_no_index()
    {
        Assert.SkipWhen(!PostgresServer.Available, "PostgreSQL is not available (set VIGIL_TEST_POSTGRES or run ./test.sh).");
        var database = await PostgresServer.CreateDatabaseAsync("due", Ct);
        var dir = Directory.CreateTempSubdirectory("vigil-due-").FullName;
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        await using var host = new Replica(database, dir);
        await host.InitializeAsync();
        var user = await host.RegisterAsync(ct: Ct);
        await NotificationsHost.AddChannelAsync(user, new { name = "due", type = "webhook", url = new Uri(receiver.BaseAddress, "/due").ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "custom.*", workspaceEvents: true, ct: Ct);

        async Task<(List<(Guid, DateTime)> Pending, List<(Guid, DateTime)> Due)> ReadAsync()
        {
            await using var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Vigil.Server.Platform.Data.VigilDb>();
            var pending = (await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.Status == OutboxStatus.Pending).Select(o => new { o.Id, o.DueAt }).ToListAsync(Ct))
                .Select(o => (o.Id, o.DueAt)).Order().ToList();
            var due = (await db.Database.SqlQuery<DueRow>($"SELECT \"OutboxId\", \"DueAt\" FROM notification_due").ToListAsync(Ct))
                .Select(d => (d.OutboxId, d.DueAt)).Order().ToList();
            return (pending, due);
        }

        for (var i = 0; i < 3; i++)
        {
            await host.RaiseAsync(new AlertInput("custom.due", user.PersonalWorkspaceId, $"due:{i}", Severity.Info, $"Due {i}", "", GroupKey: $"due{i}"), Ct);
        }
        var queued = await ReadAsync();
        queued.Pending.Count.ShouldBe(3);
        queued.Due.ShouldBe(queued.Pending, "every pending row is due, at its own time");

        // One send fails and is retried later: its due time moves with it; the sent rows leave.
        receiver.Enqueue(new ScriptedResponse(503));
        await host.FlushAsync(Ct);
        var retrying = await ReadAsync();
        retrying.Pending.ShouldHaveSingleItem();
        retrying.Due.ShouldBe(retrying.Pending);
        retrying.Pending[0].Item2.ShouldBeGreaterThan(queued.Pending.Single(p => p.Item1 == retrying.Pending[0].Item1).Item2);

        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await host.FlushAsync(Ct);
        var done = await ReadAsync();
        done.Pending.ShouldBeEmpty();
        done.Due.ShouldBeEmpty();
        receiver.Deliveries.Count.ShouldBe(3);

        await using var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope();
        var statusIndexes = await scope.ServiceProvider.GetRequiredService<Vigil.Server.Platform.Data.VigilDb>().Database
            .SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM pg_indexes WHERE tablename = 'notification_outbox' AND indexdef LIKE '%\"Status\"%'").SingleAsync(Ct);
        statusIndexes.ShouldBe(0, "a change of status must not touch an index, so outcomes are written in place");
    }

    sealed record DueRow(Guid OutboxId, DateTime DueAt);

    [Fact]
    public async Task Two_dispatchers_on_postgres_send_every_row_exactly_once()
    {
        Assert.SkipWhen(!PostgresServer.Available, "PostgreSQL is not available (set VIGIL_TEST_POSTGRES or run ./test.sh).");
        const int events = 300;
        var database = await PostgresServer.CreateDatabaseAsync("replicas", Ct);
        var dir = Directory.CreateTempSubdirectory("vigil-replicas-").FullName;
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        await using var a = new Replica(database, dir);
        await a.InitializeAsync();
        await using var b = new Replica(database, dir);
        await b.InitializeAsync();
        var user = await a.RegisterAsync(ct: Ct);
        await NotificationsHost.AddChannelAsync(user, new { name = "r", type = "webhook", url = new Uri(receiver.BaseAddress, "/replicas").ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "custom.*", workspaceEvents: true, ct: Ct);
        for (var i = 0; i < events; i++)
        {
            await a.RaiseAsync(new AlertInput("custom.replica", user.PersonalWorkspaceId, $"item:{i}", Severity.Info, $"Event {i}", "", GroupKey: $"g{i}"), Ct);
        }

        a.Clock.Advance(TimeSpan.FromSeconds(11));
        b.Clock.Advance(TimeSpan.FromSeconds(11));
        var handled = new int[2];
        for (var round = 0; round < 200 && receiver.Deliveries.Count < events; round++)
        {
            var passes = await Task.WhenAll(a.DispatchAsync(Ct), b.DispatchAsync(Ct));
            handled[0] += passes[0];
            handled[1] += passes[1];
            if (passes.Sum() == 0)
            {
                // Paced by the per-destination limiter: let its window pass on both clocks.
                a.Clock.Advance(TimeSpan.FromSeconds(1));
                b.Clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        receiver.Deliveries.Count.ShouldBe(events);
        receiver.Duplicates.ShouldBe(0);
        handled[0].ShouldBeGreaterThan(0, "replica A took part");
        handled[1].ShouldBeGreaterThan(0, "replica B took part");

        // Claims change no indexed column, and the claimed tables leave room in their pages for them to stay in place.
        await using var scope = a.Service<IServiceScopeFactory>()!.CreateAsyncScope();
        foreach (var (table, fill) in new[] { ("notification_outbox", 40), ("restock_sources", 80) })
        {
            var options = await scope.ServiceProvider.GetRequiredService<Vigil.Server.Platform.Data.VigilDb>().Database
                .SqlQuery<string>($"SELECT array_to_string(reloptions, ',') AS \"Value\" FROM pg_class WHERE relname = {table}").SingleAsync(Ct);
            options.ShouldContain($"fillfactor={fill}", customMessage: table);
        }
    }
}
