using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Platform.Data;

namespace Vigil.IntegrationTests.Notifications;

/// <summary>A server whose user URLs may reach loopback fakes, with intent methods to raise events and run the dispatcher.</summary>
public abstract class NotificationsHost(Db db) : VigilHost(db)
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("OUTBOUND_ALLOWLIST", "127.0.0.0/8"),
        // The tests drive the dispatcher themselves, one pass at a time.
        new("Notifications:RunDispatcher", "false"),
    ];

    /// <summary>Records an event the way a module does: in a unit of work that then commits.</summary>
    public async Task<AlertEvent?> RaiseAsync(AlertInput input, CancellationToken ct = default)
    {
        RequireDatabase();
        await using var scope = Service<IServiceScopeFactory>()!.CreateAsyncScope();
        var publisher = scope.ServiceProvider.GetRequiredService<AlertPublisher>();
        var alert = await publisher.RecordAsync(input, ct);
        await scope.ServiceProvider.GetRequiredService<VigilDb>().SaveChangesAsync(ct);
        return alert;
    }

    /// <summary>One dispatcher pass: claims what is due now and delivers it.</summary>
    public Task<int> DispatchAsync(CancellationToken ct = default) => Service<NotificationDispatcher>()!.RunOnceAsync(ct);

    /// <summary>Moves the clock past the grouping window and dispatches until nothing is due.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        Clock.Advance(TimeSpan.FromSeconds(11));
        while (await DispatchAsync(ct) > 0)
        {
        }
    }

    /// <summary>
    /// Keeps the flushes of a test from reaching a time boundary by chance (a digest's hour, or its 08:00): tests share
    /// this host's clock and leave it anywhere, and each flush moves it 11 s. When the next boundary, at
    /// <paramref name="offset"/> past each <paramref name="period"/> (UTC), is less than a minute away, the clock moves a
    /// minute past it.
    /// </summary>
    public void ClearOfBoundary(TimeSpan period, TimeSpan offset = default)
    {
        var sinceLast = TimeSpan.FromTicks(((Clock.GetUtcNow().UtcTicks - offset.Ticks) % period.Ticks + period.Ticks) % period.Ticks);
        if (period - sinceLast < TimeSpan.FromMinutes(1))
        {
            Clock.Advance(period - sinceLast + TimeSpan.FromMinutes(1));
        }
    }

    public static async Task<Guid> AddChannelAsync(TestUser user, object body, CancellationToken ct = default)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/channels", body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task SubscribeAsync(TestUser user, string kind, string subject = "*", Guid[]? channels = null, bool workspaceEvents = false, int? cooldownSeconds = null, CancellationToken ct = default)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/subscriptions", new { kind, subject, channel_ids = channels, workspace_events = workspaceEvents, cooldown_seconds = cooldownSeconds }, ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
    }
}

public sealed class NotificationsSqliteHost() : NotificationsHost(Db.Sqlite);

public sealed class NotificationsPostgresHost() : NotificationsHost(Db.Postgres);

/// <summary>The fakes one test class uses, started once.</summary>
public sealed class NotifyFakes : IAsyncLifetime
{
    public FakeDiscord Discord { get; } = new();
    public FakeSlack Slack { get; } = new();
    public FakeWebhookReceiver Webhook { get; } = new();

    /// <summary>A self-hosted Bot API server, as far as Vigil can tell.</summary>
    public FakeTelegram Telegram { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Discord.StartAsync();
        await Slack.StartAsync();
        await Webhook.StartAsync();
        await Telegram.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Discord.DisposeAsync();
        await Slack.DisposeAsync();
        await Webhook.DisposeAsync();
        await Telegram.DisposeAsync();
    }
}
