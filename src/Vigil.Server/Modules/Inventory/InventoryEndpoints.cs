using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

public static class InventoryEndpoints
{
    public static void MapInventory(this RouteGroupBuilder api)
    {
        var inventory = api.MapGroup("/inventory").WithTags("Inventory").RequireWorkspace();
        inventory.MapPost("/items", CreateItem).AddEndpointFilter<IdempotencyFilter>()
            .WithSummary("Add an item with its initial stock (managers)").WithDescription("409 when the workspace already has an item of that name. Accepts Idempotency-Key.")
            .ProducesProblem(409);
        inventory.MapGet("/items/{id:guid}", GetItem).WithSummary("One item, with available stock and its low-stock flag").ProducesProblem(404);
        inventory.MapPost("/items/{id:guid}/issue", (Guid id, MoveRequest request, StockService stock, CancellationToken ct) => Move(id, MovementKind.Issue, request, stock, ct))
            .AddEndpointFilter<IdempotencyFilter>().WithSummary("Issue stock to someone (members); 409 with 'available' when there is not enough").ProducesProblem(404).ProducesProblem(409);
        inventory.MapPost("/items/{id:guid}/return", (Guid id, MoveRequest request, StockService stock, CancellationToken ct) => Move(id, MovementKind.Return, request, stock, ct))
            .AddEndpointFilter<IdempotencyFilter>().WithSummary("Return stock (members)").ProducesProblem(404);
        inventory.MapPost("/items/{id:guid}/restock", (Guid id, MoveRequest request, StockService stock, CancellationToken ct) => Move(id, MovementKind.Restock, request, stock, ct))
            .AddEndpointFilter<IdempotencyFilter>().WithSummary("Restock (managers)").ProducesProblem(404);
        inventory.MapPost("/items/{id:guid}/transfer", Transfer).AddEndpointFilter<IdempotencyFilter>()
            .WithSummary("Transfer to another department (managers): two movements sharing a correlation id").ProducesProblem(404).ProducesProblem(409);
        inventory.MapPost("/items/{id:guid}/adjust", Adjust).AddEndpointFilter<IdempotencyFilter>()
            .WithSummary("Stock-take correction with a reason (managers)").ProducesProblem(404).ProducesProblem(409);
        inventory.MapGet("/items/{id:guid}/movements", ItemMovements).WithSummary("An item's movements, newest first").ProducesProblem(404);
        inventory.MapGet("/movements", Movements).WithSummary("Every movement in the workspace, newest first");
    }

    static async Task<Results<Created<ItemDto>, ValidationProblem, ProblemHttpResult>> CreateItem(CreateItemRequest request, StockService stock, CancellationToken ct) =>
        (await stock.CreateItemAsync(request, ct)).ToCreated(i => $"/api/v1/inventory/items/{i.Id}");

    static async Task<Results<Ok<ItemDto>, ValidationProblem, ProblemHttpResult>> GetItem(Guid id, StockService stock, CancellationToken ct) =>
        (await stock.GetItemAsync(id, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Move(Guid id, MovementKind kind, MoveRequest request, StockService stock, CancellationToken ct) =>
        (await stock.MoveAsync(id, kind, request, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Transfer(Guid id, MoveRequest request, StockService stock, CancellationToken ct) =>
        (await stock.TransferAsync(id, request, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Adjust(Guid id, AdjustRequest request, StockService stock, CancellationToken ct) =>
        (await stock.AdjustAsync(id, request, ct)).ToHttp();

    static async Task<Results<Ok<Page<MovementDto>>, ValidationProblem, ProblemHttpResult>> ItemMovements(Guid id, [AsParameters] PageQuery page, StockService stock, CancellationToken ct) =>
        (await stock.MovementsAsync(id, page, ct)).ToHttp();

    static async Task<Results<Ok<Page<MovementDto>>, ValidationProblem, ProblemHttpResult>> Movements([AsParameters] PageQuery page, StockService stock, CancellationToken ct) =>
        (await stock.MovementsAsync(null, page, ct)).ToHttp();
}
