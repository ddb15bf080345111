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
        inventory.MapPost("/items/import", ImportItems)
            .WithSummary("Import items from CSV (managers); ?dry_run=true reports per-row problems without storing anything")
            .WithDescription("Body: text/csv with a header row; columns name, quantity (required), threshold, sku, barcode, unit, department, category, notes (department and category by name). A real run creates every item in one transaction, or none: any row problem answers 422 with import_errors [{row, field, message}].")
            .Accepts<string>("text/csv").ProducesProblem(422).ProducesProblem(403);
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
        inventory.MapPost("/movements/{movementId:long}/reverse", Reverse).AddEndpointFilter<IdempotencyFilter>()
            .WithSummary("Reverse a movement with a compensating one (managers)")
            .WithDescription("Writes a 'reversal' movement of the opposite delta that names the one it reverses; the original stays as it was. " +
                "A movement is reversed once; reversals and transfers are not reversed (transfer back instead). 409 with 'available' when the stock has gone meanwhile.")
            .ProducesProblem(404).ProducesProblem(409);

        inventory.MapGet("/items", ListItems).WithSummary("Items: search (name, SKU, barcode), filter by department, category, low stock; paged");
        inventory.MapPatch("/items/{id:guid}", UpdateItem).WithSummary("Change an item's details and threshold (managers); quantities change only through moves").ProducesProblem(404).ProducesProblem(409);
        inventory.MapDelete("/items/{id:guid}", ArchiveItem).WithSummary("Archive an item (managers); its history stays").ProducesProblem(404);
        inventory.MapGet("/lookup", Lookup).WithSummary("Find an item by barcode (or SKU)").ProducesProblem(404);
        inventory.MapGet("/status", Status).WithSummary("Every item with available stock and a low-stock flag (the CLI's status view)");

        inventory.MapInventorySubscriptions();

        inventory.MapPost("/exports", CreateExport).WithSummary("Start a CSV export of items, movements or the audit log (managers); 202 with its id and status")
            .WithDescription("The CSV is written in the background: poll GET /exports/{id} for status and progress, then fetch download_url. RFC 4180, UTF-8 with BOM, ISO-8601 instants, formula-looking cells escaped. Files expire (Inventory__ExportRetention, 24 h by default).")
            .ProducesProblem(403);
        inventory.MapGet("/exports", (ExportService e, [AsParameters] PageQuery page, CancellationToken ct) => e.ListAsync(page, ct)).WithSummary("This workspace's exports, newest first");
        inventory.MapGet("/exports/{id:guid}", async (Guid id, ExportService e, CancellationToken ct) => (await e.GetAsync(id, ct)).ToHttp())
            .WithSummary("An export's status (queued, running, succeeded, failed), progress and download_url").ProducesProblem(404);
        inventory.MapGet("/exports/{id:guid}/download", (Guid id, ExportService e, CancellationToken ct) => e.DownloadAsync(id, ct))
            .WithSummary("The export's CSV file, for members of its workspace; 410 once expired").Produces(200, contentType: "text/csv").ProducesProblem(404).ProducesProblem(409).ProducesProblem(410);

        inventory.MapGet("/departments", (CatalogService c, [AsParameters] PageQuery page, CancellationToken ct) => c.DepartmentsAsync(page, ct)).WithSummary("Departments");
        inventory.MapPost("/departments", async (DepartmentRequest r, CatalogService c, CancellationToken ct) => (await c.SaveDepartmentAsync(null, r, ct)).ToCreated(d => $"/api/v1/inventory/departments/{d.Id}"))
            .WithSummary("Add a department (managers)").ProducesProblem(409);
        inventory.MapGet("/departments/{id:guid}", async (Guid id, CatalogService c, CancellationToken ct) => (await c.DepartmentAsync(id, ct)).ToHttp())
            .WithSummary("One department").ProducesProblem(404);
        inventory.MapPatch("/departments/{id:guid}", async (Guid id, DepartmentRequest r, CatalogService c, CancellationToken ct) => (await c.SaveDepartmentAsync(id, r, ct)).ToHttp())
            .WithSummary("Rename a department or set its minimum (managers)").ProducesProblem(404);
        inventory.MapDelete("/departments/{id:guid}", async (Guid id, CatalogService c, CancellationToken ct) => (await c.DeleteDepartmentAsync(id, ct)).ToNoContent())
            .WithSummary("Delete an empty department (managers)").ProducesProblem(404).ProducesProblem(409);
        inventory.MapGet("/categories", (CatalogService c, [AsParameters] PageQuery page, CancellationToken ct) => c.CategoriesAsync(page, ct)).WithSummary("Categories (nested through parent_id)");
        inventory.MapPost("/categories", async (CategoryRequest r, CatalogService c, CancellationToken ct) => (await c.SaveCategoryAsync(null, r, ct)).ToCreated(x => $"/api/v1/inventory/categories/{x.Id}"))
            .WithSummary("Add a category, optionally inside another (managers)").ProducesProblem(409);
        inventory.MapGet("/categories/{id:guid}", async (Guid id, CatalogService c, CancellationToken ct) => (await c.CategoryAsync(id, ct)).ToHttp())
            .WithSummary("One category").ProducesProblem(404);
        inventory.MapPatch("/categories/{id:guid}", async (Guid id, CategoryRequest r, CatalogService c, CancellationToken ct) => (await c.SaveCategoryAsync(id, r, ct)).ToHttp())
            .WithSummary("Rename or move a category (managers)").ProducesProblem(404);
        inventory.MapDelete("/categories/{id:guid}", async (Guid id, CatalogService c, CancellationToken ct) => (await c.DeleteCategoryAsync(id, ct)).ToNoContent())
            .WithSummary("Delete an empty category (managers)").ProducesProblem(404).ProducesProblem(409);
    }

    static async Task<Results<Accepted<ExportDto>, ValidationProblem, ProblemHttpResult>> CreateExport(CreateExportRequest request, ExportService exports, CancellationToken ct)
    {
        var created = await exports.CreateAsync(request, ct);
        return created.IsOk
            ? TypedResults.Accepted($"/api/v1/inventory/exports/{created.Value!.Id}", created.Value)
            : created.ToHttp().Result switch
            {
                ValidationProblem v => v,
                ProblemHttpResult p => p,
                _ => created.ToProblem(),
            };
    }

    static async Task<IResult> ImportItems(HttpRequest http, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "dry_run")] bool? dryRun, ItemImport import, CancellationToken ct)
    {
        var media = http.ContentType is { } type ? Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(type).MediaType.Value : null;
        if (media is not ("text/csv" or "text/plain" or "application/csv"))
        {
            return TypedResults.Problem("Send the file as text/csv.", statusCode: 415, title: "Unsupported Media Type");
        }
        // The parser reads synchronously: take the (size-limited) body in first.
        using var body = new MemoryStream();
        await http.Body.CopyToAsync(body, ct);
        body.Position = 0;
        var outcome = await import.ImportAsync(body, dryRun == true, ct);
        if (!outcome.IsOk)
        {
            return outcome.ToHttp().Result;
        }
        var report = outcome.Value!;
        if (!report.DryRun && report.Errors.Count > 0)
        {
            return TypedResults.Problem($"{report.Errors.Count} problem(s) in the file; nothing was imported.", statusCode: 422, title: "Unprocessable Entity",
                extensions: new Dictionary<string, object?> { ["rows"] = report.Rows, ["import_errors"] = report.Errors });
        }
        return TypedResults.Ok(report);
    }

    static async Task<Ok<Page<ItemDto>>> ListItems([AsParameters] ItemQuery query, [AsParameters] PageQuery page, CatalogService catalog, CancellationToken ct) =>
        TypedResults.Ok(await catalog.ItemsAsync(query, page, ct));

    static async Task<Results<Ok<ItemDto>, ValidationProblem, ProblemHttpResult>> UpdateItem(Guid id, UpdateItemRequest request, CatalogService catalog, CancellationToken ct) =>
        (await catalog.UpdateItemAsync(id, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ArchiveItem(Guid id, CatalogService catalog, CancellationToken ct) =>
        (await catalog.ArchiveItemAsync(id, ct)).ToNoContent();

    static async Task<Results<Ok<ItemDto>, ValidationProblem, ProblemHttpResult>> Lookup(string? barcode, CatalogService catalog, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(barcode)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["barcode"] = ["Give ?barcode=."] })
            : (await catalog.LookupAsync(barcode, ct)).ToHttp();

    static async Task<Ok<StatusDto>> Status(CatalogService catalog, CancellationToken ct) => TypedResults.Ok(await catalog.StatusAsync(ct));

    static async Task<Results<Created<ItemDto>, ValidationProblem, ProblemHttpResult>> CreateItem(CreateItemRequest request, StockService stock, CancellationToken ct) =>
        (await stock.CreateItemAsync(request, ct)).ToCreated(i => $"/api/v1/inventory/items/{i.Id}");

    static async Task<Results<Ok<ItemDto>, ValidationProblem, ProblemHttpResult>> GetItem(Guid id, StockService stock, CancellationToken ct) =>
        (await stock.GetItemAsync(id, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Move(Guid id, MovementKind kind, MoveRequest request, StockService stock, CancellationToken ct) =>
        (await stock.MoveAsync(id, kind, request, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Reverse(long movementId, ReverseRequest request, StockService stock, CancellationToken ct) =>
        (await stock.ReverseAsync(movementId, request, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Transfer(Guid id, MoveRequest request, StockService stock, CancellationToken ct) =>
        (await stock.TransferAsync(id, request, ct)).ToHttp();

    static async Task<Results<Ok<MoveResultDto>, ValidationProblem, ProblemHttpResult>> Adjust(Guid id, AdjustRequest request, StockService stock, CancellationToken ct) =>
        (await stock.AdjustAsync(id, request, ct)).ToHttp();

    static async Task<Results<Ok<Page<MovementDto>>, ValidationProblem, ProblemHttpResult>> ItemMovements(Guid id, [AsParameters] PageQuery page, StockService stock, CancellationToken ct) =>
        (await stock.MovementsAsync(id, page, ct)).ToHttp();

    static async Task<Results<Ok<Page<MovementDto>>, ValidationProblem, ProblemHttpResult>> Movements([AsParameters] PageQuery page, StockService stock, CancellationToken ct) =>
        (await stock.MovementsAsync(null, page, ct)).ToHttp();
}
