using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Jobs;
using Vigil.Server.Platform.Modules;

namespace Vigil.Server.Modules.Inventory;

/// <summary>Store-room stock that is never wrong: items, departments, categories, moves, history.</summary>
public sealed class InventoryModule : VigilModule
{
    public override string Name => "inventory";

    public override IReadOnlyList<string> DependsOn => ["notifications"];

    public override void AddServices(IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<StockService>();
        builder.Services.AddScoped<CatalogService>();
        builder.Services.AddScoped<LowStockAlerts>();
        builder.Services.AddScoped<ExportService>();
        builder.Services.AddScoped<ItemImport>();
        builder.Services.AddSingleton<ExportSignal>();
        builder.Services.AddSingleton<ExportFiles>();
        builder.Services.AddOptions<InventoryOptions>().BindConfiguration(InventoryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRecurringJob<StockCheckJob>("inventory.stock-check", StockCheckInterval(builder.Configuration));
    }

    /// <summary><c>STOCK_CHECK_INTERVAL</c>: seconds (as in the original, e.g. <c>3600</c>) or a time span (<c>01:00:00</c>); hourly by default.</summary>
    public static TimeSpan StockCheckInterval(IConfiguration configuration)
    {
        var value = configuration["STOCK_CHECK_INTERVAL"] ?? configuration["Inventory:StockCheckInterval"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return TimeSpan.FromHours(1);
        }
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }
        throw new StartupException($"STOCK_CHECK_INTERVAL must be a number of seconds or a time span such as 01:00:00, not '{value}'.");
    }

    public override IEnumerable<NavItem> Navigation =>
    [
        new("Inventory", "/inventory", MudBlazor.Icons.Material.Filled.Inventory2, Order: 40),
        new("Exports", "/inventory/exports", MudBlazor.Icons.Material.Filled.Download, Order: 41),
    ];

    public override void AddWorkers(IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ExportWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExportWorker>());
    }

    public override void MapEndpoints(RouteGroupBuilder api) => api.MapInventory();
}
