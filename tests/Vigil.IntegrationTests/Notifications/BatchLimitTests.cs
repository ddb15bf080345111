using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.IntegrationTests.Notifications;

/// <summary>A group larger than the dispatcher's batch still goes out as one message, and groups beside it are not held back.</summary>
public abstract class BatchLimitTests(NotificationsHost host, NotifyFakes fakes)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_group_cut_by_the_batch_limit_is_claimed_whole_and_sent_as_one_message()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var plan = "vps-" + Guid.NewGuid().ToString("N")[..8];
        var other = "vps-" + Guid.NewGuid().ToString("N")[..8];
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "d", type = "discord", url = fakes.Discord.WebhookUrl(hookId, "t").ToString() }, Ct);
        await NotificationsHost.SubscribeAsync(user, "restock.back_in_stock", "ovh:*", ct: Ct);

        // Twelve rows of one group with the batch at five, then a second group due a moment later.
        for (var i = 0; i < 12; i++)
        {
            await host.RaiseAsync(Restock(plan, $"dc{i:00}"), Ct);
        }
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 3; i++)
        {
            await host.RaiseAsync(Restock(other, $"dc{i:00}"), Ct);
        }

        host.Clock.Advance(TimeSpan.FromSeconds(11));
        (await host.DispatchAsync(Ct)).ShouldBe(12, "the first pass takes the whole cut group and nothing else");
        await host.FlushAsync(Ct);

        var sent = fakes.Discord.Requests.Where(r => r.Path.Contains(hookId, StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.BodyText)!["embeds"]![0]!.ToJsonString()).ToList();
        sent.Count.ShouldBe(2);
        for (var i = 0; i < 12; i++)
        {
            sent[0].ShouldContain($"DC{i:00}");
        }
        sent[1].ShouldContain(other);
        sent[1].ShouldNotContain(plan);
        var deliveries = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}&status=sent", Ct);
        deliveries.GetProperty("items").GetArrayLength().ShouldBe(15);
    }

    [Fact]
    public async Task A_retried_group_keeps_one_due_time_and_goes_out_whole_again()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var plan = "vps-" + Guid.NewGuid().ToString("N")[..8];
        var hookId = Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "d", type = "discord", url = fakes.Discord.WebhookUrl(hookId, "t").ToString() }, Ct);
        // Subjects of their own: the other test's subscription to every "ovh:" subject must not hear these.
        await NotificationsHost.SubscribeAsync(user, "restock.back_in_stock", $"again:{plan}:*", ct: Ct);
        for (var i = 0; i < 12; i++)
        {
            await host.RaiseAsync(Restock(plan, $"dc{i:00}") with { SubjectKey = $"again:{plan}:dc{i:00}" }, Ct);
        }

        host.Clock.Advance(TimeSpan.FromSeconds(11));
        fakes.Discord.Enqueue(new ScriptedResponse(503));
        (await host.DispatchAsync(Ct)).ShouldBe(12);

        // One delay for the whole message: its rows stay due together, so a batch of five still takes them all again.
        await using (var scope = host.Service<IServiceScopeFactory>()!.CreateAsyncScope())
        {
            var rows = await scope.ServiceProvider.GetRequiredService<VigilDb>().Set<OutboxMessage>().AsNoTracking()
                .Where(o => o.ChannelId == channel).Select(o => new { o.DueAt, o.Attempts, o.Status }).ToListAsync(Ct);
            rows.Count.ShouldBe(12);
            rows.ShouldAllBe(r => r.Attempts == 1 && r.Status == OutboxStatus.Pending);
            rows.Select(r => r.DueAt).Distinct().ShouldHaveSingleItem();
        }
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await host.FlushAsync(Ct);

        var sent = fakes.Discord.Requests.Where(r => r.Path.Contains(hookId, StringComparison.Ordinal)).Select(r => r.BodyText).ToList();
        sent.Count.ShouldBe(2, "the failed try and one retry carrying all twelve");
        for (var i = 0; i < 12; i++)
        {
            sent[1].ShouldContain($"DC{i:00}");
        }
        var deliveries = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?channel_id={channel}&status=sent", Ct);
        deliveries.GetProperty("items").GetArrayLength().ShouldBe(12);
    }

    [Fact]
    public async Task Groups_fanned_out_to_many_channels_at_one_instant_are_each_claimed_whole()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var plan = "vps-" + Guid.NewGuid().ToString("N")[..8];
        var hooks = Enumerable.Range(0, 4).Select(_ => Random.Shared.NextInt64(100000000000000000, 999999999999999999).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var hook in hooks)
        {
            await NotificationsHost.AddChannelAsync(user, new { name = "d" + hook[..4], type = "discord", url = fakes.Discord.WebhookUrl(hook, "t").ToString() }, Ct);
        }
        await NotificationsHost.SubscribeAsync(user, "restock.back_in_stock", $"fan:{plan}:*", ct: Ct);
        // Three events of one group, each heard on all four channels: twelve rows due at one instant, three per channel.
        for (var i = 0; i < 3; i++)
        {
            await host.RaiseAsync(Restock(plan, $"dc{i:00}") with { SubjectKey = $"fan:{plan}:dc{i:00}" }, Ct);
        }

        host.Clock.Advance(TimeSpan.FromSeconds(11));
        // A batch of five takes one channel's three rows and two of the next one's, whose third row comes along.
        (await host.DispatchAsync(Ct)).ShouldBe(6);
        (await host.DispatchAsync(Ct)).ShouldBe(6);
        await host.FlushAsync(Ct);

        foreach (var hook in hooks)
        {
            var sent = fakes.Discord.Requests.Where(r => r.Path.Contains(hook, StringComparison.Ordinal)).Select(r => r.BodyText).ToList();
            sent.Count.ShouldBe(1, "one message per channel");
            for (var i = 0; i < 3; i++)
            {
                sent[0].ShouldContain($"DC{i:00}");
            }
        }
    }

    static AlertInput Restock(string plan, string datacenter) => new("restock.back_in_stock", null, $"ovh:{plan}:{datacenter}", Severity.Info,
        $"{plan} is back in {datacenter.ToUpperInvariant()}", "Linux stock returned.", new Dictionary<string, string> { ["Datacenter"] = datacenter }, GroupKey: plan);
}

public sealed class SmallBatchSqliteHost() : NotificationsHost(Db.Sqlite)
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("Notifications:BatchSize", "5")];
}

public sealed class SmallBatchPostgresHost() : NotificationsHost(Db.Postgres)
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("Notifications:BatchSize", "5")];
}

[Trait("Database", "Sqlite")]
public sealed class BatchLimitTestsOnSqlite(SmallBatchSqliteHost host, NotifyFakes fakes) : BatchLimitTests(host, fakes), IClassFixture<SmallBatchSqliteHost>, IClassFixture<NotifyFakes>;

[Trait("Database", "Postgres")]
public sealed class BatchLimitTestsOnPostgres(SmallBatchPostgresHost host, NotifyFakes fakes) : BatchLimitTests(host, fakes), IClassFixture<SmallBatchPostgresHost>, IClassFixture<NotifyFakes>;
