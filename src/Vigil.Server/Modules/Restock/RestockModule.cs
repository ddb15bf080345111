using System.Globalization;
using MudBlazor;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Jobs;
using Vigil.Server.Platform.Modules;

namespace Vigil.Server.Modules.Restock;

/// <summary>OVHcloud availability watch: users watch offers and hear about it when one comes back in stock.</summary>
public sealed class RestockModule : VigilModule
{
    public override string Name => RestockAudience.Module;

    public override IReadOnlyList<string> DependsOn => ["notifications"];

    public override void AddServices(IHostApplicationBuilder builder)
    {
        ApplyAliases(builder.Configuration);
        var services = builder.Services;
        services.AddOptions<RestockOptions>().BindConfiguration(RestockOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // One attempt per request, timed out per call by the client: the poller owns retries and backoff, so a failing
        // upstream costs one request per source per cycle (OVH etiquette) and tests on a fake clock never wait on Polly.
        services.AddHttpClient<OvhClient>(http =>
            {
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
                http.DefaultRequestHeaders.UserAgent.ParseAdd("Vigil-Restock/1.0 (+https://github.com/vigil)");
            })
            // No automatic decompression: it would ask for it on every stock check; catalogs ask for gzip themselves.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseProxy = false,
            })
            // Thousands of checks per cycle: the factory's four log lines per request would drown the log; failures are logged by the poller.
            .RemoveAllLoggers();
        services.AddSingleton<RestockFeed>();
        services.AddSingleton<CatalogSync>();
        services.AddSingleton<RestockPoller>();
        services.AddScoped<RestockService>();
        services.Configure<NotificationTemplates>(t =>
        {
            // One message per destination and cycle. One plan in one subsidiary: where it came back (a datacenter back on
            // both OS tracks is one datacenter, so subjects are counted, not events). Several: which plans, and where.
            static string GroupTitle(string state) =>
                "{% assign plans = events | map: 'fields' | map: 'plan' | uniq %}"
                + "{% assign places = events | map: 'fields' | map: 'subsidiary' | uniq %}{% assign subsidiaries = places | compact %}"
                + "{% if plans.size == 1 and places.size == 1 %}{% assign n = events | map: 'subject' | uniq | size %}"
                + "{{ event.fields.plan }} " + state + " in {% if n == 1 %}{{ event.fields.datacenter }}{% else %}{{ n }} datacenters{% endif %}"
                + "{% else %}" + state[..1].ToUpperInvariant() + state[1..] + ": {{ plans | join: ', ' }}{% endif %}"
                + "{% if subsidiaries.size > 0 %} ({{ subsidiaries | join: ', ' }}){% endif %}";
            t.Kinds[RestockAudience.BackInStockKind] = new KindTemplate(GroupTitle: GroupTitle("back in stock"));
            t.Kinds[RestockAudience.OutOfStockKind] = new KindTemplate(GroupTitle: GroupTitle("out of stock"));
        });
    }

    public override void AddWorkers(IHostApplicationBuilder builder)
    {
        var tick = (builder.Configuration.GetSection(RestockOptions.Section).Get<RestockOptions>() ?? new RestockOptions()).EffectiveTick;
        builder.Services.AddRecurringJob<RestockPollJob>("restock.poll", tick);
    }

    public override void MapEndpoints(RouteGroupBuilder api) => api.MapRestock();

    public override IEnumerable<NavItem> Navigation =>
    [
        new("Restock board", "/restock", Icons.Material.Filled.Dns, Order: 30),
        new("Restock alerts", "/restock/subscriptions", Icons.Material.Filled.NotificationAdd, Order: 31),
        new("Restock plans", "/admin/restock/plans", Icons.Material.Filled.Inventory2, Order: 32, AdminOnly: true),
    ];

    /// <summary>The OVH checker's variable names keep working: each is copied onto its <c>Restock:*</c> key.</summary>
    static void ApplyAliases(IConfigurationManager configuration)
    {
        var overrides = new Dictionary<string, string?>();
        if (configuration["CHECK_INTERVAL_SECONDS"] is { Length: > 0 } seconds)
        {
            overrides["Restock:CheckInterval"] = TimeSpan.FromSeconds(Number("CHECK_INTERVAL_SECONDS", seconds, 1, 86_400)).ToString("c", CultureInfo.InvariantCulture);
        }
        if (configuration["NOTIFICATION_THRESHOLD_MINUTES"] is { Length: > 0 } minutes)
        {
            overrides["Restock:NotificationThreshold"] = TimeSpan.FromMinutes(Number("NOTIFICATION_THRESHOLD_MINUTES", minutes, 0, 43_200)).ToString("c", CultureInfo.InvariantCulture);
        }
        foreach (var (variable, key) in new[] { ("OVH_API_BASE_EU", "ApiBaseEu"), ("OVH_API_BASE_CA", "ApiBaseCa"), ("OVH_API_BASE_US", "ApiBaseUs") })
        {
            if (configuration[variable] is { Length: > 0 } url)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new StartupException($"{variable} must be an absolute http(s) URL, not '{url}'.");
                }
                overrides["Restock:" + key] = url;
            }
        }
        if (configuration["OVH_SUBSIDIARIES"] is { Length: > 0 } subsidiaries)
        {
            var unknown = RestockOptions.ParseSubsidiaries(subsidiaries).Where(s => !OvhSubsidiaries.IsKnown(s)).ToList();
            if (unknown.Count > 0)
            {
                throw new StartupException($"OVH_SUBSIDIARIES names unknown subsidiaries {string.Join(", ", unknown)}; known: {string.Join(", ", OvhSubsidiaries.All)}.");
            }
            overrides["Restock:Subsidiaries"] = subsidiaries;
        }
        if (configuration["RESTOCK_PUBLIC_STATUS"] is { Length: > 0 } open)
        {
            overrides["Restock:PublicStatus"] = bool.TryParse(open, out var flag) ? flag.ToString(CultureInfo.InvariantCulture)
                : throw new StartupException($"RESTOCK_PUBLIC_STATUS must be true or false, not '{open}'.");
        }
        if (overrides.Count > 0)
        {
            configuration.AddInMemoryCollection(overrides);
        }
    }

    /// <summary>The variable's number, named in the error when it is not one in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    static double Number(string variable, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new StartupException(string.Create(CultureInfo.InvariantCulture, $"{variable} must be a number from {min} to {max}, not '{value}'."));
}
