using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.IntegrationTests.Notifications;
using Vigil.Server.Modules.Inventory;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Realtime;

namespace Vigil.IntegrationTests.Inventory;

/// <summary>Low stock is told once per episode, through the notification pipeline and live to the workspace's open pages.</summary>
public abstract class LowStockTests(NotificationsHost host, NotifyFakes fakes)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<Guid> AddItemAsync(TestUser user, string name, int quantity, int threshold)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name, quantity, threshold }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    static async Task MoveAsync(TestUser user, Guid item, string kind, int quantity) =>
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{item}/{kind}", new { quantity }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

    int Alerts(Guid workspace)
    {
        using var scope = host.Service<IServiceScopeFactory>()!.CreateScope();
        return scope.ServiceProvider.GetRequiredService<VigilDb>().Set<AlertEvent>().IgnoreQueryFilters()
            .Count(e => e.Kind == LowStockAlerts.Kind && e.WorkspaceId == workspace);
    }

    async Task<(TestUser User, string Path)> SubscribedUserAsync(object subscription)
    {
        var user = await host.RegisterAsync(ct: Ct);
        var path = "/low-" + Guid.NewGuid().ToString("N")[..8];
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "store room", url = new Uri(fakes.Webhook.BaseAddress, path).ToString() }, Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/inventory/subscriptions", subscription is null ? new { channel_ids = new[] { channel } } : subscription, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        return (user, path);
    }

    int Received(string path) => fakes.Webhook.Requests.Count(r => r.Path == path);

    [Fact]
    public async Task Crossing_below_the_threshold_alerts_once_per_episode_and_rising_above_re_arms()
    {
        var (user, path) = await SubscribedUserAsync(null!);
        var item = await AddItemAsync(user, "headphones", 10, threshold: 5);

        await MoveAsync(user, item, "issue", 5); // 5 left: at the threshold, not below
        Alerts(user.PersonalWorkspaceId).ShouldBe(0);
        await MoveAsync(user, item, "issue", 1); // 4: an episode starts
        await MoveAsync(user, item, "issue", 1); // 3: same episode
        await MoveAsync(user, item, "issue", 3); // 0: same episode
        Alerts(user.PersonalWorkspaceId).ShouldBe(1);
        await host.FlushAsync(Ct);
        Received(path).ShouldBe(1);
        fakes.Webhook.Requests.First(r => r.Path == path).BodyText.ShouldContain("headphones");

        // A new episode soon after the last is news too: the destination's cooldown does not hold it back.
        await MoveAsync(user, item, "restock", 10); // 10: re-armed
        await MoveAsync(user, item, "issue", 7); // 3: a new episode
        Alerts(user.PersonalWorkspaceId).ShouldBe(2);
        await host.FlushAsync(Ct);
        Received(path).ShouldBe(2);
    }

    [Fact]
    public async Task Concurrent_issues_that_all_cross_the_threshold_raise_one_alert()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var item = await AddItemAsync(user, "toner", 30, threshold: 25);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var client = host.CreateClient(user.AccessToken);
            (await client.PostAsJsonAsync($"/api/v1/inventory/items/{item}/issue", new { quantity = 1 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }));

        Alerts(user.PersonalWorkspaceId).ShouldBe(1);
    }

    [Fact]
    public async Task A_department_subscription_hears_its_items_only_and_a_department_minimum_counts()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var it = (await (await user.Client.PostAsJsonAsync("/api/v1/inventory/departments", new { name = "IT", minimum_override = 8 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var path = "/dept-" + Guid.NewGuid().ToString("N")[..8];
        var channel = await NotificationsHost.AddChannelAsync(user, new { name = "it", url = new Uri(fakes.Webhook.BaseAddress, path).ToString() }, Ct);
        (await user.Client.PostAsJsonAsync("/api/v1/inventory/subscriptions", new { department_id = it, channel_ids = new[] { channel } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var inIt = await AddItemAsync(user, "mice", 10, threshold: 2);
        var elsewhere = await AddItemAsync(user, "paper", 10, threshold: 5);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{inIt}/transfer", new { quantity = 10, department_id = it }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await MoveAsync(user, inIt, "issue", 3); // 7 < the department's 8, though above the item's own 2
        await MoveAsync(user, elsewhere, "issue", 6); // 4 < 5, but not in IT
        await host.FlushAsync(Ct);

        Alerts(user.PersonalWorkspaceId).ShouldBe(2);
        var delivered = fakes.Webhook.Requests.Where(r => r.Path == path).ToList();
        delivered.ShouldHaveSingleItem().BodyText.ShouldContain("mice");
    }

    [Fact]
    public async Task The_periodic_check_alerts_what_was_missed_and_never_repeats_an_alert()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var low = await AddItemAsync(user, "batteries", 10, threshold: 5);
        await MoveAsync(user, low, "issue", 8);
        Alerts(user.PersonalWorkspaceId).ShouldBe(1);
        // An episode whose alert was never recorded (say, a change made straight in the database).
        var missed = await AddItemAsync(user, "staples", 10, threshold: 0);
        using (var scope = host.Service<IServiceScopeFactory>()!.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<VigilDb>().Set<InventoryItem>().IgnoreQueryFilters()
                .Where(i => i.Id == missed).ExecuteUpdateAsync(u => u.SetProperty(i => i.Threshold, 50), Ct);
        }

        await RunStockCheckAsync();
        await RunStockCheckAsync();

        Alerts(user.PersonalWorkspaceId).ShouldBe(2);
    }

    [Fact]
    public async Task The_live_low_stock_event_reaches_only_the_items_workspace()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var seenByBob = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        await using var bobs = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, EventsHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(bob.AccessToken))
            .Build();
        bobs.On<JsonElement>("event", e => seenByBob.Writer.TryWrite(e));
        await bobs.StartAsync(Ct);
        await bobs.InvokeAsync("JoinWorkspace", bob.PersonalWorkspaceId, Ct);
        var seenByAlice = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        await using var alices = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, EventsHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(alice.AccessToken))
            .Build();
        alices.On<JsonElement>("event", e => seenByAlice.Writer.TryWrite(e));
        await alices.StartAsync(Ct);
        await alices.InvokeAsync("JoinWorkspace", alice.PersonalWorkspaceId, Ct);

        var item = await AddItemAsync(alice, "chargers", 3, threshold: 2);
        await MoveAsync(alice, item, "issue", 2);

        JsonElement low;
        do
        {
            low = await seenByAlice.Reader.ReadAsync(Ct);
        }
        while (low.GetProperty("name").GetString() != LowStockAlerts.Kind);
        low.GetProperty("payload").GetProperty("name").GetString().ShouldBe("chargers");
        low.GetProperty("payload").GetProperty("quantity").GetInt32().ShouldBe(1);
        seenByBob.Reader.TryRead(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Subscriptions_name_an_item_or_a_department_of_this_workspace()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var bobsItem = await AddItemAsync(bob, "secret", 5, threshold: 1);

        var foreign = await alice.Client.PostAsJsonAsync("/api/v1/inventory/subscriptions", new { item_id = bobsItem }, Ct);
        foreign.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await foreign.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("item_id", out _).ShouldBeTrue();
        var both = await alice.Client.PostAsJsonAsync("/api/v1/inventory/subscriptions", new { item_id = Guid.NewGuid(), department_id = Guid.NewGuid() }, Ct);
        both.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var mine = await AddItemAsync(alice, "mine", 5, threshold: 1);
        var created = await alice.Client.PostAsJsonAsync("/api/v1/inventory/subscriptions", new { item_id = mine }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var list = await alice.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/subscriptions", Ct);
        list.GetProperty("items").EnumerateArray().Single().GetProperty("item_id").GetGuid().ShouldBe(mine);
        var everywhere = await alice.Client.GetFromJsonAsync<JsonElement>("/api/v1/subscriptions", Ct);
        everywhere.GetProperty("items").EnumerateArray().ShouldContain(s => s.GetProperty("module").GetString() == "inventory");
        (await bob.Client.DeleteAsync($"/api/v1/inventory/subscriptions/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await alice.Client.DeleteAsync($"/api/v1/inventory/subscriptions/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    async Task RunStockCheckAsync()
    {
        var job = new StockCheckJob(host.Service<IServiceScopeFactory>()!, host.Service<ILogger<StockCheckJob>>()!);
        await job.Execute(null!, Ct);
    }
}

[Trait("Database", "Sqlite")]
public sealed class LowStockTestsOnSqlite(NotificationsSqliteHost host, NotifyFakes fakes) : LowStockTests(host, fakes), IClassFixture<NotificationsSqliteHost>, IClassFixture<NotifyFakes>;

[Trait("Database", "Postgres")]
public sealed class LowStockTestsOnPostgres(NotificationsPostgresHost host, NotifyFakes fakes) : LowStockTests(host, fakes), IClassFixture<NotificationsPostgresHost>, IClassFixture<NotifyFakes>;
