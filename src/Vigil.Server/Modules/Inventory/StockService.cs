using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Realtime;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

/// <summary>
/// Store-room stock in the current workspace. Quantities change only through moves: one conditional UPDATE
/// (<c>… WHERE Quantity &gt;= n</c>) plus the movement row, in one transaction, so concurrent issues can never take
/// more than there is; the database's CHECK is the last line.
/// </summary>
public sealed class StockService(VigilDb db, ICurrentWorkspace workspace, Actor actor, AuditLog audit, TimeProvider clock, LowStockAlerts lowStock, RealtimePublisher realtime)
{
    static Outcome<T> Denied<T>(WorkspaceRole needed) =>
        Outcome.Forbidden<T>($"This needs the {needed.ToString().ToLowerInvariant()} role or higher in this workspace.");

    bool Has(WorkspaceRole role) => workspace.Role >= role;

    public async Task<Outcome<ItemDto>> CreateItemAsync(CreateItemRequest request, CancellationToken ct)
    {
        if (!Has(WorkspaceRole.Manager))
        {
            return Denied<ItemDto>(WorkspaceRole.Manager);
        }
        var name = request.Name!.Trim();
        var normalized = name.ToUpperInvariant();
        if (await db.Set<InventoryItem>().AnyAsync(i => i.NormalizedName == normalized && !i.Archived, ct))
        {
            return Outcome.ConflictOn<ItemDto>("name", $"An item named '{name}' already exists in this workspace.");
        }
        var barcode = request.Barcode?.Trim() is { Length: > 0 } code ? code : null;
        if (barcode is not null && await CatalogService.BarcodeHolderAsync(db, barcode, null, ct) is { } holder)
        {
            return Outcome.ConflictOn<ItemDto>("barcode", $"'{holder}' already has barcode {barcode}; a scan finds one item.");
        }
        if (await CheckReferencesAsync<ItemDto>(request.DepartmentId, request.CategoryId, ct) is { } invalid)
        {
            return invalid;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var item = new InventoryItem
        {
            WorkspaceId = workspace.Id,
            Name = name,
            NormalizedName = normalized,
            Sku = request.Sku?.Trim(),
            Barcode = barcode,
            Unit = request.Unit?.Trim() ?? "pcs",
            Quantity = request.Quantity!.Value,
            Threshold = request.Threshold ?? 0,
            DepartmentId = request.DepartmentId,
            CategoryId = request.CategoryId,
            Notes = request.Notes,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Set<InventoryItem>().Add(item);
        db.Set<StockMovement>().Add(Movement(item.Id, MovementKind.Add, item.Quantity, item.Quantity, now, departmentId: item.DepartmentId));
        audit.Record("inventory.item.created", "inventory_item", item.Id, workspace.Id, after: new { item.Name, item.Quantity, item.Threshold });
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        var notice = await lowStock.EvaluateAsync(item.Id, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await AnnounceAsync(item.Id, item.Quantity, notice, ct);
        return await ToDtoAsync(item, ct);
    }

    /// <summary>Issue, return or restock: one conditional update and one movement, atomically.</summary>
    public async Task<Outcome<MoveResultDto>> MoveAsync(Guid itemId, MovementKind kind, MoveRequest request, CancellationToken ct)
    {
        var needed = kind == MovementKind.Restock ? WorkspaceRole.Manager : WorkspaceRole.Member;
        if (!Has(needed))
        {
            return Denied<MoveResultDto>(needed);
        }
        var delta = kind == MovementKind.Issue ? -request.Quantity!.Value : request.Quantity!.Value;
        return await ApplyAsync(itemId, delta, kind, request.To, request.Note, null, null, ct);
    }

    /// <summary>Stock-take correction: to a counted quantity or by a signed amount, with a reason.</summary>
    public async Task<Outcome<MoveResultDto>> AdjustAsync(Guid itemId, AdjustRequest request, CancellationToken ct)
    {
        if (!Has(WorkspaceRole.Manager))
        {
            return Denied<MoveResultDto>(WorkspaceRole.Manager);
        }
        if ((request.CountedQuantity is null) == (request.Quantity is null))
        {
            return Outcome.Invalid<MoveResultDto>("counted_quantity", "Give counted_quantity (what is on the shelf) or quantity (a signed correction), not both.");
        }
        int delta;
        if (request.CountedQuantity is { } counted)
        {
            var current = await db.Set<InventoryItem>().AsNoTracking().Where(i => i.Id == itemId && !i.Archived).Select(i => (int?)i.Quantity).SingleOrDefaultAsync(ct);
            if (current is null)
            {
                return Outcome.Missing<MoveResultDto>("No such item.");
            }
            delta = counted - current.Value;
        }
        else
        {
            delta = request.Quantity!.Value;
        }
        if (delta == 0)
        {
            return Outcome.Invalid<MoveResultDto>("quantity", "The stock is already at that quantity.");
        }
        return await ApplyAsync(itemId, delta, MovementKind.Adjust, null, request.Note, request.Reason, null, ct);
    }

    /// <summary>
    /// Moves stock to another department: two movements sharing a correlation id. The store room keeps one quantity
    /// per item, so all of an item's stock moves the item itself (out of the old department to 0, into the new one);
    /// part of it goes to the new department's own stock of the item, <c>{name} ({department})</c>, made on the first
    /// such transfer with the item's unit, SKU, threshold and category.
    /// </summary>
    public async Task<Outcome<MoveResultDto>> TransferAsync(Guid itemId, MoveRequest request, CancellationToken ct)
    {
        if (!Has(WorkspaceRole.Manager))
        {
            return Denied<MoveResultDto>(WorkspaceRole.Manager);
        }
        if (request.DepartmentId is not { } target)
        {
            return Outcome.Invalid<MoveResultDto>("department_id", "Name the department to transfer to.");
        }
        var department = await db.Set<Department>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == target, ct);
        if (department is null)
        {
            return Outcome.Invalid<MoveResultDto>("department_id", "No such department.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var item = await db.Set<InventoryItem>().SingleOrDefaultAsync(i => i.Id == itemId && !i.Archived, ct);
        if (item is null)
        {
            return Outcome.Missing<MoveResultDto>("No such item.");
        }
        if (item.DepartmentId == target)
        {
            return Outcome.Invalid<MoveResultDto>("department_id", "The item is already in that department.");
        }
        var quantity = request.Quantity!.Value;
        if (quantity > item.Quantity)
        {
            return Unavailable(item.Quantity);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var correlation = Ids.New();
        var from = item.DepartmentId;
        StockMovement outgoing, incoming;
        InventoryItem? split = null;
        if (quantity == item.Quantity)
        {
            // All of it: the item itself moves.
            outgoing = Movement(item.Id, MovementKind.TransferOut, -quantity, 0, now, from, request.To, request.Note, correlation: correlation);
            incoming = Movement(item.Id, MovementKind.TransferIn, quantity, quantity, now, target, request.To, request.Note, correlation: correlation);
            item.DepartmentId = target;
        }
        else
        {
            var name = $"{item.Name} ({department.Name})";
            var normalized = name.ToUpperInvariant();
            split = await db.Set<InventoryItem>().SingleOrDefaultAsync(i => i.NormalizedName == normalized && !i.Archived, ct);
            if (split is not null && split.DepartmentId != target)
            {
                return Outcome.Conflict<MoveResultDto>($"The item '{name}' that would hold this stock is not in {department.Name}; rename or transfer it first.");
            }
            if (split is null)
            {
                if (name.Length > CreateItemRequest.NameMax)
                {
                    return Outcome.Invalid<MoveResultDto>("quantity", $"Part of the stock would go to a new item '{name}', longer than {CreateItemRequest.NameMax} characters; transfer all of it, or shorten the names.");
                }
                split = new InventoryItem
                {
                    WorkspaceId = workspace.Id,
                    Name = name,
                    NormalizedName = normalized,
                    Sku = item.Sku,
                    Unit = item.Unit,
                    Threshold = item.Threshold,
                    DepartmentId = target,
                    CategoryId = item.CategoryId,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                db.Set<InventoryItem>().Add(split);
                audit.Record("inventory.item.created", "inventory_item", split.Id, workspace.Id, after: new { split.Name, Quantity = 0, split.Threshold, SplitFrom = item.Id });
            }
            if (split.Quantity > int.MaxValue - quantity)
            {
                return TooMuch(split.Quantity);
            }
            item.Quantity -= quantity;
            split.Quantity += quantity;
            split.Version++;
            split.UpdatedAt = now;
            outgoing = Movement(item.Id, MovementKind.TransferOut, -quantity, item.Quantity, now, from, request.To, request.Note, correlation: correlation);
            incoming = Movement(split.Id, MovementKind.TransferIn, quantity, split.Quantity, now, target, request.To, request.Note, correlation: correlation);
        }
        item.Version++;
        item.UpdatedAt = now;
        db.Set<StockMovement>().AddRange(outgoing, incoming);
        audit.Record("inventory.item.transferred", "inventory_item", item.Id, workspace.Id, new { DepartmentId = from },
            new { DepartmentId = target, Quantity = quantity, ToItem = split?.Id ?? item.Id });
        try
        {
            // The version check makes a move that raced this one a conflict rather than a lost update.
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Outcome.Conflict<MoveResultDto>("The stock changed meanwhile; try again.");
        }
        // The new department's minimum may start (or end) a low-stock episode; the old one's too for what stays.
        var notice = await lowStock.EvaluateAsync(item.Id, ct);
        var splitNotice = split is null ? null : await lowStock.EvaluateAsync(split.Id, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await AnnounceAsync(item.Id, item.Quantity, notice, ct);
        if (split is not null)
        {
            await AnnounceAsync(split.Id, split.Quantity, splitNotice, ct);
        }
        return new MoveResultDto(await ToDtoAsync(item, ct), MovementDto.From(outgoing), MovementDto.From(incoming));
    }

    /// <summary>Undoes a movement with a compensating one of the opposite delta, once.</summary>
    public async Task<Outcome<MoveResultDto>> ReverseAsync(long movementId, ReverseRequest request, CancellationToken ct)
    {
        if (!Has(WorkspaceRole.Manager))
        {
            return Denied<MoveResultDto>(WorkspaceRole.Manager);
        }
        var original = await db.Set<StockMovement>().AsNoTracking().SingleOrDefaultAsync(m => m.Id == movementId, ct);
        if (original is null)
        {
            return Outcome.Missing<MoveResultDto>("No such movement.");
        }
        if (original.Kind is MovementKind.TransferIn or MovementKind.TransferOut)
        {
            return Outcome.Conflict<MoveResultDto>("A transfer is undone by a transfer back.");
        }
        if (original.Kind == MovementKind.Reversal)
        {
            return Outcome.Conflict<MoveResultDto>("A reversal is not reversed; make the move again.");
        }
        if (original.Delta == 0)
        {
            return Outcome.Conflict<MoveResultDto>("This movement changed no stock.");
        }
        // Checked once the item's row is locked by the update, so two reversals at once cannot both pass.
        return await ApplyAsync(original.ItemId, -original.Delta, MovementKind.Reversal, null, request.Note, request.Reason, movementId, ct,
            afterLock: async () => await db.Set<StockMovement>().AnyAsync(m => m.ReversesMovementId == movementId, ct) ? "This movement is already reversed." : null);
    }

    async Task<Outcome<MoveResultDto>> ApplyAsync(Guid itemId, int delta, MovementKind kind, string? person, string? note, string? reason, long? reverses, CancellationToken ct,
        Func<Task<string?>>? afterLock = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var items = db.Set<InventoryItem>().Where(i => i.Id == itemId && !i.Archived);
        // Never below zero: the condition is part of the update, so a lost race changes nothing.
        // Nor above what a quantity can hold.
        var changed = delta >= 0
            ? await items.Where(i => i.Quantity <= int.MaxValue - delta)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Quantity, i => i.Quantity + delta).SetProperty(i => i.Version, i => i.Version + 1).SetProperty(i => i.UpdatedAt, now), ct)
            : await items.Where(i => i.Quantity >= -delta)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Quantity, i => i.Quantity + delta).SetProperty(i => i.Version, i => i.Version + 1).SetProperty(i => i.UpdatedAt, now), ct);
        var item = await db.Set<InventoryItem>().AsNoTracking().SingleOrDefaultAsync(i => i.Id == itemId && !i.Archived, ct);
        if (item is null)
        {
            return Outcome.Missing<MoveResultDto>("No such item.");
        }
        if (changed == 0)
        {
            return delta >= 0 ? TooMuch(item.Quantity) : Unavailable(item.Quantity);
        }
        if (afterLock is not null && await afterLock() is { } refused)
        {
            return Outcome.Conflict<MoveResultDto>(refused); // the transaction is rolled back with the update
        }
        var movement = Movement(itemId, kind, delta, item.Quantity, now, item.DepartmentId, person, note, reason, reverses: reverses);
        db.Set<StockMovement>().Add(movement);
        // Every change to an item is in the audit log too, so one export answers "who changed what", moves included.
        audit.Record(MoveAction(kind), "inventory_item", itemId, workspace.Id, new { Quantity = item.Quantity - delta },
            new { item.Quantity, Delta = delta, To = movement.Person, Reason = reason, ReversesMovement = reverses }, summary: note);
        var notice = await lowStock.EvaluateAsync(itemId, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await AnnounceAsync(itemId, item.Quantity, notice, ct);
        return new MoveResultDto(await ToDtoAsync(item, ct), MovementDto.From(movement));
    }

    static string MoveAction(MovementKind kind) => kind switch
    {
        MovementKind.Issue => "inventory.item.issued",
        MovementKind.Return => "inventory.item.returned",
        MovementKind.Restock => "inventory.item.restocked",
        MovementKind.Adjust => "inventory.item.adjusted",
        MovementKind.Reversal => "inventory.item.reversed",
        _ => "inventory.item.moved",
    };

    /// <summary>After commit: the workspace's open pages see the new quantity, and the low-stock toast when one started.</summary>
    async Task AnnounceAsync(Guid itemId, int quantity, LowStockNotice? notice, CancellationToken ct)
    {
        await realtime.PublishAsync(workspace.Id, "inventory.stock_changed", new { item_id = itemId, quantity }, ct);
        await lowStock.AnnounceAsync(notice, ct);
    }

    static Outcome<MoveResultDto> TooMuch(int held) =>
        Outcome.Conflict<MoveResultDto>($"An item holds at most {int.MaxValue:N0}; it holds {held:N0}.", new Dictionary<string, object?> { ["available"] = held });

    static Outcome<MoveResultDto> Unavailable(int available) =>
        Outcome.Conflict<MoveResultDto>($"Only {available} available.", new Dictionary<string, object?> { ["available"] = available });

    StockMovement Movement(Guid itemId, MovementKind kind, int delta, int after, DateTime at, Guid? departmentId = null, string? person = null,
        string? note = null, string? reason = null, Guid? correlation = null, long? reverses = null) => new()
        {
            WorkspaceId = workspace.Id,
            ItemId = itemId,
            Kind = kind,
            Delta = delta,
            QuantityAfter = after,
            DepartmentId = departmentId,
            Person = person?.Trim(),
            Note = note,
            Reason = reason,
            CorrelationId = correlation,
            ReversesMovementId = reverses,
            ActorUserId = actor.UserId,
            ActorName = actor.Name,
            At = at,
        };

    public async Task<Outcome<ItemDto>> GetItemAsync(Guid id, CancellationToken ct)
    {
        var item = await db.Set<InventoryItem>().AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        return item is null ? Outcome.Missing<ItemDto>("No such item.") : await ToDtoAsync(item, ct);
    }

    public async Task<Outcome<Page<MovementDto>>> MovementsAsync(Guid? itemId, PageQuery page, CancellationToken ct)
    {
        if (itemId is { } id && !await db.Set<InventoryItem>().AnyAsync(i => i.Id == id, ct))
        {
            return Outcome.Missing<Page<MovementDto>>("No such item.");
        }
        var query = db.Set<StockMovement>().AsNoTracking();
        if (itemId is { } only)
        {
            query = query.Where(m => m.ItemId == only);
        }
        var rows = await query.OrderByDescending(m => m.Id).ToPageAsync(page, ct);
        return rows.Map(MovementDto.From);
    }

    async Task<Outcome<T>?> CheckReferencesAsync<T>(Guid? departmentId, Guid? categoryId, CancellationToken ct)
    {
        if (departmentId is { } d && !await db.Set<Department>().AnyAsync(x => x.Id == d, ct))
        {
            return Outcome.Invalid<T>("department_id", "No such department.");
        }
        if (categoryId is { } c && !await db.Set<Category>().AnyAsync(x => x.Id == c, ct))
        {
            return Outcome.Invalid<T>("category_id", "No such category.");
        }
        return null;
    }

    async Task<ItemDto> ToDtoAsync(InventoryItem i, CancellationToken ct)
    {
        var minimum = i.DepartmentId is { } d
            ? await db.Set<Department>().AsNoTracking().Where(x => x.Id == d).Select(x => x.MinimumOverride).SingleOrDefaultAsync(ct)
            : null;
        var threshold = minimum ?? i.Threshold;
        return new ItemDto(i.Id, i.Name, i.Sku, i.Barcode, i.Unit, i.Quantity, i.Threshold, threshold, i.Quantity < threshold,
            i.DepartmentId, i.CategoryId, i.Notes, i.Archived, i.CreatedAt, i.UpdatedAt);
    }
}
