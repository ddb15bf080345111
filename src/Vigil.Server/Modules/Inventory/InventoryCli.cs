using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

/// <summary>
/// <c>vigil inventory add|issue|return|restock|status</c>, as in the original CLI. It talks to a running server with an
/// API key (<c>VIGIL_URL</c>, <c>VIGIL_API_KEY</c>, optionally <c>VIGIL_WORKSPACE</c>) or, with <c>--local</c>, to the
/// database of <c>DATABASE_URL</c> through the same services. Every stock move sends its own idempotency key.
/// </summary>
public static class InventoryCli
{
    /// <summary>What a command needs, however it reaches the data.</summary>
    interface IBackend : IAsyncDisposable
    {
        Task<Outcome<ItemDto>> AddAsync(CreateItemRequest request, CancellationToken ct);

        Task<Outcome<MoveResultDto>> MoveAsync(string name, MovementKind kind, MoveRequest request, CancellationToken ct);

        Task<Outcome<StatusDto>> StatusAsync(CancellationToken ct);
    }

    public static Command Build(Func<string[], WebApplication> buildApp, Func<IServiceProvider, CancellationToken, Task<int?>> migrate)
    {
        var command = new Command("inventory", "Store-room stock: add items, issue, return, restock, and see the status.");
        var local = new Option<bool>("--local") { Description = "Use the database of DATABASE_URL directly instead of a server.", Recursive = true };
        var url = new Option<string?>("--url") { Description = "The server (default: VIGIL_URL).", Recursive = true };
        var key = new Option<string?>("--api-key") { Description = "An API key (default: VIGIL_API_KEY).", Recursive = true };
        var workspace = new Option<string?>("--workspace") { Description = "Workspace id (default: VIGIL_WORKSPACE, else the key's or your personal one).", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text.", Recursive = true };
        foreach (var option in (Option[])[local, url, key, workspace, json])
        {
            command.Options.Add(option);
        }
        var name = new Argument<string>("name") { Description = "The item's name." };
        var quantity = new Argument<int>("quantity") { Description = "How many." };

        Func<ParseResult, CancellationToken, Task<IBackend>> open = (r, ct) => OpenAsync(r.GetValue(local), r.GetValue(url), r.GetValue(key), r.GetValue(workspace), buildApp, migrate, ct);

        var add = new Command("add", "Add an item with its initial stock.") { name, quantity };
        var threshold = new Option<int>("--threshold") { Description = "Low-stock threshold.", DefaultValueFactory = _ => 0 };
        var sku = new Option<string?>("--sku") { Description = "Stock-keeping unit." };
        var barcode = new Option<string?>("--barcode") { Description = "Barcode." };
        var unit = new Option<string?>("--unit") { Description = "Unit (default pcs)." };
        foreach (var option in (Option[])[threshold, sku, barcode, unit])
        {
            add.Options.Add(option);
        }
        add.SetAction((r, ct) => RunAsync(open, r, async backend =>
        {
            var created = await backend.AddAsync(new CreateItemRequest
            {
                Name = r.GetValue(name),
                Quantity = r.GetValue(quantity),
                Threshold = r.GetValue(threshold),
                Sku = r.GetValue(sku),
                Barcode = r.GetValue(barcode),
                Unit = r.GetValue(unit),
            }, ct);
            return Print(created, r.GetValue(json), i => $"Added {i.Name}: {i.Quantity} {i.Unit} (low-stock threshold {i.Threshold}).");
        }, ct));
        command.Subcommands.Add(add);

        foreach (var (verb, kind, help) in new[]
        {
            ("issue", MovementKind.Issue, "Issue stock to someone."),
            ("return", MovementKind.Return, "Take stock back."),
            ("restock", MovementKind.Restock, "Add stock from a delivery."),
        })
        {
            var to = new Option<string?>("--to") { Description = "Who receives or brings back the items." };
            var note = new Option<string?>("--note") { Description = "A note for the history." };
            var move = new Command(verb, help) { name, quantity };
            move.Options.Add(to);
            move.Options.Add(note);
            move.SetAction((r, ct) => RunAsync(open, r, async backend =>
            {
                var moved = await backend.MoveAsync(r.GetValue(name)!, kind, new MoveRequest { Quantity = r.GetValue(quantity), To = r.GetValue(to), Note = r.GetValue(note) }, ct);
                return Print(moved, r.GetValue(json), m => $"{Past(kind)} {Math.Abs(m.Movement.Delta)} {m.Item.Name}; {m.Item.Quantity} {m.Item.Unit} available{(m.Item.LowStock ? " (LOW STOCK)" : "")}.");
            }, ct));
            command.Subcommands.Add(move);
        }

        var status = new Command("status", "Every item with its available stock; low stock is flagged.");
        status.SetAction((r, ct) => RunAsync(open, r, async backend => Print(await backend.StatusAsync(ct), r.GetValue(json), Table), ct));
        command.Subcommands.Add(status);
        return command;
    }

    static string Past(MovementKind kind) => kind switch
    {
        MovementKind.Issue => "Issued",
        MovementKind.Return => "Returned",
        _ => "Restocked",
    };

    static async Task<int> RunAsync(Func<ParseResult, CancellationToken, Task<IBackend>> open, ParseResult result, Func<IBackend, Task<int>> body, CancellationToken ct)
    {
        IBackend backend;
        try
        {
            backend = await open(result, ct);
        }
        catch (CliException e)
        {
            return Fail(e.Message, 2);
        }
        await using (backend)
        {
            try
            {
                return await body(backend);
            }
            catch (HttpRequestException e)
            {
                return Fail($"the server could not be reached: {e.Message}", 3);
            }
            catch (CliException e)
            {
                return Fail(e.Message, 1);
            }
        }
    }

    static int Print<T>(Outcome<T> outcome, bool json, Func<T, string> text)
    {
        if (!outcome.IsOk)
        {
            var detail = outcome.Detail ?? string.Join("; ", outcome.Errors?.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")) ?? []);
            if (outcome.Extensions?.TryGetValue("available", out var available) == true)
            {
                detail += $" (available: {available})";
            }
            return Fail(detail, 1);
        }
        Console.WriteLine(json ? JsonSerializer.Serialize(outcome.Value, PlatformSetup.Json) : text(outcome.Value!));
        return 0;
    }

    static string Table(StatusDto status)
    {
        var rows = status.Items.Select(i => new[]
        {
            i.Name, i.Quantity.ToString(CultureInfo.InvariantCulture), i.Threshold.ToString(CultureInfo.InvariantCulture), i.Unit, i.Department ?? "-", i.LowStock ? "LOW" : "ok",
        }).ToList();
        string[] header = ["ITEM", "AVAILABLE", "THRESHOLD", "UNIT", "DEPARTMENT", "STATUS"];
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((cell, c) => c is 1 or 2 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd();
        var lines = new List<string> { Line(header) };
        lines.AddRange(rows.Select(Line));
        lines.Add(status.LowStockCount == 0 ? "All items are above their thresholds." : $"Warning: {status.LowStockCount} item(s) below their low-stock threshold.");
        return string.Join(Environment.NewLine, lines);
    }

    static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"vigil: error: {message}");
        return code;
    }

    sealed class CliException(string message) : Exception(message);

    static async Task<IBackend> OpenAsync(bool local, string? url, string? key, string? workspace, Func<string[], WebApplication> buildApp,
        Func<IServiceProvider, CancellationToken, Task<int?>> migrate, CancellationToken ct)
    {
        workspace ??= Environment.GetEnvironmentVariable("VIGIL_WORKSPACE");
        Guid? workspaceId = null;
        if (!string.IsNullOrWhiteSpace(workspace))
        {
            workspaceId = Guid.TryParse(workspace, out var parsed) ? parsed : throw new CliException($"--workspace must be a workspace id, not '{workspace}'.");
        }
        if (local)
        {
            return await LocalBackend.OpenAsync(workspaceId, buildApp, migrate, ct);
        }
        url ??= Environment.GetEnvironmentVariable("VIGIL_URL");
        key ??= Environment.GetEnvironmentVariable("VIGIL_API_KEY");
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new CliException("Set VIGIL_URL (or --url) to the server's address, e.g. http://localhost:8080, or use --local.");
        }
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new CliException("Set VIGIL_API_KEY (or --api-key) to an API key, or use --local.");
        }
        return new RemoteBackend(baseUri, key, workspaceId);
    }

    /// <summary>Over HTTP with an API key, as any client would.</summary>
    sealed class RemoteBackend : IBackend
    {
        readonly HttpClient _http;

        public RemoteBackend(Uri baseUri, string key, Guid? workspace)
        {
            _http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (workspace is { } id)
            {
                _http.DefaultRequestHeaders.Add("X-Workspace-Id", id.ToString());
            }
        }

        public async Task<Outcome<ItemDto>> AddAsync(CreateItemRequest request, CancellationToken ct) =>
            await SendAsync<ItemDto>(HttpMethod.Post, "api/v1/inventory/items", request, ct);

        public async Task<Outcome<MoveResultDto>> MoveAsync(string name, MovementKind kind, MoveRequest request, CancellationToken ct)
        {
            var found = await SendAsync<Page<ItemDto>>(HttpMethod.Get, $"api/v1/inventory/items?name={Uri.EscapeDataString(name)}&limit=1", null, ct);
            if (!found.IsOk)
            {
                return found.As<MoveResultDto>();
            }
            if (found.Value!.Items.Count == 0)
            {
                return Outcome.Missing<MoveResultDto>($"No item named '{name}'.");
            }
            var verb = EnumText.Name(kind);
            return await SendAsync<MoveResultDto>(HttpMethod.Post, $"api/v1/inventory/items/{found.Value.Items[0].Id}/{verb}", request, ct);
        }

        public async Task<Outcome<StatusDto>> StatusAsync(CancellationToken ct) =>
            await SendAsync<StatusDto>(HttpMethod.Get, "api/v1/inventory/status", null, ct);

        async Task<Outcome<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: PlatformSetup.Json);
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            }
            using var response = await _http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadFromJsonAsync<T>(PlatformSetup.Json, ct))!;
            }
            var problem = await ReadProblemAsync(response, ct);
            var detail = problem.Detail ?? $"HTTP {(int)response.StatusCode}";
            return response.StatusCode switch
            {
                HttpStatusCode.NotFound => Outcome.Missing<T>(detail),
                HttpStatusCode.Conflict => Outcome.Conflict<T>(detail, problem.Available is { } a ? new Dictionary<string, object?> { ["available"] = a } : null),
                HttpStatusCode.BadRequest when problem.Errors is { } errors => Outcome.Invalid<T>(errors),
                HttpStatusCode.Unauthorized => Outcome.Forbidden<T>("The API key was not accepted."),
                _ => Outcome.Forbidden<T>(detail),
            };
        }

        static async Task<(string? Detail, int? Available, Dictionary<string, string[]>? Errors)> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
        {
            try
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : problem.TryGetProperty("title", out var t) ? t.GetString() : null;
                int? available = problem.TryGetProperty("available", out var a) && a.TryGetInt32(out var n) ? n : null;
                var errors = problem.TryGetProperty("errors", out var e) ? e.Deserialize<Dictionary<string, string[]>>() : null;
                return (detail, available, errors);
            }
            catch (JsonException)
            {
                return (null, null, null);
            }
        }

        public ValueTask DisposeAsync()
        {
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Straight to the database, through the same services the API uses, acting as the workspace's owner.</summary>
    sealed class LocalBackend(WebApplication app, AsyncServiceScope scope) : IBackend
    {
        public static async Task<IBackend> OpenAsync(Guid? workspace, Func<string[], WebApplication> buildApp, Func<IServiceProvider, CancellationToken, Task<int?>> migrate, CancellationToken ct)
        {
            WebApplication app;
            try
            {
                app = buildApp([]);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new CliException(e.Message);
            }
            if (await migrate(app.Services, ct) is not null)
            {
                await app.DisposeAsync();
                throw new CliException("The database could not be opened (see above).");
            }
            var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            // Without --workspace: the first admin's personal workspace, the one a fresh install starts with.
            var id = workspace ?? await db.Users.AsNoTracking().Where(u => u.IsAdmin)
                .OrderBy(u => u.CreatedAt).Select(u => (Guid?)u.PersonalWorkspaceId).FirstOrDefaultAsync(ct);
            if (id is not { } chosen || !await db.Workspaces.AnyAsync(w => w.Id == chosen, ct))
            {
                await scope.DisposeAsync();
                await app.DisposeAsync();
                throw new CliException(workspace is null ? "No workspace to use: give --workspace." : $"No workspace {workspace}.");
            }
            scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Set(chosen, WorkspaceRole.Owner);
            // The moves are the workspace owner's: history and audit name them, as they would through the API.
            var owner = await db.WorkspaceMembers.AsNoTracking().Where(m => m.WorkspaceId == chosen && m.Role == WorkspaceRole.Owner)
                .OrderBy(m => m.JoinedAt).Select(m => new { m.UserId, m.User!.UserName }).FirstOrDefaultAsync(ct);
            if (owner is not null)
            {
                scope.ServiceProvider.GetRequiredService<Platform.Audit.Actor>().Instead = (owner.UserId, owner.UserName ?? "owner");
            }
            return new LocalBackend(app, scope);
        }

        StockService Stock => scope.ServiceProvider.GetRequiredService<StockService>();

        public Task<Outcome<ItemDto>> AddAsync(CreateItemRequest request, CancellationToken ct)
        {
            var errors = RequestValidationFilter.Validate(request);
            return errors.Count > 0 ? Task.FromResult(Outcome.Invalid<ItemDto>(errors)) : Stock.CreateItemAsync(request, ct);
        }

        public async Task<Outcome<MoveResultDto>> MoveAsync(string name, MovementKind kind, MoveRequest request, CancellationToken ct)
        {
            var errors = RequestValidationFilter.Validate(request);
            if (errors.Count > 0)
            {
                return Outcome.Invalid<MoveResultDto>(errors);
            }
            var normalized = name.Trim().ToUpperInvariant();
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var id = await db.Set<InventoryItem>().Where(i => i.NormalizedName == normalized && !i.Archived).Select(i => (Guid?)i.Id).FirstOrDefaultAsync(ct);
            return id is { } found ? await Stock.MoveAsync(found, kind, request, ct) : Outcome.Missing<MoveResultDto>($"No item named '{name}'.");
        }

        public async Task<Outcome<StatusDto>> StatusAsync(CancellationToken ct) =>
            await scope.ServiceProvider.GetRequiredService<CatalogService>().StatusAsync(ct);

        public async ValueTask DisposeAsync()
        {
            await scope.DisposeAsync();
            await app.DisposeAsync();
        }
    }
}
