using Vigil.Server.Platform.Modules;

namespace Vigil.Server.Modules.Inventory;

/// <summary>Store-room stock that is never wrong: items, departments, categories, moves, history.</summary>
public sealed class InventoryModule : VigilModule
{
    public override string Name => "inventory";

    public override void AddServices(IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<StockService>();
        builder.Services.AddScoped<CatalogService>();
    }

    public override void MapEndpoints(RouteGroupBuilder api) => api.MapInventory();
}
