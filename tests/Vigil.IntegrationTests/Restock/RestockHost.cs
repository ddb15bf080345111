using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.IntegrationTests.Notifications;
using Vigil.Server.Modules.Restock;

namespace Vigil.IntegrationTests.Restock;

/// <summary>
/// A server watching a <see cref="FakeOvh"/> on loopback, with the poller driven by hand (one cycle at a time on the
/// fake clock), no jitter, and the notification dispatcher driven by hand too.
/// </summary>
public abstract class RestockHost(Db db, FakeOvh? sharedOvh = null, FakeWebhookReceiver? sharedReceiver = null) : NotificationsHost(db), IAsyncLifetime
{
    /// <summary>Fakes this host started (and stops); shared ones belong to whoever passed them.</summary>
    readonly bool _ownsFakes = sharedOvh is null;

    public FakeOvh Ovh { get; } = sharedOvh ?? new("all");

    public FakeWebhookReceiver Receiver { get; } = sharedReceiver ?? new();

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        .. base.Settings,
        new("OVH_API_BASE_EU", new Uri(Ovh.BaseAddress, "1.0").ToString()),
        new("OVH_API_BASE_CA", new Uri(Ovh.BaseAddress, "v1").ToString()),
        new("OVH_SUBSIDIARIES", "FR,DE"),
        new("Restock:RunPoller", "false"),
        new("Restock:Jitter", "0"),
        new("Restock:RequestTimeout", "00:00:02"),
        new("Notifications:DefaultCooldown", "00:00:00"),
        new("AUTH_REGISTRATIONS_PER_MINUTE", "100000"),
    ];

    public new async ValueTask InitializeAsync()
    {
        if (_ownsFakes)
        {
            await Ovh.StartAsync();
            await Receiver.StartAsync();
        }
        await base.InitializeAsync();
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsFakes)
        {
            await Ovh.DisposeAsync();
            await Receiver.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>One poll cycle now (nothing is delivered until <see cref="NotificationsHost.FlushAsync"/>).</summary>
    public Task<CycleReport> CycleAsync(CancellationToken ct = default)
    {
        RequireDatabase();
        return Service<RestockPoller>()!.RunCycleAsync(ct);
    }

    /// <summary>Moves the clock, then runs a cycle.</summary>
    public async Task<CycleReport> AfterAsync(TimeSpan wait, CancellationToken ct = default)
    {
        Clock.Advance(wait);
        return await CycleAsync(ct);
    }

    /// <summary>Adds a watched VPS plan through the admin API.</summary>
    public async Task AddPlanAsync(TestUser admin, string planCode, string kind = "vps", string? name = null, CancellationToken ct = default)
    {
        var response = await admin.Client.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = planCode, kind, name = name ?? planCode.ToUpperInvariant() }, ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>A fresh user with a webhook channel to <see cref="Receiver"/> at its own path, and the path.</summary>
    public async Task<(TestUser User, string Path)> SubscriberAsync(CancellationToken ct = default)
    {
        var user = await RegisterAsync(ct: ct);
        var path = "/" + user.Username;
        await AddChannelAsync(user, new { name = "hook", type = "webhook", url = new Uri(Receiver.BaseAddress, path).ToString() }, ct);
        return (user, path);
    }

    public static async Task<JsonElement> SubscribeAsync(TestUser user, object body, CancellationToken ct = default)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/restock/subscriptions", body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Asserts a 400 problem (RFC 7807) naming <paramref name="field"/>; returns the problem's text.</summary>
    public static async Task<string> ShouldNameFieldAsync(HttpResponseMessage response, string field, CancellationToken ct = default)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(text);
        return text;
    }

    /// <summary>Messages the receiver got at a path, as their <c>data</c> objects.</summary>
    public IReadOnlyList<JsonElement> MessagesAt(string path) =>
        [.. Receiver.Requests.Where(r => r.Path == path).Select(r => JsonDocument.Parse(r.BodyText).RootElement.GetProperty("data"))];

    public async Task<JsonElement> StatusAsync(string planCode, CancellationToken ct = default)
    {
        using var anonymous = CreateClient();
        return await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/restock/status?plan_code={planCode}", ct);
    }

    public async Task<string?> StateAsync(string planCode, string datacenter, string subsidiary = "FR", string track = "linux", CancellationToken ct = default)
    {
        var status = await StatusAsync(planCode, ct);
        return status.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("datacenter").GetString() == datacenter && i.GetProperty("track").GetString() == track
                && (i.GetProperty("subsidiary").ValueKind == JsonValueKind.Null ? "" : i.GetProperty("subsidiary").GetString()) == subsidiary)
            .Select(i => i.GetProperty("state").GetString()).SingleOrDefault();
    }

    /// <summary>What the watch announced about a plan, read by a freshly signed-in admin (the clock may have outlived older tokens).</summary>
    public async Task<IReadOnlyList<JsonElement>> AlertsAsync(string planCode, CancellationToken ct = default)
    {
        var reader = await AdminAsync(ct);
        var page = await reader.Client.GetFromJsonAsync<JsonElement>($"/api/v1/restock/notifications?plan_code={planCode}&limit=500", ct);
        return [.. page.GetProperty("items").EnumerateArray()];
    }
}

public sealed class RestockSqliteHost() : RestockHost(Db.Sqlite);

public sealed class RestockPostgresHost() : RestockHost(Db.Postgres);
